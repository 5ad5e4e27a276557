//! `$currentOp` and `currentOp` as mongod 7.0 answers them: idle connections, idle cursors,
//! truncated commands and the option checks.
//!
//! Expected values come from mongod 7.0's sources and manual: idle connections are
//! `type: "op"` entries with `active: false`, `desc: "conn<N>"`, `connectionId`, `client`,
//! `appName` and `clientMetadata` (CurOp::reportCurrentOpForClient); idle cursors are
//! `type: "idleCursor"` entries with `ns`, `planSummary` and a `cursor` subdocument of
//! `cursorId`, `createdDate`, `lastAccessDate`, `nDocsReturned`, `nBatchesReturned` (the first
//! batch counts), `noCursorTimeout`, `tailable`, `awaitData`, `originatingCommand`
//! (CommonProcessInterface::getCurrentOps, generic_cursor.idl); `truncateOps` turns a command
//! over 1000 bytes into `{$truncated: "<toString, cut to 1000 with ...>", comment}`
//! (appendAsObjOrString); wrong option types are FailedToParse (9), `allUsers`/`localOps`
//! TypeMismatch (14), an unknown option FailedToParse "Unrecognized option 'x' in $currentOp
//! stage." (DocumentSourceCurrentOp); the `currentOp` command is `$currentOp` with
//! `idleConnections: $all` (current_op_common.cpp).

mod common;

use bson::{Bson, Document, doc};
use common::ok;
use docdb::Engine;
use futures_util::TryStreamExt;

fn current_op(e: &Engine, spec: Document) -> Vec<Document> {
    let reply = ok(
        e,
        "admin",
        doc! {"aggregate": 1, "pipeline": [{"$currentOp": spec}], "cursor": {}},
    );
    reply
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .map(|d| d.as_document().unwrap().clone())
        .collect()
}

fn idle_cursors(e: &Engine, extra: Document) -> Vec<Document> {
    let mut spec = doc! {"idleCursors": true};
    spec.extend(extra);
    current_op(e, spec)
        .into_iter()
        .filter(|d| d.get_str("type").ok() == Some("idleCursor"))
        .collect()
}

fn stage_error(e: &Engine, db: &str, spec: Bson) -> (i32, String) {
    let reply = e.execute(
        db,
        doc! {"aggregate": 1, "pipeline": [{"$currentOp": spec}], "cursor": {}},
    );
    (
        reply.get_i32("code").unwrap_or(0),
        reply.get_str("errmsg").unwrap_or("").to_string(),
    )
}

#[test]
fn wrong_option_types_and_unknown_options_are_refused_with_mongods_codes() {
    let e = Engine::in_memory();
    for option in [
        "idleConnections",
        "idleCursors",
        "idleSessions",
        "truncateOps",
        "backtrace",
    ] {
        let (code, msg) = stage_error(&e, "admin", Bson::Document(doc! {option: 1}));
        assert_eq!(code, 9, "{option}: {msg}");
        assert_eq!(
            msg,
            format!(
                "The '{option}' parameter of the $currentOp stage must be a boolean value, but found: int"
            )
        );
    }
    for option in ["allUsers", "localOps"] {
        let (code, msg) = stage_error(&e, "admin", Bson::Document(doc! {option: "yes"}));
        assert_eq!(code, 14, "{option}: {msg}");
        assert!(
            msg.ends_with("must be a boolean value, but found: string"),
            "{msg}"
        );
    }
    let (code, msg) = stage_error(&e, "admin", Bson::Document(doc! {"nope": true}));
    assert_eq!(
        (code, msg.as_str()),
        (9, "Unrecognized option 'nope' in $currentOp stage.")
    );
    let (code, msg) = stage_error(&e, "admin", Bson::Int32(1));
    assert_eq!(
        (code, msg.as_str()),
        (
            14,
            "$currentOp options must be specified in an object, but found: int"
        )
    );
    // The lite parser's checks come before the namespace check, the others after it.
    assert_eq!(
        stage_error(&e, "test", Bson::Document(doc! {"allUsers": 1})).0,
        14
    );
    assert_eq!(
        stage_error(&e, "test", Bson::Document(doc! {"idleCursors": 1})).0,
        73
    );
}

