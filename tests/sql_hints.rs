//! Teaching hints (issue 22): a statement written for another database fails on the real
//! server, and the cell's error carries a `hint:` line naming the other dialect with this
//! database's form. Each test runs the failing statement on PostgreSQL 15, MariaDB or SQLite,
//! checks the server's own error code (what psql, mariadb and sqlite3 report for it), then the
//! hint. Plus the papercuts of the same issue that live in the SQL engine (connect errors, a
//! malformed URL).

mod sql_support;

use std::sync::Arc;
use std::time::Duration;

use dbkernel::engine::{Engine, EngineError};
use sql_support::*;

const SQLITE: &str = "sqlite::memory:";

/// The cell's error for `source`, which must fail.
async fn failure(engine: &Arc<dyn Engine>, source: &str) -> EngineError {
    run(engine, source).await.err().clone()
}

/// The `hint:` line and the indented example lines under it.
fn hint(error: &EngineError) -> Vec<String> {
    let Some(start) = error.detail.iter().position(|l| l.starts_with("hint: ")) else {
        panic!(
            "no hint in the error:\n{}: {}\n{}",
            error.ename,
            error.evalue,
            error.detail.join("\n")
        );
    };
    let mut lines = vec![error.detail[start].clone()];
    lines.extend(
        error.detail[start + 1..]
            .iter()
            .take_while(|l| l.starts_with("    "))
            .map(|l| l.trim().to_string()),
    );
    lines
}

fn assert_no_hint(error: &EngineError) {
    assert!(
        !error.detail.iter().any(|l| l.starts_with("hint: ")),
        "unexpected hint: {:?}",
        error.detail
    );
}

// ---- PostgreSQL, statements written for MySQL ----

#[tokio::test]
async fn postgres_inline_index_in_create_table_says_create_index_after() {
    let pg = open(PG_URL).await;
    let table = unique("hint_users");
    let e = failure(
        &pg,
        &format!("CREATE TABLE {table} (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  INDEX idx_email (email)\n);"),
    )
    .await;
    // psql: ERROR:  42704: type "idx_email" does not exist
    assert_eq!(e.ename, "SqlError[42704]");
    assert_eq!(e.evalue, "type \"idx_email\" does not exist");
    let h = hint(&e);
    assert_eq!(
        h[0],
        "hint: INDEX idx_email (email) inside CREATE TABLE is MySQL syntax; PostgreSQL creates an index with a statement of its own: remove that line from the table and run, after it:"
    );
    assert_eq!(h[1], format!("CREATE INDEX idx_email ON {table} (email);"));
}

