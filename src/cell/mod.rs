//! A cell's text → what to run: leading line magics, then an optional body whose first line may
//! be a cell magic (`%%sql [CONN] [options]`). A body without a cell magic is SQL on the current
//! SQL connection.

pub mod args;
pub mod chart;
pub mod check;
pub mod magics;
pub mod options;
pub mod sandbox;
pub mod time_limit;

pub use magics::LineMagic;
pub use options::CellOptions;

use crate::engine::{EngineError, Language};

/// The cell magics this kernel knows, for error messages and completion.
pub const CELL_MAGICS: &[&str] = &[
    "%%sql",
    "%%mql",
    "%%mongo",
    "%%redis",
    "%%check",
    "%%sandbox",
];

/// A body for an engine: the language, an optional connection name, options, and the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub language: Language,
    /// `%%sql NAME`: run on this named connection instead of the current one.
    pub connection: Option<String>,
    pub options: CellOptions,
    pub body: String,
    /// 0-based line of the cell source where `body` starts, so engines can point at the user's
    /// line numbers in error messages.
    pub body_line: usize,
}

/// A parsed cell: line magics in order, then at most one body.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCell {
    pub magics: Vec<LineMagic>,
    pub body: Option<Cell>,
    /// A `%%check` cell (then `body` is `None`): what to check and the expectation.
    pub check: Option<check::CheckCell>,
    /// The body's `--time-limit SECONDS` (any cell magic).
    pub time_limit: Option<std::time::Duration>,
    /// A `%%sandbox` cell (then `body` is `None`).
    pub sandbox: Option<sandbox::SandboxCell>,
}

/// Parses a whole cell. Errors say what is wrong and how to fix it.
pub fn parse_cell(source: &str) -> Result<ParsedCell, EngineError> {
    let lines: Vec<&str> = source.split('\n').collect();
    let mut magics = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index].trim();
        if line.is_empty() {
            index += 1;
            continue;
        }
        if line.starts_with('%') && !line.starts_with("%%") {
            magics.push(magics::parse_line_magic(line)?);
            index += 1;
            continue;
        }
        break;
    }
    if index >= lines.len() {
        return Ok(ParsedCell {
            magics,
            body: None,
            check: None,
            time_limit: None,
            sandbox: None,
        });
    }
    let first = lines[index].trim_start();
    let mut time_limit = None;
    let (language, connection, options, body_start) = if let Some(header) = first.strip_prefix("%%")
    {
        let (name, rest) = header
            .split_once(char::is_whitespace)
            .unwrap_or((header, ""));
        if name == "check" {
            return Ok(ParsedCell {
                magics,
                body: None,
                check: Some(check::CheckCell {
                    spec: check::parse_check_header(rest)?,
                    body: lines[index + 1..].join("\n"),
                    body_line: index + 1,
                }),
                time_limit: None,
                sandbox: None,
            });
        }
        if name == "sandbox" {
            return Ok(ParsedCell {
                magics,
                body: None,
                check: None,
                time_limit: None,
                sandbox: Some(sandbox::parse_sandbox_header(
                    rest,
                    lines[index + 1..].join("\n"),
                )?),
            });
        }
        let language = match name {
            "sql" => Language::Sql,
            "mql" | "mongo" => Language::Mql,
            "redis" => Language::Redis,
            other => {
                return Err(EngineError::usage(format!(
                    "unknown cell magic %%{other}; known cell magics: {} (line magics: {})",
                    CELL_MAGICS.join(", "),
                    magics::LINE_MAGICS.join(", ")
                )));
            }
        };
        let (rest, limit) = time_limit::take_time_limit(language, rest)?;
        time_limit = limit;
        let (connection, options) = options::parse_header(language, &rest)?;
        (language, connection, options, index + 1)
    } else {
        (Language::Sql, None, CellOptions::default(), index)
    };
    let body = lines[body_start.min(lines.len())..].join("\n");
    Ok(ParsedCell {
        magics,
        body: Some(Cell {
            language,
            connection,
            options,
            body,
            body_line: body_start,
        }),
        check: None,
        time_limit,
        sandbox: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_sql_on_the_current_connection() {
        let parsed = parse_cell("SELECT 1").unwrap();
        let cell = parsed.body.unwrap();
        assert_eq!(cell.language, Language::Sql);
        assert_eq!(cell.connection, None);
        assert_eq!(cell.body, "SELECT 1");
    }

    #[test]
    fn cell_magic_with_connection_and_options() {
        let parsed =
            parse_cell("%%sql pg --limit 5 --out rows\nSELECT 1\nUNION ALL SELECT 2").unwrap();
        let cell = parsed.body.unwrap();
        assert_eq!(cell.connection.as_deref(), Some("pg"));
        assert_eq!(cell.options.limit, Some(5));
        assert_eq!(cell.options.out.as_deref(), Some("rows"));
        assert_eq!(cell.body, "SELECT 1\nUNION ALL SELECT 2");
        assert_eq!(cell.body_line, 1);
    }

    #[test]
    fn mongo_is_an_alias_of_mql() {
        assert_eq!(
            parse_cell("%%mongo\ndb.c.find()")
                .unwrap()
                .body
                .unwrap()
                .language,
            Language::Mql
        );
    }

    #[test]
    fn line_magics_come_first_then_a_body() {
        let parsed = parse_cell("%set n = 3\n%config display_limit = 10\n%%redis\nPING").unwrap();
        assert_eq!(parsed.magics.len(), 2);
        assert_eq!(parsed.body.unwrap().language, Language::Redis);
    }

    #[test]
    fn unknown_cell_magic_names_the_known_ones() {
        let err = parse_cell("%%nosuchmagic\nx").unwrap_err();
        assert!(err.evalue.contains("%%nosuchmagic"), "{}", err.evalue);
        assert!(err.evalue.contains("%%sql"), "{}", err.evalue);
    }

    #[test]
    fn only_magics_means_no_body() {
        assert!(parse_cell("%vars\n\n").unwrap().body.is_none());
    }
}
