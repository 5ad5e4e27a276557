//! What a standalone mongod 7.0 refuses, refused the same way through the `mongodb` driver:
//! write concerns a single node cannot satisfy, read concern levels it does not serve, commands
//! outside API version 1 under `apiStrict`, 8.0's `sort` in an update statement, and bad query
//! operators on a collection that does not exist. Codes and messages are mongod's own
//! (src/mongo/db/write_concern.cpp `validateWriteConcern`, read_concern_mongod.cpp
//! `waitForReadConcernImpl`, validate_api_parameters.cpp, error_codes.yml: BadValue 2,
//! InvalidOptions 72, NotAReplicaSet 123, APIVersionError 322, APIStrictError 323,
//! IDL unknown field 40415).

mod common;

use bson::{Document, doc};
use mongodb::options::{
    Acknowledgment, ReadConcern, ServerApi, ServerApiVersion, UpdateModifications, WriteConcern,
};

fn server_error(e: &mongodb::error::Error) -> (i32, String) {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => (c.code, c.message.clone()),
        other => panic!("expected a server error, got {other:?}"),
    }
}

async fn database() -> mongodb::Database {
    let (port, _engine) = common::start_server().await;
    common::client(port, true).await.database("refusals")
}

fn w(ack: Acknowledgment) -> WriteConcern {
    WriteConcern::builder().w(ack).build()
}

#[tokio::test]
async fn write_concern_w_above_one_or_a_tag_is_bad_value_and_writes_nothing() {
    let db = database().await;
    let coll = db.collection::<Document>("c");
    let err = coll
        .insert_one(doc! {"_id": 1})
        .write_concern(w(Acknowledgment::Nodes(2)))
        .await
        .unwrap_err();
    assert_eq!(
        server_error(&err),
        (2, "cannot use 'w' > 1 when a host is not replicated".into())
    );
    let err = coll
        .insert_one(doc! {"_id": 2})
        .write_concern(w(Acknowledgment::Custom("dc1".into())))
        .await
        .unwrap_err();
    assert_eq!(
        server_error(&err),
        (
            2,
            "cannot use non-majority 'w' mode dc1 when a host is not a member of a replica set"
                .into()
        )
    );
    // jstests/core/write/write_concern.js: w:1 and w:"majority" work on a standalone.
    coll.insert_one(doc! {"_id": 3})
        .write_concern(w(Acknowledgment::Nodes(1)))
        .await
        .unwrap();
    coll.insert_one(doc! {"_id": 4})
        .write_concern(w(Acknowledgment::Majority))
        .await
        .unwrap();
    let ids: Vec<i32> = coll
        .distinct("_id", doc! {})
        .await
        .unwrap()
        .iter()
        .filter_map(|b| b.as_i32())
        .collect();
    assert_eq!(ids, [3, 4], "the refused inserts must not have written");
}

#[tokio::test]
async fn a_write_concern_on_a_read_command_is_invalid_options() {
    let db = database().await;
    let err = db
        .run_command(doc! {"find": "c", "writeConcern": {"w": 1}})
        .await
        .unwrap_err();
    assert_eq!(
        server_error(&err),
        (72, "Command does not support writeConcern".into())
    );
}

#[tokio::test]
async fn journaled_writes_need_a_journal() {
    // The test server keeps everything in memory, as mongod's inMemory engine: not durable.
    let db = database().await;
    let err = db
        .collection::<Document>("c")
        .insert_one(doc! {"_id": 1})
        .write_concern(WriteConcern::builder().journal(true).build())
        .await
        .unwrap_err();
    assert_eq!(
        server_error(&err),
        (
            2,
            "cannot use 'j' option when a host does not have journaling enabled".into()
        )
    );
}

#[tokio::test]
async fn read_concern_levels_a_standalone_does_not_serve_are_refused() {
    let db = database().await;
    db.collection::<Document>("c")
        .insert_one(doc! {"_id": 1})
        .await
        .unwrap();
    for level in [
        ReadConcern::local(),
        ReadConcern::majority(),
        ReadConcern::available(),
    ] {
        let coll = db.collection_with_options::<Document>(
            "c",
            mongodb::options::CollectionOptions::builder()
                .read_concern(level)
                .build(),
        );
        assert_eq!(coll.count_documents(doc! {}).await.unwrap(), 1);
    }
    let cases = [
        (
            ReadConcern::snapshot(),
            123,
            "node needs to be a replica set member to use readConcern: snapshot",
        ),
        (
            ReadConcern::linearizable(),
            123,
            "node needs to be a replica set member to use read concern",
        ),
        (
            ReadConcern::custom("eventual"),
            2,
            "Enumeration value 'eventual' for field 'readConcern.level' is not a valid value.",
        ),
    ];
    for (level, code, message) in cases {
        let coll = db.collection_with_options::<Document>(
            "c",
            mongodb::options::CollectionOptions::builder()
                .read_concern(level)
                .build(),
        );
        let err = coll.find_one(doc! {}).await.unwrap_err();
        assert_eq!(server_error(&err), (code, message.to_string()));
    }
}

