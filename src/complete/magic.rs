//! Completion on magic lines: magic names, connection names after `%%sql ` / `%%mql ` /
//! `%%redis ` and `%use`, options after `--`, variable names after `--out`, `%set` and
//! `%vars`, URL shapes after `%connect NAME`.

use super::{Candidate, Completion, fits};
use crate::catalog::cache::Cache;
use crate::cell::{CELL_MAGICS, magics::LINE_MAGICS, options::known_options};
use crate::engine::Language;

/// URL shapes `%connect NAME` takes, as the registry accepts them.
const URL_SHAPES: &[&str] = &[
    "sqlite::memory:",
    "sqlite:",
    "postgresql://",
    "mysql://",
    "mariadb://",
    "mongodb://",
    "embedded",
    "redis://",
];

pub fn complete(cache: &Cache, code: &str, line_start: usize, cursor: usize) -> Completion {
    let line = &code[line_start..cursor];
    let indent = line.len() - line.trim_start().len();
    let typed_start = line
        .rfind(char::is_whitespace)
        .map_or(line_start + indent, |i| line_start + i + 1);
    let typed = &code[typed_start..cursor];
    let words: Vec<&str> = code[line_start..typed_start].split_whitespace().collect();
    let mut candidates = Vec::new();
    let Some(magic) = words.first() else {
        // The magic name itself.
        let names = CELL_MAGICS.iter().chain(LINE_MAGICS);
        candidates.extend(
            names
                .filter(|m| m.starts_with(typed))
                .map(|m| Candidate::new(*m, "magic")),
        );
        return Completion {
            start: typed_start,
            candidates,
        };
    };
    let language = match *magic {
        "%%sql" => Some(Language::Sql),
        "%%mql" | "%%mongo" => Some(Language::Mql),
        "%%redis" => Some(Language::Redis),
        _ => None,
    };
    let previous = words.last().copied().unwrap_or("");
    if let Some(language) = language {
        if typed.starts_with("--") {
            for option in known_options(language) {
                let (name, value) = option.split_once(' ').unwrap_or((option, ""));
                if name.starts_with(typed) {
                    candidates.push(Candidate::new(name, "option").with_detail(value));
                }
            }
        } else if previous == "--out" {
            candidates.extend(super::variables(cache, typed));
        } else if words.len() == 1 {
            candidates.extend(connections(cache, Some(language), typed));
        }
    } else {
        match (*magic, words.len()) {
            ("%use", 1) => candidates.extend(connections(cache, None, typed)),
            ("%set", 1) => candidates.extend(super::variables(cache, typed)),
            ("%connect", 2) => candidates.extend(
                URL_SHAPES
                    .iter()
                    .filter(|u| u.starts_with(typed))
                    .map(|u| Candidate::new(*u, "url")),
            ),
            ("%help", 1) => candidates.extend(
                CELL_MAGICS
                    .iter()
                    .chain(LINE_MAGICS)
                    .map(|m| m.trim_start_matches('%'))
                    .filter(|m| m.starts_with(typed))
                    .map(|m| Candidate::new(m, "magic")),
            ),
            _ => {}
        }
    }
    Completion {
        start: typed_start,
        candidates,
    }
}

/// Connection names (of one language, or all), the current one first.
fn connections(cache: &Cache, language: Option<Language>, typed: &str) -> Vec<Candidate> {
    let mut entries: Vec<_> = cache
        .connections()
        .into_iter()
        .filter(|c| language.is_none_or(|l| l == c.language) && fits(&c.name, typed, false))
        .collect();
    entries.sort_by_key(|c| (!c.current, c.name.clone()));
    entries
        .into_iter()
        .map(|c| {
            let detail = format!(
                "%%{} {}",
                c.language.magic(),
                crate::engine::registry::mask_password(&c.kind)
            );
            Candidate::new(c.name, "connection").with_detail(detail)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::connections::Connections;
    use std::sync::Arc;

    fn cache() -> Arc<Cache> {
        let cache = Arc::new(Cache::default());
        // The environment's defaults, none opened: names only, no catalog reads.
        cache.after_cell(Connections::from_environment().entries(), Vec::new(), "");
        cache
    }

    fn texts(code: &str) -> Vec<String> {
        let cache = cache();
        complete(&cache, code, 0, code.len())
            .candidates
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn connection_names_by_language_and_options_after_dashes() {
        assert_eq!(texts("%%sql def"), ["default"]);
        assert_eq!(texts("%%mql "), ["mongo"]);
        assert_eq!(texts("%%redis r"), ["redis"]);
        assert_eq!(texts("%use "), ["default", "mongo", "redis", "results"]);
        assert_eq!(texts("%%mql --j"), ["--json"]);
        assert_eq!(texts("%%sql --an"), ["--analyze"]);
        assert_eq!(texts("%%redis --t"), ["--timeout"]);
        assert_eq!(texts("%connect x post"), ["postgresql://"]);
        assert!(texts("%%sq").contains(&"%%sql".to_string()));
    }
}
