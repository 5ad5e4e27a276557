//! Interruption and memory budgets of pipelines: every stage stops at the caller's check, and
//! every stage that holds documents fails with mongod's code and message past its budget.

use super::*;
use crate::limits::MemoryLimits;
use bson::doc;
use std::cell::Cell;
use std::collections::HashMap;

use super::tests::Mem;
use crate::limits::interrupt_after;

fn catalog(coll: &str, docs: Vec<Document>) -> Mem {
    Mem(HashMap::from([(coll.to_string(), docs)]))
}

fn run_limited(
    stages: Vec<Document>,
    input: Vec<Document>,
    catalog: &Mem,
    limits: &Limits,
) -> Result<AggOutput> {
    let ctx = AggContext {
        db: "test".into(),
        catalog,
        vars: Document::new(),
        now: bson::DateTime::from_millis(0),
        limits,
    };
    Pipeline::parse(&stages)?.run(input, &ctx)
}

fn small(stage_bytes: usize) -> Limits<'static> {
    Limits::new(MemoryLimits {
        stage_bytes,
        ..MemoryLimits::default()
    })
}

fn numbered(n: i32, pad: usize) -> Vec<Document> {
    (0..n)
        .map(|i| doc! {"_id": i, "k": format!("{i:06}{}", "x".repeat(pad))})
        .collect()
}

#[test]
fn a_killed_nested_lookup_stops_between_inner_documents() {
    // 200 x 200 x 200 inner evaluations if nothing stopped it.
    let b = catalog("b", numbered(200, 10));
    let calls = Cell::new(0);
    let check = interrupt_after(20, &calls);
    let limits = Limits::default().with_check(&check);
    let stages = vec![doc! {"$lookup": {"from": "b", "as": "x", "pipeline": [
        {"$lookup": {"from": "b", "as": "y", "pipeline": [
            {"$match": {"$expr": {"$eq": ["$k", "none"]}}}
        ]}}
    ]}}];
    let err = run_limited(stages, numbered(200, 10), &b, &limits).expect_err("interrupted");
    assert_eq!(err.code, 11601);
    // Stopped at the 20th check: about 20 * CHECK_EVERY units of work, not 8 million.
    assert_eq!(calls.get(), 20);
}

#[test]
fn every_blocking_stage_reaches_the_check() {
    let stages = [
        doc! {"$group": {"_id": "$k", "n": {"$sum": 1}}},
        doc! {"$sort": {"k": -1}},
        doc! {"$bucketAuto": {"groupBy": "$k", "buckets": 3}},
        doc! {"$setWindowFields": {"sortBy": {"k": 1}, "output": {"s": {"$sum": 1, "window": {"documents": ["unbounded", "current"]}}}}},
        doc! {"$unwind": "$arr"},
        doc! {"$facet": {"a": [{"$match": {"k": {"$exists": true}}}]}},
        doc! {"$graphLookup": {"from": "b", "startWith": "$k", "connectFromField": "k", "connectToField": "k", "as": "g"}},
        doc! {"$project": {"k": 1}},
    ];
    let input: Vec<Document> = numbered(5000, 0)
        .into_iter()
        .map(|mut d| {
            d.insert("arr", vec![1, 2]);
            d
        })
        .collect();
    let b = catalog("b", numbered(5000, 0));
    for stage in stages {
        let calls = Cell::new(0);
        let check = interrupt_after(3, &calls);
        let limits = Limits::default().with_check(&check);
        let err =
            run_limited(vec![stage.clone()], input.clone(), &b, &limits).expect_err("interrupted");
        assert_eq!(err.code, 11601, "{stage}");
    }
}

