//! `--time-limit SECONDS` on any cell magic line. It is taken out of the line before the
//! language's own options are parsed, because it means the same in every language.

use super::args::split_words;
use crate::engine::{EngineError, Language};

/// The line without `--time-limit`, and the limit. The rest is re-quoted for the options parser.
pub fn take_time_limit(
    language: Language,
    rest: &str,
) -> Result<(String, Option<std::time::Duration>), EngineError> {
    if !rest.contains("--time-limit") {
        return Ok((rest.to_string(), None));
    }
    let magic = language.magic();
    let words =
        split_words(rest).map_err(|e| EngineError::usage(format!("in the %%{magic} line: {e}")))?;
    let mut kept = Vec::new();
    let mut limit = None;
    let mut iter = words.into_iter();
    while let Some(word) = iter.next() {
        let value = if word == "--time-limit" {
            iter.next()
        } else if let Some(v) = word.strip_prefix("--time-limit=") {
            Some(v.to_string())
        } else {
            kept.push(word);
            continue;
        };
        let value = value.ok_or_else(|| {
            EngineError::usage(format!(
                "--time-limit needs a value in seconds in the %%{magic} line"
            ))
        })?;
        limit = Some(crate::session::time_limit::parse(&value).ok_or_else(|| {
            EngineError::usage(format!(
                "--time-limit expects seconds above 0 (e.g. 5 or 0.5, at most a day), got '{value}' in the %%{magic} line"
            ))
        })?);
    }
    let line = kept
        .iter()
        .map(|w| {
            if w.is_empty() || w.contains(|c: char| c.is_whitespace() || c == '\'' || c == '"') {
                format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    Ok((line, limit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_limit_is_taken_out_and_the_rest_kept() {
        let (rest, limit) =
            take_time_limit(Language::Sql, "pg --time-limit 2.5 --limit 3").unwrap();
        assert_eq!(rest, "pg --limit 3");
        assert_eq!(limit, Some(Duration::from_millis(2500)));
        let (rest, limit) = take_time_limit(Language::Redis, "--time-limit=1").unwrap();
        assert_eq!(rest, "");
        assert_eq!(limit, Some(Duration::from_secs(1)));
        assert!(take_time_limit(Language::Mql, "--time-limit never").is_err());
        assert!(take_time_limit(Language::Mql, "--time-limit").is_err());
    }
}
