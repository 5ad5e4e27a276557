//! Driver errors → the cell's [`EngineError`]: the database's own code in the name
//! (`SqlError[42P01]`, `SqlError[1146]`, `SqlError[SQLITE_ERROR]`), its message, and detail lines
//! naming the failing statement with a caret under the error position.
//!
//! PostgreSQL reports a character position. MySQL and SQLite only quote the text near the error
//! (`near 'FROMM t' at line 1`, `near "FROMM": syntax error`), so the caret goes under the first
//! place that quote occurs in the statement.

use std::borrow::Cow;

use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::postgres::{PgDatabaseError, PgErrorPosition};

use super::lex::Dialect;
use crate::engine::EngineError;

/// What a driver error says, before it is placed in the cell.
#[derive(Debug, Clone)]
pub struct Failure {
    pub ename: String,
    pub message: String,
    /// Byte offset of the error in the SQL that was sent.
    pub position: Option<usize>,
    /// DETAIL, HINT, CONTEXT lines from the server.
    pub notes: Vec<String>,
    /// The connection is gone (server closed it, network error): reconnect before the next cell.
    pub connection_lost: bool,
}

/// Reads a driver error. `sent` is the SQL text that was sent, for positions.
pub fn classify(error: &sqlx::Error, sent: &str) -> Failure {
    match error {
        sqlx::Error::Database(db) => classify_database(db.as_ref(), sent),
        sqlx::Error::Io(e) => lost(format!("the connection to the server was lost: {e}")),
        sqlx::Error::Tls(e) => lost(format!("TLS error on the connection: {e}")),
        sqlx::Error::Protocol(e) => lost(format!("protocol error, the connection was reset: {e}")),
        sqlx::Error::WorkerCrashed => lost("the SQLite worker thread stopped".to_string()),
        other => Failure {
            ename: "SqlError".into(),
            message: other.to_string(),
            position: None,
            notes: Vec::new(),
            connection_lost: false,
        },
    }
}

/// A MySQL/MariaDB server's error (its ERR packet) as the session's driver reports it, carried
/// in `sqlx::Error::Database` so that every engine's failures take one path.
#[derive(Debug, Clone)]
pub struct MySqlServerError {
    /// The server's error number (`1146`).
    pub number: u16,
    /// SQLSTATE (`42S02`).
    pub state: String,
    pub message: String,
}

impl std::fmt::Display for MySqlServerError {
    /// As sqlx and the mysql client say it: `1146 (42S02): Table 'test.x' doesn't exist`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.state.is_empty() {
            write!(f, "{}: {}", self.number, self.message)
        } else {
            write!(f, "{} ({}): {}", self.number, self.state, self.message)
        }
    }
}

impl std::error::Error for MySqlServerError {}

impl DatabaseError for MySqlServerError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(&self.state))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        match self.number {
            1062 | 1586 => ErrorKind::UniqueViolation,
            1216 | 1217 | 1451 | 1452 => ErrorKind::ForeignKeyViolation,
            1048 | 1364 => ErrorKind::NotNullViolation,
            3819 | 4025 => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

fn lost(message: String) -> Failure {
    Failure {
        ename: "SqlError[connection]".into(),
        message,
        position: None,
        notes: Vec::new(),
        connection_lost: true,
    }
}

fn classify_database(db: &(dyn DatabaseError + 'static), sent: &str) -> Failure {
    if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
        let mut notes = Vec::new();
        let position = match pg.position() {
            Some(PgErrorPosition::Original(chars)) => char_to_byte(sent, chars),
            Some(PgErrorPosition::Internal { position, query }) => {
                notes.push(format!(
                    "in the internal query: {query} (character {position})"
                ));
                None
            }
            None => None,
        };
        if let Some(detail) = pg.detail() {
            notes.push(format!("DETAIL: {detail}"));
        }
        if let Some(hint) = pg.hint() {
            notes.push(format!("HINT: {hint}"));
        }
        if let Some(context) = pg.r#where() {
            notes.push(format!("CONTEXT: {context}"));
        }
        let code = pg.code();
        // Class 57P (operator intervention: terminated, shutting down) and 08 (connection) mean the
        // session is over.
        let connection_lost = code.starts_with("57P") || code.starts_with("08");
        return Failure {
            ename: format!("SqlError[{code}]"),
            message: pg.message().to_string(),
            position,
            notes,
            connection_lost,
        };
    }
    if let Some(my) = db.try_downcast_ref::<MySqlServerError>() {
        let (number, message, state) = (my.number, my.message.clone(), &my.state);
        let position =
            quoted_after(&message, "near '", "' at line").and_then(|near| locate(sent, &near));
        let mut notes = Vec::new();
        if !state.is_empty() {
            notes.push(format!("SQLSTATE {state}"));
        }
        // 2006 server gone away, 2013 lost connection, 1927 connection killed, 4031 idle timeout.
        let connection_lost = matches!(number, 2006 | 2013 | 1927 | 4031);
        return Failure {
            ename: format!("SqlError[{number}]"),
            message,
            position,
            notes,
            connection_lost,
        };
    }
    // SQLite: the extended result code as a number.
    let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(1);
    let message = db.message().to_string();
    let position = quoted_after(&message, "near \"", "\":").and_then(|near| locate(sent, &near));
    Failure {
        ename: format!("SqlError[{}]", sqlite_code_name(code)),
        message,
        position,
        notes: Vec::new(),
        connection_lost: false,
    }
}

