//! Issue 15, "output people trust", for the SQL engine: values as psql, mariadb and sqlite3
//! print them, the session settings psql would have, command tags, MySQL warnings and result
//! sets, and the schema browsing commands. Expected values are what those clients print on
//! this machine for the same statements (noted beside each).

mod sql_support;

use dbkernel::render::text;
use dbkernel::result::{Layout, QueryResult};
use sql_support::{MYSQL_URL, PG_URL, open, run, unique};

fn texts_of(out: &sql_support::Outcome) -> Vec<String> {
    out.sink
        .results
        .iter()
        .map(|r| match r {
            QueryResult::Table(t) => text::table(t),
            QueryResult::Status(s) => s.message.clone(),
            QueryResult::Text(t) => t.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// A role whose TimeZone is Europe/Berlin sees Berlin time, as under psql
/// (`psql -U role -c "select '2024-01-02 03:04:05+00'::timestamptz"` → `2024-01-02 04:04:05+01`),
/// and a database's DateStyle applies too (German: `02.01.2024`).
#[tokio::test]
async fn postgres_keeps_the_role_and_database_settings() {
    let admin = open(PG_URL).await;
    let role = unique("tz_role");
    let db = unique("tz_db");
    run(&admin, &format!("CREATE ROLE {role} LOGIN; ALTER ROLE {role} SET TimeZone = 'Europe/Berlin'; CREATE DATABASE {db}; ALTER DATABASE {db} SET DateStyle = 'German, DMY'"))
        .await
        .ok();
    let user = open(&format!("postgres://{role}@127.0.0.1:5432/{db}")).await;
    let out = run(
        &user,
        "SHOW TimeZone; SELECT '2024-01-02 03:04:05+00'::timestamptz AS t; SELECT ('2024-01-01 23:30:00+00'::timestamptz)::date AS d; SHOW DateStyle; SHOW extra_float_digits",
    )
    .await;
    out.ok();
    assert_eq!(
        out.table(0).cell_text(0, 0).as_deref(),
        Some("Europe/Berlin")
    );
    assert_eq!(
        out.table(1).cell_text(0, 0).as_deref(),
        Some("02.01.2024 04:04:05 CET")
    );
    assert_eq!(out.table(2).cell_text(0, 0).as_deref(), Some("02.01.2024"));
    assert_eq!(out.table(3).cell_text(0, 0).as_deref(), Some("German, DMY"));
    assert_eq!(out.table(4).cell_text(0, 0).as_deref(), Some("1"));
    user.close().await;
    run(&admin, &format!("DROP DATABASE {db}; DROP ROLE {role}"))
        .await
        .ok();
}

/// RESET goes back to the role's value, not to sqlx's startup UTC: under psql, for a role set to
/// Europe/Berlin, `SET TimeZone='Asia/Tokyo'` `RESET TimeZone` `SHOW TimeZone` → `Europe/Berlin`;
/// after `SET DateStyle='German'` `SET TimeZone=UTC` `RESET ALL`: `Europe/Berlin`, `ISO, MDY`;
/// `BEGIN` `SET LOCAL TIME ZONE 'UTC'` `SET TimeZone TO DEFAULT` `SHOW TimeZone` → `Europe/Berlin`.
#[tokio::test]
async fn postgres_reset_returns_to_the_role_setting() {
    let admin = open(PG_URL).await;
    let role = unique("tz_reset");
    run(
        &admin,
        &format!("CREATE ROLE {role} LOGIN; ALTER ROLE {role} SET TimeZone = 'Europe/Berlin'"),
    )
    .await
    .ok();
    let user = open(&format!("postgres://{role}@127.0.0.1:5432/test")).await;
    let out = run(
        &user,
        "SET TimeZone = 'Asia/Tokyo'; RESET TimeZone; SHOW TimeZone; SET DateStyle = 'German'; SET TimeZone = UTC; RESET ALL; SHOW TimeZone; SHOW DateStyle; BEGIN; SET LOCAL TIME ZONE 'UTC'; SET TimeZone TO DEFAULT; SHOW TimeZone; COMMIT; DISCARD ALL; SHOW TimeZone",
    )
    .await;
    out.ok();
    let shown: Vec<String> = out
        .sink
        .results
        .iter()
        .filter_map(|r| match r {
            QueryResult::Table(t) => t.cell_text(0, 0),
            _ => None,
        })
        .collect();
    assert_eq!(
        shown,
        [
            "Europe/Berlin",
            "Europe/Berlin",
            "ISO, MDY",
            "Europe/Berlin",
            "Europe/Berlin"
        ]
    );
    user.close().await;
    run(&admin, &format!("DROP ROLE {role}")).await.ok();
}

/// `psql -c "select 1e300::float8, 1e-7::float8, 0.1::float8 + 0.2::float8"`.
#[tokio::test]
async fn postgres_floats_are_the_server_text() {
    let e = open(PG_URL).await;
    let out = run(&e, "SELECT 1e300::float8 AS a, 1e-7::float8 AS b, 0.1::float8 + 0.2::float8 AS c, 1234567::float4 AS d").await;
    out.ok();
    let t = out.table(0);
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("1e+300"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("1e-07"));
    assert_eq!(t.cell_text(0, 2).as_deref(), Some("0.30000000000000004"));
    assert_eq!(t.cell_text(0, 3).as_deref(), Some("1.234567e+06"));
    assert!(t.columns[0].kind.is_numeric());
}

/// psql prints the RETURNING rows and then `INSERT 0 2`; `CREATE FUNCTION … RETURNS TABLE`
/// prints `CREATE FUNCTION`.
#[tokio::test]
async fn postgres_tags_after_returning_and_for_functions() {
    let e = open(PG_URL).await;
    let f = unique("f_table");
    let out = run(
        &e,
        &format!("CREATE TEMP TABLE r (id int); INSERT INTO r VALUES (1), (2) RETURNING id; CREATE FUNCTION pg_temp.{f}() RETURNS TABLE(x int) AS $$ SELECT 1 $$ LANGUAGE sql"),
    )
    .await;
    out.ok();
    assert_eq!(out.table(1).total_rows, 2);
    assert_eq!(out.status(2), "INSERT 0 2");
    assert_eq!(out.status(3), "CREATE FUNCTION");
}

/// psql's aligned format for a value over two lines and wide characters:
/// `psql -c "select E'line1\nline2' as a, 'x' as b"` and `select '漢字' as "名前"`.
#[tokio::test]
async fn postgres_multiline_and_wide_values_line_up_as_in_psql() {
    let e = open(PG_URL).await;
    let out = run(&e, "SELECT E'line1\\nline2' AS a, 'x' AS b; SELECT '漢字' AS \"名前\", 'ab' AS c UNION ALL SELECT 'x', 'zzzz'").await;
    out.ok();
    let shown = texts_of(&out);
    assert_eq!(
        shown[0],
        "   a   | b\n-------+---\n line1+| x\n line2 |\n(1 row)"
    );
    assert_eq!(
        shown[1],
        " 名前 |  c\n------+------\n 漢字 | ab\n x    | zzzz\n(2 rows)"
    );
}

/// `\dt`, `\d NAME` and `\x on` in a schema of the test's own.
#[tokio::test]
async fn postgres_describe_commands() {
    let e = open(PG_URL).await;
    let schema = unique("browse");
    let out = run(
        &e,
        &format!("CREATE SCHEMA {schema};\nCREATE TABLE {schema}.items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x');\n\\dt {schema}.*\n\\d {schema}.items\n\\dt {schema}.nothing\n\\x on\nSELECT 1 AS a, 'b' AS b;\n\\x off\nDROP SCHEMA {schema} CASCADE;"),
    )
    .await;
    out.ok();
    let shown = texts_of(&out);
    // The title is centred over the table, as psql centres it.
    let lines: Vec<&str> = shown[2].lines().collect();
    let title_at = lines[0].len() - lines[0].trim_start().len();
    assert_eq!(lines[0].trim_start(), "List of relations");
    assert_eq!(title_at, (lines[2].len() - "List of relations".len()) / 2);
    assert!(
        shown[2].contains(&format!(" {schema} | items | table | postgres")),
        "{}",
        shown[2]
    );
    assert!(
        shown[3].contains(&format!("Table \"{schema}.items\"")),
        "{}",
        shown[3]
    );
    assert!(
        shown[3].contains(" id     | integer |           | not null |"),
        "{}",
        shown[3]
    );
    assert!(
        shown[3].contains(" name   | text    |           | not null | 'x'::text"),
        "{}",
        shown[3]
    );
    assert_eq!(
        shown[4],
        "Indexes:\n    \"items_pkey\" PRIMARY KEY, btree (id)"
    );
    assert_eq!(
        shown[5],
        format!("Did not find any relation named \"{schema}.nothing\".")
    );
    assert_eq!(shown[6], "Expanded display is on.");
    assert_eq!(shown[7], "-[ RECORD 1 ]\na | 1\nb | b\n(1 row)");
    assert!(matches!(&out.sink.results[7], QueryResult::Table(t) if t.layout == Layout::Expanded));
    assert_eq!(shown[8], "Expanded display is off.");
}

/// `\d INDEX` is described as psql 15 describes it (columns, then the index kind and its table).
#[tokio::test]
async fn postgres_describe_of_an_index_is_psqls() {
    // psql 15 on this server prints, for `\d ix_t_a`:
    //        Index "pg_temp_N.ix_t_a"
    //  Column |  Type   | Key? | Definition
    //  a      | integer | yes  | a
    // btree, for table "pg_temp_N.ix_t"
    let e = open(PG_URL).await;
    let out = run(
        &e,
        "CREATE TEMP TABLE ix_t (a int);\nCREATE INDEX ix_t_a ON ix_t (a);\n\\d ix_t_a",
    )
    .await;
    out.ok();
    let table = out.table(2);
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Column", "Type", "Key?", "Definition"]);
    let title = table.title.clone().unwrap_or_default();
    assert!(
        title.starts_with("Index \"pg_temp_") && title.ends_with(".ix_t_a\""),
        "{title}"
    );
    assert_eq!(out.cell(0, 1).as_deref(), Some("integer"));
    assert_eq!(out.cell(0, 2).as_deref(), Some("yes"));
    let texts = out.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("btree, for table \"pg_temp_") && t.ends_with(".ix_t\"")),
        "{texts:?}"
    );
}

#[tokio::test]
async fn unsupported_commands_say_what_to_do() {
    let e = open(PG_URL).await;
    let out = run(&e, "\\dT").await;
    let err = out.err();
    assert!(
        err.evalue.contains("\\dT is not supported"),
        "{}",
        err.evalue
    );
    assert!(err.evalue.contains("information_schema"), "{}", err.evalue);
}

/// `mariadb -e "select v, j, CHAR(65,66), ok, vb from t"` prints `abc | {"a": 1} | AB | 1 | AB`;
/// the VARBINARY stays bytes here (shown as hex).
#[tokio::test]
async fn mysql_text_with_binary_collation_is_text() {
    let e = open(MYSQL_URL).await;
    let t = unique("coll");
    let out = run(
        &e,
        &format!("CREATE TABLE {t} (v VARCHAR(10) COLLATE utf8mb4_bin, j JSON, ok BOOLEAN, vb VARBINARY(4));\nINSERT INTO {t} VALUES ('abc', '{{\"a\": 1}}', TRUE, 0x4142);\nSELECT v, j, CHAR(65,66) AS c, ok, TRUE AS lit, vb FROM {t};\nDROP TABLE {t};"),
    )
    .await;
    out.ok();
    let table = out.table(2);
    assert_eq!(table.cell_text(0, 0).as_deref(), Some("abc"));
    assert_eq!(table.cell_text(0, 1).as_deref(), Some("{\"a\": 1}"));
    assert_eq!(table.cell_text(0, 2).as_deref(), Some("AB"));
    assert_eq!(table.cell_text(0, 3).as_deref(), Some("1"));
    assert_eq!(table.cell_text(0, 4).as_deref(), Some("1"));
    assert_eq!(table.cell_text(0, 5).as_deref(), Some("\\x4142"));
}

/// `mariadb -vvv` says `1 row in set, 1 warning`, and `Query OK, 2 rows affected` /
/// `Rows matched: 3  Changed: 2  Warnings: 0` for the UPDATE; SHOW WARNINGS in the next cell
/// still has the detail.
#[tokio::test]
async fn mysql_warnings_and_matched_rows() {
    let e = open(MYSQL_URL).await;
    let out = run(&e, "SELECT CAST('1x' AS SIGNED) AS n").await;
    out.ok();
    assert_eq!(
        out.texts(),
        vec!["1 warning: SHOW WARNINGS shows them".to_string()]
    );
    let detail = run(&e, "SHOW WARNINGS").await;
    detail.ok();
    assert_eq!(detail.table(0).cell_text(0, 1).as_deref(), Some("1292"));
    let updated = run(
        &e,
        "CREATE TEMPORARY TABLE w (a INT); INSERT INTO w VALUES (1), (2), (3); UPDATE w SET a = 1",
    )
    .await;
    updated.ok();
    assert_eq!(
        updated.status(2),
        "2 rows affected\nRows matched: 3  Changed: 2  Warnings: 0"
    );
}

/// A procedure with two SELECTs: `mariadb -e "call p()"` prints two tables.
#[tokio::test]
async fn mysql_call_shows_each_result_set() {
    let e = open(MYSQL_URL).await;
    let p = unique("two_sets");
    let out = run(
        &e,
        &format!("CREATE PROCEDURE {p}() BEGIN SELECT 1 AS a; SELECT 'x' AS b, 2 AS c; END;\nCALL {p}();\nDROP PROCEDURE {p};"),
    )
    .await;
    out.ok();
    let first = out.table(1);
    let second = out.table(2);
    assert_eq!(first.columns.len(), 1);
    assert_eq!(first.cell_text(0, 0).as_deref(), Some("1"));
    assert_eq!(second.columns[0].name, "b");
    assert_eq!(second.cell_text(0, 1).as_deref(), Some("2"));
}

/// `sqlite3 :memory: "select 0.1+0.2, 1.0, total(1), round(2.5), 1e300, 1e-7"` prints
/// `0.3|1.0|1.0|3.0|1.0e+300|1.0e-07`.
#[tokio::test]
async fn sqlite_reals_print_as_the_shell_prints_them() {
    let e = open("sqlite::memory:").await;
    let out = run(
        &e,
        "SELECT 0.1+0.2 AS a, 1.0 AS b, total(1) AS c, round(2.5) AS d, 1e300 AS e, 1e-7 AS f",
    )
    .await;
    out.ok();
    let t = out.table(0);
    let row: Vec<_> = (0..6)
        .map(|c| t.cell_text(0, c).unwrap_or_default())
        .collect();
    assert_eq!(row, ["0.3", "1.0", "1.0", "3.0", "1.0e+300", "1.0e-07"]);
    assert!(t.columns.iter().all(|c| c.kind.is_numeric()));
}

/// `.tables`, `.schema alpha` and `.indexes` as the sqlite3 shell prints them.
#[tokio::test]
async fn sqlite_dot_commands() {
    let e = open("sqlite::memory:").await;
    let out = run(
        &e,
        "CREATE TABLE alpha(a int); CREATE TABLE beta(b text); CREATE INDEX ix_a on alpha(a);\n.tables\n.schema alpha\n.indexes\n.mode box",
    )
    .await;
    let shown = texts_of(&out);
    assert_eq!(shown[3], "alpha  beta ");
    assert_eq!(
        shown[4],
        "CREATE TABLE alpha(a int);\nCREATE INDEX ix_a on alpha(a);"
    );
    assert_eq!(shown[5], "ix_a");
    assert!(
        out.err().evalue.contains(".mode is not supported"),
        "{}",
        out.err().evalue
    );
}

/// A bound CALL's results come back binary; they still read as under the session's settings:
/// `psql -c "SET TimeZone = 'Europe/Berlin'" -c "CALL pg_temp.stamp('2024-01-02 03:04:05+00',
/// '2024-02-29')"` prints `2024-01-02 04:04:05+01 | 2024-02-29`.
#[tokio::test]
async fn postgres_bound_call_reads_as_the_session_shows() {
    use dbkernel::session::variables::{Scalar, SharedVariables};
    let e = open(PG_URL).await;
    let variables = SharedVariables::default();
    sql_support::set(
        &variables,
        "t",
        Scalar::Text("2024-01-02 03:04:05+00".into()),
    );
    sql_support::set(&variables, "d", Scalar::Text("2024-02-29".into()));
    let out = sql_support::run_with(
        &e,
        &variables,
        "SET TimeZone = 'Europe/Berlin';\nCREATE PROCEDURE pg_temp.stamp(INOUT t timestamptz, INOUT d date) LANGUAGE plpgsql AS $$ BEGIN END $$;\nCALL pg_temp.stamp(CAST(:t AS timestamptz), CAST(:d AS date));",
        tokio_util::sync::CancellationToken::new(),
    )
    .await;
    out.ok();
    let t = out.table(2);
    assert_eq!(t.cell_text(0, 0).as_deref(), Some("2024-01-02 04:04:05+01"));
    assert_eq!(t.cell_text(0, 1).as_deref(), Some("2024-02-29"));
}
