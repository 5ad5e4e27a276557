//! A `$group` over top-level fields is fed field values read from the stored bytes
//! (`commands/group_input.rs`, docdb_query's `FieldGroup`); these are the examples of MongoDB's
//! `$group`, `$count`, `$avg`, `$push`, `$sum` and `$max` reference pages, with the results
//! those pages print, so the shortcut answers as mongod does (and as the general evaluator,
//! which the same stage with an expression instead of a field goes through).

mod common;

use bson::{Bson, Document, doc};
use common::{find_all, insert};
use docdb::Engine;

/// The `sales` collection of the `$group` page ("Count the Number of Documents in a
/// Collection" and "Retrieve Distinct Values"), with Decimal128 prices left out (unused here).
fn sales(e: &Engine) {
    let rows = [
        (1, "abc", 2),
        (2, "jkl", 1),
        (3, "xyz", 10),
        (4, "xyz", 20),
        (5, "abc", 10),
        (6, "def", 5),
        (7, "def", 10),
        (8, "abc", 5),
    ];
    insert(
        e,
        "d",
        "sales",
        rows.iter()
            .map(|(id, item, q)| doc! {"_id": id, "item": item, "quantity": q})
            .collect(),
    );
}

fn aggregate(e: &Engine, coll: &str, pipeline: Vec<Document>) -> Vec<Document> {
    let mut out = find_all(
        e,
        "d",
        doc! {"aggregate": coll, "pipeline": pipeline, "cursor": {}},
    );
    out.sort_by_key(|d| d.get("_id").map(|v| v.to_string()));
    out
}

#[test]
fn the_group_pages_examples_give_the_pages_results() {
    let e = Engine::in_memory();
    sales(&e);
    // `{ "_id" : null, "count" : 8 }`
    assert_eq!(
        aggregate(
            &e,
            "sales",
            vec![doc! {"$group": {"_id": null, "count": {"$count": {}}}}]
        ),
        vec![doc! {"_id": Bson::Null, "count": 8}]
    );
    // `{ "_id" : "abc" } { "_id" : "jkl" } { "_id" : "def" } { "_id" : "xyz" }`
    let ids: Vec<Bson> = aggregate(&e, "sales", vec![doc! {"$group": {"_id": "$item"}}])
        .into_iter()
        .map(|d| d.get("_id").cloned().unwrap())
        .collect();
    assert_eq!(ids, ["abc", "def", "jkl", "xyz"].map(Bson::from).to_vec());
}

#[test]
fn avg_of_a_field_by_item_as_the_avg_page_prints() {
    // The `$avg` page's sales: `{ "_id" : "xyz", "avgQuantity" : 15 }`,
    // `{ "_id" : "jkl", "avgQuantity" : 1 }`, `{ "_id" : "abc", "avgQuantity" : 6 }` (doubles).
    let e = Engine::in_memory();
    insert(
        &e,
        "d",
        "sales",
        vec![
            doc! {"_id": 1, "item": "abc", "quantity": 2},
            doc! {"_id": 2, "item": "jkl", "quantity": 1},
            doc! {"_id": 3, "item": "xyz", "quantity": 10},
            doc! {"_id": 4, "item": "xyz", "quantity": 20},
            doc! {"_id": 5, "item": "abc", "quantity": 10},
        ],
    );
    assert_eq!(
        aggregate(
            &e,
            "sales",
            vec![doc! {"$group": {"_id": "$item", "avgQuantity": {"$avg": "$quantity"}}}]
        ),
        vec![
            doc! {"_id": "abc", "avgQuantity": 6.0},
            doc! {"_id": "jkl", "avgQuantity": 1.0},
            doc! {"_id": "xyz", "avgQuantity": 15.0},
        ]
    );
}

#[test]
fn push_titles_by_author_as_the_pivot_example_prints() {
    // `$group` page, "Pivot Data": Homer's books in arrival order, Dante's likewise.
    let e = Engine::in_memory();
    insert(&e, "d", "books", common::books());
    assert_eq!(
        aggregate(
            &e,
            "books",
            vec![doc! {"$group": {"_id": "$author", "books": {"$push": "$title"}}}]
        ),
        vec![
            doc! {"_id": "Dante", "books": ["The Banquet", "Divine Comedy", "Eclogues"]},
            doc! {"_id": "Homer", "books": ["The Odyssey", "Iliad"]},
        ]
    );
}

#[test]
fn missing_and_non_numeric_values_follow_the_accumulator_pages() {
    // `$sum`: non-numeric values are ignored and a field no document has sums to 0; `$max`
    // ignores missing fields and nulls; `$push` adds nothing for a missing field; a missing
    // group key groups as null.
    let e = Engine::in_memory();
    insert(
        &e,
        "d",
        "c",
        vec![
            doc! {"_id": 1, "k": "a", "v": 5},
            doc! {"_id": 2, "k": "a", "v": "text"},
            doc! {"_id": 3, "k": "a"},
            doc! {"_id": 4, "v": Bson::Null},
            doc! {"_id": 5, "v": 7},
        ],
    );
    let got = aggregate(
        &e,
        "c",
        vec![doc! {"$group": {
            "_id": "$k",
            "sum": {"$sum": "$v"},
            "none": {"$sum": "$nowhere"},
            "max": {"$max": "$v"},
            "pushed": {"$push": "$v"},
        }}],
    );
    assert_eq!(
        got,
        vec![
            doc! {"_id": "a", "sum": 5, "none": 0, "max": "text", "pushed": [5, "text"]},
            doc! {"_id": Bson::Null, "sum": 7, "none": 0, "max": 7, "pushed": [Bson::Null, 7]},
        ]
    );
}