#[test]
fn an_idle_cursor_reports_its_command_plan_and_counters() {
    let e = Engine::in_memory();
    let docs: Vec<Document> = (0..10).map(|i| doc! {"_id": i, "a": i}).collect();
    ok(&e, "t", doc! {"insert": "c", "documents": docs});
    assert!(
        idle_cursors(&e, doc! {}).is_empty(),
        "no cursor is open yet"
    );
    let found = ok(
        &e,
        "t",
        doc! {"find": "c", "filter": {"a": {"$gte": 0}}, "batchSize": 2, "comment": "idle-1"},
    );
    let id = found.get_document("cursor").unwrap().get_i64("id").unwrap();
    // Without idleCursors (mongod's default) the cursor is not listed.
    assert!(
        current_op(&e, doc! {})
            .iter()
            .all(|d| d.get_str("type").ok() != Some("idleCursor"))
    );
    let idle = idle_cursors(&e, doc! {});
    assert_eq!(idle.len(), 1, "{idle:?}");
    let entry = &idle[0];
    assert_eq!(entry.get_str("ns").unwrap(), "t.c");
    assert_eq!(entry.get_str("planSummary").unwrap(), "COLLSCAN");
    let cursor = entry.get_document("cursor").unwrap();
    assert_eq!(cursor.get_i64("cursorId").unwrap(), id);
    assert_eq!(cursor.get_i64("nDocsReturned").unwrap(), 2);
    assert_eq!(cursor.get_i64("nBatchesReturned").unwrap(), 1);
    assert!(!cursor.get_bool("noCursorTimeout").unwrap());
    assert!(!cursor.get_bool("tailable").unwrap());
    assert!(!cursor.get_bool("awaitData").unwrap());
    assert!(cursor.get_datetime("createdDate").is_ok());
    let created = *cursor.get_datetime("lastAccessDate").unwrap();
    let origin = cursor.get_document("originatingCommand").unwrap();
    assert_eq!(origin.get_str("find").unwrap(), "c");
    assert_eq!(origin.get_str("comment").unwrap(), "idle-1");

    ok(
        &e,
        "t",
        doc! {"getMore": id, "collection": "c", "batchSize": 3},
    );
    let idle = idle_cursors(&e, doc! {});
    let cursor = idle[0].get_document("cursor").unwrap();
    assert_eq!(cursor.get_i64("nDocsReturned").unwrap(), 5);
    assert_eq!(cursor.get_i64("nBatchesReturned").unwrap(), 2);
    assert!(*cursor.get_datetime("lastAccessDate").unwrap() >= created);

    ok(&e, "t", doc! {"killCursors": "c", "cursors": [id]});
    assert!(idle_cursors(&e, doc! {}).is_empty());
}

#[test]
fn an_index_cursor_shows_its_index_and_no_cursor_timeout() {
    let e = Engine::in_memory();
    let docs: Vec<Document> = (0..10).map(|i| doc! {"_id": i, "a": i}).collect();
    ok(&e, "t", doc! {"insert": "c", "documents": docs});
    ok(
        &e,
        "t",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}]},
    );
    ok(
        &e,
        "t",
        doc! {"find": "c", "filter": {"a": {"$gt": 2}}, "batchSize": 1, "noCursorTimeout": true},
    );
    let idle = idle_cursors(&e, doc! {});
    assert_eq!(idle.len(), 1);
    assert_eq!(idle[0].get_str("planSummary").unwrap(), "IXSCAN { a: 1 }");
    let cursor = idle[0].get_document("cursor").unwrap();
    assert!(cursor.get_bool("noCursorTimeout").unwrap());
}

#[test]
fn truncate_ops_shortens_commands_over_a_thousand_bytes() {
    let e = Engine::in_memory();
    let docs: Vec<Document> = (0..5).map(|i| doc! {"_id": i}).collect();
    ok(&e, "t", doc! {"insert": "c", "documents": docs});
    let long = "x".repeat(2000);
    ok(
        &e,
        "t",
        doc! {"find": "c", "filter": {"s": {"$ne": long.clone()}}, "batchSize": 1, "comment": "big"},
    );
    let whole = idle_cursors(&e, doc! {});
    let origin = whole[0]
        .get_document("cursor")
        .unwrap()
        .get_document("originatingCommand")
        .unwrap();
    assert_eq!(
        origin
            .get_document("filter")
            .unwrap()
            .get_document("s")
            .unwrap()
            .get_str("$ne")
            .unwrap(),
        long
    );
    let cut = idle_cursors(&e, doc! {"truncateOps": true});
    let origin = cut[0]
        .get_document("cursor")
        .unwrap()
        .get_document("originatingCommand")
        .unwrap();
    let text = origin.get_str("$truncated").unwrap();
    assert_eq!(text.len(), 1000);
    assert!(
        text.starts_with("{ find: \"c\", filter: { s: { $ne: \"xxx"),
        "{text}"
    );
    assert!(text.ends_with("..."));
    // The comment stays whole beside the cut text.
    assert_eq!(origin.get_str("comment").unwrap(), "big");
    assert_eq!(origin.len(), 2);
}

#[test]
fn idle_sessions_local_ops_and_all_users_are_accepted_on_a_standalone() {
    let e = Engine::in_memory();
    // mongod's default idleSessions: true lists sessions holding an inactive transaction's
    // resources; a standalone has none. allUsers without access control and localOps off
    // mongos change nothing.
    let out = current_op(
        &e,
        doc! {"idleSessions": true, "allUsers": false, "localOps": true, "backtrace": true},
    );
    assert!(
        out.iter().all(|d| d.get_str("type").ok() == Some("op")),
        "{out:?}"
    );
    assert_eq!(
        out.iter()
            .filter(|d| d
                .get_document("command")
                .is_ok_and(|c| c.get_i32("aggregate").ok() == Some(1)))
            .count(),
        1
    );
}

