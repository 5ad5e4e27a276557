//! Splits a cell into statements, per dialect, keeping each statement's byte range in the cell.
//!
//! Each statement is sent to the server on its own so that every result is shown as soon as it
//! is ready, a failing statement can be named ("statement 2 of 3"), and the server's error
//! position can be turned into a caret under the user's text.
//!
//! Besides quotes, comments and dollar quotes (handled by [`super::lex`]) the splitter knows:
//! - `BEGIN … END` bodies of `CREATE TRIGGER` (SQLite, MySQL) and `CREATE PROCEDURE/FUNCTION/EVENT`
//!   (MySQL), with `CASE … END` inside them and `END IF/LOOP/WHILE/REPEAT`, so no `DELIMITER` is
//!   needed; PostgreSQL's `BEGIN ATOMIC … END` function bodies likewise;
//! - MySQL's client-side `DELIMITER //` directive, which changes the statement terminator.

use super::lex::{Dialect, Lexer, Token, TokenKind};

/// One statement: `body[start..end]`, without the terminator or surrounding comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    pub start: usize,
    pub end: usize,
}

impl Statement {
    pub fn text(self, body: &str) -> &str {
        body.get(self.start..self.end).unwrap_or("")
    }
}

/// Per-statement state while scanning.
#[derive(Default)]
struct Current {
    start: Option<usize>,
    end: usize,
    /// The statement starts with CREATE and has named TRIGGER/PROCEDURE/FUNCTION/EVENT.
    create_routine: bool,
    first_word: Option<String>,
    previous_word: Option<String>,
    /// Open BEGIN/CASE blocks of a routine body.
    depth: usize,
    /// An END was seen; whether it closes a counted block depends on the next word.
    pending_end: bool,
}

/// Splits `body` into statements. Fails only on a `DELIMITER` line without a delimiter.
pub fn split(body: &str, dialect: Dialect) -> Result<Vec<Statement>, String> {
    let mut statements = Vec::new();
    let mut lexer = Lexer::new(body, dialect);
    let mut delimiter = String::from(";");
    let mut cur = Current::default();
    while let Some(token) = lexer.next() {
        if !token.is_significant() {
            continue;
        }
        let word = (token.kind == TokenKind::Word)
            .then(|| body[token.start..token.end].to_ascii_uppercase());

        // MySQL's client-side DELIMITER directive: only at the start of a statement.
        if dialect == Dialect::MySql && cur.start.is_none() && word.as_deref() == Some("DELIMITER")
        {
            let line_end = body[token.end..]
                .find('\n')
                .map_or(body.len(), |i| token.end + i);
            let argument = body[token.end..line_end]
                .split_whitespace()
                .next()
                .unwrap_or("");
            if argument.is_empty() {
                return Err(format!(
                    "DELIMITER at line {} needs a delimiter, e.g. `DELIMITER //` (and `DELIMITER ;` to switch back)",
                    line_of(body, token.start) + 1
                ));
            }
            delimiter = argument.to_string();
            lexer.seek(line_end);
            continue;
        }

        // A custom delimiter is matched as raw text wherever code (not a quote or comment) starts.
        if delimiter != ";"
            && matches!(token.kind, TokenKind::Punct | TokenKind::Word)
            && body
                .get(token.start..)
                .is_some_and(|rest| rest.starts_with(delimiter.as_str()))
        {
            finish(&mut cur, &mut statements);
            lexer.seek(token.start + delimiter.len());
            continue;
        }

        // `END IF`, `END CASE`...: the word after END belongs to it and opens nothing. IF, LOOP,
        // WHILE, REPEAT and FOR blocks are not counted (their openers are ambiguous: `IF(` is also
        // a function), so their END closes nothing either.
        let mut end_suffix = false;
        if cur.pending_end {
            cur.pending_end = false;
            end_suffix = matches!(
                word.as_deref(),
                Some("IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR" | "CASE")
            );
            if !matches!(
                word.as_deref(),
                Some("IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR")
            ) {
                cur.depth = cur.depth.saturating_sub(1);
            }
        }

        if delimiter == ";"
            && token.kind == TokenKind::Punct
            && &body[token.start..token.end] == ";"
            && cur.depth == 0
        {
            finish(&mut cur, &mut statements);
            continue;
        }

        if !end_suffix {
            track_blocks(&mut cur, word.as_deref(), dialect);
        }
        if cur.start.is_none() {
            cur.start = Some(token.start);
        }
        cur.end = token.end;
        if let Some(w) = word {
            if cur.first_word.is_none() {
                cur.first_word = Some(w.clone());
            }
            cur.previous_word = Some(w);
        }
    }
    finish(&mut cur, &mut statements);
    Ok(statements)
}

