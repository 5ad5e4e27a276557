//! Hints for statements that fail on PostgreSQL because they are written for MySQL/MariaDB or
//! SQLite. Each rule checks the SQLSTATE PostgreSQL 15 reports for that mistake (42601 syntax
//! error, 42704 undefined object, 42883 undefined function) and the tokens that caused it.

use super::{
    Dialect, Hint, Rule, Seen, describe_table, inline_index_hint, list_tables, trigger_body,
};

/// MySQL/MariaDB forms.
pub const FROM_MYSQL: &[Rule] = &[
    inline_index,
    auto_increment,
    backticks,
    hash_comment,
    limit_offset_count,
    show_tables,
    describe,
];

/// SQLite forms.
pub const FROM_SQLITE: &[Rule] = &[autoincrement, trigger_without_function, datetime_now];

/// `INDEX idx (col)` inside CREATE TABLE: PostgreSQL reads `INDEX` as a column of type `idx`
/// (42704 type "idx_email" does not exist) or fails on the parenthesis (42601).
fn inline_index(seen: &Seen<'_>) -> Option<Hint> {
    if !matches!(seen.code, "42704" | "42601") {
        return None;
    }
    inline_index_hint(seen, "PostgreSQL")
}

fn identity_column(seen: &Seen<'_>, at: usize) -> String {
    let column = seen.column_at(at).unwrap_or("id");
    format!("{column} integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
}

fn auto_increment(seen: &Seen<'_>) -> Option<Hint> {
    let at = seen.find("AUTO_INCREMENT")?;
    (seen.code == "42601").then(|| {
        Hint::new("AUTO_INCREMENT is MySQL's; in PostgreSQL an auto-numbered column is an identity column (or the older SERIAL):")
            .with_example(identity_column(seen, at))
    })
}

fn autoincrement(seen: &Seen<'_>) -> Option<Hint> {
    let at = seen.find("AUTOINCREMENT")?;
    (seen.code == "42601").then(|| {
        Hint::new("AUTOINCREMENT is SQLite's; in PostgreSQL an auto-numbered column is an identity column (or the older SERIAL):")
            .with_example(identity_column(seen, at))
    })
}

/// `` `name` ``: PostgreSQL has no backtick quotes (42601 at or near the next word).
fn backticks(seen: &Seen<'_>) -> Option<Hint> {
    let ticks: Vec<usize> = (0..seen.tokens.len())
        .filter(|&i| seen.tokens[i].punct("`"))
        .collect();
    (seen.code == "42601" && !ticks.is_empty()).then(|| {
        Hint::new("`name` quotes a name in MySQL; PostgreSQL quotes names with double quotes (\"name\"), or leave plain names unquoted:")
            .with_example(seen.replaced(&ticks, "\""))
    })
}

/// `# comment`: a comment only in MySQL (42601 at or near "#"). PostgreSQL's own `#` is the
/// bitwise XOR operator, which is never a syntax error.
fn hash_comment(seen: &Seen<'_>) -> Option<Hint> {
    if seen.code != "42601" || !seen.message.contains("\"#\"") {
        return None;
    }
    let hashes: Vec<usize> = (0..seen.tokens.len())
        .filter(|&i| seen.tokens[i].punct("#"))
        .collect();
    (!hashes.is_empty()).then(|| {
        Hint::new(
            "# starts a comment in MySQL only; PostgreSQL comments start with -- (or are /* … */):",
        )
        .with_example(seen.replaced(&hashes, "--"))
    })
}

/// `LIMIT 5, 10`: PostgreSQL says so (42601 "LIMIT #,# syntax is not supported"); show the
/// statement's own numbers the other way round.
fn limit_offset_count(seen: &Seen<'_>) -> Option<Hint> {
    if !seen.message.contains("LIMIT #,#") {
        return None;
    }
    let at = seen.tokens.iter().rposition(|t| t.is("LIMIT"))?;
    let offset = seen.tokens.get(at + 1)?.text;
    let count = seen.tokens.get(at + 3)?.text;
    seen.tokens.get(at + 2)?.punct(",").then(|| {
        Hint::new(format!(
            "LIMIT {offset}, {count} is MySQL's form (offset first, then the count); in PostgreSQL: LIMIT {count} OFFSET {offset}"
        ))
    })
}

/// `SHOW TABLES`: 42704 unrecognized configuration parameter "tables".
fn show_tables(seen: &Seen<'_>) -> Option<Hint> {
    (seen.code == "42704" && seen.starts(&["SHOW", "TABLES"])).then(|| {
        Hint::new("SHOW TABLES is MySQL's; PostgreSQL lists tables in its catalog:")
            .with_example(list_tables(Dialect::Postgres))
    })
}

/// `DESCRIBE t` / `DESC t`: 42601 at or near "DESCRIBE".
fn describe(seen: &Seen<'_>) -> Option<Hint> {
    if seen.code != "42601" || !(seen.starts(&["DESCRIBE"]) || seen.starts(&["DESC"])) {
        return None;
    }
    let table = seen.tokens.get(1)?.text;
    Some(
        Hint::new(format!(
            "DESCRIBE is MySQL's; PostgreSQL describes {table} through its catalog:"
        ))
        .with_example(describe_table(Dialect::Postgres, table)),
    )
}

/// A trigger with its statements inline (`BEGIN … END`, SQLite and MySQL): PostgreSQL fails at
/// BEGIN (42601), since its triggers call a function.
fn trigger_without_function(seen: &Seen<'_>) -> Option<Hint> {
    if seen.code != "42601" || !seen.message.contains("\"BEGIN\"") {
        return None;
    }
    let trigger = trigger_body(seen)?;
    let function = format!("{}_fn", trigger.name);
    let body = trigger.body.trim_end();
    let body = if body.ends_with(';') {
        body.to_string()
    } else {
        format!("{body};")
    };
    Some(
        Hint::new("a trigger with its statements between BEGIN and END is SQLite's (and MySQL's) form; a PostgreSQL trigger runs a function, which holds the statements and returns the row (EXECUTE FUNCTION needed):")
            .with_example(format!(
                "CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  {body}\n  RETURN NEW;\nEND $$;\nCREATE TRIGGER {} {} FOR EACH ROW EXECUTE FUNCTION {function}();",
                trigger.name, trigger.timing
            )),
    )
}

/// `datetime('now')` / `date('now')`: 42883 function datetime(unknown) does not exist.
fn datetime_now(seen: &Seen<'_>) -> Option<Hint> {
    if seen.code != "42883" {
        return None;
    }
    let (function, instead) =
        if seen.call("datetime").is_some() && seen.message.contains("datetime(") {
            ("datetime('now')", "now() (or CURRENT_TIMESTAMP)")
        } else if seen.call("date").is_some() && seen.message.contains("function date(unknown)") {
            ("date('now')", "CURRENT_DATE")
        } else {
            return None;
        };
    Some(Hint::new(format!(
        "{function} is SQLite's; in PostgreSQL: {instead}"
    )))
}
