//! Teaching hints: a statement that fails because it is written for another database gets a
//! `hint:` line saying so, with this database's form of it (usually the user's own statement
//! rewritten). The guides mix dialects freely — a MySQL `INDEX` inside a PostgreSQL `CREATE
//! TABLE`, SQLite trigger bodies, `NOW()` — and the server's own message rarely says why.
//!
//! One file per target database ([`postgres`], [`mysql`], [`sqlite`]), each holding one table
//! per dialect the statement may have come from. A rule looks at the server's error (its code
//! and message) and at the statement's tokens, and answers only when both agree, so a hint never
//! guesses: a plain typo gets none. Pasted application code (an ORM call) is recognised for
//! every database by [`crate::engine::pasted`].

mod mysql;
mod postgres;
mod sqlite;

use super::lex::{Dialect, Lexer, TokenKind};
use crate::engine::Language;

/// A token of the failed statement.
#[derive(Debug, Clone)]
pub struct Tok<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

impl Tok<'_> {
    /// A word, compared without case.
    pub fn is(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(word)
    }

    pub fn punct(&self, p: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == p
    }
}

/// What a rule gets to look at.
pub struct Seen<'a> {
    /// The server's code: SQLSTATE (PostgreSQL), error number (MySQL), code name (SQLite).
    pub code: &'a str,
    pub message: &'a str,
    pub statement: &'a str,
    /// Significant tokens (no spaces or comments), in the target dialect's lexing.
    pub tokens: Vec<Tok<'a>>,
}

impl<'a> Seen<'a> {
    fn new(dialect: Dialect, code: &'a str, message: &'a str, statement: &'a str) -> Self {
        let tokens = Lexer::new(statement, dialect)
            .filter(|t| t.is_significant())
            .map(|t| Tok {
                kind: t.kind,
                text: &statement[t.start..t.end],
                start: t.start,
                end: t.end,
            })
            .collect();
        Seen {
            code,
            message,
            statement,
            tokens,
        }
    }

    /// Index of the first token that is this word.
    pub fn find(&self, word: &str) -> Option<usize> {
        self.tokens.iter().position(|t| t.is(word))
    }

    pub fn has(&self, word: &str) -> bool {
        self.find(word).is_some()
    }

    /// Whether the statement starts with these words.
    pub fn starts(&self, words: &[&str]) -> bool {
        words.len() <= self.tokens.len() && words.iter().zip(&self.tokens).all(|(w, t)| t.is(w))
    }

    /// Index of `word` followed at once by `(` (a function call).
    pub fn call(&self, word: &str) -> Option<usize> {
        (0..self.tokens.len()).find(|&i| {
            self.tokens[i].is(word) && self.tokens.get(i + 1).is_some_and(|t| t.punct("("))
        })
    }

    /// The statement's text from token `from` up to (not including) token `to`.
    pub fn text_between(&self, from: usize, to: usize) -> &'a str {
        let start = self
            .tokens
            .get(from)
            .map_or(self.statement.len(), |t| t.start);
        let end = self
            .tokens
            .get(to)
            .map_or(self.statement.len(), |t| t.start);
        self.statement
            .get(start..end.max(start))
            .unwrap_or("")
            .trim()
    }

    /// The column being defined at token `at`: the first word after the `(` or `,` that starts
    /// its definition (parentheses of a type such as `INT(11)` are skipped).
    pub fn column_at(&self, at: usize) -> Option<&'a str> {
        let mut depth = 0usize;
        let mut i = at;
        while i > 0 {
            i -= 1;
            let t = &self.tokens[i];
            if t.punct(")") {
                depth += 1;
            } else if t.punct("(") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if t.punct(",") && depth == 0 {
                break;
            }
        }
        self.tokens.get(i + 1).map(|t| t.text)
    }

    /// The statement with the text of each token at `indices` replaced.
    pub fn replaced(&self, indices: &[usize], with: &str) -> String {
        let mut out = String::new();
        let mut at = 0;
        for &i in indices {
            let t = &self.tokens[i];
            out.push_str(&self.statement[at..t.start]);
            out.push_str(with);
            at = t.end;
        }
        out.push_str(&self.statement[at..]);
        out
    }

    /// The table a `CREATE TABLE [IF NOT EXISTS] name` statement creates.
    pub fn created_table(&self) -> Option<&'a str> {
        if !self.starts(&["CREATE", "TABLE"]) {
            return None;
        }
        let mut i = 2;
        if self.tokens.get(i).is_some_and(|t| t.is("IF")) {
            i += 3;
        }
        self.tokens.get(i).map(|t| t.text)
    }
}

/// A hint: the dialect the statement was written in, what to say, and this database's form.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub text: String,
    /// Statement lines to show under the hint, indented.
    pub example: Vec<String>,
}

impl Hint {
    pub fn new(text: impl Into<String>) -> Self {
        Hint {
            text: text.into(),
            example: Vec::new(),
        }
    }

