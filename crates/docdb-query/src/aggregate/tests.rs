//! Unit tests of pipelines, one group per stage family.

use super::*;
use bson::doc;
use std::collections::HashMap;

/// A catalog of named collections held in memory (shared with `limits_tests`).
pub(super) struct Mem(pub(super) HashMap<String, Vec<Document>>);

impl Catalog for Mem {
    fn scan(&self, _db: &str, coll: &str) -> Result<Vec<std::borrow::Cow<'_, Document>>> {
        Ok(self
            .0
            .get(coll)
            .map(|d| d.iter().map(std::borrow::Cow::Borrowed).collect())
            .unwrap_or_default())
    }
}

fn run_with_catalog(
    stages: Vec<Document>,
    input: Vec<Document>,
    catalog: &Mem,
) -> Result<AggOutput> {
    let ctx = AggContext {
        db: "test".into(),
        catalog,
        vars: Document::new(),
        now: bson::DateTime::from_millis(0),
        limits: &Default::default(),
    };
    Pipeline::parse(&stages)?.run(input, &ctx)
}

fn run(stages: Vec<Document>, input: Vec<Document>) -> Vec<Document> {
    run_with_catalog(stages, input, &Mem(HashMap::new()))
        .expect("pipeline runs")
        .documents
}

#[test]
fn match_project_sort_limit_skip() {
    let input = vec![
        doc! {"_id": 1, "a": 3},
        doc! {"_id": 2, "a": 1},
        doc! {"_id": 3, "a": 2},
    ];
    let out = run(
        vec![
            doc! {"$match": {"a": {"$gte": 1}}},
            doc! {"$sort": {"a": 1}},
            doc! {"$skip": 1},
            doc! {"$limit": 1},
            doc! {"$project": {"_id": 0, "b": {"$multiply": ["$a", 10]}}},
        ],
        input,
    );
    assert_eq!(out, vec![doc! {"b": 20}]);
}

#[test]
fn group_accumulators() {
    let input = vec![
        doc! {"k": "x", "v": 1},
        doc! {"k": "y", "v": 5},
        doc! {"k": "x", "v": 3.0},
    ];
    let out = run(
        vec![
            doc! {"$group": {"_id": "$k", "total": {"$sum": "$v"}, "avg": {"$avg": "$v"}, "all": {"$push": "$v"}, "n": {"$count": {}}, "mx": {"$max": "$v"}, "f": {"$first": "$v"}}},
        ],
        input,
    );
    assert_eq!(
        out[0],
        doc! {"_id": "x", "total": 4.0, "avg": 2.0, "all": [1, 3.0], "n": 2, "mx": 3.0, "f": 1}
    );
    assert_eq!(out[1].get_i32("total").expect("int sum"), 5);
}

#[test]
fn unwind_forms() {
    let input = vec![
        doc! {"_id": 1, "a": [1, 2]},
        doc! {"_id": 2, "a": []},
        doc! {"_id": 3},
    ];
    assert_eq!(run(vec![doc! {"$unwind": "$a"}], input.clone()).len(), 2);
    let out = run(
        vec![
            doc! {"$unwind": {"path": "$a", "includeArrayIndex": "i", "preserveNullAndEmptyArrays": true}},
        ],
        input,
    );
    assert_eq!(out.len(), 4);
    assert_eq!(out[1], doc! {"_id": 1, "a": 2, "i": 1i64});
    assert_eq!(out[2], doc! {"_id": 2, "i": null});
}

#[test]
fn add_fields_merges_into_embedded_documents() {
    let out = run(
        vec![doc! {"$addFields": {"s": {"t": 1}, "x": "$$REMOVE"}}],
        vec![doc! {"s": {"u": 2}, "x": 1}],
    );
    assert_eq!(out, vec![doc! {"s": {"u": 2, "t": 1}}]);
    let out = run(
        vec![doc! {"$set": {"a.b": 5}}],
        vec![doc! {"a": [{"c": 1}, 2]}],
    );
    assert_eq!(out, vec![doc! {"a": [{"c": 1, "b": 5}, {"b": 5}]}]);
}