/// `SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_ERROR`...: the extended name where it is a common one,
/// else the primary code's name.
pub fn sqlite_code_name(code: i32) -> String {
    let extended = match code {
        2067 => Some("SQLITE_CONSTRAINT_UNIQUE"),
        1555 => Some("SQLITE_CONSTRAINT_PRIMARYKEY"),
        787 => Some("SQLITE_CONSTRAINT_FOREIGNKEY"),
        1299 => Some("SQLITE_CONSTRAINT_NOTNULL"),
        275 => Some("SQLITE_CONSTRAINT_CHECK"),
        _ => None,
    };
    if let Some(name) = extended {
        return name.into();
    }
    let primary = match code & 0xff {
        1 => "SQLITE_ERROR",
        2 => "SQLITE_INTERNAL",
        3 => "SQLITE_PERM",
        4 => "SQLITE_ABORT",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        9 => "SQLITE_INTERRUPT",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        18 => "SQLITE_TOOBIG",
        19 => "SQLITE_CONSTRAINT",
        20 => "SQLITE_MISMATCH",
        21 => "SQLITE_MISUSE",
        23 => "SQLITE_AUTH",
        25 => "SQLITE_RANGE",
        26 => "SQLITE_NOTADB",
        _ => return format!("SQLITE_{code}"),
    };
    primary.into()
}

/// Whether a driver error is the server's answer to our cancel request.
pub fn is_cancellation(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = error else {
        return false;
    };
    if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
        return pg.code() == "57014";
    }
    if let Some(my) = db.try_downcast_ref::<MySqlServerError>() {
        let number = my.number;
        // 1317 query execution was interrupted; 3024 max execution time exceeded.
        return matches!(number, 1317 | 3024);
    }
    db.code()
        .and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| c & 0xff == 9)
}

fn char_to_byte(text: &str, one_based_chars: usize) -> Option<usize> {
    let index = one_based_chars.checked_sub(1)?;
    text.char_indices()
        .nth(index)
        .map(|(b, _)| b)
        .or(Some(text.len()))
}

fn quoted_after(message: &str, open: &str, close: &str) -> Option<String> {
    let start = message.find(open)? + open.len();
    let rest = message.get(start..)?;
    let end = rest.rfind(close)?;
    let snippet = rest.get(..end)?;
    (!snippet.is_empty()).then(|| snippet.to_string())
}

fn locate(sent: &str, snippet: &str) -> Option<usize> {
    sent.find(snippet).or_else(|| {
        // The server may have cut the quote short or normalised its end; try its first line.
        let first_line = snippet.lines().next()?;
        (!first_line.is_empty())
            .then(|| sent.find(first_line))
            .flatten()
    })
}

/// Where a failed statement sits in the cell.
pub struct Place<'a> {
    pub body: &'a str,
    /// Byte range of the statement in the body.
    pub start: usize,
    pub end: usize,
    pub index: usize,
    pub count: usize,
    /// 0-based line of the cell source where the body starts.
    pub body_line: usize,
}

/// Builds the cell error: headline from the server, then which statement failed with a caret,
/// the server's notes, and what did not run.
pub fn report(
    failure: &Failure,
    place: &Place<'_>,
    dialect: Dialect,
    position_in_statement: Option<usize>,
) -> EngineError {
    let Place {
        body,
        start,
        end,
        index,
        count,
        body_line,
    } = *place;
    let statement = body.get(start..end).unwrap_or("");
    let error_offset = position_in_statement.map(|p| start + p.min(statement.len()));
    let anchor = error_offset.unwrap_or(start);
    let line = body_line + super::split::line_of(body, anchor) + 1;
    let mut error = EngineError::new(failure.ename.clone(), failure.message.clone());
    error = error.with_detail(format!(
        "statement {} of {count}, line {line} ({}):",
        index + 1,
        dialect.name()
    ));
    for text_line in statement_with_caret(body, start, end, error_offset) {
        error = error.with_detail(text_line);
    }
    for note in &failure.notes {
        error = error.with_detail(note.clone());
    }
    // A statement written for another database: say so, with this database's form.
    let code = failure
        .ename
        .strip_prefix("SqlError[")
        .and_then(|c| c.strip_suffix(']'))
        .unwrap_or("");
    if let Some(hint) = super::hints::hint(dialect, code, &failure.message, statement) {
        for line in hint.lines() {
            error = error.with_detail(line);
        }
    }
    let remaining = count - index - 1;
    if remaining > 0 {
        error = error.with_detail(format!(
            "{remaining} later statement{} of this cell {} not run",
            if remaining == 1 { "" } else { "s" },
            if remaining == 1 { "was" } else { "were" }
        ));
    }
    error
}

