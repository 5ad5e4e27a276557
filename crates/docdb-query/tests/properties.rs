//! Property tests (proptest, with shrinking): arbitrary BSON-ish specifications never make the
//! matcher, projections, updates or pipelines panic; the BSON size the memory budgets count is
//! the encoder's; the interruptible sort is a stable sort; and a killed pipeline never answers.
//!
//! `tests/robustness.rs` drives every entry point with a hand-rolled generator; these add
//! shrinking (a failure is reported as a minimal input) and check the limits module. Case
//! counts keep the file to a few seconds.

use std::cell::Cell;

use bson::{Bson, Document};
use docdb_query::limits::{Limits, document_size};
use docdb_query::{
    AggContext, Catalog, Filter, Pipeline, Projection, QueryError, Update, UpdateContext,
};
use proptest::prelude::*;

/// Field names and operators, so that generated documents read as specifications.
const KEYS: &[&str] = &[
    "a",
    "b",
    "a.b",
    "_id",
    "a.0",
    "$",
    "$eq",
    "$gt",
    "$in",
    "$nin",
    "$and",
    "$or",
    "$nor",
    "$not",
    "$exists",
    "$type",
    "$size",
    "$all",
    "$elemMatch",
    "$regex",
    "$mod",
    "$expr",
    "$add",
    "$concat",
    "$cond",
    "$ifNull",
    "$map",
    "$filter",
    "$reduce",
    "$range",
    "$arrayElemAt",
    "$sum",
    "$avg",
    "$min",
    "$max",
    "$push",
    "$addToSet",
    "$first",
    "$set",
    "$unset",
    "$inc",
    "$each",
    "$slice",
    "$literal",
    "$toString",
    "$dateToString",
    "$match",
    "$project",
    "$group",
    "$sort",
    "$limit",
    "$unwind",
    "$lookup",
    "$facet",
    "$bucket",
    "$bucketAuto",
    "$count",
    "$setWindowFields",
    "$replaceRoot",
    "$sortByCount",
    "input",
    "as",
    "in",
    "from",
    "pipeline",
    "groupBy",
    "buckets",
    "output",
    "path",
    "window",
    "documents",
];

fn scalar() -> impl Strategy<Value = Bson> {
    prop_oneof![
        (-3i32..40).prop_map(Bson::Int32),
        (-3i64..40).prop_map(Bson::Int64),
        any::<f64>().prop_map(Bson::Double),
        "[ab$.]{0,3}".prop_map(Bson::String),
        any::<bool>().prop_map(Bson::Boolean),
        Just(Bson::Null),
        Just(Bson::Undefined),
        Just(Bson::MinKey),
        (0i64..4_000_000_000_000).prop_map(|ms| Bson::DateTime(bson::DateTime::from_millis(ms))),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(KEYS).prop_map(str::to_string)
}

fn value() -> impl Strategy<Value = Bson> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Bson::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|fields| Bson::Document(fields.into_iter().collect())),
        ]
    })
}

fn document() -> impl Strategy<Value = Document> {
    prop::collection::vec((key(), value()), 0..5).prop_map(|fields| fields.into_iter().collect())
}

/// Values of any type with NUL-free keys, for the size property.
fn encodable() -> impl Strategy<Value = Document> {
    let leaf = prop_oneof![
        any::<i32>().prop_map(Bson::Int32),
        any::<i64>().prop_map(Bson::Int64),
        any::<f64>().prop_map(Bson::Double),
        any::<String>().prop_map(Bson::String),
        any::<bool>().prop_map(Bson::Boolean),
        Just(Bson::Null),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(|bytes| Bson::Binary(bson::Binary {
            subtype: bson::spec::BinarySubtype::Generic,
            bytes
        })),
        any::<[u8; 12]>().prop_map(|b| Bson::ObjectId(bson::oid::ObjectId::from_bytes(b))),
    ];
    let value = leaf.prop_recursive(3, 32, 12, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..12).prop_map(Bson::Array),
            prop::collection::vec(("[a-z_]{0,6}", inner), 0..4)
                .prop_map(|fields| Bson::Document(fields.into_iter().collect())),
        ]
    });
    prop::collection::vec(("[a-z_$.]{0,6}", value), 0..6)
        .prop_map(|fields| fields.into_iter().collect())
}

struct Other(Vec<Document>);

impl Catalog for Other {
    fn scan(
        &self,
        _db: &str,
        _coll: &str,
    ) -> docdb_query::Result<Vec<std::borrow::Cow<'_, Document>>> {
        Ok(self.0.iter().map(std::borrow::Cow::Borrowed).collect())
    }
}

const HEAVY_STAGES: usize = 14;