#[test]
fn lookup_equality_and_pipeline_forms() {
    let mut colls = HashMap::new();
    colls.insert(
        "o".to_string(),
        vec![
            doc! {"_id": 1, "k": 1},
            doc! {"_id": 2, "k": null},
            doc! {"_id": 3},
        ],
    );
    let catalog = Mem(colls);
    let out = run_with_catalog(
        vec![doc! {"$lookup": {"from": "o", "localField": "k", "foreignField": "k", "as": "m"}}],
        vec![doc! {"_id": 10}],
        &catalog,
    )
    .expect("lookup");
    assert_eq!(out.documents[0].get_array("m").expect("m").len(), 2);
    let out = run_with_catalog(
        vec![doc! {"$lookup": {"from": "o", "let": {"x": "$k"}, "pipeline": [{"$match": {"$expr": {"$eq": ["$k", "$$x"]}}}], "as": "m"}}],
        vec![doc! {"_id": 10, "k": 1}],
        &catalog,
    )
    .expect("lookup");
    assert_eq!(out.documents[0].get_array("m").expect("m").len(), 1);
}

#[test]
fn count_facet_bucket_sort_by_count() {
    let input: Vec<Document> = (1..=5).map(|i| doc! {"v": i, "g": i % 2}).collect();
    assert_eq!(
        run(vec![doc! {"$count": "n"}], input.clone()),
        vec![doc! {"n": 5}]
    );
    let out = run(
        vec![doc! {"$facet": {"a": [{"$count": "n"}], "b": [{"$limit": 1}]}}],
        input.clone(),
    );
    assert_eq!(out[0].get_array("a").expect("a").len(), 1);
    let out = run(
        vec![doc! {"$bucket": {"groupBy": "$v", "boundaries": [0, 3, 10]}}],
        input.clone(),
    );
    assert_eq!(
        out,
        vec![doc! {"_id": 0, "count": 2}, doc! {"_id": 3, "count": 3}]
    );
    let out = run(vec![doc! {"$sortByCount": "$g"}], input);
    assert_eq!(out[0], doc! {"_id": 1, "count": 3});
}

#[test]
fn replace_root_and_errors() {
    let out = run(
        vec![doc! {"$replaceRoot": {"newRoot": "$a"}}],
        vec![doc! {"a": {"b": 1}}],
    );
    assert_eq!(out, vec![doc! {"b": 1}]);
    let e = Pipeline::parse(&[doc! {"$nope": 1}]).expect_err("unknown stage");
    assert_eq!(e.code, 40324);
    let e = Pipeline::parse(&[doc! {"$out": "x"}, doc! {"$match": {}}]).expect_err("out not last");
    assert_eq!(e.code, 40601);
}

#[test]
fn out_and_merge_are_returned_as_writes() {
    let out = run_with_catalog(
        vec![doc! {"$out": "dest"}],
        vec![doc! {"a": 1}],
        &Mem(HashMap::new()),
    )
    .expect("out");
    assert_eq!(
        out.write,
        Some(OutputStage::Out {
            db: "test".into(),
            coll: "dest".into()
        })
    );
    let out = run_with_catalog(
        vec![doc! {"$merge": {"into": "d", "on": "k"}}],
        vec![],
        &Mem(HashMap::new()),
    )
    .expect("merge");
    assert!(
        matches!(out.write, Some(OutputStage::Merge { ref on, .. }) if on == &vec!["k".to_string()])
    );
}

#[test]
fn graph_lookup_walks_edges() {
    let mut colls = HashMap::new();
    colls.insert(
        "e".to_string(),
        vec![
            doc! {"_id": 1, "to": 2},
            doc! {"_id": 2, "to": 3},
            doc! {"_id": 3},
        ],
    );
    let catalog = Mem(colls);
    let out = run_with_catalog(
        vec![doc! {"$graphLookup": {"from": "e", "startWith": "$start", "connectFromField": "to", "connectToField": "_id", "as": "path", "depthField": "d"}}],
        vec![doc! {"start": 1}],
        &catalog,
    )
    .expect("graph");
    assert_eq!(out.documents[0].get_array("path").expect("path").len(), 3);
}