/// The statement's lines (at most the last few up to the error), each indented, with a caret
/// line under the error's column.
fn statement_with_caret(
    body: &str,
    start: usize,
    end: usize,
    error_offset: Option<usize>,
) -> Vec<String> {
    const MAX_LINES: usize = 6;
    let statement = body.get(start..end).unwrap_or("");
    // Show whole lines: from the start of the statement's first line.
    let line_start = body
        .get(..start)
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |i| i + 1);
    let shown = body.get(line_start..end).unwrap_or(statement);
    let lines: Vec<(usize, &str)> = shown
        .split('\n')
        .scan(line_start, |offset, l| {
            let here = *offset;
            *offset += l.len() + 1;
            Some((here, l))
        })
        .collect();
    let error_line = error_offset
        .and_then(|e| lines.iter().rposition(|(o, _)| *o <= e))
        .unwrap_or(lines.len().saturating_sub(1));
    let first = error_line.saturating_sub(MAX_LINES - 1);
    let mut out = Vec::new();
    for (i, (offset, text)) in lines.iter().enumerate().take(error_line + 1).skip(first) {
        out.push(format!("    {}", text.trim_end()));
        if i == error_line
            && let Some(e) = error_offset
        {
            let column = body.get(*offset..e).map_or(0, |s| s.chars().count());
            out.push(format!("    {}^", " ".repeat(column)));
        }
    }
    if error_offset.is_some() && error_line + 1 < lines.len() {
        out.push(format!(
            "    … ({} more line{})",
            lines.len() - error_line - 1,
            if lines.len() - error_line - 1 == 1 {
                ""
            } else {
                "s"
            }
        ));
    } else if error_offset.is_none() {
        // No position: show the whole statement (bounded).
        out.clear();
        for (_, text) in lines.iter().take(MAX_LINES) {
            out.push(format!("    {}", text.trim_end()));
        }
        if lines.len() > MAX_LINES {
            out.push(format!("    … ({} more lines)", lines.len() - MAX_LINES));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure() -> Failure {
        Failure {
            ename: "SqlError[42P01]".into(),
            message: "relation \"nope\" does not exist".into(),
            position: None,
            notes: vec!["HINT: x".into()],
            connection_lost: false,
        }
    }

    #[test]
    fn caret_under_the_error_and_later_statements_named() {
        let body = "SELECT 1;\nSELECT *\n  FROM nope;\nSELECT 3";
        let start = body.find("SELECT *").unwrap();
        let end = body.find("nope").unwrap() + 4;
        let place = Place {
            body,
            start,
            end,
            index: 1,
            count: 3,
            body_line: 1,
        };
        let pos = "SELECT *\n  FROM nope".find("nope");
        let e = report(&failure(), &place, Dialect::Postgres, pos);
        assert_eq!(e.ename, "SqlError[42P01]");
        assert_eq!(e.detail[0], "statement 2 of 3, line 4 (PostgreSQL):");
        assert_eq!(e.detail[1], "    SELECT *");
        assert_eq!(e.detail[2], "      FROM nope");
        assert_eq!(e.detail[3], "           ^");
        assert_eq!(e.detail[4], "HINT: x");
        assert_eq!(e.detail[5], "1 later statement of this cell was not run");
    }

    #[test]
    fn mysql_and_sqlite_quotes_locate_the_error() {
        assert_eq!(
            quoted_after(
                "You have an error ... near 'FROMM t' at line 1",
                "near '",
                "' at line"
            ),
            Some("FROMM t".into())
        );
        assert_eq!(
            quoted_after("near \"FROMM\": syntax error", "near \"", "\":"),
            Some("FROMM".into())
        );
        assert_eq!(locate("SELECT 1 FROMM t", "FROMM t"), Some(9));
    }

    #[test]
    fn positions_are_characters_not_bytes() {
        assert_eq!(char_to_byte("SELECT 'é' x", 12), Some(12));
        assert_eq!(char_to_byte("abc", 1), Some(0));
    }

    #[test]
    fn sqlite_codes_have_names() {
        assert_eq!(sqlite_code_name(1), "SQLITE_ERROR");
        assert_eq!(sqlite_code_name(2067), "SQLITE_CONSTRAINT_UNIQUE");
        assert_eq!(sqlite_code_name(9), "SQLITE_INTERRUPT");
    }
}
