//! explain shapes with real counters: COLLSCAN vs IXSCAN.

mod common;

use bson::doc;
use common::ok;
use docdb::Engine;

fn setup() -> Engine {
    let e = Engine::in_memory();
    common::insert(
        &e,
        "d",
        "c",
        (0..100)
            .map(|i| doc! {"_id": i, "a": i, "b": i % 10})
            .collect(),
    );
    e
}

#[test]
fn collscan_counts_every_document() {
    let e = setup();
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"b": 3}}, "verbosity": "executionStats"},
    );
    let qp = r.get_document("queryPlanner").unwrap();
    assert_eq!(qp.get_str("namespace").unwrap(), "d.c");
    assert_eq!(
        qp.get_document("parsedQuery").unwrap(),
        &doc! {"b": {"$eq": 3}}
    );
    assert_eq!(
        qp.get_document("winningPlan")
            .unwrap()
            .get_str("stage")
            .unwrap(),
        "COLLSCAN"
    );
    let es = r.get_document("executionStats").unwrap();
    assert_eq!(es.get_i32("nReturned").unwrap(), 10);
    assert_eq!(es.get_i32("totalDocsExamined").unwrap(), 100);
    assert_eq!(es.get_i32("totalKeysExamined").unwrap(), 0);
    assert!(r.get_document("serverInfo").is_ok());
    assert!(r.get_document("command").is_ok());
}

#[test]
fn ixscan_counts_only_the_range() {
    let e = setup();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}]},
    );
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"a": {"$gte": 10, "$lt": 20}}}, "verbosity": "executionStats"},
    );
    let plan = r
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap();
    assert_eq!(plan.get_str("stage").unwrap(), "FETCH");
    let ix = plan.get_document("inputStage").unwrap();
    assert_eq!(ix.get_str("stage").unwrap(), "IXSCAN");
    assert_eq!(ix.get_document("keyPattern").unwrap(), &doc! {"a": 1});
    assert_eq!(ix.get_str("direction").unwrap(), "forward");
    assert_eq!(
        ix.get_document("indexBounds").unwrap(),
        &doc! {"a": ["[10, 20)"]}
    );
    let es = r.get_document("executionStats").unwrap();
    assert_eq!(es.get_i32("nReturned").unwrap(), 10);
    assert_eq!(es.get_i32("totalDocsExamined").unwrap(), 10);
    assert!(es.get_i32("totalKeysExamined").unwrap() <= 11);
    let stages = es.get_document("executionStages").unwrap();
    assert_eq!(stages.get_i32("docsExamined").unwrap(), 10);
    assert_eq!(
        stages
            .get_document("inputStage")
            .unwrap()
            .get_i32("nReturned")
            .unwrap(),
        10
    );
}

#[test]
fn sort_skip_limit_projection_stages_appear_in_order() {
    let e = setup();
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {}, "sort": {"b": -1}, "skip": 2, "limit": 3, "projection": {"a": 1}}, "verbosity": "executionStats"},
    );
    let mut stage = r
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap()
        .clone();
    let mut names = Vec::new();
    loop {
        names.push(stage.get_str("stage").unwrap().to_string());
        match stage.get_document("inputStage") {
            Ok(s) => stage = s.clone(),
            Err(_) => break,
        }
    }
    assert_eq!(
        names,
        vec!["PROJECTION_SIMPLE", "LIMIT", "SKIP", "SORT", "COLLSCAN"]
    );
}

#[test]
fn hint_and_rejected_plans() {
    let e = setup();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}, {"key": {"b": 1}, "name": "b_1"}]},
    );
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"a": 5, "b": 5}}, "verbosity": "queryPlanner"},
    );
    let qp = r.get_document("queryPlanner").unwrap();
    assert_eq!(qp.get_array("rejectedPlans").unwrap().len(), 1);
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"a": 5}, "hint": "b_1"}, "verbosity": "queryPlanner"},
    );
    let ix = r
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap()
        .get_document("inputStage")
        .unwrap()
        .clone();
    assert_eq!(ix.get_str("indexName").unwrap(), "b_1");
    assert_eq!(
        ix.get_document("indexBounds").unwrap(),
        &doc! {"b": ["[MinKey, MaxKey]"]}
    );
}