/// A stage that reads every input document (and, for the lookups, the other collection).
fn heavy_stage(i: usize) -> Document {
    use bson::doc;
    match i {
        0 => doc! {"$match": {"a": {"$gte": 0}}},
        1 => doc! {"$project": {"a": 1, "b": {"$add": ["$a", 1]}}},
        2 => doc! {"$group": {"_id": "$b", "n": {"$sum": 1}, "all": {"$push": "$a"}}},
        3 => doc! {"$sort": {"b": -1, "a": 1}},
        4 => doc! {"$unwind": "$arr"},
        5 => doc! {"$lookup": {"from": "o", "localField": "b", "foreignField": "b", "as": "j"}},
        6 => doc! {"$lookup": {"from": "o", "as": "j", "pipeline": [{"$match": {"a": 1}}]}},
        7 => doc! {"$bucketAuto": {"groupBy": "$a", "buckets": 4}},
        8 => doc! {"$bucket": {"groupBy": "$a", "boundaries": [0, 100, 1000]}},
        9 => doc! {"$sortByCount": "$b"},
        10 => doc! {"$setWindowFields": {"sortBy": {"a": 1}, "output": {"s": {"$sum": "$a"}}}},
        11 => doc! {"$facet": {"x": [{"$match": {"a": {"$gt": 5}}}]}},
        12 => {
            doc! {"$graphLookup": {"from": "o", "startWith": "$a", "connectFromField": "a", "connectToField": "b", "as": "g"}}
        }
        _ => doc! {"$unionWith": {"coll": "o", "pipeline": [{"$match": {"a": {"$gte": 0}}}]}},
    }
}

fn context<'a>(catalog: &'a Other, limits: &'a Limits<'a>) -> AggContext<'a> {
    AggContext {
        db: "t".into(),
        catalog,
        vars: Document::new(),
        now: bson::DateTime::from_millis(0),
        limits,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn document_size_is_the_encoded_length(doc in encodable()) {
        prop_assert_eq!(document_size(&doc), doc.to_vec().expect("encodes").len());
    }

    #[test]
    fn interruptible_sort_is_a_stable_sort(items in prop::collection::vec((0u8..8, any::<u16>()), 0..3000)) {
        let mut expected = items.clone();
        expected.sort_by_key(|x| x.0);
        let sorted = Limits::default().sort_by(items, |a, b| a.0.cmp(&b.0)).expect("no check");
        prop_assert_eq!(sorted, expected);
    }

    #[test]
    fn filters_projections_and_updates_never_panic(spec in document(), docs in prop::collection::vec(document(), 0..4)) {
        if let Ok(f) = Filter::parse(&spec) {
            for d in &docs {
                let _ = f.matches(d);
                let _ = f.matches_positional(d);
            }
        }
        if let Ok(p) = Projection::parse(&spec) {
            for d in &docs {
                let _ = p.apply(d, Some(0), None);
            }
        }
        if let Ok(u) = Update::parse(&Bson::Document(spec.clone()), None) {
            for d in &docs {
                let mut d = d.clone();
                let ctx = UpdateContext { is_insert: false, positional: None, now: bson::DateTime::from_millis(0), vars: None };
                let _ = u.apply(&mut d, &ctx);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn pipelines_never_panic(stages in prop::collection::vec(document(), 1..4), docs in prop::collection::vec(document(), 0..4)) {
        if let Ok(p) = Pipeline::parse(&stages) {
            let other = Other(docs.clone());
            let limits = Limits::default();
            let _ = p.run(docs, &context(&other, &limits));
        }
    }

    /// A pipeline whose first stage reads 300 documents reaches the check and stops: it never
    /// answers with documents once the check fails.
    #[test]
    fn a_killed_pipeline_never_answers(
        first in 0..HEAVY_STAGES,
        rest in prop::collection::vec(document(), 0..2),
        fail_at in 1u32..3,
    ) {
        let first = heavy_stage(first);
        let mut stages = vec![first];
        stages.extend(rest);
        let Ok(p) = Pipeline::parse(&stages) else {
            // Only the generated tail can be malformed.
            prop_assert!(Pipeline::parse(&stages[..1]).is_ok());
            return Ok(());
        };
        let docs: Vec<Document> = (0..300)
            .map(|i| bson::doc! {"_id": i, "a": i, "b": i % 7, "arr": [1, 2]})
            .collect();
        let other = Other(docs.clone());
        let calls = Cell::new(0u32);
        let check = || {
            calls.set(calls.get() + 1);
            if calls.get() >= fail_at {
                Err(QueryError::new(11601, "Interrupted", "operation was interrupted"))
            } else {
                Ok(())
            }
        };
        let limits = Limits::default().with_check(&check);
        let out = p.run(docs, &context(&other, &limits));
        prop_assert!(out.is_err(), "answered after the kill: {:?}", out.map(|o| o.documents.len()));
    }
}