#[test]
fn group_over_its_budget_needs_allow_disk_use() {
    let input = numbered(100, 100);
    let stages = vec![doc! {"$group": {"_id": "$k"}}];
    let err = run_limited(
        stages.clone(),
        input.clone(),
        &catalog("b", vec![]),
        &small(4096),
    )
    .expect_err("over budget");
    assert_eq!(err.code, 292);
    assert_eq!(err.code_name, "QueryExceededMemoryLimitNoDiskUseAllowed");
    assert_eq!(
        err.message,
        "Exceeded memory limit for $group, but didn't allow external sort. Pass allowDiskUse:true to opt in."
    );
    let disk = Limits::new(MemoryLimits {
        stage_bytes: 4096,
        allow_disk_use: true,
        ..MemoryLimits::default()
    });
    let out = run_limited(stages.clone(), input.clone(), &catalog("b", vec![]), &disk)
        .expect("allowDiskUse raises the budget");
    assert_eq!(out.documents.len(), 100);
    let capped = Limits::new(MemoryLimits {
        stage_bytes: 4096,
        allow_disk_use: true,
        hard_cap_bytes: 8192,
        ..MemoryLimits::default()
    });
    let err = run_limited(stages, input, &catalog("b", vec![]), &capped).expect_err("cap");
    assert_eq!((err.code, err.code_name), (146, "ExceededMemoryLimit"));
}

#[test]
fn sort_over_its_budget_fails_unless_a_limit_bounds_it() {
    let input = numbered(100, 100);
    let err = run_limited(
        vec![doc! {"$sort": {"k": -1}}],
        input.clone(),
        &catalog("b", vec![]),
        &small(4096),
    )
    .expect_err("over budget");
    assert_eq!(err.code, 292);
    assert_eq!(
        err.message,
        "Sort exceeded memory limit of 4096 bytes, but did not opt in to external sorting."
    );
    // A top-k sort holds only k documents.
    let out = run_limited(
        vec![doc! {"$sort": {"k": -1}}, doc! {"$limit": 3}],
        input.clone(),
        &catalog("b", vec![]),
        &small(4096),
    )
    .expect("top-3 fits");
    let ids: Vec<i32> = out
        .documents
        .iter()
        .map(|d| d.get_i32("_id").unwrap())
        .collect();
    assert_eq!(ids, vec![99, 98, 97]);
    let err = run_limited(
        vec![doc! {"$bucketAuto": {"groupBy": "$k", "buckets": 2}}],
        input,
        &catalog("b", vec![]),
        &small(4096),
    )
    .expect_err("bucketAuto sorts");
    assert_eq!(err.code, 292);
}

#[test]
fn lookup_result_over_its_budget_is_4568() {
    let b = catalog("orders", numbered(100, 100));
    let stages = vec![doc! {"$lookup": {"from": "orders", "as": "all", "pipeline": []}}];
    let err = run_limited(stages, vec![doc! {"_id": 1}], &b, &small(4096)).expect_err("4568");
    assert_eq!(err.code, 4568);
    assert_eq!(
        err.message,
        "Total size of documents in orders matching pipeline's $lookup stage exceeds 4096 bytes"
    );
    let stages = vec![
        doc! {"$lookup": {"from": "orders", "as": "all", "localField": "x", "foreignField": "x"}},
    ];
    let err = run_limited(stages, vec![doc! {"_id": 1}], &b, &small(4096)).expect_err("4568");
    assert_eq!(err.code, 4568);
}

#[test]
fn lookup_building_a_document_past_16mb_is_bson_object_too_large() {
    let b = catalog("orders", numbered(40, 1000));
    let limits = Limits::new(MemoryLimits {
        document_bytes: 20_000,
        ..MemoryLimits::default()
    });
    let stages = vec![doc! {"$lookup": {"from": "orders", "as": "all", "pipeline": []}}];
    let err = run_limited(stages.clone(), vec![doc! {"_id": 1}], &b, &limits).expect_err("10334");
    assert_eq!((err.code, err.code_name), (10334, "BSONObjectTooLarge"));
    assert!(
        err.message
            .contains("is invalid. Size must be between 0 and 20000"),
        "{}",
        err.message
    );
    // Unwound right away, no document is too large.
    let mut unwound = stages;
    unwound.push(doc! {"$unwind": "$all"});
    let out = run_limited(unwound, vec![doc! {"_id": 1}], &b, &limits).expect("fits");
    assert_eq!(out.documents.len(), 40);
}