#[test]
fn explain_of_count_aggregate_update_and_delete() {
    let e = setup();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"b": 1}, "name": "b_1"}]},
    );
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"count": "c", "query": {"b": 1}}, "verbosity": "executionStats"},
    );
    let es = r
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(es.get_str("stage").unwrap(), "COUNT");
    assert_eq!(es.get_i32("nCounted").unwrap(), 10);
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"aggregate": "c", "pipeline": [{"$match": {"b": 2}}, {"$group": {"_id": null, "n": {"$sum": 1}}}], "cursor": {}}, "verbosity": "executionStats"},
    );
    let stages = r.get_array("stages").unwrap();
    let cursor = stages[0]
        .as_document()
        .unwrap()
        .get_document("$cursor")
        .unwrap();
    assert_eq!(
        cursor
            .get_document("executionStats")
            .unwrap()
            .get_i32("totalKeysExamined")
            .unwrap(),
        10
    );
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"update": "c", "updates": [{"q": {"b": 3}, "u": {"$set": {"z": 1}}, "multi": true}]}, "verbosity": "executionStats"},
    );
    let es = r
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(es.get_str("stage").unwrap(), "UPDATE");
    assert_eq!(es.get_i32("nWouldModify").unwrap(), 10);
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"delete": "c", "deletes": [{"q": {"b": 3}, "limit": 0}]}, "verbosity": "executionStats"},
    );
    let es = r
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(es.get_i32("nWouldDelete").unwrap(), 10);
    // Nothing was written.
    let n = ok(&e, "d", doc! {"count": "c", "query": {"b": 3}})
        .get_i64("n")
        .unwrap();
    assert_eq!(n, 10);
}

#[test]
fn or_of_indexed_clauses_is_a_union_of_index_scans() {
    let e = setup();
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}, {"key": {"b": 1}, "name": "b_1"}]},
    );
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"$or": [{"a": {"$lt": 5}}, {"b": 3}]}}, "verbosity": "executionStats"},
    );
    let es = r.get_document("executionStats").unwrap();
    // a < 5: 0..4 (5 docs); b == 3: 10 docs, one of which (3) is shared.
    assert_eq!(es.get_i32("nReturned").unwrap(), 14);
    // 5 keys below 5 plus the key 5 that ends that scan (as in MongoDB), then 10.
    assert_eq!(es.get_i32("totalKeysExamined").unwrap(), 16);
    let fetch = es.get_document("executionStages").unwrap();
    assert_eq!(fetch.get_str("stage").unwrap(), "FETCH");
    let or = fetch.get_document("inputStage").unwrap();
    assert_eq!(or.get_str("stage").unwrap(), "OR");
    let inputs = or.get_array("inputStages").unwrap();
    assert_eq!(inputs.len(), 2);
    assert_eq!(
        inputs[1]
            .as_document()
            .unwrap()
            .get_i32("keysExamined")
            .unwrap(),
        10
    );
    // Same answer as a collection scan.
    let planned = common::find_all(
        &e,
        "d",
        doc! {"find": "c", "filter": {"$or": [{"a": {"$lt": 5}}, {"b": 3}]}, "batchSize": 200},
    );
    let scanned = common::find_all(
        &e,
        "d",
        doc! {"find": "c", "filter": {"$or": [{"a": {"$lt": 5}}, {"b": 3}]}, "hint": {"$natural": 1}, "batchSize": 200},
    );
    let mut p: Vec<i32> = planned.iter().map(|d| d.get_i32("_id").unwrap()).collect();
    let mut s: Vec<i32> = scanned.iter().map(|d| d.get_i32("_id").unwrap()).collect();
    p.sort();
    s.sort();
    assert_eq!(p, s);
}

/// mongod writes explain counters with `appendNumber`: 32-bit integers, so mongosh shows
/// `nReturned: 10`, never `Long('10')`.
#[test]
fn explain_counters_are_32_bit_integers_like_mongod() {
    let e = setup();
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "c", "filter": {"a": {"$gte": 5}}}, "verbosity": "executionStats"},
    );
    let es = r.get_document("executionStats").unwrap();
    for key in [
        "nReturned",
        "executionTimeMillis",
        "totalKeysExamined",
        "totalDocsExamined",
    ] {
        assert!(
            matches!(es.get(key), Some(bson::Bson::Int32(_))),
            "{key}: {:?}",
            es.get(key)
        );
    }
    let stage = es.get_document("executionStages").unwrap();
    for key in [
        "nReturned",
        "executionTimeMillisEstimate",
        "docsExamined",
        "works",
    ] {
        assert!(
            matches!(stage.get(key), Some(bson::Bson::Int32(_))),
            "{key}: {:?}",
            stage.get(key)
        );
    }
}
