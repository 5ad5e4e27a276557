//! Every index kind, through the engine's command interface.

mod common;

use bson::{Bson, doc};
use common::{err_code, find_all, insert, ok};
use docdb::Engine;

#[test]
fn unique_index_reports_mongodb_duplicate_key_error() {
    let e = Engine::in_memory();
    insert(&e, "d", "c", vec![doc! {"_id": 1, "a": 1}]);
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1", "unique": true}]},
    );
    let reply = e.execute("d", doc! {"insert": "c", "documents": [{"_id": 2, "a": 1}]});
    let we = reply.get_array("writeErrors").expect("write error")[0]
        .as_document()
        .unwrap()
        .clone();
    assert_eq!(we.get_i32("code").unwrap(), 11000);
    assert_eq!(
        we.get_str("errmsg").unwrap(),
        "E11000 duplicate key error collection: d.c index: a_1 dup key: { a: 1 }"
    );
    assert_eq!(we.get_document("keyPattern").unwrap(), &doc! {"a": 1});
    assert_eq!(we.get_document("keyValue").unwrap(), &doc! {"a": 1});
    // Building a unique index over duplicates fails and leaves no index behind.
    insert(
        &e,
        "d",
        "other",
        vec![doc! {"_id": 3, "b": 5}, doc! {"_id": 4, "b": 5}],
    );
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"createIndexes": "other", "indexes": [{"key": {"b": 1}, "name": "b_1", "unique": true}]}
        ),
        11000
    );
    let idx = find_all(&e, "d", doc! {"listIndexes": "other"});
    assert_eq!(idx.len(), 1, "the failed build left no index");
}

#[test]
fn unique_index_applies_to_updates_too() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1", "unique": true}]},
    );
    insert(
        &e,
        "d",
        "c",
        vec![doc! {"_id": 1, "a": 1}, doc! {"_id": 2, "a": 2}],
    );
    let r = ok(
        &e,
        "d",
        doc! {"update": "c", "updates": [{"q": {"_id": 2}, "u": {"$set": {"a": 1}}}]},
    );
    assert_eq!(
        r.get_array("writeErrors").unwrap()[0]
            .as_document()
            .unwrap()
            .get_i32("code")
            .unwrap(),
        11000
    );
    let docs = find_all(&e, "d", doc! {"find": "c", "filter": {"_id": 2}});
    assert_eq!(
        docs[0].get_i32("a").unwrap(),
        2,
        "failed update changed nothing"
    );
}

#[test]
fn sparse_unique_index_allows_many_missing_values() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1", "unique": true, "sparse": true}]},
    );
    insert(
        &e,
        "d",
        "c",
        vec![doc! {"_id": 1}, doc! {"_id": 2}, doc! {"_id": 3, "a": 1}],
    );
    let r = e.execute("d", doc! {"insert": "c", "documents": [{"_id": 4, "a": 1}]});
    assert!(r.get_array("writeErrors").is_ok());
    // Without sparse, two missing values collide on null.
    ok(
        &e,
        "d",
        doc! {"createIndexes": "u", "indexes": [{"key": {"a": 1}, "name": "a_1", "unique": true}]},
    );
    insert(&e, "d", "u", vec![doc! {"_id": 1}]);
    let r = e.execute("d", doc! {"insert": "u", "documents": [{"_id": 2}]});
    let we = r.get_array("writeErrors").unwrap()[0]
        .as_document()
        .unwrap()
        .clone();
    assert!(
        we.get_str("errmsg")
            .unwrap()
            .contains("dup key: { a: null }"),
        "{we}"
    );
}

#[test]
fn partial_index_only_constrains_matching_documents() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"email": 1}, "name": "email_1", "unique": true,
        "partialFilterExpression": {"active": true}}]},
    );
    insert(
        &e,
        "d",
        "c",
        vec![
            doc! {"_id": 1, "email": "a@x", "active": true},
            doc! {"_id": 2, "email": "a@x", "active": false},
        ],
    );
    let r = e.execute(
        "d",
        doc! {"insert": "c", "documents": [{"_id": 3, "email": "a@x", "active": true}]},
    );
    assert!(r.get_array("writeErrors").is_ok(), "{r}");
    let plan = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"email": "a@x", "active": true}}, "verbosity": "queryPlanner"},
    );
    let winning = plan
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap();
    assert_eq!(
        winning
            .get_document("inputStage")
            .unwrap()
            .get_str("stage")
            .unwrap(),
        "IXSCAN"
    );
    let plan = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"email": "a@x"}}, "verbosity": "queryPlanner"},
    );
    let winning = plan
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap();
    assert_eq!(
        winning.get_str("stage").unwrap(),
        "COLLSCAN",
        "a filter that does not imply the partial filter cannot use it"
    );
}