#[tokio::test]
async fn postgres_auto_increment_says_identity() {
    let pg = open(PG_URL).await;
    let e = failure(
        &pg,
        "CREATE TABLE t (user_id INT AUTO_INCREMENT PRIMARY KEY)",
    )
    .await;
    // psql: ERROR:  42601: syntax error at or near "AUTO_INCREMENT"
    assert_eq!(e.ename, "SqlError[42601]");
    assert_eq!(e.evalue, "syntax error at or near \"AUTO_INCREMENT\"");
    let h = hint(&e);
    assert!(h[0].starts_with("hint: AUTO_INCREMENT is MySQL's; in PostgreSQL an auto-numbered column is an identity column"), "{h:?}");
    assert_eq!(
        h[1],
        "user_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    );
}

#[tokio::test]
async fn postgres_backticks_say_double_quotes() {
    let pg = open(PG_URL).await;
    let e = failure(&pg, "SELECT `relname` FROM pg_class LIMIT 1").await;
    assert_eq!(e.ename, "SqlError[42601]");
    let h = hint(&e);
    assert!(
        h[0].starts_with(
            "hint: `name` quotes a name in MySQL; PostgreSQL quotes names with double quotes"
        ),
        "{h:?}"
    );
    assert_eq!(h[1], "SELECT \"relname\" FROM pg_class LIMIT 1");
    // The rewritten statement is what PostgreSQL accepts.
    run(&pg, &format!("%%sql\n{}", h[1])).await.ok();
}

#[tokio::test]
async fn postgres_hash_comment_says_double_dash() {
    let pg = open(PG_URL).await;
    let e = failure(&pg, "# Traditional SQL\nSELECT 1;").await;
    // psql: ERROR:  42601: syntax error at or near "#"
    assert_eq!(e.ename, "SqlError[42601]");
    assert_eq!(e.evalue, "syntax error at or near \"#\"");
    let h = hint(&e);
    assert_eq!(
        h[0],
        "hint: # starts a comment in MySQL only; PostgreSQL comments start with -- (or are /* … */):"
    );
    assert_eq!(&h[1..], ["-- Traditional SQL", "SELECT 1"]);
}

#[tokio::test]
async fn postgres_limit_offset_comma_count_says_limit_offset() {
    let pg = open(PG_URL).await;
    let e = failure(
        &pg,
        "SELECT relname FROM pg_class ORDER BY relname LIMIT 5, 10",
    )
    .await;
    // psql: ERROR:  42601: LIMIT #,# syntax is not supported / HINT: Use separate LIMIT and OFFSET clauses.
    assert_eq!(e.ename, "SqlError[42601]");
    assert_eq!(e.evalue, "LIMIT #,# syntax is not supported");
    assert_eq!(
        hint(&e),
        [
            "hint: LIMIT 5, 10 is MySQL's form (offset first, then the count); in PostgreSQL: LIMIT 10 OFFSET 5"
        ]
    );
}

#[tokio::test]
async fn postgres_show_tables_and_describe_say_the_catalog() {
    let pg = open(PG_URL).await;
    let e = failure(&pg, "SHOW TABLES").await;
    // psql: ERROR:  42704: unrecognized configuration parameter "tables"
    assert_eq!(e.ename, "SqlError[42704]");
    let h = hint(&e);
    assert_eq!(
        h[0],
        "hint: SHOW TABLES is MySQL's; PostgreSQL lists tables in its catalog:"
    );
    assert_eq!(
        h[1],
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public';"
    );
    let e = failure(&pg, "DESCRIBE users").await;
    assert_eq!(e.ename, "SqlError[42601]");
    assert!(hint(&e)[1].contains("FROM information_schema.columns WHERE table_name = 'users'"));
}

// ---- PostgreSQL, statements written for SQLite ----

#[tokio::test]
async fn postgres_autoincrement_says_identity() {
    let pg = open(PG_URL).await;
    let e = failure(
        &pg,
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)",
    )
    .await;
    assert_eq!(e.ename, "SqlError[42601]");
    assert_eq!(e.evalue, "syntax error at or near \"AUTOINCREMENT\"");
    let h = hint(&e);
    assert!(h[0].starts_with("hint: AUTOINCREMENT is SQLite's"), "{h:?}");
    assert_eq!(h[1], "id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY");
}

