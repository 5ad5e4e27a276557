//! Schema browsing: the catalog commands psql and sqlite3 users type first (`\dt`, `\d NAME`,
//! `\l`, `.tables`, `.schema`), and psql's `\x` expanded display.
//!
//! A command is a line of a `%%sql` cell body that starts with `\` (PostgreSQL, MySQL/MariaDB)
//! or `.` followed by a letter (SQLite), where a statement may begin: at the start of the body
//! or after a statement's `;`, outside quotes, comments and dollar bodies ([`find`]). It may be
//! mixed with SQL; the cell runs everything in order. Each command becomes catalog queries that
//! we wrote after reading what `psql -E` sends ([`postgres`]), the sqlite3 shell's output
//! ([`sqlite`]) and MySQL's `information_schema` ([`mysql`]); they run on the session like any
//! statement, so the stop button and errors work as usual. A command a database does not have
//! is refused with the query that answers it instead.

mod mysql;
mod pattern;
mod postgres;
mod run;
mod sqlite;

use super::lex::{Dialect, Lexer, TokenKind};
use crate::result::Layout;

/// A command line found in a cell body: `body[start..end]` is the line without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaLine {
    pub start: usize,
    pub end: usize,
}

/// Where a cell body holds commands. A `\` or `.` line in the middle of an unfinished statement
/// is left to the server (it is SQL text, or the user forgot a `;`, which the error shows).
pub fn find(body: &str, dialect: Dialect) -> Vec<MetaLine> {
    let mut found = Vec::new();
    let mut from = 0;
    'scan: while from < body.len() {
        let mut boundary = true;
        for token in Lexer::new(&body[from..], dialect) {
            let start = from + token.start;
            if !token.is_significant() {
                continue;
            }
            let raw = &body[start..from + token.end];
            if boundary && token.kind == TokenKind::Punct && at_line_start(body, start) {
                let command = match dialect {
                    // A psql `\dt` typed on SQLite is caught too, so it is answered with the
                    // sqlite3 form instead of the server's "unrecognized token".
                    Dialect::Sqlite => {
                        raw == "\\"
                            || raw == "."
                                && body[start + 1..].starts_with(|c: char| c.is_ascii_alphabetic())
                    }
                    _ => raw == "\\",
                };
                if command {
                    let end = body[start..].find('\n').map_or(body.len(), |i| start + i);
                    let end = if body[..end].ends_with('\r') {
                        end - 1
                    } else {
                        end
                    };
                    found.push(MetaLine { start, end });
                    from = end;
                    continue 'scan;
                }
            }
            boundary = token.kind == TokenKind::Punct && raw == ";";
        }
        break;
    }
    found
}

fn at_line_start(body: &str, at: usize) -> bool {
    body[..at]
        .rsplit('\n')
        .next()
        .is_none_or(|before| before.trim().is_empty())
}

/// The body with every command line turned into spaces: statements keep their byte offsets, so
/// error carets and line numbers still point at the user's text.
pub fn blank(body: &str, lines: &[MetaLine]) -> String {
    let mut out = body.to_string();
    for line in lines {
        let spaces = " ".repeat(line.end - line.start);
        out.replace_range(line.start..line.end, &spaces);
    }
    out
}

/// What one command does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Catalog queries whose results are shown in order.
    Queries(Vec<Query>),
    /// `\x on|off|auto`: the connection's table layout from now on.
    SetLayout(Layout),
    /// `\x`: expanded on if it was off, off if it was on.
    ToggleLayout,
}

/// One catalog query and how its result is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub sql: String,
    pub shape: Shape,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A table under a centred title, as psql prints `List of relations`; `empty` is what psql
    /// says instead of a table without rows (`Did not find any relations.`).
    Table {
        title: Option<String>,
        empty: Option<String>,
    },
    /// psql's footers under `\d NAME` (`Indexes:` and its lines): one heading and the first
    /// column of each row indented; nothing when there are no rows.
    Footer { heading: String },
    /// Footer lines the query writes whole (`Policies:` with its headings, `Access method:`):
    /// each row's first column as it is; nothing when there are no rows.
    Lines,
    /// sqlite3's `.tables`/`.indexes`: the first column's values in columns across 80 characters.
    Names,
    /// sqlite3's `.schema`: each row's first column, then `;`.
    Statements,
    /// The relations `\d NAME` describes, one row each (see [`describe`]); `name` is what the
    /// user typed, for psql's `Did not find any relation named "x".`; `verbose` for `\d+ NAME`.
    Describe { name: String, verbose: bool },
}

/// A command's text refused with what to do instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal(pub String);

/// What the command line `line` (`\dt public.*`, `.schema t`) does on `dialect`.
pub fn plan(line: &str, dialect: Dialect) -> Result<Action, Refusal> {
    let line = line.trim();
    let (command, argument) = match line.split_once(char::is_whitespace) {
        Some((command, rest)) => (command, rest.trim()),
        None => (line, ""),
    };
    if dialect != Dialect::Sqlite && (command == "\\x" || command == "\\x+") {
        return expanded(argument);
    }
    match dialect {
        Dialect::Postgres => postgres::plan(command, argument),
        Dialect::MySql => mysql::plan(command, argument),
        Dialect::Sqlite => sqlite::plan(command, argument),
    }
    .map(Action::Queries)
}

