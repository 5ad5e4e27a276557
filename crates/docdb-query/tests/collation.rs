//! Collation inside pipelines and expressions, on this crate's API alone. Expected values follow
//! MongoDB's collation reference (strength 2 ignores case, strength 1 ignores accents too) and
//! CLDR's German and Swedish letter order; none are taken from this crate's output.

use bson::{Bson, Document, doc};
use docdb_query::collation::Collation;
use docdb_query::{AggContext, Catalog, Pipeline};

struct NoCollections;

impl Catalog for NoCollections {
    fn scan(
        &self,
        _db: &str,
        _coll: &str,
    ) -> docdb_query::Result<Vec<std::borrow::Cow<'_, Document>>> {
        Ok(Vec::new())
    }
}

fn run(stages: Vec<Document>, input: Vec<Document>, collation: Document) -> Vec<Document> {
    let c = Collation::parse(&collation).expect("valid collation");
    let limits = Default::default();
    let ctx = AggContext {
        db: "d".into(),
        catalog: &NoCollections,
        vars: Document::new(),
        now: bson::DateTime::from_millis(0),
        limits: &limits,
    };
    Pipeline::parse(&stages)
        .expect("valid pipeline")
        .with_collation(c)
        .run(input, &ctx)
        .expect("runs")
        .documents
}

fn words() -> Vec<Document> {
    ["Straße", "strasse", "STRASSE", "stra\u{df}e"]
        .iter()
        .enumerate()
        .map(|(i, w)| doc! {"_id": i as i32, "w": *w})
        .collect()
}

#[test]
fn group_keys_and_accumulators_follow_the_collation() {
    // Strength 1: "ß" is "ss" at the primary level, and case is ignored: one group.
    let out = run(
        vec![doc! {"$group": {"_id": "$w", "n": {"$sum": 1}, "set": {"$addToSet": "$w"}}}],
        words(),
        doc! {"locale": "de", "strength": 1},
    );
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].get_i32("n").unwrap(), 4);
    assert_eq!(out[0].get_array("set").unwrap().len(), 1);
    // Strength 3 (the default) tells all four apart: case is a tertiary difference.
    let out = run(
        vec![doc! {"$group": {"_id": "$w", "n": {"$sum": 1}}}],
        words(),
        doc! {"locale": "de"},
    );
    assert_eq!(out.len(), 4, "{out:?}");
}

#[test]
fn expressions_compare_under_the_collation() {
    let out = run(
        vec![doc! {"$project": {
            "_id": 0,
            "eq": {"$eq": ["ABC", "abc"]},
            "in": {"$in": ["ABC", ["x", "abc"]]},
            "max": {"$max": ["a", "B"]},
            "union": {"$setUnion": [["a", "A"], ["b"]]},
            "sorted": {"$sortArray": {"input": ["ö", "z", "a"], "sortBy": 1}},
        }}],
        vec![doc! {}],
        doc! {"locale": "sv", "strength": 2},
    );
    assert_eq!(
        out,
        vec![doc! {
            "eq": true,
            "in": true,
            "max": "B",
            "union": ["a", "b"],
            "sorted": ["a", "z", "ö"],
        }]
    );
}

#[test]
fn sort_and_window_partitions_follow_the_collation() {
    let input = vec![
        doc! {"_id": 1, "g": "x", "v": 1},
        doc! {"_id": 2, "g": "X", "v": 2},
        doc! {"_id": 3, "g": "y", "v": 3},
    ];
    let out = run(
        vec![
            doc! {"$setWindowFields": {"partitionBy": "$g", "sortBy": {"_id": 1}, "output": {"total": {"$sum": "$v", "window": {"documents": ["unbounded", "unbounded"]}}}}},
            doc! {"$sort": {"_id": 1}},
        ],
        input,
        doc! {"locale": "en", "strength": 2},
    );
    let totals: Vec<i32> = out.iter().map(|d| d.get_i32("total").unwrap()).collect();
    assert_eq!(totals, [3, 3, 3]);
    let sorted = run(
        vec![doc! {"$sort": {"w": 1}}],
        vec![doc! {"w": "z"}, doc! {"w": "ä"}, doc! {"w": "a"}],
        doc! {"locale": "de"},
    );
    let order: Vec<&str> = sorted.iter().map(|d| d.get_str("w").unwrap()).collect();
    assert_eq!(order, ["a", "ä", "z"]);
    assert_eq!(
        run(vec![], vec![doc! {"v": Bson::Null}], doc! {"locale": "de"}),
        vec![doc! {"v": Bson::Null}]
    );
}
