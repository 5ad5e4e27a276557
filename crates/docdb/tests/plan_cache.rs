//! The classic plan cache as mongod 7.0 keeps it (see `plan_cache.rs`): a raced shape leaves
//! an inactive entry, the next race of the shape activates it, an active entry is used, and
//! creating or dropping an index or `planCacheClear` empties it. Expected states from
//! mongod's manual ("Plan Cache Entry State") and jstests (an inactive entry after the first
//! run, active after the second; `creationExecStats` and `candidatePlanScores` one per
//! candidate, scores sorted descending).

mod common;

use bson::{Document, doc};
use common::{err_code, ok};
use docdb::Engine;

fn stats(e: &Engine) -> Vec<Document> {
    let reply = ok(
        e,
        "t",
        doc! {"aggregate": "c", "pipeline": [{"$planCacheStats": {}}], "cursor": {}},
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

fn setup() -> Engine {
    let e = Engine::in_memory();
    let docs: Vec<Document> = (0..300)
        .map(|i| doc! {"_id": i, "a": i % 30, "b": i % 7})
        .collect();
    ok(&e, "t", doc! {"insert": "c", "documents": docs});
    ok(
        &e,
        "t",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}, {"key": {"b": 1}, "name": "b_1"}]},
    );
    e
}

fn find(e: &Engine, a: i32, b: i32) {
    ok(e, "t", doc! {"find": "c", "filter": {"a": a, "b": b}});
}

#[test]
fn a_raced_shape_is_cached_inactive_then_active() {
    let e = setup();
    assert!(stats(&e).is_empty());
    find(&e, 1, 1);
    let first = stats(&e);
    assert_eq!(first.len(), 1, "{first:?}");
    let entry = &first[0];
    assert!(!entry.get_bool("isActive").unwrap());
    assert_eq!(entry.get_str("version").unwrap(), "1");
    assert_eq!(entry.get_str("queryHash").unwrap().len(), 8);
    assert_eq!(entry.get_str("planCacheKey").unwrap().len(), 8);
    assert!(entry.get_i64("works").unwrap() > 0);
    assert_eq!(
        entry.get_document("createdFromQuery").unwrap(),
        &doc! {"query": {"a": 1, "b": 1}, "sort": {}, "projection": {}}
    );
    assert_eq!(entry.get_array("creationExecStats").unwrap().len(), 2);
    let scores = entry.get_array("candidatePlanScores").unwrap();
    assert_eq!(scores.len(), 2);
    assert!(scores[0].as_f64().unwrap() >= scores[1].as_f64().unwrap());
    assert!(!entry.get_bool("indexFilterSet").unwrap());
    assert_eq!(
        entry
            .get_document("cachedPlan")
            .unwrap()
            .get_str("stage")
            .unwrap(),
        "FETCH"
    );
    // Another query of the same shape (other values) activates the entry.
    find(&e, 2, 3);
    let second = stats(&e);
    assert_eq!(second.len(), 1);
    assert!(second[0].get_bool("isActive").unwrap());
    assert_eq!(
        second[0].get_str("queryHash").unwrap(),
        entry.get_str("queryHash").unwrap()
    );
    // Used from now on: the entry stays as it is and answers stay right.
    let found = common::find_all(&e, "t", doc! {"find": "c", "filter": {"a": 4, "b": 4}});
    let expected: Vec<i32> = (0..300).filter(|i| i % 30 == 4 && i % 7 == 4).collect();
    let ids: Vec<i32> = found.iter().map(|d| d.get_i32("_id").unwrap()).collect();
    assert_eq!(ids, expected);
    assert!(stats(&e)[0].get_bool("isActive").unwrap());
    // Another shape is another entry.
    ok(
        &e,
        "t",
        doc! {"find": "c", "filter": {"a": {"$gt": 1}, "b": 1}},
    );
    assert_eq!(stats(&e).len(), 2);
}

#[test]
fn explain_reports_the_hashes_and_leaves_the_cache_alone() {
    let e = setup();
    let explained = ok(
        &e,
        "t",
        doc! {"explain": {"find": "c", "filter": {"a": 1, "b": 1}}, "verbosity": "queryPlanner"},
    );
    let planner = explained.get_document("queryPlanner").unwrap();
    let hash = planner.get_str("queryHash").unwrap().to_string();
    assert!(planner.get_str("planCacheKey").is_ok());
    assert!(stats(&e).is_empty(), "explain writes no entry");
    find(&e, 1, 1);
    assert_eq!(stats(&e)[0].get_str("queryHash").unwrap(), hash);
}

#[test]
fn index_changes_and_plan_cache_clear_empty_the_cache() {
    let e = setup();
    find(&e, 1, 1);
    assert_eq!(stats(&e).len(), 1);
    ok(
        &e,
        "t",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1, "b": 1}, "name": "a_1_b_1"}]},
    );
    assert!(stats(&e).is_empty(), "a new index clears the cache");
    find(&e, 1, 1);
    ok(
        &e,
        "t",
        doc! {"find": "c", "filter": {"a": {"$lt": 3}, "b": 2}},
    );
    assert_eq!(stats(&e).len(), 2);
    ok(
        &e,
        "t",
        doc! {"planCacheClear": "c", "query": {"a": 5, "b": 5}},
    );
    assert_eq!(stats(&e).len(), 1, "only the entry of that shape goes");
    ok(&e, "t", doc! {"planCacheClear": "c"});
    assert!(stats(&e).is_empty());
    find(&e, 1, 1);
    ok(&e, "t", doc! {"dropIndexes": "c", "index": "a_1_b_1"});
    assert!(stats(&e).is_empty(), "a dropped index clears the cache");
}

#[test]
fn plan_cache_stats_checks_its_spec() {
    let e = setup();
    let code = err_code(
        &e,
        "t",
        doc! {"aggregate": "c", "pipeline": [{"$planCacheStats": {"nope": 1}}], "cursor": {}},
    );
    assert_eq!(code, 9);
    let later = err_code(
        &e,
        "t",
        doc! {"aggregate": "c", "pipeline": [{"$match": {}}, {"$planCacheStats": {}}], "cursor": {}},
    );
    assert_eq!(later, 40602);
}
