//! What drivers' test harnesses read from a standalone: `$listLocalSessions` and
//! `$listSessions` (session records of the driver's own sessions), `endSessions`, `profile`
//! at level 0, and `getParameter: '*'` carrying `enableTestCommands`. Expected values: the
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
async fn profile_answers_level_zero_and_refuses_recording_levels() {
    let client = client().await;
    let db = client.database("d");
    let status = db.run_command(doc! {"profile": -1}).await.unwrap();
    assert_eq!(status.get_i32("was").unwrap(), 0);
    assert_eq!(status.get_i32("slowms").unwrap(), 100);
    assert_eq!(status.get_f64("sampleRate").unwrap(), 1.0);
    let set_off = db.run_command(doc! {"profile": 0}).await.unwrap();
    assert_eq!(set_off.get_i32("was").unwrap(), 0);
    for level in [1, 2] {
        let err = db.run_command(doc! {"profile": level}).await.unwrap_err();
        assert_eq!(
            server_code(&err),
            115,
            "CommandNotSupported for level {level}"
        );
    }
    let err = db.run_command(doc! {"profile": 5}).await.unwrap_err();
    assert_eq!(server_code(&err), 2);
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