#[test]
fn compound_index_serves_equality_prefix_and_sort() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1, "b": -1}, "name": "a_1_b_-1"}]},
    );
    let docs: Vec<_> = (0..20)
        .map(|i| doc! {"_id": i, "a": i % 4, "b": i})
        .collect();
    insert(&e, "d", "c", docs);
    let found = find_all(
        &e,
        "d",
        doc! {"find": "c", "filter": {"a": 1}, "sort": {"b": -1}},
    );
    let bs: Vec<i32> = found.iter().map(|d| d.get_i32("b").unwrap()).collect();
    assert_eq!(bs, vec![17, 13, 9, 5, 1]);
    let plan = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"a": 1}, "sort": {"b": -1}}, "verbosity": "executionStats"},
    );
    let stages = plan
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(
        stages.get_str("stage").unwrap(),
        "FETCH",
        "no SORT stage: the index provides the order: {stages}"
    );
    let ix = stages.get_document("inputStage").unwrap();
    assert_eq!(ix.get_str("indexName").unwrap(), "a_1_b_-1");
    assert_eq!(ix.get_i32("keysExamined").unwrap(), 5);
    assert_eq!(
        ix.get_document("indexBounds").unwrap(),
        &doc! {"a": ["[1, 1]"], "b": ["[MaxKey, MinKey]"]}
    );
}

#[test]
fn multikey_index_finds_array_elements_once() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"tags": 1}, "name": "tags_1"}]},
    );
    insert(
        &e,
        "d",
        "c",
        vec![
            doc! {"_id": 1, "tags": ["red", "blue"]},
            doc! {"_id": 2, "tags": ["blue"]},
            doc! {"_id": 3, "tags": "green"},
        ],
    );
    let found = find_all(
        &e,
        "d",
        doc! {"find": "c", "filter": {"tags": {"$in": ["blue", "red"]}}},
    );
    let ids: Vec<i32> = found.iter().map(|d| d.get_i32("_id").unwrap()).collect();
    assert_eq!(ids.len(), 2, "document 1 is returned once: {ids:?}");
    let plan = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"tags": "blue"}}, "verbosity": "executionStats"},
    );
    let ix = plan
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap()
        .get_document("inputStage")
        .unwrap();
    assert!(ix.get_bool("isMultiKey").unwrap());
}

#[test]
fn ttl_index_expires_old_documents() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"at": 1}, "name": "at_1", "expireAfterSeconds": 60}]},
    );
    let now = bson::DateTime::now();
    let old = bson::DateTime::from_millis(now.timestamp_millis() - 120_000);
    insert(
        &e,
        "d",
        "c",
        vec![
            doc! {"_id": 1, "at": old},
            doc! {"_id": 2, "at": now},
            doc! {"_id": 3, "at": "not a date"},
            doc! {"_id": 4, "at": [now, old]},
        ],
    );
    assert_eq!(e.expire_ttl(now), 2);
    let ids: Vec<i32> = find_all(&e, "d", doc! {"find": "c"})
        .iter()
        .map(|d| d.get_i32("_id").unwrap())
        .collect();
    assert_eq!(ids, vec![2, 3]);
    // collMod changes the TTL.
    let r = ok(
        &e,
        "d",
        doc! {"collMod": "c", "index": {"name": "at_1", "expireAfterSeconds": 0}},
    );
    assert_eq!(r.get_i64("expireAfterSeconds_old").unwrap(), 60);
    assert_eq!(
        e.expire_ttl(bson::DateTime::from_millis(now.timestamp_millis() + 1)),
        1
    );
}

#[test]
fn text_index_scores_with_weights() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"title": "text", "body": "text"}, "name": "text", "weights": {"title": 10}}]},
    );
    insert(
        &e,
        "d",
        "c",
        vec![
            doc! {"_id": 1, "title": "coffee", "body": "tea"},
            doc! {"_id": 2, "title": "tea", "body": "coffee coffee"},
            doc! {"_id": 3, "title": "milk", "body": "water"},
        ],
    );
    let found = find_all(
        &e,
        "d",
        doc! {"find": "c", "filter": {"$text": {"$search": "coffee"}},
        "projection": {"score": {"$meta": "textScore"}}, "sort": {"score": {"$meta": "textScore"}}},
    );
    let ids: Vec<i32> = found.iter().map(|d| d.get_i32("_id").unwrap()).collect();
    assert_eq!(ids, vec![1, 2], "the title match weighs 10x: {found:?}");
    let s1 = found[0].get_f64("score").unwrap();
    let s2 = found[1].get_f64("score").unwrap();
    assert!(s1 > s2);
    let listed = find_all(&e, "d", doc! {"listIndexes": "c"});
    assert_eq!(
        listed[1].get_document("key").unwrap(),
        &doc! {"_fts": "text", "_ftsx": 1}
    );
    insert(&e, "d", "other", vec![doc! {"x": 1}]);
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"find": "other", "filter": {"$text": {"$search": "x"}}}
        ),
        27
    );
}