#[tokio::test]
async fn api_strict_refuses_commands_outside_version_one() {
    let (port, _engine) = common::start_server().await;
    let mut options =
        mongodb::options::ClientOptions::parse(format!("mongodb://127.0.0.1:{port}/"))
            .await
            .unwrap();
    options.server_api = Some(
        ServerApi::builder()
            .version(ServerApiVersion::V1)
            .strict(true)
            .build(),
    );
    let db = mongodb::Client::with_options(options)
        .unwrap()
        .database("strict");
    let coll = db.collection::<Document>("c");
    // insert, find, count and aggregate are in API version 1 ...
    coll.insert_one(doc! {"_id": 1, "a": 1}).await.unwrap();
    assert!(coll.find_one(doc! {}).await.unwrap().is_some());
    assert_eq!(coll.count_documents(doc! {}).await.unwrap(), 1);
    // ... distinct is not: the C# and Go drivers' Stable API docs quote exactly this reply.
    let err = coll.distinct("a", doc! {}).await.unwrap_err();
    assert_eq!(
        server_error(&err),
        (
            323,
            "Provided apiStrict:true, but the command distinct is not in API Version 1. \
             Information on supported commands and migrations in API Version 1 can be found at \
             https://dochub.mongodb.org/core/manual-versioned-api."
                .into()
        )
    );
    let err = db.run_command(doc! {"buildInfo": 1}).await.unwrap_err();
    assert_eq!(server_error(&err).0, 323);
}

#[tokio::test]
async fn api_strict_without_a_version_and_unknown_versions_are_refused() {
    let db = database().await;
    let err = db
        .run_command(doc! {"ping": 1, "apiStrict": true})
        .await
        .unwrap_err();
    assert_eq!(server_error(&err).0, 4886600);
    let err = db
        .run_command(doc! {"ping": 1, "apiVersion": "2"})
        .await
        .unwrap_err();
    assert_eq!(server_error(&err).0, 322);
}

#[tokio::test]
async fn an_update_statement_with_sort_is_an_unknown_field_on_7_0() {
    // `sort` in an update statement arrived with MongoDB 8.0; a 7.0 server's IDL refuses it.
    let db = database().await;
    let err = db
        .run_command(doc! {
            "update": "c",
            "updates": [{"q": {}, "u": {"$set": {"a": 1}}, "sort": {"a": 1}}],
        })
        .await
        .unwrap_err();
    assert_eq!(
        server_error(&err),
        (
            40415,
            "BSON field 'update.updates.sort' is an unknown field.".into()
        )
    );
}

#[tokio::test]
async fn bad_query_operators_are_bad_value_on_a_missing_collection() {
    let db = database().await;
    let coll = db.collection::<Document>("nosuch");
    let bad = doc! {"a": {"$foo": 1}};
    let errors = [
        coll.find_one(bad.clone()).await.unwrap_err(),
        coll.count_documents(bad.clone()).await.unwrap_err(),
        coll.distinct("a", bad.clone()).await.unwrap_err(),
        coll.delete_many(bad.clone()).await.unwrap_err(),
        coll.update_many(
            bad.clone(),
            UpdateModifications::Document(doc! {"$set": {"b": 1}}),
        )
        .await
        .unwrap_err(),
        coll.find_one_and_delete(bad.clone()).await.unwrap_err(),
        coll.aggregate([doc! {"$match": bad.clone()}])
            .await
            .unwrap_err(),
    ];
    for err in errors {
        let (code, message) = match err.kind.as_ref() {
            mongodb::error::ErrorKind::Command(c) => (c.code, c.message.clone()),
            mongodb::error::ErrorKind::Write(mongodb::error::WriteFailure::WriteError(w)) => {
                (w.code, w.message.clone())
            }
            other => panic!("expected a server error, got {other:?}"),
        };
        assert_eq!((code, message.as_str()), (2, "unknown operator: $foo"));
    }
}
