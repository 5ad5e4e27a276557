//! Index plans must return exactly what a collection scan returns: every
//! filter is run with each index hinted and compared with `$natural`.

mod common;

use bson::{Bson, Document, doc};
use common::{find_all, ok};
use docdb::Engine;

fn dataset() -> Vec<Document> {
    let values: Vec<Bson> = vec![
        Bson::Int32(1),
        Bson::Int64(2),
        Bson::Double(2.5),
        Bson::Int32(5),
        Bson::Double(-1.0),
        Bson::String("a".into()),
        Bson::String("b".into()),
        Bson::Null,
        Bson::Array(vec![Bson::Int32(1), Bson::Int32(7)]),
        Bson::Array(vec![]),
        Bson::Document(doc! {"x": 1}),
        Bson::Boolean(true),
    ];
    let mut docs = Vec::new();
    let mut id = 0;
    for a in &values {
        for b in [Bson::Int32(0), Bson::Int32(1), Bson::String("z".into())] {
            let mut d = doc! {"_id": id, "a": a.clone(), "b": b.clone()};
            if id % 5 == 0 {
                d.remove("a");
            }
            docs.push(d);
            id += 1;
        }
    }
    docs
}

fn ids(docs: &[Document]) -> Vec<String> {
    let mut v: Vec<String> = docs
        .iter()
        .map(|d| d.get("_id").map(|x| x.to_string()).unwrap_or_default())
        .collect();
    v.sort();
    v
}

#[test]
fn hinted_index_plans_match_collection_scans() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", dataset());
    let indexes = [
        doc! {"a": 1},
        doc! {"a": -1, "b": 1},
        doc! {"b": 1, "a": -1},
    ];
    for (i, key) in indexes.iter().enumerate() {
        ok(
            &e,
            "d",
            doc! {"createIndexes": "c", "indexes": [{"key": key.clone(), "name": format!("i{i}")}]},
        );
    }
    let filters = vec![
        doc! {"a": 1},
        doc! {"a": 2},
        doc! {"a": 2.5},
        doc! {"a": null},
        doc! {"a": "a"},
        doc! {"a": {"$gt": 1}},
        doc! {"a": {"$gte": 1, "$lt": 5}},
        doc! {"a": {"$lte": 2}},
        doc! {"a": {"$gt": "a"}},
        doc! {"a": {"$in": [1, "b", null]}},
        doc! {"a": {"$in": [5, 2]}, "b": 1},
        doc! {"a": {"$ne": 1}},
        doc! {"a": {"$exists": false}},
        doc! {"a": [1, 7]},
        doc! {"a": []},
        doc! {"a": {"x": 1}},
        doc! {"a": {"$elemMatch": {"$gt": 5}}},
        doc! {"a": {"$gt": 5, "$lt": 10}},
        doc! {"b": 1, "a": {"$gte": 2}},
        doc! {"b": {"$in": [0, "z"]}, "a": {"$lt": 3}},
        doc! {"$and": [{"a": {"$gte": 1}}, {"a": {"$lte": 2}}]},
        doc! {"$or": [{"a": 1}, {"b": "z"}]},
        doc! {"a": true},
        doc! {"a": {"$type": "string"}},
    ];
    for filter in filters {
        let expected = ids(&find_all(
            &e,
            "d",
            doc! {"find": "c", "filter": filter.clone(), "hint": {"$natural": 1}},
        ));
        let planned = ids(&find_all(
            &e,
            "d",
            doc! {"find": "c", "filter": filter.clone()},
        ));
        assert_eq!(planned, expected, "planner's choice for {filter}");
        for (i, key) in indexes.iter().enumerate() {
            let got = ids(&find_all(
                &e,
                "d",
                doc! {"find": "c", "filter": filter.clone(), "hint": format!("i{i}")},
            ));
            assert_eq!(got, expected, "filter {filter} with index {key}");
        }
    }
}

#[test]
fn index_provided_sorts_match_in_memory_sorts() {
    let e = Engine::in_memory();
    let docs: Vec<Document> = (0..60)
        .map(|i| doc! {"_id": i, "a": (i * 7) % 11, "b": (i * 5) % 3})
        .collect();
    common::insert(&e, "d", "c", docs);
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"b": 1, "a": -1}, "name": "b_a"}]},
    );
    for (filter, sort) in [
        (doc! {}, doc! {"b": 1, "a": -1}),
        (doc! {}, doc! {"b": -1, "a": 1}),
        (doc! {"b": 2}, doc! {"a": -1}),
        (doc! {"b": 2}, doc! {"a": 1}),
        (doc! {"b": {"$gte": 1}}, doc! {"b": 1, "a": -1}),
    ] {
        let key = |d: &Document| (d.get_i32("b").unwrap(), d.get_i32("a").unwrap());
        let natural: Vec<(i32, i32)> = find_all(&e, "d", doc! {"find": "c", "filter": filter.clone(), "sort": sort.clone(), "hint": {"$natural": 1}, "batchSize": 1000}).iter().map(key).collect();
        let planned: Vec<(i32, i32)> = find_all(
            &e,
            "d",
            doc! {"find": "c", "filter": filter.clone(), "sort": sort.clone(), "batchSize": 1000},
        )
        .iter()
        .map(key)
        .collect();
        assert_eq!(planned, natural, "filter {filter} sort {sort}");
    }
}

/// `{"a.b": 1, "a.c": 1}` takes its keys per element of `a`, while a filter
/// without `$elemMatch` may be met by two different elements: such plans
/// must still find every document a collection scan finds.
#[test]
fn indexes_on_paths_through_one_array_match_collection_scans() {
    let e = Engine::in_memory();
    let docs = vec![
        doc! {"_id": 0, "a": [{"b": 1}, {"c": 2}]},
        doc! {"_id": 1, "a": [{"b": 1, "c": 2}]},
        doc! {"_id": 2, "a": {"b": 1, "c": 2}},
        doc! {"_id": 3, "a": [{"b": 2, "c": 1}, {"b": 1, "c": 3}]},
        doc! {"_id": 4, "a": []},
        doc! {"_id": 5, "a": [{"b": [1, 5], "c": 2}]},
    ];
    common::insert(&e, "d", "c", docs);
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a.b": 1, "a.c": 1}, "name": "ab_ac"}]},
    );
    for filter in [
        doc! {"a.b": 1, "a.c": 2},
        doc! {"a.b": 1, "a.c": {"$gte": 2}},
        doc! {"a.c": 2},
        doc! {"a.b": {"$in": [1, 2]}, "a.c": 1},
        doc! {"a.b": null},
        doc! {"a": {"$elemMatch": {"b": 1, "c": 2}}},
    ] {
        let expected = ids(&find_all(
            &e,
            "d",
            doc! {"find": "c", "filter": filter.clone(), "hint": {"$natural": 1}},
        ));
        let hinted = ids(&find_all(
            &e,
            "d",
            doc! {"find": "c", "filter": filter.clone(), "hint": "ab_ac"},
        ));
        assert_eq!(hinted, expected, "filter {filter}");
    }
}