#[test]
fn drop_indexes_by_name_key_list_and_star() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [
        {"key": {"a": 1}, "name": "a_1"}, {"key": {"b": 1}, "name": "b_1"}, {"key": {"c": 1}, "name": "c_1"}, {"key": {"d": -1}, "name": "d_-1"}]},
    );
    ok(&e, "d", doc! {"dropIndexes": "c", "index": "a_1"});
    ok(&e, "d", doc! {"dropIndexes": "c", "index": {"b": 1}});
    assert_eq!(
        err_code(&e, "d", doc! {"dropIndexes": "c", "index": "nope"}),
        27
    );
    assert_eq!(
        err_code(&e, "d", doc! {"dropIndexes": "c", "index": "_id_"}),
        72
    );
    ok(&e, "d", doc! {"dropIndexes": "c", "index": ["c_1"]});
    let r = ok(&e, "d", doc! {"dropIndexes": "c", "index": "*"});
    assert_eq!(r.get_i32("nIndexesWas").unwrap(), 2);
    let names: Vec<Bson> = find_all(&e, "d", doc! {"listIndexes": "c"})
        .iter()
        .map(|d| d.get("name").cloned().unwrap())
        .collect();
    assert_eq!(names, vec![Bson::String("_id_".into())]);
}

#[test]
fn create_indexes_is_idempotent_and_detects_conflicts() {
    let e = Engine::in_memory();
    let spec = doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}]};
    let r = ok(&e, "d", spec.clone());
    assert!(r.get_bool("createdCollectionAutomatically").unwrap());
    let r = ok(&e, "d", spec);
    assert_eq!(r.get_str("note").unwrap(), "all indexes already exist");
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "other"}]}
        ),
        85
    );
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"createIndexes": "c", "indexes": [{"key": {"b": 1}, "name": "a_1"}]}
        ),
        86
    );
}

#[test]
fn validate_checks_index_consistency() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"tags": 1}, "name": "tags_1"}, {"key": {"a": 1}, "name": "a_1", "sparse": true}]},
    );
    insert(
        &e,
        "d",
        "c",
        vec![doc! {"_id": 1, "tags": [1, 2, 2]}, doc! {"_id": 2, "a": 1}],
    );
    ok(
        &e,
        "d",
        doc! {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"tags": [3], "a": 2}}}]},
    );
    ok(
        &e,
        "d",
        doc! {"delete": "c", "deletes": [{"q": {"_id": 2}, "limit": 1}]},
    );
    let r = ok(&e, "d", doc! {"validate": "c"});
    assert!(r.get_bool("valid").unwrap(), "{r}");
    assert_eq!(
        r.get_document("keysPerIndex").unwrap(),
        &doc! {"_id_": 1_i64, "tags_1": 1_i64, "a_1": 1_i64}
    );
}

/// An aggregate reads its input in the order the leading `$match` selected it:
/// index order through an index, insertion order through a collection scan.
#[test]
fn aggregate_input_keeps_the_selection_order() {
    let e = Engine::in_memory();
    let docs = (0..20)
        .map(|i| doc! {"_id": i, "a": 100 - i, "g": i % 2})
        .collect();
    insert(&e, "d", "c", docs);
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}]},
    );
    let firsts = |hint: Bson| -> Vec<(i32, i32)> {
        let reply = ok(
            &e,
            "d",
            doc! {"aggregate": "c", "pipeline": [
                {"$match": {"a": {"$gte": 85}}},
                {"$group": {"_id": "$g", "first": {"$first": "$_id"}, "n": {"$sum": 1}}},
            ], "cursor": {}, "hint": hint},
        );
        let batch = reply
            .get_document("cursor")
            .and_then(|c| c.get_array("firstBatch"))
            .expect("first batch");
        batch
            .iter()
            .filter_map(Bson::as_document)
            .map(|d| (d.get_i32("_id").unwrap(), d.get_i32("first").unwrap()))
            .collect()
    };
    // Index order: a ascending, so _id 15 (a = 85) arrives first.
    assert_eq!(firsts(Bson::String("a_1".into())), vec![(1, 15), (0, 14)]);
    assert_eq!(
        firsts(Bson::Document(doc! {"$natural": 1})),
        vec![(0, 0), (1, 1)]
    );
}