#[test]
fn text_search_scores_flow_through_the_pipeline() {
    let docs = vec![
        doc! {"_id": 1, "t": "coffee"},
        doc! {"_id": 2, "t": "coffee coffee"},
        doc! {"_id": 3, "t": "tea"},
    ];
    let stages = vec![
        doc! {"$match": {"$text": {"$search": "coffee"}}},
        doc! {"$project": {"score": {"$meta": "textScore"}}},
        doc! {"$sort": {"score": {"$meta": "textScore"}}},
    ];
    let pipeline = Pipeline::parse(&stages).expect("parses");
    assert!(pipeline.text_search().is_some());
    let catalog = Mem(HashMap::new());
    let ctx = AggContext {
        db: "t".into(),
        catalog: &catalog,
        vars: Document::new(),
        now: bson::DateTime::from_millis(0),
        limits: &Default::default(),
    };
    let fields = vec![("t".to_string(), 1.0)];
    let scorer = |d: &Document, s: &crate::text::TextSearch| crate::text::score(d, &fields, s);
    let out = pipeline
        .run_scored(docs.clone(), &ctx, &scorer)
        .expect("runs")
        .documents;
    let ids: Vec<i32> = out.iter().map(|d| d.get_i32("_id").expect("id")).collect();
    assert_eq!(ids, vec![2, 1]);
    assert!(
        out.iter()
            .all(|d| d.get_f64("score").is_ok() && !d.contains_key(TEXT_SCORE_FIELD))
    );
    // Without a text index the query fails instead of silently matching nothing.
    assert_eq!(pipeline.run(docs, &ctx).expect_err("no scorer").code, 27);
}

#[test]
fn set_window_fields_running_totals_and_ranks() {
    let input = vec![
        doc! {"s": "a", "d": 1, "v": 5},
        doc! {"s": "a", "d": 2, "v": 3},
        doc! {"s": "a", "d": 3, "v": 3},
        doc! {"s": "b", "d": 1, "v": 10},
    ];
    let out = run(
        vec![doc! {"$setWindowFields": {
            "partitionBy": "$s",
            "sortBy": {"d": 1},
            "output": {
                "running": {"$sum": "$v", "window": {"documents": ["unbounded", "current"]}},
                "moving": {"$avg": "$v", "window": {"documents": [-1, 0]}},
                "total": {"$sum": "$v"},
                "n": {"$documentNumber": {}},
                "prev": {"$shift": {"output": "$v", "by": -1, "default": 0}},
            },
        }}],
        input,
    );
    let running: Vec<i32> = out
        .iter()
        .map(|d| d.get_i32("running").expect("running"))
        .collect();
    assert_eq!(running, vec![5, 8, 11, 10]);
    assert_eq!(out[1].get_f64("moving").expect("moving"), 4.0);
    assert_eq!(out[2].get_i32("total").expect("total"), 11);
    assert_eq!(out[2].get_i64("n").expect("n"), 3);
    assert_eq!(out[1].get_i32("prev").expect("prev"), 5);
    let ranked = run(
        vec![
            doc! {"$setWindowFields": {"sortBy": {"v": -1}, "output": {"r": {"$rank": {}}, "dr": {"$denseRank": {}}}}},
        ],
        vec![doc! {"v": 3}, doc! {"v": 5}, doc! {"v": 3}, doc! {"v": 1}],
    );
    let ranks: Vec<(i64, i64)> = ranked
        .iter()
        .map(|d| (d.get_i64("r").expect("r"), d.get_i64("dr").expect("dr")))
        .collect();
    assert_eq!(ranks, vec![(1, 1), (2, 2), (2, 2), (4, 3)]);
    assert!(
        Pipeline::parse(&[doc! {"$setWindowFields": {"output": {"r": {"$rank": {}}}}}]).is_err()
    );
}

