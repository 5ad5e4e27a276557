//! `%connect NAME URL --read-only` on every engine: reads work, writes are refused (by the server
//! for SQL, by the kernel before sending anything for MongoDB and Redis), and the data is
//! unchanged afterwards.

use dbkernel::engine::context::CollectingSink;
use dbkernel::result::QueryResult;
use dbkernel::session::Session;

mod session_support;
use session_support::{ok, run, unique};

async fn refused(session: &mut Session, code: &str, ename: &str, message: &str) {
    let (_, outcome) = run(session, code).await;
    let e = outcome.expect_err(code);
    assert_eq!(e.ename, ename, "{code}\n{e}");
    assert!(e.evalue.contains(message), "{code}\n{e}");
}

fn first_text(sink: &CollectingSink) -> String {
    match sink.results.first() {
        Some(QueryResult::Text(t)) => t.clone(),
        other => panic!("{other:?}"),
    }
}

async fn sql_case(url: &str, code: &str, message: &str) {
    let mut s = Session::new();
    let t = unique("ro_t");
    ok(
        &mut s,
        &format!(
            "%connect rw {url}\n%%sql rw\nCREATE TABLE {t} (n int);\nINSERT INTO {t} VALUES (1)"
        ),
    )
    .await;
    let sink = ok(&mut s, &format!("%connect ref {url} --read-only")).await;
    assert!(
        first_text(&sink).ends_with(", read-only)"),
        "{}",
        first_text(&sink)
    );
    ok(&mut s, &format!("%%sql ref\nSELECT n FROM {t}")).await;
    refused(
        &mut s,
        &format!("%%sql ref\nDELETE FROM {t}"),
        code,
        message,
    )
    .await;
    refused(&mut s, &format!("%%sql ref\nDROP TABLE {t}"), code, message).await;
    // A transaction on the read-only connection: reads inside it, then COMMIT.
    ok(&mut s, "%%sql ref\nBEGIN").await;
    ok(&mut s, &format!("%%sql ref\nSELECT n FROM {t}")).await;
    ok(&mut s, "%%sql ref\nCOMMIT").await;
    let sink = ok(&mut s, &format!("%%sql rw\nSELECT count(*) AS n FROM {t}")).await;
    match sink.results.last() {
        Some(QueryResult::Table(table)) => assert_eq!(table.cell_text(0, 0).as_deref(), Some("1")),
        other => panic!("{other:?}"),
    }
    ok(&mut s, &format!("%%sql rw\nDROP TABLE {t}")).await;
}

#[tokio::test]
async fn postgresql_read_only_connections_refuse_writes() {
    sql_case(
        "postgres://postgres@127.0.0.1:5432/test",
        "SqlError[25006]",
        "read-only transaction",
    )
    .await;
}

#[tokio::test]
async fn mariadb_read_only_connections_refuse_writes() {
    sql_case(
        "mysql://root@127.0.0.1:3306/test",
        "SqlError[1792]",
        "READ ONLY transaction",
    )
    .await;
}

#[tokio::test]
async fn sqlite_read_only_connections_refuse_writes() {
    let file = std::env::temp_dir().join(format!("{}.db", unique("ro")));
    let url = format!("sqlite:{}?mode=rwc", file.display());
    sql_case(
        &url,
        "SqlError[SQLITE_READONLY]",
        "attempt to write a readonly database",
    )
    .await;
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn mongodb_writes_are_refused_before_anything_is_sent() {
    let mut s = Session::new();
    let db = unique("ro");
    ok(
        &mut s,
        &format!("%connect m embedded\n%%mql m\nuse {db}\ndb.c.insertOne({{ _id: 1 }})"),
    )
    .await;
    ok(&mut s, "%connect ref embedded --read-only").await;
    ok(&mut s, &format!("%%mql ref\nuse {db}\ndb.c.find()")).await;
    for write in [
        "db.c.insertOne({ _id: 2 })",
        "db.c.updateMany({}, { $set: { a: 1 } })",
        "db.c.deleteOne({ _id: 1 })",
        "db.c.drop()",
        "db.c.aggregate([{ $match: {} }, { $out: 'copy' }])",
        "db.c.createIndex({ a: 1 })",
    ] {
        refused(
            &mut s,
            &format!("%%mql ref\nuse {db}\n{write}"),
            "ReadOnlyConnection",
            &format!("connection ref is read-only (%connect ... --read-only): `{write}` writes"),
        )
        .await;
    }
    let sink = ok(&mut s, &format!("%%mql m\nuse {db}\ndb.c.countDocuments()")).await;
    match sink.results.last() {
        Some(QueryResult::Value(v)) => assert_eq!(v.text, "1"),
        other => panic!("{other:?}"),
    }
    ok(&mut s, &format!("%%mql m\nuse {db}\ndb.dropDatabase()")).await;
}

#[tokio::test]
async fn redis_writes_are_refused_by_the_servers_own_command_flags() {
    let mut s = Session::new();
    let k = unique("dbk:ro");
    ok(
        &mut s,
        &format!("%connect rw redis://127.0.0.1:6379/0\n%%redis rw\nSET {k} v"),
    )
    .await;
    ok(&mut s, "%connect ref redis://127.0.0.1:6379/0 --read-only").await;
    ok(&mut s, &format!("%%redis ref\nGET {k}\nSTRLEN {k}")).await;
    refused(
        &mut s,
        &format!("%%redis ref\nGET {k}\nDEL {k}"),
        "ReadOnlyConnection",
        "connection ref is read-only (%connect ... --read-only): DEL writes; nothing was run",
    )
    .await;
    refused(
        &mut s,
        "%%redis ref\nEVAL \"return 1\" 0",
        "ReadOnlyConnection",
        "EVAL may write",
    )
    .await;
    let sink = ok(&mut s, &format!("%%redis rw\nGET {k}\nDEL {k}")).await;
    match sink.results.last() {
        Some(QueryResult::Redis(r)) => assert_eq!(
            r.entries[0].reply,
            dbkernel::result::RedisValue::Bulk(b"v".to_vec())
        ),
        other => panic!("{other:?}"),
    }
}