#[tokio::test]
async fn postgres_sqlite_trigger_body_says_execute_function() {
    let pg = open(PG_URL).await;
    let posts = unique("hint_posts");
    let stats = unique("hint_stats");
    run(
        &pg,
        &format!(
            "CREATE TABLE {posts} (user_id int); CREATE TABLE {stats} (user_id int, post_count int)"
        ),
    )
    .await
    .ok();
    // The guide's trigger (databases-architecture-design), written for SQLite.
    let trigger = format!(
        "CREATE TRIGGER update_user_stats\nAFTER INSERT ON {posts}\nBEGIN\n  UPDATE {stats}\n  SET post_count = post_count + 1\n  WHERE user_id = NEW.user_id;\nEND;"
    );
    let e = failure(&pg, &trigger).await;
    // psql: ERROR:  42601: syntax error at or near "BEGIN"
    assert_eq!(e.ename, "SqlError[42601]");
    assert_eq!(e.evalue, "syntax error at or near \"BEGIN\"");
    let h = hint(&e);
    assert!(
        h[0].contains("a PostgreSQL trigger runs a function")
            && h[0].contains("EXECUTE FUNCTION needed"),
        "{h:?}"
    );
    assert_eq!(
        h[1],
        "CREATE FUNCTION update_user_stats_fn() RETURNS trigger LANGUAGE plpgsql AS $$"
    );
    assert_eq!(
        h.last().unwrap(),
        &format!(
            "CREATE TRIGGER update_user_stats AFTER INSERT ON {posts} FOR EACH ROW EXECUTE FUNCTION update_user_stats_fn();"
        )
    );
    // The form the hint shows is one PostgreSQL runs, and the trigger then fires.
    let rewritten = h[1..].join("\n");
    run(&pg, &rewritten).await.ok();
    run(
        &pg,
        &format!("INSERT INTO {stats} VALUES (7, 0); INSERT INTO {posts} VALUES (7)"),
    )
    .await
    .ok();
    let counted = run(&pg, &format!("SELECT post_count FROM {stats}")).await;
    assert_eq!(counted.ok().cell(0, 0).as_deref(), Some("1"));
    run(
        &pg,
        &format!("DROP TABLE {posts}; DROP TABLE {stats}; DROP FUNCTION update_user_stats_fn()"),
    )
    .await
    .ok();
}

#[tokio::test]
async fn postgres_datetime_now_says_now() {
    let pg = open(PG_URL).await;
    let e = failure(&pg, "SELECT datetime('now')").await;
    // psql: ERROR:  42883: function datetime(unknown) does not exist
    assert_eq!(e.ename, "SqlError[42883]");
    assert_eq!(e.evalue, "function datetime(unknown) does not exist");
    assert_eq!(
        hint(&e),
        ["hint: datetime('now') is SQLite's; in PostgreSQL: now() (or CURRENT_TIMESTAMP)"]
    );
}

#[tokio::test]
async fn postgres_plain_typo_gets_no_hint() {
    let pg = open(PG_URL).await;
    let e = failure(&pg, "SELEC 1").await;
    assert_eq!(e.ename, "SqlError[42601]");
    assert_no_hint(&e);
}

#[tokio::test]
async fn postgres_django_orm_line_says_python() {
    let pg = open(PG_URL).await;
    // The guide's block (week 4): "# Django ORM" is a MySQL-style comment to PostgreSQL, so the
    // ORM line alone.
    let e = failure(&pg, "User.objects.get(id=1)").await;
    assert_eq!(e.ename, "SqlError[42601]");
    let h = hint(&e);
    assert!(h[0].starts_with("hint: this looks like Python code (Django ORM), not SQL: User.objects.get(id=1); a %%sql cell runs SQL"), "{h:?}");
    assert_eq!(h[1], "SELECT * FROM user WHERE id = 1;");
}

// ---- MariaDB, statements written for PostgreSQL or SQLite ----

#[tokio::test]
async fn mysql_ilike_says_like() {
    let my = open(MYSQL_URL).await;
    let e = failure(&my, "SELECT 'Ann' ILIKE 'ann'").await;
    // mariadb: ERROR 1064 (42000): You have an error in your SQL syntax; … near 'ILIKE 'ann''
    assert_eq!(e.ename, "SqlError[1064]");
    let h = hint(&e);
    assert!(
        h[0].starts_with("hint: ILIKE is PostgreSQL's; in MySQL/MariaDB LIKE already ignores case"),
        "{h:?}"
    );
    assert_eq!(h[1], "SELECT 'Ann' LIKE 'ann'");
    // MariaDB's default collation is case-insensitive: the rewritten form is true.
    assert_eq!(run(&my, &h[1]).await.ok().cell(0, 0).as_deref(), Some("1"));
}

