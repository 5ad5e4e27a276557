//! What drivers' test harnesses read from a standalone: `$listLocalSessions` and
//! `$listSessions` (session records of the driver's own sessions), `endSessions`, `profile`
//! (settings, and levels 1 and 2 writing system.profile), and `getParameter: '*'` carrying `enableTestCommands`. Expected values: the
//! CRUD unified spec's db-aggregate.json ("Aggregate with $listLocalSessions": one record,
//! shaped to `{dummy: "dummy field"}`), PyMongo's test/__init__.py (reads
//! `server_parameters["enableTestCommands"]`), MongoDB's manual for `db.getProfilingStatus()`
//! (`{was: 0, slowms: 100, sampleRate: 1}`), and mongod's session record shape
//! `{_id: {id: UUID, uid: BinData}, lastUse: Date}`.

mod common;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;

async fn client() -> mongodb::Client {
    let (port, _engine) = common::start_server().await;
    common::client(port, true).await
}

fn server_code(e: &mongodb::error::Error) -> i32 {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => c.code,
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn list_local_sessions_shows_the_drivers_session_as_the_crud_spec_expects() {
    let client = client().await;
    let db = client.database("database0");
    let shaped: Vec<Document> = db
        .aggregate([
            doc! {"$listLocalSessions": {}},
            doc! {"$limit": 1},
            doc! {"$addFields": {"dummy": "dummy field"}},
            doc! {"$project": {"_id": 0, "dummy": 1}},
        ])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(shaped, [doc! {"dummy": "dummy field"}]);
}

#[tokio::test]
async fn a_session_record_is_mongods_shape_and_ends_with_end_sessions() {
    let client = client().await;
    let db = client.database("d");
    let mut session = client.start_session().await.unwrap();
    let id = session.id().get("id").cloned().unwrap();
    db.run_command(doc! {"ping": 1})
        .session(&mut session)
        .await
        .unwrap();
    let records = |client: mongodb::Client| async move {
        let docs: Vec<Document> = client
            .database("d")
            .aggregate([doc! {"$listLocalSessions": {"allUsers": true}}])
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        docs
    };
    let listed = records(client.clone()).await;
    let mine = listed
        .iter()
        .find(|r| r.get_document("_id").ok().and_then(|i| i.get("id")) == Some(&id))
        .unwrap_or_else(|| panic!("the session is not listed: {listed:?}"));
    let key = mine.get_document("_id").unwrap();
    assert!(matches!(key.get("uid"), Some(Bson::Binary(b)) if b.bytes.len() == 32));
    assert!(matches!(mine.get("lastUse"), Some(Bson::DateTime(_))));
    // $listSessions reads config.system.sessions.
    let on_config: Vec<Document> = client
        .database("config")
        .collection::<Document>("system.sessions")
        .aggregate([doc! {"$listSessions": {}}])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(
        on_config
            .iter()
            .any(|r| r.get_document("_id").ok().and_then(|i| i.get("id")) == Some(&id))
    );
    db.run_command(doc! {"endSessions": [{"id": id.clone()}]})
        .await
        .unwrap();
    let listed = records(client.clone()).await;
    assert!(
        !listed
            .iter()
            .any(|r| r.get_document("_id").ok().and_then(|i| i.get("id")) == Some(&id)),
        "an ended session is still listed"
    );
    drop(session);
}

#[tokio::test]
async fn session_stages_are_refused_where_mongod_refuses_them() {
    let client = client().await;
    let err = client
        .database("d")
        .collection::<Document>("c")
        .aggregate([doc! {"$listLocalSessions": {}}])
        .await
        .unwrap_err();
    assert_eq!(server_code(&err), 73, "InvalidNamespace on a collection");
    let err = client
        .database("d")
        .aggregate([doc! {"$listSessions": {}}])
        .await
        .unwrap_err();
    assert_eq!(
        server_code(&err),
        73,
        "$listSessions is for config.system.sessions"
    );
    let err = client
        .database("d")
        .aggregate([doc! {"$limit": 1}, doc! {"$listLocalSessions": {}}])
        .await
        .unwrap_err();
    assert_eq!(server_code(&err), 40602, "only valid as the first stage");
}

#[tokio::test]
async fn profile_reports_its_settings_and_rejects_bad_levels() {
    let client = client().await;
    let db = client.database("d");
    let status = db.run_command(doc! {"profile": -1}).await.unwrap();
    assert_eq!(status.get_i32("was").unwrap(), 0);
    assert_eq!(status.get_i32("slowms").unwrap(), 100);
    assert_eq!(status.get_f64("sampleRate").unwrap(), 1.0);
    let set_off = db.run_command(doc! {"profile": 0}).await.unwrap();
    assert_eq!(set_off.get_i32("was").unwrap(), 0);
    let err = db.run_command(doc! {"profile": 5}).await.unwrap_err();
    assert_eq!(server_code(&err), 2);
    let err = db
        .run_command(doc! {"profile": 1, "filter": {"op": "query"}})
        .await
        .unwrap_err();
    assert_eq!(server_code(&err), 115, "a filter is refused, not ignored");
}

/// PyMongo's test_cursor.py `test_comment`: at level 2 a find is one `op: "query"` entry and a
/// distinct one `op: "command"` entry, both carrying the comment under `command` (the
/// profiler output fields of MongoDB's manual, "Database Profiler Output").
#[tokio::test]
async fn profile_level_2_records_every_operation_in_system_profile() {
    let client = client().await;
    let db = client.database("prof2");
    let coll = db.collection::<Document>("test");
    coll.insert_many([doc! {"type": "a"}, doc! {"type": "b"}])
        .await
        .unwrap();
    let was = db.run_command(doc! {"profile": 2}).await.unwrap();
    assert_eq!(was.get_i32("was").unwrap(), 0);
    let found: Vec<Document> = coll
        .find(doc! {})
        .comment(Bson::String("foo".into()))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    coll.distinct("type", doc! {})
        .comment(Bson::String("foo".into()))
        .await
        .unwrap();
    let profile = db.collection::<Document>("system.profile");
    let query = profile
        .count_documents(doc! {"ns": "prof2.test", "op": "query", "command.comment": "foo"})
        .await
        .unwrap();
    assert_eq!(query, 1);
    let distinct = profile
        .count_documents(doc! {"ns": "prof2.test", "op": "command", "command.distinct": "test", "command.comment": "foo"})
        .await
        .unwrap();
    assert_eq!(distinct, 1);
    let entry = profile
        .find_one(doc! {"op": "query"})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.get_i32("nreturned").unwrap(), 2, "{entry}");
    assert!(
        entry.get_i32("millis").is_ok(),
        "millis is a 32-bit int: {entry}"
    );
    assert!(entry.get_datetime("ts").is_ok(), "{entry}");
    assert_eq!(
        entry
            .get_document("command")
            .unwrap()
            .get_str("find")
            .unwrap(),
        "test"
    );
    let status = db.run_command(doc! {"profile": 0}).await.unwrap();
    assert_eq!(status.get_i32("was").unwrap(), 2);
    let before = profile.count_documents(doc! {}).await.unwrap();
    coll.find_one(doc! {}).await.unwrap();
    assert_eq!(
        profile.count_documents(doc! {}).await.unwrap(),
        before,
        "level 0 records nothing"
    );
    profile.drop().await.unwrap();
}

