//! Replies → mongosh result shapes.

use bson::{Bson, doc, oid::ObjectId};

use super::{ShapeError, finish};
use crate::operation::{BulkBatch, BulkKind, Output, Reply, Request, RequestKind, ResultShape};

fn request() -> Request {
    Request {
        db: "test".into(),
        command: doc! { "ping": 1 },
        kind: RequestKind::Command,
    }
}

fn value(shape: ResultShape, reply: Reply) -> Bson {
    match finish(&shape, &[request()], vec![reply]).unwrap() {
        Output::Value(v) => v,
        other => panic!("{other:?}"),
    }
}

#[test]
fn insert_results_report_client_ids() {
    let id = Bson::ObjectId(ObjectId::new());
    let out = value(
        ResultShape::InsertOne { id: id.clone() },
        Reply::command(doc! { "n": 1, "ok": 1 }),
    );
    assert_eq!(
        out,
        Bson::Document(doc! { "acknowledged": true, "insertedId": id.clone() })
    );
    let out = value(
        ResultShape::InsertMany {
            ids: vec![id.clone(), Bson::Int32(2)],
        },
        Reply::command(doc! { "n": 2, "ok": 1 }),
    );
    assert_eq!(
        out,
        Bson::Document(doc! { "acknowledged": true, "insertedIds": { "0": id, "1": 2 } })
    );
}

#[test]
fn update_with_upsert_reports_inserted_id() {
    let reply = Reply::command(
        doc! { "n": 1, "nModified": 0, "upserted": [{ "index": 0, "_id": 42 }], "ok": 1 },
    );
    assert_eq!(
        value(ResultShape::Update, reply),
        Bson::Document(
            doc! { "acknowledged": true, "insertedId": 42, "matchedCount": 0, "modifiedCount": 0, "upsertedCount": 1 }
        )
    );
    let reply = Reply::command(doc! { "n": 3_i64, "nModified": 2, "ok": 1.0 });
    assert_eq!(
        value(ResultShape::Update, reply),
        Bson::Document(
            doc! { "acknowledged": true, "insertedId": Bson::Null, "matchedCount": 3, "modifiedCount": 2, "upsertedCount": 0 }
        )
    );
    assert_eq!(
        value(
            ResultShape::Delete,
            Reply::command(doc! { "n": 1, "ok": 1 })
        ),
        Bson::Document(doc! { "acknowledged": true, "deletedCount": 1 })
    );
}

#[test]
fn counts_and_cursor_shapes() {
    assert_eq!(
        value(
            ResultShape::CountDocuments,
            Reply::cursor(vec![doc! { "_id": 1, "n": 5 }], 1)
        ),
        Bson::Int32(5)
    );
    assert_eq!(
        value(ResultShape::CountDocuments, Reply::cursor(vec![], 0)),
        Bson::Int32(0)
    );
    assert_eq!(
        value(
            ResultShape::CountField,
            Reply::command(doc! { "n": 7_i64, "ok": 1 })
        ),
        Bson::Int32(7)
    );
    assert_eq!(
        value(ResultShape::FirstOrNull, Reply::cursor(vec![], 0)),
        Bson::Null
    );
    assert_eq!(
        value(ResultShape::Total, Reply::cursor(vec![], 1234)),
        Bson::Int32(1234)
    );
    assert_eq!(
        value(
            ResultShape::Distinct,
            Reply::command(doc! { "values": ["a", "b"], "ok": 1 })
        ),
        Bson::Array(vec!["a".into(), "b".into()])
    );
    let docs = vec![doc! { "a": 1 }, doc! { "a": 2 }];
    assert_eq!(
        finish(
            &ResultShape::Documents,
            &[request()],
            vec![Reply::cursor(docs.clone(), 50)]
        )
        .unwrap(),
        Output::Documents {
            documents: docs,
            total: 50
        }
    );
    // A kernel that passes the raw first batch still works.
    let raw = Reply::command(
        doc! { "cursor": { "firstBatch": [{ "a": 1 }], "id": 0_i64, "ns": "test.c" }, "ok": 1 },
    );
    assert_eq!(
        value(ResultShape::DocumentArray, raw),
        Bson::Array(vec![Bson::Document(doc! { "a": 1 })])
    );
}

#[test]
fn drop_of_a_missing_collection_is_false() {
    assert_eq!(
        value(ResultShape::Drop, Reply::command(doc! { "ok": 1 })),
        Bson::Boolean(true)
    );
    assert_eq!(
        value(
            ResultShape::Drop,
            Reply::server_error(26, Some("NamespaceNotFound"), "ns not found", None)
        ),
        Bson::Boolean(false)
    );
}

