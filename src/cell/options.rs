//! Options on a cell magic line: `%%sql [CONN] [--limit N] [--out NAME] [--explain] [--analyze]
//! [--compare NAME]`, `%%mql [CONN] [--limit N] [--out NAME] [--explain] [--json] [--compare NAME]`,
//! `%%redis [CONN] [--timeout SECONDS] [--count N] [--out NAME]`; every magic takes
//! `--export PATH [--format F] [--force]` and `--chart KIND x=COL [y=COL] [color=COL]` (see
//! `chart.rs`).

use std::time::Duration;

use super::args::split_words;
use crate::engine::{EngineError, Language};
use crate::session::variables::valid_name;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellOptions {
    /// Rows (documents, replies) shown per result; `None` = the `display_limit` setting.
    pub limit: Option<usize>,
    /// Keep the full result in this variable.
    pub out: Option<String>,
    /// Show the query plan instead of rows.
    pub explain: bool,
    /// Run the statement and show the plan with actual figures.
    pub analyze: bool,
    /// Bound for blocking and streaming Redis commands (default 10 s).
    pub timeout: Option<Duration>,
    /// Stop a streaming Redis command after this many messages.
    pub count: Option<u64>,
    /// MQL: also offer results as `application/json`, shown by JupyterLab as a collapsible tree.
    pub json: bool,
    /// Draw this cell's plan beside the plan kept under this name (`--out NAME` of a plan cell).
    pub compare: Option<String>,
    /// Write every row (document, reply element) of the last statement to this file
    /// (`--export PATH`).
    pub export: Option<String>,
    /// The export's format when the extension does not say it (`--format csv|jsonl|parquet|arrow`).
    pub format: Option<crate::export::Format>,
    /// Replace an existing export file.
    pub force: bool,
    /// Draw the cell's last result as a chart (`--chart KIND x=… y=…`) instead of its rows.
    pub chart: Option<chart::Request>,
}

pub fn known_options(language: Language) -> &'static [&'static str] {
    match language {
        Language::Sql => &[
            "--limit N",
            "--out NAME",
            "--explain",
            "--analyze",
            "--compare NAME",
            "--export PATH",
            "--format csv|jsonl|parquet|arrow",
            "--force",
            "--chart KIND x=COL [y=COL] [color=COL]",
        ],
        Language::Mql => &[
            "--limit N",
            "--out NAME",
            "--explain",
            "--json",
            "--compare NAME",
            "--export PATH",
            "--format csv|jsonl|parquet|arrow",
            "--force",
            "--chart KIND x=COL [y=COL] [color=COL]",
        ],
        Language::Redis => &[
            "--limit N",
            "--out NAME",
            "--timeout SECONDS",
            "--count N",
            "--export PATH",
            "--format csv|jsonl|parquet|arrow",
            "--force",
            "--chart KIND x=COL [y=COL] [color=COL]",
        ],
    }
}