/// Level 1 records only operations slower than `slowms` (server-wide, reported back by the
/// next `profile` call, as `db.setProfilingLevel(1, {slowms})` shows in MongoDB's manual).
#[tokio::test]
async fn profile_level_1_records_operations_slower_than_slowms() {
    let client = client().await;
    let db = client.database("prof1");
    let coll = db.collection::<Document>("c");
    coll.insert_one(doc! {"a": 1}).await.unwrap();
    db.run_command(doc! {"profile": 1, "slowms": 60_000})
        .await
        .unwrap();
    coll.find_one(doc! {}).await.unwrap();
    let profile = db.collection::<Document>("system.profile");
    assert_eq!(
        profile.count_documents(doc! {"op": "query"}).await.unwrap(),
        0,
        "fast ops are not recorded"
    );
    let was = db
        .run_command(doc! {"profile": 1, "slowms": 0})
        .await
        .unwrap();
    assert_eq!(was.get_i32("was").unwrap(), 1);
    assert_eq!(was.get_i32("slowms").unwrap(), 60_000);
    coll.find_one(doc! {}).await.unwrap();
    assert_eq!(
        profile
            .count_documents(doc! {"op": "query", "ns": "prof1.c"})
            .await
            .unwrap(),
        1
    );
    db.run_command(doc! {"profile": 0, "slowms": 100})
        .await
        .unwrap();
}

#[tokio::test]
async fn get_parameter_star_carries_what_pymongos_harness_reads() {
    let client = client().await;
    let params = client
        .database("admin")
        .run_command(doc! {"getParameter": "*"})
        .await
        .unwrap();
    // mongod's default, read by PyMongo's client_context (test/__init__.py).
    assert_eq!(
        params.get("enableTestCommands"),
        Some(&Bson::Boolean(false))
    );
    assert!(params.get_array("authenticationMechanisms").is_ok());
}