#[test]
fn raw_replies_lose_driver_metadata() {
    let reply = Reply::command(
        doc! { "nIndexesWas": 2, "ok": 1.0, "$clusterTime": { "x": 1 }, "operationTime": bson::Timestamp { time: 1, increment: 1 } },
    );
    assert_eq!(
        value(ResultShape::Raw, reply),
        Bson::Document(doc! { "nIndexesWas": 2, "ok": 1.0 })
    );
}

#[test]
fn server_errors_surface_with_code_names() {
    let err = finish(
        &ResultShape::Raw,
        &[request()],
        vec![Reply::server_error(
            59,
            None,
            "no such command: 'nope'",
            None,
        )],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "MongoServerError[CommandNotFound]: no such command: 'nope'"
    );
    let dup = Reply::command(
        doc! { "n": 1, "ok": 1, "writeErrors": [{ "index": 1, "code": 11000, "errmsg": "E11000 duplicate key error" }] },
    );
    let err = finish(
        &ResultShape::InsertMany { ids: vec![] },
        &[request()],
        vec![dup],
    )
    .unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text.lines().next(),
        Some("MongoBulkWriteError[DuplicateKey]: E11000 duplicate key error")
    );
    assert!(
        text.contains("Result: BulkWriteResult {\n  insertedCount: 1,"),
        "{text}"
    );
    assert!(
        text.contains("Write Errors: [ { index: 1, code: 11000,"),
        "{text}"
    );
    let missing = finish(
        &ResultShape::Raw,
        &[request(), request()],
        vec![Reply::command(doc! { "ok": 1 })],
    )
    .unwrap_err();
    assert!(matches!(missing, ShapeError::UnexpectedReply(_)));
}

#[test]
fn bulk_write_combines_batches() {
    let batches = vec![
        BulkBatch {
            kind: BulkKind::Insert,
            indexes: vec![0, 1],
            inserted_ids: vec![Bson::Int32(10), Bson::Int32(11)],
        },
        BulkBatch {
            kind: BulkKind::Update,
            indexes: vec![2, 3],
            inserted_ids: vec![],
        },
        BulkBatch {
            kind: BulkKind::Delete,
            indexes: vec![4],
            inserted_ids: vec![],
        },
    ];
    let replies = vec![
        Reply::command(doc! { "n": 2, "ok": 1 }),
        Reply::command(
            doc! { "n": 2, "nModified": 1, "upserted": [{ "index": 1, "_id": 99 }], "ok": 1 },
        ),
        Reply::command(doc! { "n": 3, "ok": 1 }),
    ];
    let requests = vec![request(), request(), request()];
    let Output::Value(out) =
        finish(&ResultShape::BulkWrite { batches }, &requests, replies).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        out,
        Bson::Document(doc! {
            "acknowledged": true, "insertedCount": 2, "insertedIds": { "0": 10, "1": 11 },
            "matchedCount": 1, "modifiedCount": 1, "deletedCount": 3, "upsertedCount": 1, "upsertedIds": { "3": 99 },
        })
    );
}

#[test]
fn picks_read_into_results() {
    let shape = ResultShape::Pick(
        Box::new(ResultShape::FirstOrNull),
        vec![Bson::String("name".into())],
    );
    assert_eq!(
        value(shape, Reply::cursor(vec![doc! { "name": "Ann" }], 1)),
        Bson::String("Ann".into())
    );
}

#[test]
fn rendered_text_matches_mongosh() {
    let out = Output::Value(Bson::Document(
        doc! { "acknowledged": true, "deletedCount": 1 },
    ));
    assert_eq!(out.render_text(), "{ acknowledged: true, deletedCount: 1 }");
    assert_eq!(
        Output::Value(Bson::String("a_1".into())).render_text(),
        "a_1"
    );
    let docs = Output::Documents {
        documents: vec![doc! { "a": 1 }],
        total: 3,
    };
    assert_eq!(
        docs.render_text(),
        "[ { a: 1 } ]\n(showing 1 of 3 documents)"
    );
}

fn insert_request(ids: std::ops::Range<i32>, ordered: bool) -> Request {
    let documents: Vec<Bson> = ids.map(|i| Bson::Document(doc! { "_id": i })).collect();
    Request {
        db: "test".into(),
        command: doc! { "insert": "c", "documents": documents, "ordered": ordered },
        kind: RequestKind::Command,
    }
}