async fn aggregate_admin(client: &mongodb::Client, pipeline: Vec<Document>) -> Vec<Document> {
    client
        .database("admin")
        .aggregate(pipeline)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

async fn named_client(port: u16, app: &str) -> mongodb::Client {
    let uri = format!("mongodb://127.0.0.1:{port}/?directConnection=true&appName={app}");
    mongodb::Client::with_uri_str(&uri).await.unwrap()
}

/// Through the real driver: a second client's connections are idle while the watcher's
/// aggregate runs, and show only with `idleConnections: true`, named by its appName.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_listed_with_their_client_metadata() {
    let (port, _engine) = common::start_server().await;
    let idle = named_client(port, "idle-one").await;
    idle.database("t")
        .run_command(doc! {"ping": 1})
        .await
        .unwrap();
    let watcher = named_client(port, "watcher").await;

    let with_idle = aggregate_admin(
        &watcher,
        vec![doc! {"$currentOp": {"idleConnections": true}}],
    )
    .await;
    let of_idle: Vec<&Document> = with_idle
        .iter()
        .filter(|d| d.get_str("appName").ok() == Some("idle-one"))
        .collect();
    assert!(!of_idle.is_empty(), "{with_idle:?}");
    for entry in &of_idle {
        assert_eq!(entry.get_str("type").unwrap(), "op");
        assert!(!entry.get_bool("active").unwrap(), "{entry}");
        let id = entry.get_i64("connectionId").unwrap();
        assert_eq!(entry.get_str("desc").unwrap(), format!("conn{id}"));
        assert!(entry.get_str("client").unwrap().starts_with("127.0.0.1:"));
        let metadata = entry.get_document("clientMetadata").unwrap();
        assert_eq!(
            metadata
                .get_document("application")
                .unwrap()
                .get_str("name")
                .unwrap(),
            "idle-one"
        );
        assert!(metadata.get_document("driver").is_ok());
        assert!(!entry.contains_key("opid"));
    }
    // The watcher's own aggregate is the active operation of its connection.
    let mine: Vec<&Document> = with_idle
        .iter()
        .filter(|d| {
            d.get_str("appName").ok() == Some("watcher") && d.get_bool("active").ok() == Some(true)
        })
        .collect();
    assert_eq!(mine.len(), 1, "{with_idle:?}");
    assert_eq!(mine[0].get_str("op").unwrap(), "command");
    assert_eq!(
        mine[0]
            .get_document("command")
            .unwrap()
            .get_i32("aggregate")
            .unwrap(),
        1
    );

    let active_only = aggregate_admin(&watcher, vec![doc! {"$currentOp": {}}]).await;
    assert!(
        active_only
            .iter()
            .all(|d| d.get_str("appName").ok() != Some("idle-one")),
        "{active_only:?}"
    );

    // The currentOp command: idle connections only with $all.
    let admin = watcher.database("admin");
    let all = admin
        .run_command(doc! {"currentOp": 1, "$all": true, "appName": "idle-one"})
        .await
        .unwrap();
    assert!(!all.get_array("inprog").unwrap().is_empty(), "{all}");
    let running = admin
        .run_command(doc! {"currentOp": 1, "appName": "idle-one"})
        .await
        .unwrap();
    assert!(running.get_array("inprog").unwrap().is_empty(), "{running}");
}

/// Through the real driver: a cursor the driver holds open is an idle cursor with the
/// driver's session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_cursor_between_batches_is_an_idle_cursor() {
    let (port, _engine) = common::start_server().await;
    let client = named_client(port, "cursor-holder").await;
    let coll = client.database("t").collection::<Document>("c");
    let docs: Vec<Document> = (0..6).map(|i| doc! {"_id": i}).collect();
    coll.insert_many(docs).await.unwrap();
    let mut cursor = coll.find(doc! {}).batch_size(2).await.unwrap();
    assert!(cursor.advance().await.unwrap());

    let watcher = named_client(port, "watcher").await;
    let idle = aggregate_admin(
        &watcher,
        vec![
            doc! {"$currentOp": {"idleCursors": true}},
            doc! {"$match": {"type": "idleCursor"}},
        ],
    )
    .await;
    assert_eq!(idle.len(), 1, "{idle:?}");
    assert_eq!(idle[0].get_str("ns").unwrap(), "t.c");
    assert!(idle[0].get_document("lsid").is_ok(), "{}", idle[0]);
    let info = idle[0].get_document("cursor").unwrap();
    assert_eq!(info.get_i64("nDocsReturned").unwrap(), 2);
    assert_eq!(info.get_i64("nBatchesReturned").unwrap(), 1);
    assert_eq!(
        info.get_document("originatingCommand")
            .unwrap()
            .get_str("find")
            .unwrap(),
        "c"
    );
    drop(cursor);
}