#[test]
fn facet_graph_lookup_window_and_arrays_have_their_own_errors() {
    let input = numbered(100, 100);
    let none = catalog("b", vec![]);
    let err = run_limited(
        vec![doc! {"$facet": {"all": []}}],
        input.clone(),
        &none,
        &small(4096),
    )
    .expect_err("facet");
    assert_eq!(err.code, 4031700);
    assert!(
        err.message
            .starts_with("document constructed by $facet is "),
        "{}",
        err.message
    );

    let b = catalog(
        "b",
        (0..100)
            .map(|i| doc! {"_id": i, "next": i + 1, "pad": "x".repeat(100)})
            .collect(),
    );
    let err = run_limited(
        vec![doc! {"$graphLookup": {"from": "b", "startWith": 0, "connectFromField": "next", "connectToField": "_id", "as": "chain"}}],
        vec![doc! {"_id": "start"}],
        &b,
        &small(4096),
    )
    .expect_err("graphLookup");
    assert_eq!(err.code, 40099);
    assert_eq!(
        err.message,
        "$graphLookup reached maximum memory consumption"
    );

    let err = run_limited(
        vec![doc! {"$setWindowFields": {"output": {"n": {"$count": {}}}}}],
        input.clone(),
        &none,
        &small(4096),
    )
    .expect_err("window");
    assert_eq!(err.code, 5414201);
    assert!(
        err.message
            .starts_with("Exceeded memory limit in DocumentSourceSetWindowFields, used ")
    );

    // With allowDiskUse the group may grow, but one array may not.
    let disk = Limits::new(MemoryLimits {
        stage_bytes: 4096,
        allow_disk_use: true,
        ..MemoryLimits::default()
    });
    let err = run_limited(
        vec![doc! {"$group": {"_id": null, "all": {"$push": "$$ROOT"}}}],
        input.clone(),
        &none,
        &disk,
    )
    .expect_err("$push");
    assert_eq!((err.code, err.code_name), (146, "ExceededMemoryLimit"));
    assert!(
        err.message.starts_with(
            "Used too much memory for a single array. Memory limit: 4096 bytes. The array contains "
        ),
        "{}",
        err.message
    );
    let err = run_limited(
        vec![doc! {"$group": {"_id": null, "all": {"$addToSet": "$k"}}}],
        input,
        &none,
        &disk,
    )
    .expect_err("$addToSet");
    assert_eq!(err.code, 146);
    assert!(err.message.contains("Current set has "), "{}", err.message);
}

#[test]
fn add_to_set_holds_distinct_values_only() {
    // A million-fold repeated value stays one entry: well within a tiny budget.
    let input: Vec<Document> = (0..5000).map(|i| doc! {"k": i % 3}).collect();
    let out = run_limited(
        vec![doc! {"$group": {"_id": null, "s": {"$addToSet": "$k"}, "f": {"$first": "$k"}, "l": {"$last": "$k"}, "lo": {"$min": "$k"}, "hi": {"$max": "$k"}, "a": {"$avg": "$k"}}}],
        input,
        &catalog("b", vec![]),
        &small(4096),
    )
    .expect("fits");
    assert_eq!(
        out.documents,
        vec![
            doc! {"_id": null, "s": [0, 1, 2], "f": 0, "l": 1, "lo": 0, "hi": 2, "a": 4999.0 / 5000.0}
        ]
    );
}

#[test]
fn materialized_results_stop_at_the_hard_cap() {
    let limits = Limits::new(MemoryLimits {
        hard_cap_bytes: 50_000,
        ..MemoryLimits::default()
    });
    let input =
        vec![doc! {"_id": 1, "arr": (0..2000).collect::<Vec<i32>>(), "pad": "x".repeat(100)}];
    let err = run_limited(
        vec![doc! {"$unwind": "$arr"}],
        input,
        &catalog("b", vec![]),
        &limits,
    )
    .expect_err("cap");
    assert_eq!(err.code, 146);
    assert!(
        err.message
            .starts_with("$unwind built more than 50000 bytes of documents in memory"),
        "{}",
        err.message
    );
}