#[tokio::test]
async fn mysql_identity_says_auto_increment() {
    let my = open(MYSQL_URL).await;
    let e = failure(
        &my,
        "CREATE TABLE t (id INT GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
    )
    .await;
    assert_eq!(e.ename, "SqlError[1064]");
    let h = hint(&e);
    assert!(
        h[0].starts_with("hint: GENERATED … AS IDENTITY is PostgreSQL's"),
        "{h:?}"
    );
    assert_eq!(h[1], "id INT AUTO_INCREMENT PRIMARY KEY");
}

#[tokio::test]
async fn mysql_autoincrement_says_auto_increment() {
    let my = open(MYSQL_URL).await;
    let e = failure(&my, "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)").await;
    assert_eq!(e.ename, "SqlError[1064]");
    let h = hint(&e);
    assert!(
        h[0].starts_with(
            "hint: AUTOINCREMENT (one word) is SQLite's; MySQL/MariaDB spell it AUTO_INCREMENT"
        ),
        "{h:?}"
    );
    assert_eq!(h[1], "id INT AUTO_INCREMENT PRIMARY KEY");
}

#[tokio::test]
async fn mysql_postgres_trigger_says_statements_inline() {
    let my = open(MYSQL_URL).await;
    let table = unique("hint_users");
    run(&my, &format!("CREATE TABLE {table} (updated_at DATETIME)"))
        .await
        .ok();
    let e = failure(
        &my,
        &format!("CREATE TRIGGER update_users_updated_at\n    BEFORE UPDATE ON {table}\n    FOR EACH ROW\n    EXECUTE FUNCTION update_updated_at_column();"),
    )
    .await;
    run(&my, &format!("DROP TABLE {table}")).await.ok();
    // mariadb: ERROR 1336 (0A000): Dynamic SQL is not allowed in stored function or trigger
    assert_eq!(e.ename, "SqlError[1336]");
    assert_eq!(
        e.evalue,
        "Dynamic SQL is not allowed in stored function or trigger"
    );
    let h = hint(&e);
    assert!(
        h[0].starts_with("hint: EXECUTE FUNCTION is PostgreSQL's trigger form"),
        "{h:?}"
    );
    assert_eq!(
        h[1],
        format!(
            "CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON {table} FOR EACH ROW SET NEW.updated_at = NOW();"
        )
    );
}

#[tokio::test]
async fn mysql_datetime_now_says_now() {
    let my = open(MYSQL_URL).await;
    let e = failure(&my, "SELECT datetime('now')").await;
    assert_eq!(e.ename, "SqlError[1064]");
    assert_eq!(
        hint(&e),
        ["hint: datetime('now') is SQLite's; in MySQL/MariaDB: NOW() (or CURRENT_TIMESTAMP)"]
    );
}

#[tokio::test]
async fn mysql_double_colon_cast_says_cast() {
    let my = open(MYSQL_URL).await;
    let e = failure(&my, "SELECT '42'::int").await;
    assert_eq!(e.ename, "SqlError[1064]");
    assert_eq!(
        hint(&e),
        ["hint: '42'::int is PostgreSQL's cast; in MySQL/MariaDB: CAST('42' AS SIGNED)"]
    );
}

// ---- SQLite, statements written for MySQL or PostgreSQL ----

#[tokio::test]
async fn sqlite_inline_index_says_create_index_after() {
    let lite = open(SQLITE).await;
    let e = failure(
        &lite,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, INDEX idx_email (email))",
    )
    .await;
    // sqlite3: Error: in prepare, near "INDEX": syntax error
    assert_eq!(e.ename, "SqlError[SQLITE_ERROR]");
    assert_eq!(e.evalue, "near \"INDEX\": syntax error");
    let h = hint(&e);
    assert!(
        h[0].contains("is MySQL syntax; SQLite creates an index with a statement of its own"),
        "{h:?}"
    );
    assert_eq!(h[1], "CREATE INDEX idx_email ON users (email);");
}

