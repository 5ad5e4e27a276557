//! Hints for statements that fail on SQLite because they are written for MySQL/MariaDB or
//! PostgreSQL. SQLite reports `near "X": syntax error`, `unrecognized token: "X"` or
//! `no such function: X` (all SQLITE_ERROR), so the rules read the message's quoted token.

use super::{Dialect, Hint, Rule, Seen, describe_table, inline_index_hint, list_tables};

/// MySQL/MariaDB forms.
pub const FROM_MYSQL: &[Rule] = &[
    inline_index,
    hash_comment,
    auto_increment,
    show_tables,
    describe,
];

/// PostgreSQL forms.
pub const FROM_POSTGRES: &[Rule] = &[
    identity,
    now_function,
    default_now,
    ilike,
    trigger_calling_a_function,
];

fn near(seen: &Seen<'_>, word: &str) -> bool {
    seen.message.to_ascii_uppercase().contains(&format!(
        "NEAR \"{}\": SYNTAX ERROR",
        word.to_ascii_uppercase()
    ))
}

fn inline_index(seen: &Seen<'_>) -> Option<Hint> {
    if !(near(seen, "INDEX") || near(seen, "KEY")) {
        return None;
    }
    inline_index_hint(seen, "SQLite")
}

/// `# comment`: unrecognized token: "#".
fn hash_comment(seen: &Seen<'_>) -> Option<Hint> {
    if !seen.message.contains("unrecognized token: \"#\"") {
        return None;
    }
    let hashes: Vec<usize> = (0..seen.tokens.len())
        .filter(|&i| seen.tokens[i].punct("#"))
        .collect();
    Some(
        Hint::new(
            "# starts a comment in MySQL only; SQLite comments start with -- (or are /* … */):",
        )
        .with_example(seen.replaced(&hashes, "--")),
    )
}

fn integer_primary_key(seen: &Seen<'_>, at: usize) -> String {
    let column = seen.column_at(at).unwrap_or("id");
    format!("{column} INTEGER PRIMARY KEY AUTOINCREMENT")
}

/// `id INT NOT NULL AUTO_INCREMENT`: near "AUTO_INCREMENT". (Right after the type SQLite takes
/// it as part of the type name, and no error comes.)
fn auto_increment(seen: &Seen<'_>) -> Option<Hint> {
    let at = seen.find("AUTO_INCREMENT")?;
    near(seen, "AUTO_INCREMENT").then(|| {
        Hint::new("AUTO_INCREMENT is MySQL's; in SQLite an INTEGER PRIMARY KEY numbers itself (AUTOINCREMENT also stops ids from being reused):")
            .with_example(integer_primary_key(seen, at))
    })
}

fn show_tables(seen: &Seen<'_>) -> Option<Hint> {
    (near(seen, "SHOW") && seen.starts(&["SHOW", "TABLES"])).then(|| {
        Hint::new("SHOW TABLES is MySQL's; SQLite lists tables in sqlite_schema:")
            .with_example(list_tables(Dialect::Sqlite))
    })
}

fn describe(seen: &Seen<'_>) -> Option<Hint> {
    if !(near(seen, "DESCRIBE") || near(seen, "DESC")) {
        return None;
    }
    let table = seen.tokens.get(1)?.text;
    Some(
        Hint::new(format!(
            "DESCRIBE is MySQL's; SQLite describes {table} with a PRAGMA:"
        ))
        .with_example(describe_table(Dialect::Sqlite, table)),
    )
}

/// `GENERATED ALWAYS AS IDENTITY`: near "IDENTITY".
fn identity(seen: &Seen<'_>) -> Option<Hint> {
    let at = seen.find("GENERATED")?;
    near(seen, "IDENTITY").then(|| {
        Hint::new("GENERATED … AS IDENTITY is PostgreSQL's; in SQLite an INTEGER PRIMARY KEY numbers itself:")
            .with_example(integer_primary_key(seen, at))
    })
}

/// `NOW()`: no such function: NOW.
fn now_function(seen: &Seen<'_>) -> Option<Hint> {
    seen.message.eq_ignore_ascii_case("no such function: NOW").then(|| {
        Hint::new("SQLite has no NOW(): use CURRENT_TIMESTAMP or datetime('now') (both UTC, as text 'YYYY-MM-DD HH:MM:SS')")
    })
}

/// `DEFAULT NOW()`: near "(": SQLite takes a function in DEFAULT only in parentheses.
fn default_now(seen: &Seen<'_>) -> Option<Hint> {
    let at = (0..seen.tokens.len()).find(|&i| {
        seen.tokens[i].is("DEFAULT")
            && seen.tokens.get(i + 2).is_some_and(|t| t.punct("("))
            && seen
                .tokens
                .get(i + 1)
                .is_some_and(|t| t.kind == super::TokenKind::Word)
    })?;
    if !near(seen, "(") {
        return None;
    }
    // Only NOW(): another PostgreSQL function (gen_random_uuid()) does not exist in SQLite at
    // all, and a hint that only adds parentheses would mislead.
    let function = seen.tokens[at + 1].text;
    if !function.eq_ignore_ascii_case("now") {
        return None;
    }
    Some(Hint::new(format!(
        "DEFAULT {function}() is PostgreSQL's form; in SQLite: DEFAULT CURRENT_TIMESTAMP"
    )))
}

/// `a ILIKE 'x'`: near "ILIKE".
fn ilike(seen: &Seen<'_>) -> Option<Hint> {
    let at: Vec<usize> = (0..seen.tokens.len())
        .filter(|&i| seen.tokens[i].is("ILIKE"))
        .collect();
    // `SELECT 'a' ILIKE 'b'` fails near 'b' (ILIKE was read as a column alias), `WHERE a
    // ILIKE 'b'` near "ILIKE": any syntax error of a statement with ILIKE.
    (seen.message.ends_with("syntax error") && !at.is_empty()).then(|| {
        Hint::new("ILIKE is PostgreSQL's; SQLite's LIKE already ignores case for ASCII letters:")
            .with_example(seen.replaced(&at, "LIKE"))
    })
}

/// `… FOR EACH ROW EXECUTE FUNCTION f()`: near "EXECUTE".
fn trigger_calling_a_function(seen: &Seen<'_>) -> Option<Hint> {
    if !near(seen, "EXECUTE") || !seen.starts(&["CREATE", "TRIGGER"]) {
        return None;
    }
    let execute = seen.find("EXECUTE")?;
    let header = seen.text_between(0, execute);
    Some(
        Hint::new("EXECUTE FUNCTION is PostgreSQL's trigger form; a SQLite trigger holds its statements itself, between BEGIN and END, e.g.:")
            .with_example(format!(
                "{header}\nBEGIN\n  UPDATE {} SET updated_at = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid;\nEND;",
                trigger_table(seen).unwrap_or("the_table")
            )),
    )
}

/// The table after `ON` in a CREATE TRIGGER.
fn trigger_table<'a>(seen: &Seen<'a>) -> Option<&'a str> {
    let on = seen.find("ON")?;
    seen.tokens.get(on + 1).map(|t| t.text)
}