fn track_blocks(cur: &mut Current, word: Option<&str>, dialect: Dialect) {
    let Some(word) = word else { return };
    let is_create = cur.first_word.as_deref() == Some("CREATE");
    if is_create && matches!(word, "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT") {
        cur.create_routine = true;
    }
    match (dialect, word) {
        // PostgreSQL: only the SQL-standard `BEGIN ATOMIC` body opens a block; a bare BEGIN is a
        // transaction start.
        (Dialect::Postgres, "ATOMIC")
            if cur.create_routine && cur.previous_word.as_deref() == Some("BEGIN") =>
        {
            cur.depth += 1
        }
        (Dialect::MySql | Dialect::Sqlite, "BEGIN") if cur.create_routine => cur.depth += 1,
        (_, "CASE") if cur.depth > 0 => cur.depth += 1,
        (_, "END") if cur.depth > 0 => cur.pending_end = true,
        _ => {}
    }
}

fn finish(cur: &mut Current, statements: &mut Vec<Statement>) {
    if let Some(start) = cur.start {
        statements.push(Statement {
            start,
            end: cur.end,
        });
    }
    *cur = Current::default();
}

/// 0-based line of a byte offset.
pub fn line_of(body: &str, offset: usize) -> usize {
    body.as_bytes()
        .iter()
        .take(offset)
        .filter(|&&b| b == b'\n')
        .count()
}