    pub fn with_example(mut self, example: impl AsRef<str>) -> Self {
        const MAX_LINES: usize = 12;
        let lines: Vec<&str> = example.as_ref().lines().collect();
        self.example.extend(
            lines
                .iter()
                .take(MAX_LINES)
                .map(|l| l.trim_end().to_string()),
        );
        if lines.len() > MAX_LINES {
            self.example
                .push(format!("… ({} more lines)", lines.len() - MAX_LINES));
        }
        self
    }

    /// The detail lines of the cell's error: `hint: …` then the example, indented.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!("hint: {}", self.text)];
        out.extend(self.example.iter().map(|l| format!("    {l}")));
        out
    }
}

/// A rule: given what the server said and the statement, a hint when the rule is sure.
pub type Rule = fn(&Seen<'_>) -> Option<Hint>;

/// The hint for a failed statement on `dialect`, if a rule recognises it. `code` is the
/// server's code as it appears in the error's name.
pub fn hint(dialect: Dialect, code: &str, message: &str, statement: &str) -> Option<Hint> {
    let seen = Seen::new(dialect, code, message, statement);
    let tables: &[&[Rule]] = match dialect {
        Dialect::Postgres => &[postgres::FROM_MYSQL, postgres::FROM_SQLITE],
        Dialect::MySql => &[mysql::FROM_POSTGRES, mysql::FROM_SQLITE],
        Dialect::Sqlite => &[sqlite::FROM_MYSQL, sqlite::FROM_POSTGRES],
    };
    tables
        .iter()
        .flat_map(|rules| rules.iter())
        .find_map(|rule| rule(&seen))
        .or_else(|| command_inside_statement(dialect, &seen))
        .or_else(|| pasted_code(dialect, &seen))
}

/// `SELECT * FROM users\n\\dt`: a catalog command (`\dt`, SQLite's `.tables`) runs only where a
/// statement may begin (`sql::meta`), so after a statement without its `;` it reaches the server
/// as part of that statement.
fn command_inside_statement(dialect: Dialect, seen: &Seen<'_>) -> Option<Hint> {
    if !syntax_error(dialect, seen) {
        return None;
    }
    let at = (1..seen.tokens.len()).find(|&i| {
        let t = &seen.tokens[i];
        let line_start = seen.statement[..t.start].rfind('\n').map_or(0, |n| n + 1);
        let alone = seen.statement[line_start..t.start].trim().is_empty();
        let opens = t.punct("\\") || (dialect == Dialect::Sqlite && t.punct("."));
        let command = seen.tokens.get(i + 1).is_some_and(|n| {
            n.kind == TokenKind::Word
                && n.start == t.end
                && n.text.starts_with(|c: char| c.is_ascii_alphabetic())
        });
        alone && line_start > 0 && opens && command
    })?;
    let before = seen.statement[..seen.tokens[at].start].trim_end();
    let line_end = seen.statement[seen.tokens[at].start..]
        .find('\n')
        .map_or(seen.statement.len(), |n| seen.tokens[at].start + n);
    let command = &seen.statement[seen.tokens[at].start..line_end];
    Some(
        Hint::new(format!(
            "{} is a catalog command, run only where a statement begins: the statement before it has no ; so the command became part of it. End that statement first:",
            command.trim()
        ))
        .with_example(format!("{before};\n{}", command.trim())),
    )
}

/// Whether the server called it a syntax error (the only errors pasted code produces).
fn syntax_error(dialect: Dialect, seen: &Seen<'_>) -> bool {
    match dialect {
        Dialect::Postgres => seen.code == "42601",
        Dialect::MySql => seen.code == "1064",
        Dialect::Sqlite => {
            seen.message.contains("syntax error") || seen.message.contains("unrecognized token")
        }
    }
}

fn pasted_code(dialect: Dialect, seen: &Seen<'_>) -> Option<Hint> {
    if !syntax_error(dialect, seen) {
        return None;
    }
    let pasted = crate::engine::pasted::detect(seen.statement, Language::Sql)?;
    let mut advice = pasted.advice(Language::Sql).into_iter();
    let mut hint = Hint::new(format!(
        "this looks like {}, not SQL: {}; {}",
        pasted.what(),
        pasted.text,
        advice.next().unwrap_or_default()
    ));
    hint.example = advice
        .filter(|l| l.starts_with("    "))
        .map(|l| l.trim().to_string())
        .collect();
    Some(hint)
}

/// How each database lists its tables and describes one, for the SHOW TABLES / DESCRIBE rules.
/// (psql's `\dt` and `\d` typed into MySQL or SQLite are answered by `sql::meta`, not here.)
pub fn list_tables(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => {
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public';"
        }
        Dialect::MySql => "SHOW TABLES;",
        Dialect::Sqlite => "SELECT name FROM sqlite_schema WHERE type = 'table';",
    }
}

pub fn describe_table(dialect: Dialect, table: &str) -> String {
    match dialect {
        Dialect::Postgres => format!(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = '{table}';"
        ),
        Dialect::MySql => format!("DESCRIBE {table};"),
        Dialect::Sqlite => format!("PRAGMA table_info({table});"),
    }
}