#[tokio::test]
async fn sqlite_hash_comment_says_double_dash() {
    let lite = open(SQLITE).await;
    let e = failure(&lite, "# Traditional SQL\nSELECT 1;").await;
    // sqlite3: Error: in prepare, unrecognized token: "#"
    assert_eq!(e.evalue, "unrecognized token: \"#\"");
    let h = hint(&e);
    assert!(
        h[0].starts_with("hint: # starts a comment in MySQL only; SQLite comments start with --"),
        "{h:?}"
    );
    assert_eq!(&h[1..], ["-- Traditional SQL", "SELECT 1"]);
}

#[tokio::test]
async fn sqlite_auto_increment_says_integer_primary_key() {
    let lite = open(SQLITE).await;
    let e = failure(
        &lite,
        "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY)",
    )
    .await;
    // sqlite3: Error: in prepare, near "AUTO_INCREMENT": syntax error
    assert_eq!(e.evalue, "near \"AUTO_INCREMENT\": syntax error");
    let h = hint(&e);
    assert!(
        h[0].starts_with(
            "hint: AUTO_INCREMENT is MySQL's; in SQLite an INTEGER PRIMARY KEY numbers itself"
        ),
        "{h:?}"
    );
    assert_eq!(h[1], "id INTEGER PRIMARY KEY AUTOINCREMENT");
}

#[tokio::test]
async fn sqlite_identity_says_integer_primary_key() {
    let lite = open(SQLITE).await;
    let e = failure(
        &lite,
        "CREATE TABLE t (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY)",
    )
    .await;
    assert_eq!(e.evalue, "near \"IDENTITY\": syntax error");
    assert_eq!(hint(&e)[1], "id INTEGER PRIMARY KEY AUTOINCREMENT");
}

#[tokio::test]
async fn sqlite_now_says_current_timestamp() {
    let lite = open(SQLITE).await;
    let e = failure(&lite, "SELECT NOW()").await;
    // sqlite3: Error: in prepare, no such function: NOW
    assert_eq!(e.evalue, "no such function: NOW");
    assert!(
        hint(&e)[0]
            .starts_with("hint: SQLite has no NOW(): use CURRENT_TIMESTAMP or datetime('now')")
    );
    let e = failure(
        &lite,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW())",
    )
    .await;
    assert_eq!(e.evalue, "near \"(\": syntax error");
    assert_eq!(
        hint(&e),
        ["hint: DEFAULT NOW() is PostgreSQL's form; in SQLite: DEFAULT CURRENT_TIMESTAMP"]
    );
}

#[tokio::test]
async fn sqlite_ilike_says_like() {
    let lite = open(SQLITE).await;
    let e = failure(&lite, "SELECT 'Ann' AS name WHERE 'Ann' ILIKE 'ann'").await;
    // sqlite3: Error: in prepare, near "ILIKE": syntax error
    assert_eq!(e.evalue, "near \"ILIKE\": syntax error");
    let h = hint(&e);
    assert!(
        h[0].starts_with("hint: ILIKE is PostgreSQL's; SQLite's LIKE already ignores case"),
        "{h:?}"
    );
    assert_eq!(
        run(&lite, &h[1]).await.ok().cell(0, 0).as_deref(),
        Some("Ann")
    );
}

#[tokio::test]
async fn sqlite_postgres_trigger_says_begin_end() {
    let lite = open(SQLITE).await;
    run(&lite, "CREATE TABLE users (updated_at TEXT)")
        .await
        .ok();
    let e = failure(
        &lite,
        "CREATE TRIGGER update_users_updated_at\n    BEFORE UPDATE ON users\n    FOR EACH ROW\n    EXECUTE FUNCTION update_updated_at_column();",
    )
    .await;
    assert_eq!(e.evalue, "near \"EXECUTE\": syntax error");
    let h = hint(&e);
    assert!(h[0].starts_with("hint: EXECUTE FUNCTION is PostgreSQL's trigger form; a SQLite trigger holds its statements itself"), "{h:?}");
    assert_eq!(h[h.len() - 1], "END;");
}

