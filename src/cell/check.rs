//! The `%%check` cell magic's line: which variable is checked, where the expectation comes
//! from, and how to compare (the syntax is specified in docs/checks.md; keep the two in step).
//!
//! Pure parsing, like the rest of `cell/`: running the check is `crate::check`'s job.

use resultcheck::Order;

use super::args::split_words;
use crate::engine::{EngineError, Language};
use crate::session::variables::valid_name;

/// Help for `%%check`, shown by `%help check`, `%%check?` and `%help`.
pub const HELP: &str = "%%check ACTUAL [--sql|--mql|--redis [--on CONN] | --expected VAR] [options]\n    Check the variable ACTUAL (kept with --out) against the body: an expected table (psql-style\n    rows under a header line), documents or a Redis reply as mongosh literals ({...}, [...]), or a\n    reference query (--sql/--mql/--redis, run on CONN or the current connection), or the variable\n    VAR (--expected). A mismatch fails the cell (CheckFailed) with every difference listed.\n    --ordered | --unordered (bag) | --set      default: ordered only if ACTUAL's query sorts\n    --digits N   numbers equal after rounding to N decimals   --ignore-column-case\n    --column-order   --extra-columns   --ignore-id (MongoDB _id)   --hint TEXT (shown on failure)\n    Full syntax: docs/checks.md";

/// Where the expectation comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectationSource {
    /// Written out in the cell body.
    Inline,
    /// The body is a reference query in this language, on this connection (None: the current).
    Query {
        language: Language,
        connection: Option<String>,
    },
    /// Another variable; the body must be empty.
    Variable(String),
}

/// A parsed `%%check` line.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckSpec {
    pub actual: String,
    pub source: ExpectationSource,
    /// `None`: decided from the query that made ACTUAL.
    pub order: Option<Order>,
    pub digits: Option<u32>,
    pub ignore_column_case: bool,
    pub column_order: bool,
    pub extra_columns: bool,
    pub ignore_id: bool,
    pub hint: Option<String>,
}

/// A `%%check` cell: the line's spec and the body (expectation or reference query).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckCell {
    pub spec: CheckSpec,
    pub body: String,
    /// 0-based line of the cell where the body starts.
    pub body_line: usize,
}

/// The most decimal places `--digits` accepts: beyond 15 a double has no more digits to round.
const MAX_DIGITS: u32 = 15;

