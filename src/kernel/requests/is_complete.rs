//! is_complete_reply: used by consoles to decide whether Enter runs the cell or opens a new
//! line. Each language is judged as its own shell judges it:
//! - SQL as psql: a statement runs once it ends with `;` (a backslash or SQLite dot command
//!   line runs at once); an open quote, comment, dollar body or bracket is incomplete.
//!   Notebooks never ask, so a notebook cell without `;` still runs.
//! - mongosh: incomplete while a bracket, quote, template literal or block comment is open.
//! - Redis (redis-cli): incomplete while a quote is open.
//!
//! An unknown cell magic is invalid; a cell of line magics only is complete.

use serde_json::{Value as Json, json};

use super::string_field;
use crate::catalog::cache::Cache;
use crate::cell::parse_cell;
use crate::complete::context::header;
use crate::engine::Language;
use crate::engine::sql::lex::{Dialect, Lexer, TokenKind};

pub fn reply(cache: &Cache, content: &Json) -> Result<Json, String> {
    let code = string_field(content, "code")?;
    let dialect = dialect_for(cache, code);
    Ok(match status(code, dialect) {
        "incomplete" => json!({"status": "incomplete", "indent": ""}),
        s => json!({"status": s}),
    })
}

/// The SQL dialect of the connection the cell would run on (SQLite when unknown).
fn dialect_for(cache: &Cache, code: &str) -> Dialect {
    let (_, connection, _) = header(code);
    let kind = cache
        .connection_for(Language::Sql, connection.as_deref())
        .map(|c| c.kind.to_ascii_lowercase())
        .unwrap_or_default();
    if kind.starts_with("postgres") {
        Dialect::Postgres
    } else if kind.starts_with("mysql") || kind.starts_with("mariadb") {
        Dialect::MySql
    } else {
        Dialect::Sqlite
    }
}

pub fn status(code: &str, dialect: Dialect) -> &'static str {
    if parse_cell(code).is_err() {
        return "invalid";
    }
    let (language, _, body_start) = header(code);
    let body = &code[body_start..];
    let magic = code[..body_start]
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("%%"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("sql");
    let open = match (language, magic) {
        (_, "check" | "sandbox") => generic_open(body),
        (Language::Sql, _) => sql_open(body, dialect),
        (Language::Mql, _) => mongosh_open(body),
        (Language::Redis, _) => redis_open(body),
    };
    if open { "incomplete" } else { "complete" }
}

/// Whether a SQL body still waits for text, as psql decides.
fn sql_open(body: &str, dialect: Dialect) -> bool {
    const SENTINEL: &str = "dbkernel_is_complete_sentinel";
    let probe = format!("{body}\n;{SENTINEL}");
    let tokens: Vec<_> = Lexer::new(&probe, dialect)
        .filter(|t| t.is_significant())
        .collect();
    let n = tokens.len();
    let closed = n >= 2
        && &probe[tokens[n - 1].start..tokens[n - 1].end] == SENTINEL
        && &probe[tokens[n - 2].start..tokens[n - 2].end] == ";"
        && tokens[n - 2].start == body.len() + 1;
    if !closed {
        // A quote, comment or dollar body swallowed the probe.
        return true;
    }
    let significant = &tokens[..n - 2];
    let Some(last) = significant.last() else {
        return false;
    };
    let depth: i64 = significant
        .iter()
        .filter(|t| t.kind == TokenKind::Punct)
        .map(|t| match &probe[t.start..t.end] {
            "(" => 1,
            ")" => -1,
            _ => 0,
        })
        .sum();
    if depth > 0 {
        return true;
    }
    // psql runs a backslash command (and sqlite3 a dot command) at the end of its line.
    let last_line = body.trim_end().lines().last().unwrap_or("").trim_start();
    if last_line.starts_with('\\') || (dialect == Dialect::Sqlite && last_line.starts_with('.')) {
        return false;
    }
    if &probe[last.start..last.end] != ";" {
        return true;
    }
    // A trigger or routine body (`BEGIN … END`) holds `;`s of its own: it is finished only
    // when the splitter's last statement is followed by its terminator.
    match crate::engine::sql::split::split(body, dialect) {
        Ok(statements) => statements.last().is_some_and(|s| {
            !Lexer::new(&body[s.end..], dialect)
                .any(|t| t.kind == TokenKind::Punct && &body[s.end + t.start..s.end + t.end] == ";")
        }),
        Err(_) => false,
    }
}

