//! Expected tables typed (or pasted) into a check cell: psql, mariadb and Markdown layouts.
//!
//! ```text
//!  name  | salary          +-------+--------+        | name | salary |
//! -------+--------         | name  | salary |        |------|--------|
//!  Ada   | 120000          +-------+--------+        | Ada  | 120000 |
//! (1 row)                  | Ada   | 120000 |
//!                          +-------+--------+
//! ```
//! The first content line names the columns; separator lines (only `-+|:=` and spaces) and a
//! `(N rows)` footer are skipped; outer pipes are optional. Cells are trimmed, `NULL` is NULL,
//! and `'...'` or `"..."` keep a value verbatim (doubling the quote escapes it).

use crate::data::Data;
use crate::value::Value;

/// What is wrong with an inline table, with its 1-based line in the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineError {
    pub line: usize,
    pub message: String,
}

/// Parses an inline table. `first_line` is the body's line number in the cell, for messages.
pub fn parse_table(body: &str, first_line: usize) -> Result<Data, InlineError> {
    let mut columns: Option<Vec<String>> = None;
    let mut outer_pipes = false;
    let mut rows = Vec::new();
    for (index, raw) in body.lines().enumerate() {
        let line_number = first_line + index;
        let line = raw.trim();
        if line.is_empty() || is_separator(line) || is_footer(line) {
            continue;
        }
        if columns.is_none() {
            outer_pipes = line.starts_with('|');
        }
        let cells = split_cells(line, outer_pipes).map_err(|message| InlineError {
            line: line_number,
            message,
        })?;
        match &columns {
            None => {
                let names: Vec<String> = cells
                    .into_iter()
                    .map(|c| match c {
                        Value::Untyped(t) | Value::Text(t) => t,
                        _ => "NULL".to_string(),
                    })
                    .collect();
                if let Some(empty) = names.iter().position(String::is_empty) {
                    return Err(InlineError {
                        line: line_number,
                        message: format!("column {} of the header has no name", empty + 1),
                    });
                }
                columns = Some(names);
            }
            Some(names) => {
                if cells.len() != names.len() {
                    return Err(InlineError {
                        line: line_number,
                        message: format!(
                            "this row has {} values but the header names {} columns ({}); separate values with |",
                            cells.len(),
                            names.len(),
                            names.join(", ")
                        ),
                    });
                }
                rows.push(cells);
            }
        }
    }
    match columns {
        Some(columns) => Ok(Data::Table { columns, rows }),
        None => Err(InlineError {
            line: first_line,
            message: "the expected table is empty: write a header line with the column names, then one line per row (values separated by |)".into(),
        }),
    }
}

fn is_separator(line: &str) -> bool {
    line.chars().any(|c| c == '-' || c == '=')
        && line
            .chars()
            .all(|c| matches!(c, '-' | '+' | '|' | ':' | '=' | ' '))
}

/// psql's `(3 rows)` / `(1 row)`.
fn is_footer(line: &str) -> bool {
    let Some(inner) = line.strip_prefix('(').and_then(|l| l.strip_suffix(')')) else {
        return false;
    };
    let mut words = inner.split_whitespace();
    matches!(
        (words.next(), words.next(), words.next()),
        (Some(n), Some("row" | "rows"), None) if n.bytes().all(|b| b.is_ascii_digit())
    )
}

/// Splits one line at the `|`s outside quotes. With outer pipes (the header starts with `|`)
/// the first and last pipe are borders; without them a trailing `|` ends an empty last cell
/// (psql prints a NULL in the last column that way).
fn split_cells(line: &str, outer_pipes: bool) -> Result<Vec<Value>, String> {
    let mut inner = line;
    if outer_pipes {
        inner = inner.strip_prefix('|').unwrap_or(inner);
        inner = inner.strip_suffix('|').unwrap_or(inner);
    }
    let mut cells = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let cell = match chars.peek().copied() {
            Some(q @ ('\'' | '"')) => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        Some(c) if c == q && chars.peek() == Some(&q) => {
                            chars.next();
                            text.push(q);
                        }
                        Some(c) if c == q => break,
                        Some(c) => text.push(c),
                        None => return Err(format!("a value opened with {q} is not closed")),
                    }
                }
                let rest: String = chars.by_ref().take_while(|c| *c != '|').collect();
                if !rest.trim().is_empty() {
                    return Err(format!("text after a quoted value: '{}'", rest.trim()));
                }
                cells.push(Value::Text(text));
                if chars.peek().is_none() && !ended_with_pipe(inner, &cells) {
                    break;
                }
                continue;
            }
            _ => {
                let text: String = chars.by_ref().take_while(|c| *c != '|').collect();
                let text = text.trim();
                if text == "NULL" {
                    Value::Null
                } else {
                    Value::Untyped(text.to_string())
                }
            }
        };
        cells.push(cell);
        if chars.peek().is_none() && !ended_with_pipe(inner, &cells) {
            break;
        }
    }
    Ok(cells)
}

/// Whether the line's last unquoted character was a `|`, so one more (empty) cell follows.
/// Counting pipes outside quotes against the cells read so far answers it without re-scanning.
fn ended_with_pipe(inner: &str, cells: &[Value]) -> bool {
    let mut pipes = 0;
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '|') => pipes += 1,
            _ => {}
        }
    }
    pipes >= cells.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(body: &str) -> (Vec<String>, Vec<Vec<Value>>) {
        match parse_table(body, 1).unwrap() {
            Data::Table { columns, rows } => (columns, rows),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn psql_output_pastes_as_is() {
        let (columns, rows) =
            table(" name  | salary\n-------+--------\n Ada   | 120000\n Grace |\n(2 rows)\n");
        assert_eq!(columns, ["name", "salary"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], Value::Untyped("Ada".into()));
        assert_eq!(rows[1][1], Value::Untyped(String::new()));
    }

    #[test]
    fn mariadb_and_markdown_layouts() {
        let (columns, rows) =
            table("+----+-----+\n| id | n   |\n+----+-----+\n|  1 | NULL |\n+----+-----+");
        assert_eq!(columns, ["id", "n"]);
        assert_eq!(rows, vec![vec![Value::Untyped("1".into()), Value::Null]]);
        let (columns, rows) = table("| a | b |\n|---|:--|\n| 'x | y' | \"NULL\" |");
        assert_eq!(columns, ["a", "b"]);
        assert_eq!(
            rows,
            vec![vec![
                Value::Text("x | y".into()),
                Value::Text("NULL".into())
            ]]
        );
    }

    #[test]
    fn single_column_without_pipes() {
        let (columns, rows) = table("count\n-----\n3");
        assert_eq!(columns, ["count"]);
        assert_eq!(rows, vec![vec![Value::Untyped("3".into())]]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_table("a | b\n1 | 2 | 3", 4).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(
            e.message
                .contains("3 values but the header names 2 columns"),
            "{}",
            e.message
        );
        assert_eq!(parse_table("a\n'open", 1).unwrap_err().line, 2);
        assert!(parse_table("\n  \n", 1).is_err());
    }
}