/// Parses everything after `%%check`.
pub fn parse_check_header(rest: &str) -> Result<CheckSpec, EngineError> {
    let usage = |msg: String| {
        EngineError::usage(format!(
            "{msg} in the %%check line\nusage: {}",
            HELP.lines().next().unwrap_or("%%check ACTUAL")
        ))
    };
    let words = split_words(rest).map_err(|e| usage(e.to_string()))?;
    let mut iter = words.into_iter().peekable();
    let actual = match iter.next() {
        Some(name) if valid_name(&name) => name,
        Some(name) if name.starts_with("--") => {
            return Err(usage(format!(
                "the variable to check comes first (got {name}); keep the result to check with --out NAME on its cell"
            )));
        }
        Some(name) => {
            return Err(usage(format!(
                "'{name}' is not a variable name (letters, digits, _)"
            )));
        }
        None => {
            return Err(usage(
                "name the variable to check (kept with --out NAME on the answer's cell)".into(),
            ));
        }
    };
    let mut spec = CheckSpec {
        actual,
        source: ExpectationSource::Inline,
        order: None,
        digits: None,
        ignore_column_case: false,
        column_order: false,
        extra_columns: false,
        ignore_id: false,
        hint: None,
    };
    let mut query_language: Option<Language> = None;
    let mut on: Option<String> = None;
    let mut expected_var: Option<String> = None;
    let set_order = |spec: &mut CheckSpec, order: Order, flag: &str| {
        if let Some(previous) = spec.order
            && previous != order
        {
            return Err(usage(format!(
                "{flag} contradicts an earlier order option; give one of --ordered, --unordered, --set"
            )));
        }
        spec.order = Some(order);
        Ok(())
    };
    while let Some(word) = iter.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (word.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, EngineError> {
            inline
                .clone()
                .or_else(|| iter.next())
                .ok_or_else(|| usage(format!("{name} needs a value")))
        };
        match flag.as_str() {
            "--sql" | "--mql" | "--redis" => {
                let language = match flag.as_str() {
                    "--sql" => Language::Sql,
                    "--mql" => Language::Mql,
                    _ => Language::Redis,
                };
                if query_language.is_some_and(|l| l != language) {
                    return Err(usage(
                        "give one reference query language (--sql, --mql or --redis)".into(),
                    ));
                }
                query_language = Some(language);
            }
            "--on" => {
                let v = value("--on")?;
                if !valid_name(&v) {
                    return Err(usage(format!(
                        "--on expects a connection name (letters, digits, _), got '{v}'"
                    )));
                }
                on = Some(v);
            }
            "--expected" => {
                let v = value("--expected")?;
                if !valid_name(&v) {
                    return Err(usage(format!(
                        "--expected expects a variable name (letters, digits, _), got '{v}'"
                    )));
                }
                expected_var = Some(v);
            }
            "--ordered" => set_order(&mut spec, Order::Ordered, "--ordered")?,
            "--unordered" | "--bag" => set_order(&mut spec, Order::Unordered, "--unordered")?,
            "--set" => set_order(&mut spec, Order::Set, "--set")?,
            "--digits" => {
                let v = value("--digits")?;
                spec.digits = Some(v.parse().ok().filter(|d| *d <= MAX_DIGITS).ok_or_else(
                    || {
                        usage(format!(
                            "--digits expects a whole number of decimal places from 0 to {MAX_DIGITS}, got '{v}'"
                        ))
                    },
                )?);
            }
            "--ignore-column-case" => spec.ignore_column_case = true,
            "--column-order" => spec.column_order = true,
            "--extra-columns" => spec.extra_columns = true,
            "--ignore-id" => spec.ignore_id = true,
            "--hint" => spec.hint = Some(value("--hint")?),
            other if other.starts_with("--") => {
                return Err(usage(format!(
                    "unknown option {other}; options: --sql, --mql, --redis, --on CONN, --expected VAR, --ordered, --unordered, --set, --digits N, --ignore-column-case, --column-order, --extra-columns, --ignore-id, --hint TEXT"
                )));
            }
            other => {
                return Err(usage(format!(
                    "unexpected word '{other}' (one variable is checked per cell)"
                )));
            }
        }
    }
    spec.source = match (query_language, expected_var, on) {
        (Some(_), Some(_), _) => {
            return Err(usage(
                "--expected VAR and a reference query (--sql/--mql/--redis) exclude each other"
                    .into(),
            ));
        }
        (Some(language), None, connection) => ExpectationSource::Query {
            language,
            connection,
        },
        (None, _, Some(_)) => {
            return Err(usage(
                "--on names the connection of a reference query: add --sql, --mql or --redis"
                    .into(),
            ));
        }
        (None, Some(var), None) => ExpectationSource::Variable(var),
        (None, None, None) => ExpectationSource::Inline,
    };
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_check_with_options() {
        let spec =
            parse_check_header("q1 --unordered --digits 2 --ignore-id --hint 'use WHERE'").unwrap();
        assert_eq!(spec.actual, "q1");
        assert_eq!(spec.source, ExpectationSource::Inline);
        assert_eq!(spec.order, Some(Order::Unordered));
        assert_eq!(spec.digits, Some(2));
        assert!(spec.ignore_id);
        assert_eq!(spec.hint.as_deref(), Some("use WHERE"));
    }

    #[test]
    fn reference_query_on_a_connection() {
        let spec = parse_check_header("q2 --sql --on reference").unwrap();
        assert_eq!(
            spec.source,
            ExpectationSource::Query {
                language: Language::Sql,
                connection: Some("reference".into())
            }
        );
        assert_eq!(
            parse_check_header("q2 --expected=answer").unwrap().source,
            ExpectationSource::Variable("answer".into())
        );
    }

    #[test]
    fn refusals_say_what_to_do() {
        let cases = [
            ("", "name the variable"),
            ("--sql", "the variable to check comes first"),
            ("q --ordered --set", "contradicts"),
            ("q --digits 99", "from 0 to 15"),
            ("q --digits", "needs a value"),
            ("q --on ref", "add --sql, --mql or --redis"),
            ("q --sql --expected a", "exclude each other"),
            ("q --sql --mql", "one reference query language"),
            ("q --fuzzy", "unknown option --fuzzy"),
            ("q r", "one variable is checked per cell"),
        ];
        for (line, message) in cases {
            let e = parse_check_header(line).unwrap_err();
            assert!(e.evalue.contains(message), "{line}: {}", e.evalue);
        }
    }
}
