//! Private sandboxes (`%%sandbox CONN`, `%reset`): two kernels on the same PostgreSQL, MariaDB,
//! MongoDB (embedded) and Redis do not see each other's tables, collections or keys; `%reset`
//! brings the template back; the sandbox is gone after shutdown. Each `Session` is one kernel's
//! state, and `drop_sandboxes` is what the kernel runs when it shuts down.

use dbkernel::result::{QueryResult, RedisValue};
use dbkernel::session::Session;

mod session_support;
use session_support::run;

const PG: &str = "postgres://postgres@127.0.0.1:5432/test";
const MARIADB: &str = "mysql://root@127.0.0.1:3306/test";
const REDIS: &str = "redis://127.0.0.1:6379/0";

async fn ok(session: &mut Session, code: &str) -> String {
    let (sink, outcome) = run(session, code).await;
    if let Err(e) = outcome {
        panic!("cell failed:\n{code}\n{e}\n{}", e.detail.join("\n"));
    }
    sink.results
        .iter()
        .map(|r| match r {
            QueryResult::Text(t) => t.clone(),
            QueryResult::Table(t) => (0..t.shown_rows())
                .map(|r| t.cell_text(r, 0).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
            QueryResult::Value(v) => v.text.clone(),
            QueryResult::Redis(r) => match r.entries.last().map(|e| &e.reply) {
                Some(RedisValue::Bulk(b)) => String::from_utf8_lossy(b).into_owned(),
                Some(RedisValue::Int(i)) => i.to_string(),
                Some(RedisValue::Nil) => "nil".into(),
                other => format!("{other:?}"),
            },
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The sandbox's name from the `%%sandbox` message ("... its own schema sandbox_ab12 (...").
fn sandbox_name(message: &str) -> String {
    let start = message.find("sandbox_").expect(message);
    message[start..]
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap()
        .to_string()
}

/// Two kernels with the same template; one writes, the other does not see it; %reset; shutdown.
async fn isolation(
    url: &str,
    template: &str,
    write: &str,
    count: &str,
    gone: impl Fn(&str) -> String,
    (one, two, gone_answer): (&str, &str, &str),
) {
    let mut first = Session::new();
    let mut second = Session::new();
    let mut admin = Session::new();
    let made = ok(
        &mut first,
        &format!("%connect c {url}\n%%sandbox c\n{template}"),
    )
    .await;
    let name = sandbox_name(&made);
    let other = ok(
        &mut second,
        &format!("%connect c {url}\n%%sandbox c\n{template}"),
    )
    .await;
    assert_ne!(name, sandbox_name(&other));
    ok(&mut first, write).await;
    assert_eq!(
        ok(&mut first, count).await,
        two,
        "the writer sees its write"
    );
    assert_eq!(
        ok(&mut second, count).await,
        one,
        "the other kernel does not"
    );
    let reset = ok(&mut first, "%reset c").await;
    assert!(reset.contains("reset to its template"), "{reset}");
    assert_eq!(
        ok(&mut first, count).await,
        one,
        "%reset restores the template"
    );
    assert!(first.drop_sandboxes().await.is_empty());
    assert!(second.drop_sandboxes().await.is_empty());
    ok(&mut admin, &format!("%connect a {url}")).await;
    for made in [&made, &other] {
        assert_eq!(
            ok(&mut admin, &gone(made)).await,
            gone_answer,
            "dropped at shutdown: {made}"
        );
    }
}

#[tokio::test]
async fn postgresql_sandboxes_are_private_schemas() {
    isolation(
        PG,
        "CREATE TABLE items (n int);\nINSERT INTO items VALUES (1)",
        "%%sql c\nINSERT INTO items VALUES (2)",
        "%%sql c\nSELECT count(*) FROM items",
        |made| format!("%%sql a\nSELECT count(*) FROM information_schema.schemata WHERE schema_name = '{}'", sandbox_name(made)),
        ("1", "2", "0"),
    )
    .await;
}

#[tokio::test]
async fn mariadb_sandboxes_are_private_databases() {
    isolation(
        MARIADB,
        "CREATE TABLE items (n int);\nINSERT INTO items VALUES (1)",
        "%%sql c\nINSERT INTO items VALUES (2)",
        "%%sql c\nSELECT count(*) FROM items",
        |made| format!("%%sql a\nSELECT count(*) FROM information_schema.schemata WHERE schema_name = '{}'", sandbox_name(made)),
        ("1", "2", "0"),
    )
    .await;
}

#[tokio::test]
async fn mongodb_sandboxes_are_private_databases() {
    isolation(
        "embedded",
        "db.items.insertOne({ n: 1 })",
        "%%mql c\ndb.items.insertOne({ n: 2 })",
        "%%mql c\ndb.items.countDocuments()",
        |made| format!("%%mql a\ndb.adminCommand({{ listDatabases: 1, nameOnly: true, filter: {{ name: '{}' }} }}).databases.length", sandbox_name(made)),
        ("1", "2", "0"),
    )
    .await;
}

#[tokio::test]
async fn redis_sandboxes_are_private_database_numbers() {
    isolation(
        REDIS,
        "SET items 1",
        "%%redis c\nINCR items",
        "%%redis c\nGET items",
        |made| {
            let db: u32 = made
                .split("Redis database ")
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .expect(made);
            // The claim is released and the database emptied.
            format!("%%redis a\nSELECT {db}\nDBSIZE\nSELECT 0\nEXISTS dbkernel:sandbox:db:{db}")
        },
        ("1", "2", "0"),
    )
    .await;
}

#[tokio::test]
async fn a_failed_transaction_in_a_postgresql_sandbox_can_be_rolled_back() {
    let mut s = Session::new();
    ok(
        &mut s,
        &format!("%connect c {PG}\n%%sandbox c\nCREATE TABLE items (n int)"),
    )
    .await;
    ok(&mut s, "%%sql c\nBEGIN;\nINSERT INTO items VALUES (1)").await;
    let (_, outcome) = run(&mut s, "%%sql c\nSELECT * FROM no_such_table").await;
    assert!(outcome.unwrap_err().ename.starts_with("SqlError[42P01]"));
    ok(&mut s, "%%sql c\nROLLBACK").await;
    assert_eq!(ok(&mut s, "%%sql c\nSELECT count(*) FROM items").await, "0");
    assert!(s.drop_sandboxes().await.is_empty());
}