/// mongosh: brackets, quotes, template literals and block comments.
fn mongosh_open(body: &str) -> bool {
    let mut depth: i64 = 0;
    let mut chars = body.chars().peekable();
    let mut quote: Option<char> = None;
    let (mut block, mut line) = (false, false);
    while let Some(c) = chars.next() {
        if line {
            line = c != '\n';
        } else if block {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block = false;
            }
        } else if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q || (c == '\n' && q != '`') {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' | '`' => quote = Some(c),
                '/' if chars.peek() == Some(&'/') => line = true,
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    block = true;
                }
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
    }
    quote == Some('`') || block || depth > 0
}

/// redis-cli: an open `"` (with backslash escapes) or `'` on the last line.
fn redis_open(body: &str) -> bool {
    let last = body.lines().last().unwrap_or("");
    let mut quote: Option<char> = None;
    let mut chars = last.chars();
    while let Some(c) = chars.next() {
        match quote {
            // `"` takes every backslash escape; `'` only `\'`.
            Some(q) if c == '\\' && (q == '"' || chars.as_str().starts_with('\'')) => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => {}
        }
    }
    quote.is_some()
}

/// Other bodies (`%%check` tables and literals): quotes and brackets.
fn generic_open(body: &str) -> bool {
    let mut depth: i64 = 0;
    let mut quote: Option<char> = None;
    for c in body.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            },
        }
    }
    quote.is_some() || depth > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(code: &str) -> &'static str {
        status(code, Dialect::Postgres)
    }

    #[test]
    fn sql_is_judged_as_psql_judges_it() {
        assert_eq!(pg("%%sql\nSELECT 1;"), "complete");
        assert_eq!(pg("%%sql\nSELECT 1"), "incomplete");
        assert_eq!(pg("%%sql\nSELECT ("), "incomplete");
        assert_eq!(pg("SELECT 'abc"), "incomplete");
        assert_eq!(pg("SELECT 'a;b';"), "complete");
        assert_eq!(pg("SELECT 1; -- (comment"), "complete");
        assert_eq!(pg("SELECT 1 /* open"), "incomplete");
        assert_eq!(
            pg("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;"),
            "incomplete"
        );
        assert_eq!(
            pg("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;"),
            "complete"
        );
        assert_eq!(pg("\\dt"), "complete");
        assert_eq!(pg("%%sql\n"), "complete");
        assert_eq!(status(".tables", Dialect::Sqlite), "complete");
        assert_eq!(
            status(
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1);",
                Dialect::Sqlite
            ),
            "incomplete"
        );
        assert_eq!(
            status(
                "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); END;",
                Dialect::Sqlite
            ),
            "complete"
        );
    }

    #[test]
    fn mongosh_brackets_and_redis_quotes() {
        assert_eq!(pg("%%mql\ndb.c.find({a: 1"), "incomplete");
        assert_eq!(pg("%%mql\ndb.c.find({a: 1})"), "complete");
        assert_eq!(pg("%%mql\nlet x = 1; x--"), "complete");
        assert_eq!(pg("%%mql\ndb.c.find({a: '}'})"), "complete");
        assert_eq!(pg("%%redis\nSET k \"open"), "incomplete");
        assert_eq!(pg("%%redis\nSET k \"a\\\"b\""), "complete");
        assert_eq!(pg("%%redis\nSET k v"), "complete");
    }

    #[test]
    fn unknown_magic_is_invalid_and_line_magics_are_complete() {
        assert_eq!(pg("%%nosuchmagic"), "invalid");
        assert_eq!(pg("%vars"), "complete");
    }
}
