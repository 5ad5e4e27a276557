//! Hints for statements that fail on MySQL/MariaDB because they are written for PostgreSQL or
//! SQLite. MariaDB reports nearly every such mistake as error 1064 ("You have an error in your
//! SQL syntax … near '…'"), so the rules look at the statement's tokens for the cause.

use super::{Hint, Rule, Seen, trigger_body};

/// PostgreSQL forms.
pub const FROM_POSTGRES: &[Rule] = &[
    ilike,
    identity,
    trigger_calling_a_function,
    double_colon_cast,
];

/// SQLite forms.
pub const FROM_SQLITE: &[Rule] = &[autoincrement, datetime_now, trigger_without_for_each_row];

fn auto_increment_column(seen: &Seen<'_>, at: usize) -> String {
    let column = seen.column_at(at).unwrap_or("id");
    format!("{column} INT AUTO_INCREMENT PRIMARY KEY")
}

/// `a ILIKE 'x'`: 1064 near 'ILIKE …'.
fn ilike(seen: &Seen<'_>) -> Option<Hint> {
    let at: Vec<usize> = (0..seen.tokens.len())
        .filter(|&i| seen.tokens[i].is("ILIKE"))
        .collect();
    (seen.code == "1064" && !at.is_empty()).then(|| {
        Hint::new("ILIKE is PostgreSQL's; in MySQL/MariaDB LIKE already ignores case with the usual (_ci) collations:")
            .with_example(seen.replaced(&at, "LIKE"))
    })
}

/// `GENERATED ALWAYS AS IDENTITY`: 1064 near 'IDENTITY…'.
fn identity(seen: &Seen<'_>) -> Option<Hint> {
    let at = seen.find("GENERATED")?;
    (seen.code == "1064" && seen.has("IDENTITY")).then(|| {
        Hint::new("GENERATED … AS IDENTITY is PostgreSQL's; in MySQL/MariaDB an auto-numbered column is AUTO_INCREMENT:")
            .with_example(auto_increment_column(seen, at))
    })
}

fn autoincrement(seen: &Seen<'_>) -> Option<Hint> {
    let at = seen.find("AUTOINCREMENT")?;
    (seen.code == "1064").then(|| {
        Hint::new("AUTOINCREMENT (one word) is SQLite's; MySQL/MariaDB spell it AUTO_INCREMENT:")
            .with_example(auto_increment_column(seen, at))
    })
}

/// `… FOR EACH ROW EXECUTE FUNCTION f()`: MariaDB 1336 "Dynamic SQL is not allowed in stored
/// function or trigger" (it reads EXECUTE as running a prepared statement), MySQL 1064.
fn trigger_calling_a_function(seen: &Seen<'_>) -> Option<Hint> {
    if !matches!(seen.code, "1336" | "1064") || !seen.starts(&["CREATE", "TRIGGER"]) {
        return None;
    }
    let execute = seen.find("EXECUTE")?;
    let header = seen
        .text_between(0, execute)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Some(
        Hint::new("EXECUTE FUNCTION is PostgreSQL's trigger form; a MySQL/MariaDB trigger holds its statements itself, after FOR EACH ROW (several go between BEGIN and END), e.g.:")
            .with_example(format!("{header} SET NEW.updated_at = NOW();")),
    )
}

/// `x::int`: 1064 near '::int'.
fn double_colon_cast(seen: &Seen<'_>) -> Option<Hint> {
    let at = (1..seen.tokens.len()).find(|&i| {
        seen.tokens[i].punct(":")
            && seen.tokens[i - 1].punct(":")
            && seen.tokens[i - 1].end == seen.tokens[i].start
    })?;
    let value = seen.tokens.get(at.checked_sub(2)?)?.text;
    let target = seen.tokens.get(at + 1)?.text;
    (seen.code == "1064").then(|| {
        Hint::new(format!(
            "{value}::{target} is PostgreSQL's cast; in MySQL/MariaDB: CAST({value} AS {})",
            mysql_cast_type(target)
        ))
    })
}

/// CAST in MySQL takes a few type names only.
fn mysql_cast_type(pg: &str) -> &'static str {
    match pg.to_ascii_lowercase().as_str() {
        "int" | "integer" | "bigint" | "smallint" | "int4" | "int8" => "SIGNED",
        "numeric" | "decimal" => "DECIMAL(10,2)",
        "date" => "DATE",
        "timestamp" | "timestamptz" => "DATETIME",
        "json" | "jsonb" => "JSON",
        "float" | "real" | "double" => "DOUBLE",
        _ => "CHAR",
    }
}

/// `datetime('now')`: 1064 near '('now')'.
fn datetime_now(seen: &Seen<'_>) -> Option<Hint> {
    (seen.code == "1064" && seen.call("datetime").is_some()).then(|| {
        Hint::new("datetime('now') is SQLite's; in MySQL/MariaDB: NOW() (or CURRENT_TIMESTAMP)")
    })
}

/// SQLite's `CREATE TRIGGER t AFTER INSERT ON x BEGIN … END`: MySQL needs FOR EACH ROW.
fn trigger_without_for_each_row(seen: &Seen<'_>) -> Option<Hint> {
    if seen.code != "1064" || seen.has("EACH") {
        return None;
    }
    let trigger = trigger_body(seen)?;
    Some(
        Hint::new("a MySQL/MariaDB trigger says FOR EACH ROW before its body (SQLite lets you leave it out):")
            .with_example(format!(
                "CREATE TRIGGER {} {} FOR EACH ROW\nBEGIN\n  {}\nEND",
                trigger.name, trigger.timing, trigger.body
            )),
    )
}