/// Parses everything after the magic name. A first word not starting with `--` is the connection.
pub fn parse_header(
    language: Language,
    rest: &str,
) -> Result<(Option<String>, CellOptions), EngineError> {
    let magic = language.magic();
    let words =
        split_words(rest).map_err(|e| EngineError::usage(format!("in the %%{magic} line: {e}")))?;
    let mut options = CellOptions::default();
    let mut connection = None;
    let mut iter = words.into_iter().peekable();
    if let Some(first) = iter.peek()
        && !first.starts_with("--")
    {
        connection = iter.next();
    }
    let usage = |msg: String| {
        EngineError::usage(format!(
            "{msg} in the %%{magic} line; options for %%{magic}: {}",
            known_options(language).join(", ")
        ))
    };
    while let Some(word) = iter.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (word.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, EngineError> {
            inline
                .clone()
                .or_else(|| iter.next())
                .ok_or_else(|| usage(format!("{name} needs a value")))
        };
        match (flag.as_str(), language) {
            ("--limit", _) => {
                let v = value("--limit")?;
                options.limit =
                    Some(v.parse().map_err(|_| {
                        usage(format!("--limit expects a whole number, got '{v}'"))
                    })?);
            }
            ("--out", _) => {
                let v = value("--out")?;
                if !valid_name(&v) {
                    return Err(usage(format!(
                        "--out expects a variable name (letters, digits, _), got '{v}'"
                    )));
                }
                options.out = Some(v);
            }
            ("--explain", Language::Sql | Language::Mql) => options.explain = true,
            ("--compare", Language::Sql | Language::Mql) => {
                let v = value("--compare")?;
                if !valid_name(&v) {
                    return Err(usage(format!(
                        "--compare expects the name of a kept plan (letters, digits, _), got '{v}'"
                    )));
                }
                options.compare = Some(v);
            }
            ("--analyze", Language::Sql) => options.analyze = true,
            ("--export", _) => options.export = Some(value("--export")?),
            ("--format", _) => {
                let v = value("--format")?;
                options.format = Some(crate::export::Format::from_name(&v).ok_or_else(|| {
                    usage(format!(
                        "--format expects one of {}, got '{v}'",
                        crate::export::Format::NAMES
                    ))
                })?);
            }
            ("--force", _) => options.force = true,
            ("--json", Language::Mql) => options.json = true,
            ("--chart", _) => {
                // The kind (inline as --chart=bar, or the next word), then its KEY=VALUE words.
                let mut chart_words: Vec<String> = inline.clone().into_iter().collect();
                if chart_words.is_empty()
                    && let Some(kind) = iter.next_if(|w| !w.starts_with("--"))
                {
                    chart_words.push(kind);
                }
                while let Some(word) = iter.next_if(|w| !w.starts_with("--") && w.contains('=')) {
                    chart_words.push(word);
                }
                options.chart = Some(super::chart::parse_words(&chart_words)?);
            }
            ("--timeout", Language::Redis) => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| usage(format!("--timeout expects seconds, got '{v}'")))?;
                options.timeout = Some(Duration::from_secs_f64(secs));
            }
            ("--count", Language::Redis) => {
                let v = value("--count")?;
                options.count =
                    Some(v.parse().map_err(|_| {
                        usage(format!("--count expects a whole number, got '{v}'"))
                    })?);
            }
            (other, _) if other.starts_with("--") => {
                return Err(usage(format!("unknown option {other}")));
            }
            (other, _) => {
                return Err(usage(format!(
                    "unexpected word '{other}' (the connection name must come first)"
                )));
            }
        }
    }
    if options.chart.is_some() && (options.explain || options.analyze) {
        return Err(usage(
            "--chart draws rows and --explain/--analyze show a plan; use one of them".into(),
        ));
    }
    if options.export.is_none() && (options.format.is_some() || options.force) {
        return Err(usage(
            "--format and --force go with --export PATH (they say how to write the file)".into(),
        ));
    }
    Ok((connection, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_with_and_without_equals() {
        let (conn, o) = parse_header(Language::Redis, "cache --timeout=2.5 --count 3").unwrap();
        assert_eq!(conn.as_deref(), Some("cache"));
        assert_eq!(o.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(o.count, Some(3));
    }

    #[test]
    fn unknown_option_lists_the_known_ones() {
        let e = parse_header(Language::Sql, "--limt 3").unwrap_err();
        assert!(e.evalue.contains("unknown option --limt"));
        assert!(e.evalue.contains("--limit N"));
    }

    #[test]
    fn chart_takes_its_words_and_leaves_the_options() {
        let (conn, o) =
            parse_header(Language::Sql, "pg --chart bar x=city y=total --limit 5").unwrap();
        assert_eq!(conn.as_deref(), Some("pg"));
        assert_eq!(o.limit, Some(5));
        let chart = o.chart.unwrap();
        assert_eq!(
            (chart.x.as_str(), chart.y.as_deref()),
            ("city", Some("total"))
        );
        let e = parse_header(Language::Mql, "--chart pie x=a").unwrap_err();
        assert!(
            e.evalue.contains("unknown chart kind 'pie'"),
            "{}",
            e.evalue
        );
        assert!(parse_header(Language::Sql, "--chart bar x=a --explain").is_err());
    }

    #[test]
    fn option_for_another_language_is_rejected() {
        assert!(parse_header(Language::Sql, "--timeout 3").is_err());
    }

    #[test]
    fn every_language_takes_export_with_its_format_and_force() {
        for language in [Language::Sql, Language::Mql, Language::Redis] {
            let (_, options) =
                parse_header(language, "--export out.data --format parquet --force").unwrap();
            assert_eq!(options.export.as_deref(), Some("out.data"));
            assert_eq!(options.format, Some(crate::export::Format::Parquet));
            assert!(options.force);
            assert!(known_options(language).contains(&"--export PATH"));
        }
    }

    #[test]
    fn bad_values_say_what_was_expected() {
        assert!(
            parse_header(Language::Sql, "--limit many")
                .unwrap_err()
                .evalue
                .contains("whole number")
        );
        assert!(
            parse_header(Language::Sql, "--out 9x")
                .unwrap_err()
                .evalue
                .contains("variable name")
        );
        assert!(
            parse_header(Language::Sql, "--limit")
                .unwrap_err()
                .evalue
                .contains("needs a value")
        );
    }
}