#[test]
fn insert_many_in_batches_reports_write_errors_at_the_users_index() {
    let ids: Vec<Bson> = (0..6).map(Bson::Int32).collect();
    let shape = ResultShape::InsertMany { ids };
    let requests = vec![insert_request(0..3, true), insert_request(3..6, true)];
    // All batches answered: the ids by position.
    let ok = finish(
        &shape,
        &requests,
        vec![
            Reply::command(doc! { "n": 3, "ok": 1 }),
            Reply::command(doc! { "n": 3, "ok": 1 }),
        ],
    )
    .unwrap();
    assert_eq!(
        ok,
        Output::Value(Bson::Document(
            doc! { "acknowledged": true, "insertedIds": { "0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5 } }
        ))
    );
    // The second batch failed at its position 1 (the user's index 4): four were inserted.
    let err = finish(
        &shape,
        &requests,
        vec![
            Reply::command(doc! { "n": 3, "ok": 1 }),
            Reply::command(doc! { "n": 1, "ok": 1, "writeErrors": [{ "index": 1, "code": 11000, "errmsg": "E11000 dup" }] }),
        ],
    )
    .unwrap_err();
    let ShapeError::Server(server) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(server.name, "MongoBulkWriteError");
    let bulk = server.bulk.as_ref().expect("partial result");
    assert_eq!(bulk.result.get("insertedCount"), Some(&Bson::Int32(4)));
    assert_eq!(
        bulk.result.get_document("insertedIds").unwrap(),
        &doc! { "0": 0, "1": 1, "2": 2, "3": 3 }
    );
    assert_eq!(bulk.write_errors[0].get("index"), Some(&Bson::Int32(4)));
}

#[test]
fn a_refused_later_batch_says_what_earlier_batches_wrote() {
    let ids: Vec<Bson> = (0..4).map(Bson::Int32).collect();
    let requests = vec![insert_request(0..2, true), insert_request(2..4, true)];
    let err = finish(
        &ResultShape::InsertMany { ids },
        &requests,
        vec![
            Reply::command(doc! { "n": 2, "ok": 1 }),
            Reply::server_error(10334, None, "BSONObjectTooLarge", None),
        ],
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("MongoServerError: BSONObjectTooLarge"),
        "{text}"
    );
    assert!(text.contains("insertedCount: 2"), "{text}");
}

#[test]
fn ordered_writes_stop_after_a_batch_with_write_errors() {
    let failed = Reply::command(
        doc! { "n": 0, "ok": 1, "writeErrors": [{ "index": 0, "code": 11000, "errmsg": "dup" }] },
    );
    assert!(insert_request(0..1, true).stops_after(&failed));
    assert!(!insert_request(0..1, false).stops_after(&failed));
    assert!(!insert_request(0..1, true).stops_after(&Reply::command(doc! { "n": 1, "ok": 1 })));
    assert!(request().stops_after(&Reply::server_error(59, None, "no", None)));
}

#[test]
fn a_sent_batch_keeps_only_its_count_and_still_shapes() {
    let ids: Vec<Bson> = (0..4).map(Bson::Int32).collect();
    let mut requests = vec![insert_request(0..2, true), insert_request(2..4, true)];
    for request in &mut requests {
        request.release_payload();
    }
    assert_eq!(requests[1].command.get("documents"), Some(&Bson::Int64(2)));
    assert_eq!(requests[1].operation_count(), Some(2));
    let err = finish(
        &ResultShape::InsertMany { ids },
        &requests,
        vec![
            Reply::command(doc! { "n": 2, "ok": 1 }),
            Reply::command(doc! { "n": 0, "ok": 1, "writeErrors": [{ "index": 0, "code": 11000, "errmsg": "dup" }] }),
        ],
    )
    .unwrap_err();
    let ShapeError::Server(server) = err else {
        panic!()
    };
    assert_eq!(
        server.bulk.unwrap().write_errors[0].get("index"),
        Some(&Bson::Int32(2))
    );
}

#[test]
fn a_property_of_a_failed_insert_many_still_reports_the_bulk_write_error() {
    let ids: Vec<Bson> = (0..2).map(Bson::Int32).collect();
    let shape = ResultShape::Pick(
        Box::new(ResultShape::InsertMany { ids }),
        vec![Bson::String("acknowledged".into())],
    );
    let requests = vec![insert_request(0..1, true), insert_request(1..2, true)];
    let ok = finish(
        &shape,
        &requests,
        vec![
            Reply::command(doc! { "n": 1, "ok": 1 }),
            Reply::command(doc! { "n": 1, "ok": 1 }),
        ],
    );
    assert_eq!(ok.unwrap(), Output::Value(Bson::Boolean(true)));
    let err = finish(
        &shape,
        &requests,
        vec![
            Reply::command(doc! { "n": 1, "ok": 1 }),
            Reply::command(doc! { "n": 0, "ok": 1, "writeErrors": [{ "index": 0, "code": 11000, "errmsg": "dup" }] }),
        ],
    )
    .unwrap_err();
    let ShapeError::Server(server) = err else {
        panic!()
    };
    assert_eq!(server.name, "MongoBulkWriteError");
    assert_eq!(
        server.bulk.unwrap().write_errors[0].get("index"),
        Some(&Bson::Int32(1))
    );
}