/// `INDEX name (cols)` / `KEY name (cols)` inside a CREATE TABLE (MySQL): the index's name, its
/// columns' text and whether it is UNIQUE, with the token range to remove.
pub struct InlineIndex<'a> {
    pub name: &'a str,
    pub columns: &'a str,
    pub unique: bool,
}

pub fn inline_index<'a>(seen: &Seen<'a>) -> Option<InlineIndex<'a>> {
    let table_open = seen.tokens.iter().position(|t| t.punct("("))?;
    let mut i = table_open + 1;
    while i < seen.tokens.len() {
        let after_comma = seen.tokens[i - 1].punct(",");
        let unique = seen.tokens[i].is("UNIQUE");
        let at = if unique { i + 1 } else { i };
        let keyword = seen.tokens.get(at)?;
        if after_comma && (keyword.is("INDEX") || keyword.is("KEY")) {
            let name = seen.tokens.get(at + 1)?;
            let open = seen.tokens.get(at + 2)?;
            if name.kind == TokenKind::Word && open.punct("(") {
                let close = (at + 3..seen.tokens.len()).find(|&j| seen.tokens[j].punct(")"))?;
                return Some(InlineIndex {
                    name: name.text,
                    columns: seen.text_between(at + 3, close),
                    unique,
                });
            }
        }
        i += 1;
    }
    None
}

/// The hint every target gives for an inline index, in its own words.
pub fn inline_index_hint(seen: &Seen<'_>, database: &str) -> Option<Hint> {
    let index = inline_index(seen)?;
    let table = seen.created_table()?;
    let unique = if index.unique { "UNIQUE " } else { "" };
    Some(
        Hint::new(format!(
            "INDEX {} ({}) inside CREATE TABLE is MySQL syntax; {database} creates an index with a statement of its own: remove that line from the table and run, after it:",
            index.name, index.columns
        ))
        .with_example(format!(
            "CREATE {unique}INDEX {} ON {table} ({});",
            index.name, index.columns
        )),
    )
}

/// `CREATE TRIGGER name <timing> BEGIN body END` (SQLite; MySQL's with FOR EACH ROW): its
/// parts, for PostgreSQL's function + trigger form.
pub struct TriggerBody<'a> {
    pub name: &'a str,
    /// `AFTER INSERT ON posts` (without FOR EACH ROW).
    pub timing: String,
    pub body: &'a str,
}

pub fn trigger_body<'a>(seen: &Seen<'a>) -> Option<TriggerBody<'a>> {
    let mut i = 1;
    if !seen.tokens.first()?.is("CREATE") {
        return None;
    }
    while seen
        .tokens
        .get(i)
        .is_some_and(|t| t.is("OR") || t.is("REPLACE") || t.is("TEMP") || t.is("TEMPORARY"))
    {
        i += 1;
    }
    if !seen.tokens.get(i)?.is("TRIGGER") {
        return None;
    }
    let name = seen.tokens.get(i + 1)?.text;
    let begin = seen.find("BEGIN")?;
    // PostgreSQL's splitter does not know trigger bodies, so there the statement ends at the
    // body's first `;` and END is the next statement: the body then runs to the end.
    let end = seen
        .tokens
        .iter()
        .rposition(|t| t.is("END"))
        .filter(|&end| end > begin)
        .unwrap_or(seen.tokens.len());
    let timing = seen.text_between(i + 2, begin);
    let timing = ["FOR EACH ROW", "for each row"]
        .iter()
        .fold(timing.to_string(), |t, f| t.replace(f, ""));
    Some(TriggerBody {
        name,
        timing: timing.split_whitespace().collect::<Vec<_>>().join(" "),
        body: seen.text_between(begin + 1, end),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(statement: &str) -> Seen<'_> {
        Seen::new(Dialect::Postgres, "42601", "syntax error", statement)
    }

    #[test]
    fn columns_and_inline_indexes_are_found() {
        let s = seen(
            "CREATE TABLE users (\n  id INT(11) AUTO_INCREMENT,\n  email VARCHAR(255),\n  UNIQUE KEY uq_email (email)\n)",
        );
        let at = s.find("AUTO_INCREMENT").unwrap();
        assert_eq!(s.column_at(at), Some("id"));
        let index = inline_index(&s).unwrap();
        assert_eq!(
            (index.name, index.columns, index.unique),
            ("uq_email", "email", true)
        );
        assert_eq!(s.created_table(), Some("users"));
    }

    #[test]
    fn trigger_bodies_are_taken_apart() {
        let s = seen(
            "CREATE TRIGGER t\nAFTER INSERT ON posts\nFOR EACH ROW\nBEGIN\n  UPDATE s SET n = n + 1;\nEND",
        );
        let t = trigger_body(&s).unwrap();
        assert_eq!(
            (t.name, t.timing.as_str(), t.body),
            ("t", "AFTER INSERT ON posts", "UPDATE s SET n = n + 1;")
        );
    }
}