#[tokio::test]
async fn sqlite_show_tables_says_sqlite_schema() {
    let lite = open(SQLITE).await;
    let e = failure(&lite, "SHOW TABLES").await;
    assert_eq!(e.evalue, "near \"SHOW\": syntax error");
    assert_eq!(
        hint(&e)[1],
        "SELECT name FROM sqlite_schema WHERE type = 'table';"
    );
}

// ---- a catalog command after a statement without its `;` ----

#[tokio::test]
async fn postgres_meta_command_after_a_statement_without_semicolon_says_end_it() {
    let pg = open(PG_URL).await;
    let e = failure(&pg, "SELECT 1\n\\dt").await;
    // psql would run \dt itself; the server, given the text, says: syntax error at or near "\"
    assert_eq!(e.ename, "SqlError[42601]");
    assert_eq!(e.evalue, "syntax error at or near \"\\\"");
    let h = hint(&e);
    assert_eq!(
        h[0],
        "hint: \\dt is a catalog command, run only where a statement begins: the statement before it has no ; so the command became part of it. End that statement first:"
    );
    assert_eq!(&h[1..], ["SELECT 1;", "\\dt"]);
}

#[tokio::test]
async fn sqlite_dot_command_after_a_statement_without_semicolon_says_end_it() {
    let lite = open(SQLITE).await;
    let e = failure(&lite, "SELECT 1\n.tables").await;
    assert_eq!(e.evalue, "near \".\": syntax error");
    assert_eq!(&hint(&e)[1..], ["SELECT 1;", ".tables"]);
}

// ---- Papercuts of the SQL engine ----

#[tokio::test]
async fn postgres_connect_errors_do_not_end_in_a_server_source_line() {
    // psql: FATAL:  database "…" does not exist (3D000); sqlx adds the server's C source line.
    let db = unique("nodb");
    let (e, _) = open_error(
        &format!("postgres://postgres@127.0.0.1:5432/{db}"),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(e.ename, "SqlError[connection]");
    assert!(
        e.evalue.contains(&format!(
            "database \"{db}\" does not exist (SQLSTATE 3D000)"
        )),
        "{}",
        e.evalue
    );
    assert!(!e.evalue.contains(" at line "), "{}", e.evalue);
    let (e, _) = open_error(
        "postgres://nosuchrole@127.0.0.1:5432/test",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        e.evalue
            .contains("role \"nosuchrole\" does not exist (SQLSTATE 28000)"),
        "{}",
        e.evalue
    );
    assert!(!e.evalue.contains(" at line "), "{}", e.evalue);
}

#[tokio::test]
async fn one_slash_postgres_url_is_malformed_with_the_expected_shape() {
    let (e, took) = open_error("postgres:/127.0.0.1/test", Duration::from_secs(10)).await;
    assert!(
        took < Duration::from_secs(2),
        "refused without connecting, took {took:?}"
    );
    assert_eq!(
        e.evalue,
        "malformed URL 'postgres:/127.0.0.1/test': after the scheme comes '//' and the host; expected postgresql://user:password@host:5432/database"
    );
    assert!(!e.evalue.contains("anonymous"));
}

#[tokio::test]
async fn psql_meta_commands_on_sqlite_name_the_sqlite3_form() {
    let lite = open(SQLITE).await;
    // sqlite3 itself answers `\dt` with: Error: in prepare, unrecognized token: "\"
    let e = failure(&lite, "CREATE TABLE users (id INTEGER PRIMARY KEY);\n\\dt").await;
    assert_eq!(e.ename, "UsageError", "{e}");
    assert!(e.evalue.contains("\\dt is a psql command"), "{e}");
    assert!(
        e.evalue.contains("SQLite, whose shell writes it .tables"),
        "{e}"
    );
    let e = failure(&lite, "\\d users").await;
    assert!(e.evalue.contains("writes it .schema users"), "{e}");
}
