//! Where the cursor is: on a magic line, inside a variable reference, or in a body of some
//! language (with the connection its magic line names). Pure text analysis.

use crate::engine::Language;

#[derive(Debug, PartialEq, Eq)]
pub enum Place {
    /// A line starting with `%` (a line magic, or the cell magic line).
    MagicLine { line_start: usize },
    /// Inside `{{ name` or after `:` in SQL: a kernel variable's name starts at `start`.
    Variable { start: usize },
    /// A body line.
    Body {
        language: Language,
        connection: Option<String>,
        body_start: usize,
    },
}

/// The cell's language, its connection name and the byte offset where its body starts. Line
/// magics may come first; a cell without a cell magic is SQL on the current connection.
pub fn header(code: &str) -> (Language, Option<String>, usize) {
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let next = offset + line.len();
        if let Some(rest) = trimmed.strip_prefix("%%") {
            let mut words = rest.split_whitespace();
            let language = match words.next().unwrap_or("") {
                "mql" | "mongo" => Language::Mql,
                "redis" => Language::Redis,
                _ => Language::Sql,
            };
            let connection = words
                .next()
                .filter(|w| !w.starts_with("--"))
                .map(str::to_string);
            return (language, connection, next);
        }
        if !trimmed.starts_with('%') {
            return (Language::Sql, None, offset);
        }
        offset = next;
    }
    (Language::Sql, None, offset.min(code.len()))
}

pub fn place(code: &str, cursor: usize) -> Place {
    let before = &code[..cursor];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = &before[line_start..];
    let (language, connection, body_start) = header(code);
    if line.trim_start().starts_with('%') && line_start < body_start.max(1) {
        return Place::MagicLine { line_start };
    }
    // `{{ name` not yet closed on this line.
    if let Some(open) = line.rfind("{{")
        && !line[open..].contains("}}")
    {
        let after = line_start + open + 2;
        let start = after + (code[after..cursor].len() - code[after..cursor].trim_start().len());
        if code[start..cursor]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
        {
            return Place::Variable { start };
        }
    }
    if language == Language::Sql {
        let start = super::word_start(code, cursor, &[]);
        let colon = code[..start].ends_with(':') && !code[..start].ends_with("::");
        if colon && !code[..start.saturating_sub(1)].ends_with(|c: char| c.is_alphanumeric()) {
            return Place::Variable { start };
        }
    }
    Place::Body {
        language,
        connection,
        body_start: body_start.min(cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_names_language_connection_and_body() {
        assert_eq!(
            header("%%sql pg --limit 3\nSELECT"),
            (Language::Sql, Some("pg".into()), 19)
        );
        assert_eq!(
            header("%use x\n%%redis\nGET k"),
            (Language::Redis, None, 15)
        );
        assert_eq!(header("SELECT 1"), (Language::Sql, None, 0));
        assert_eq!(header("%%mql --json\ndb"), (Language::Mql, None, 13));
    }

    #[test]
    fn variables_inside_braces_and_after_a_colon() {
        assert_eq!(
            place("%%redis\nGET {{ us", 17),
            Place::Variable { start: 15 }
        );
        assert_eq!(place("SELECT :li", 10), Place::Variable { start: 8 });
        assert!(matches!(place("SELECT x::te", 12), Place::Body { .. }));
        assert!(matches!(
            place("%%sql p", 7),
            Place::MagicLine { line_start: 0 }
        ));
    }
}