/// `\x`, `\x on|off|auto`: psql toggles with no argument; the engine flips its current layout.
fn expanded(argument: &str) -> Result<Action, Refusal> {
    Ok(Action::SetLayout(match argument {
        "" => return Ok(Action::ToggleLayout),
        "on" | "true" | "1" => Layout::Expanded,
        "off" | "false" | "0" => Layout::Aligned,
        "auto" => Layout::Auto,
        other => {
            return Err(Refusal(format!(
                "\\x: unrecognized value \"{other}\": use \\x, \\x on, \\x off or \\x auto"
            )));
        }
    }))
}

/// What psql says after `\x`: `Expanded display is on.`
pub fn layout_message(layout: Layout) -> &'static str {
    match layout {
        Layout::Aligned => "Expanded display is off.",
        Layout::Expanded => "Expanded display is on.",
        Layout::Auto => "Expanded display is used automatically.",
    }
}

/// The layout after `\x` with no argument: psql turns expanded on from off (and from auto),
/// off from on.
pub fn toggled(layout: Layout) -> Layout {
    match layout {
        Layout::Expanded => Layout::Aligned,
        Layout::Aligned | Layout::Auto => Layout::Expanded,
    }
}

/// A refusal naming what is supported and the query that answers the question.
fn unsupported(command: &str, supported: &str, instead: &str) -> Refusal {
    Refusal(format!(
        "{command} is not supported here; the commands are {supported}. {instead}"
    ))
}

/// A SQL string literal of user text (a pattern or name): quotes doubled, backslashes kept as
/// they are (standard strings on PostgreSQL and SQLite; MySQL's are in [`mysql`]).
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `\d NAME`'s queries for one relation a [`Shape::Describe`] lookup found (PostgreSQL only):
/// the lookup's row is (oid, schema, name, kind, relkind).
pub fn describe(row: &[Option<String>], verbose: bool) -> Result<Vec<Query>, Refusal> {
    let text: Vec<String> = (0..5)
        .map(|i| row.get(i).cloned().flatten().unwrap_or_default())
        .collect();
    let found = postgres::Found {
        oid: &text[0],
        schema: &text[1],
        name: &text[2],
        kind: &text[3],
        relkind: &text[4],
    };
    postgres::describe(&found, verbose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_lines_where_a_statement_may_begin() {
        let body = "\\dt\nselect 1;\n  \\d t\nselect '\n\\dt';\nselect 2\n\\dn";
        let lines: Vec<&str> = find(body, Dialect::Postgres)
            .iter()
            .map(|l| &body[l.start..l.end])
            .collect();
        // The one inside a string and the one after an unfinished statement are SQL.
        assert_eq!(lines, vec!["\\dt", "\\d t"]);
        let sqlite = ".tables\nselect 1\n.5;\n.schema t";
        let lines: Vec<&str> = find(sqlite, Dialect::Sqlite)
            .iter()
            .map(|l| &sqlite[l.start..l.end])
            .collect();
        // `.5;` is SQL (a number) and ends its statement, so `.schema t` is a command again.
        assert_eq!(lines, vec![".tables", ".schema t"]);
        let psql_on_sqlite = "\\dt\nselect 1;";
        let lines: Vec<&str> = find(psql_on_sqlite, Dialect::Sqlite)
            .iter()
            .map(|l| &psql_on_sqlite[l.start..l.end])
            .collect();
        assert_eq!(lines, vec!["\\dt"]);
    }

    #[test]
    fn psql_commands_on_sqlite_name_the_sqlite3_form() {
        let Err(Refusal(message)) = plan("\\dt", Dialect::Sqlite) else {
            panic!("\\dt must be refused on SQLite");
        };
        assert!(message.contains("\\dt is a psql command"), "{message}");
        assert!(message.contains(".tables"), "{message}");
        let Err(Refusal(message)) = plan("\\d users", Dialect::Sqlite) else {
            panic!("\\d must be refused on SQLite");
        };
        assert!(message.contains(".schema users"), "{message}");
    }

    #[test]
    fn blanking_keeps_offsets() {
        let body = "\\dt\nselect 1;";
        let lines = find(body, Dialect::Postgres);
        assert_eq!(blank(body, &lines), "   \nselect 1;");
    }

    #[test]
    fn expanded_display_settings() {
        assert_eq!(
            plan("\\x on", Dialect::Postgres),
            Ok(Action::SetLayout(Layout::Expanded))
        );
        assert_eq!(
            plan("\\x auto", Dialect::MySql),
            Ok(Action::SetLayout(Layout::Auto))
        );
        assert!(plan("\\x maybe", Dialect::Postgres).is_err());
        assert_eq!(plan("\\x", Dialect::Postgres), Ok(Action::ToggleLayout));
        assert_eq!(toggled(Layout::Aligned), Layout::Expanded);
    }
}