#[test]
fn merge_when_matched_pipeline_sees_new() {
    let p = Pipeline::parse(&[doc! {"$merge": {"into": "t", "whenMatched": [{"$set": {"total": {"$add": ["$total", "$$new.total"]}}}]}}]).expect("parses");
    let (stages, lets) = p.merge_pipeline().expect("has a pipeline");
    let merged = apply_merge_pipeline(
        &doc! {"_id": 1, "total": 5},
        &doc! {"_id": 1, "total": 2},
        stages,
        lets,
        bson::DateTime::from_millis(0),
    )
    .expect("applies");
    assert_eq!(merged, doc! {"_id": 1, "total": 7});
}

/// `run_borrowed` filters and groups in place; it must give what `run` gives on copies, for
/// pipelines it shortcuts (leading `$match`es, `$group`) and pipelines it does not.
#[test]
fn borrowed_runs_match_owned_runs() {
    let input: Vec<Document> = (0..40)
        .map(|i| match i % 4 {
            0 => doc! {"_id": i, "k": i % 3, "v": i, "t": {"x": i}},
            1 => doc! {"_id": i, "k": (i % 3) as f64, "v": i as i64 * 1_000_000_000},
            2 => doc! {"_id": i, "k": null, "v": "not a number"},
            _ => doc! {"_id": i, "v": i as f64 + 0.5, "t": [{"x": 1}, {"x": 2}]},
        })
        .collect();
    let pipelines = vec![
        vec![
            doc! {"$match": {"v": {"$exists": true}}},
            doc! {"$match": {"_id": {"$gte": 3}}},
            doc! {"$group": {"_id": "$k", "s": {"$sum": "$v"}, "n": {"$count": {}}, "a": {"$avg": "$v"}, "p": {"$push": "$t.x"}, "top": {"$top": {"sortBy": {"_id": -1}, "output": "$_id"}}}},
            doc! {"$sort": {"_id": 1}},
        ],
        vec![doc! {"$group": {"_id": {"k": "$k"}, "s": {"$sum": 1}, "m": {"$max": "$v"}}}],
        vec![
            doc! {"$match": {"k": 1}},
            doc! {"$project": {"v": 1}},
            doc! {"$sort": {"_id": -1}},
        ],
        vec![doc! {"$sort": {"_id": -1}}, doc! {"$limit": 3}],
    ];
    let catalog = Mem(HashMap::new());
    let ctx = AggContext {
        db: "test".into(),
        catalog: &catalog,
        vars: Document::new(),
        now: bson::DateTime::from_millis(0),
        limits: &Default::default(),
    };
    for stages in pipelines {
        let pipeline = Pipeline::parse(&stages).expect("parses");
        let owned = pipeline.run(input.clone(), &ctx).expect("owned run");
        let borrowed = pipeline.run_borrowed(&input, &ctx).expect("borrowed run");
        assert_eq!(borrowed.documents, owned.documents, "{stages:?}");
    }
}

/// `$sum` adds up as documents arrive: int32 totals widen to int64 and then to double
/// exactly as `sum_values` does over collected values.
#[test]
fn group_sums_widen_like_collected_sums() {
    let input = vec![
        doc! {"v": i32::MAX},
        doc! {"v": 1},
        doc! {"v": "skip"},
        doc! {"w": 1},
    ];
    let out = run(
        vec![doc! {"$group": {"_id": null, "s": {"$sum": "$v"}, "n": {"$count": {}}}}],
        input.clone(),
    );
    assert_eq!(
        out,
        vec![doc! {"_id": null, "s": i32::MAX as i64 + 1, "n": 4}]
    );
    let out = run(
        vec![doc! {"$group": {"_id": null, "s": {"$sum": "$v"}}}],
        vec![doc! {"v": i64::MAX}, doc! {"v": 1}],
    );
    let expected = sum_values_of(&[Bson::Int64(i64::MAX), Bson::Int32(1)]);
    assert_eq!(out, vec![doc! {"_id": null, "s": expected}]);
    assert!(matches!(out[0].get("s"), Some(Bson::Double(_))));
}

fn sum_values_of(values: &[Bson]) -> Bson {
    crate::expr::sum_values(values.iter())
}