/// The significant tokens of a statement, for callers that classify it.
pub fn significant_tokens(text: &str, dialect: Dialect) -> impl Iterator<Item = Token> + '_ {
    Lexer::new(text, dialect).filter(|t| t.is_significant())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(body: &str, dialect: Dialect) -> Vec<&str> {
        split(body, dialect)
            .unwrap()
            .into_iter()
            .map(|s| s.text(body))
            .collect()
    }

    #[test]
    fn splits_on_semicolons_and_skips_empty_statements() {
        assert_eq!(
            texts("SELECT 1; ;; SELECT 2;", Dialect::Postgres),
            vec!["SELECT 1", "SELECT 2"]
        );
        assert_eq!(texts("  \n ", Dialect::Postgres), Vec::<&str>::new());
    }

    #[test]
    fn trailing_comments_are_not_statements() {
        assert_eq!(
            texts("SELECT 1; -- done\n/* bye */", Dialect::Postgres),
            vec!["SELECT 1"]
        );
        assert_eq!(
            texts("SELECT 1 -- no semicolon", Dialect::Sqlite),
            vec!["SELECT 1"]
        );
        assert_eq!(
            texts("-- only a comment", Dialect::MySql),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn comments_inside_a_statement_are_kept() {
        assert_eq!(
            texts("SELECT /* ; */ 1 -- ;\n + 2; SELECT 3", Dialect::Postgres),
            vec!["SELECT /* ; */ 1 -- ;\n + 2", "SELECT 3"]
        );
    }

    #[test]
    fn semicolons_in_quotes_do_not_split() {
        assert_eq!(
            texts("SELECT 'a;b', \"c;d\"; SELECT 2", Dialect::Postgres),
            vec!["SELECT 'a;b', \"c;d\"", "SELECT 2"]
        );
        assert_eq!(
            texts(r"SELECT E'x\';y'; SELECT 2", Dialect::Postgres),
            vec![r"SELECT E'x\';y'", "SELECT 2"]
        );
        assert_eq!(
            texts(r"SELECT 'x\';y', `a;b`; SELECT 2", Dialect::MySql),
            vec![r"SELECT 'x\';y', `a;b`", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT [a;b] FROM t; SELECT 2", Dialect::Sqlite),
            vec!["SELECT [a;b] FROM t", "SELECT 2"]
        );
    }

    #[test]
    fn mysql_hash_comments() {
        assert_eq!(
            texts("SELECT 1 # one; two\n; SELECT 2", Dialect::MySql),
            vec!["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn nested_block_comments_in_postgres() {
        assert_eq!(
            texts("SELECT 1 /* a /* ; */ ; */; SELECT 2", Dialect::Postgres),
            vec!["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn dollar_quoted_function_bodies() {
        let body = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\nDO $do$ BEGIN RAISE NOTICE 'x;'; END $do$;\nSELECT f()";
        let parts = texts(body, Dialect::Postgres);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[0].ends_with("LANGUAGE plpgsql"));
        assert!(parts[1].starts_with("DO $do$"));
    }

    #[test]
    fn postgres_begin_is_a_transaction_not_a_block() {
        assert_eq!(
            texts(
                "BEGIN; INSERT INTO t VALUES (1); COMMIT;",
                Dialect::Postgres
            ),
            vec!["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]
        );
        assert_eq!(
            texts(
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
                Dialect::Postgres
            ),
            vec![
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn sqlite_trigger_body() {
        let body = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  INSERT INTO log VALUES (CASE WHEN 1 THEN 'x' END);\nEND;\nINSERT INTO a VALUES (1);";
        let parts = texts(body, Dialect::Sqlite);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("END"));
        assert_eq!(parts[1], "INSERT INTO a VALUES (1)");
    }

    #[test]
    fn mysql_procedure_without_delimiter() {
        let body = "CREATE PROCEDURE p(IN n INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  WHILE i < n DO SET i = i + 1; END WHILE;\n  IF i > 0 THEN SELECT i; END IF;\n  CASE i WHEN 1 THEN SELECT 1; ELSE BEGIN SELECT 2; END; END CASE;\nEND;\nCALL p(3);";
        let parts = texts(body, Dialect::MySql);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("END"));
        assert_eq!(parts[1], "CALL p(3)");
    }

    #[test]
    fn mysql_begin_outside_a_routine_is_a_transaction() {
        assert_eq!(
            texts("BEGIN; SELECT 1; COMMIT", Dialect::MySql),
            vec!["BEGIN", "SELECT 1", "COMMIT"]
        );
    }

    #[test]
    fn mysql_delimiter_directive() {
        let body = "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END //\nDELIMITER ;\nCALL p();\nSELECT 'a//b';";
        let parts = texts(body, Dialect::MySql);
        assert_eq!(
            parts,
            vec![
                "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
                "CALL p()",
                "SELECT 'a//b'"
            ]
        );
    }

    #[test]
    fn delimiter_without_argument_is_an_error() {
        assert!(
            split("DELIMITER\nSELECT 1", Dialect::MySql)
                .unwrap_err()
                .contains("line 1")
        );
    }

    #[test]
    fn offsets_point_into_the_cell() {
        let body = "SELECT 1;\n  SELECT 2";
        let statements = split(body, Dialect::Postgres).unwrap();
        assert_eq!(statements[1], Statement { start: 12, end: 20 });
        assert_eq!(line_of(body, statements[1].start), 1);
    }

    #[test]
    fn unterminated_quote_is_sent_as_is() {
        assert_eq!(
            texts("SELECT 'abc; SELECT 2", Dialect::Postgres),
            vec!["SELECT 'abc; SELECT 2"]
        );
    }
}
