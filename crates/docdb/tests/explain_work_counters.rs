//! Every executed stage of `executionStats.executionStages` carries mongod's counters
//! (`works`, `advanced`, `needTime`, `needYield`, `saveState`, `restoreState`, `isEOF`) as
//! 32-bit ints (MongoDB's manual, "Explain Results"). Data and expectations: the "Analyze
//! Query Performance" tutorial's inventory collection; with an index on quantity, the query
//! `{quantity: {$gte: 100, $lte: 200}}` shows IXSCAN and FETCH each with works 4,
//! advanced 3, needTime 0, isEOF 1.

mod common;

use bson::{Bson, Document, doc};

const COUNTERS: [&str; 7] = [
    "works",
    "advanced",
    "needTime",
    "needYield",
    "saveState",
    "restoreState",
    "isEOF",
];

fn int(stage: &Document, key: &str) -> i32 {
    match stage.get(key) {
        Some(Bson::Int32(n)) => *n,
        other => panic!("{key} should be a 32-bit int, found {other:?} in {stage}"),
    }
}

/// Every stage down the tree has all the counters, and needTime = works - advanced - isEOF.
fn check_tree(stage: &Document) {
    for c in COUNTERS {
        int(stage, c);
    }
    for c in ["needYield", "saveState", "restoreState"] {
        assert_eq!(int(stage, c), 0, "{stage}");
    }
    assert_eq!(int(stage, "advanced"), int(stage, "nReturned"), "{stage}");
    assert_eq!(
        int(stage, "needTime"),
        int(stage, "works") - int(stage, "advanced") - int(stage, "isEOF"),
        "{stage}"
    );
    if let Ok(child) = stage.get_document("inputStage") {
        check_tree(child);
    }
}

async fn inventory(db: &mongodb::Database) -> mongodb::Collection<Document> {
    let coll = db.collection::<Document>("inventory");
    let data = [
        (1, "f1", "food", 500),
        (2, "f2", "food", 100),
        (3, "p1", "paper", 200),
        (4, "p2", "paper", 150),
        (5, "f3", "food", 300),
        (6, "t1", "toys", 500),
        (7, "a1", "apparel", 250),
        (8, "a2", "apparel", 400),
        (9, "t2", "toys", 50),
        (10, "f4", "food", 75),
    ];
    coll.insert_many(
        data.iter()
            .map(|(id, item, t, q)| doc! {"_id": id, "item": item, "type": t, "quantity": q}),
    )
    .await
    .unwrap();
    coll
}

async fn explain(db: &mongodb::Database, find: Document, verbosity: &str) -> Document {
    db.run_command(doc! {"explain": find, "verbosity": verbosity})
        .await
        .unwrap()
}

#[tokio::test]
async fn executed_stages_carry_works_advanced_need_time_and_is_eof() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("explainwork");
    let coll = inventory(&db).await;
    let range = doc! {"quantity": {"$gte": 100, "$lte": 200}};

    // Without an index: a COLLSCAN over all 10 documents returning 3.
    let e = explain(
        &db,
        doc! {"find": "inventory", "filter": range.clone()},
        "executionStats",
    )
    .await;
    let top = e
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(top.get_str("stage").unwrap(), "COLLSCAN");
    check_tree(top);
    assert_eq!(int(top, "advanced"), 3);
    assert_eq!(int(top, "isEOF"), 1);
    assert!(int(top, "works") > int(top, "docsExamined"), "{top}");

    coll.create_index(
        mongodb::IndexModel::builder()
            .keys(doc! {"quantity": 1})
            .build(),
    )
    .await
    .unwrap();
    let e = explain(
        &db,
        doc! {"find": "inventory", "filter": range.clone()},
        "executionStats",
    )
    .await;
    let fetch = e
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(fetch.get_str("stage").unwrap(), "FETCH");
    check_tree(fetch);
    let ixscan = fetch.get_document("inputStage").unwrap();
    for stage in [fetch, ixscan] {
        assert_eq!(int(stage, "works"), 4, "{stage}");
        assert_eq!(int(stage, "advanced"), 3, "{stage}");
        assert_eq!(int(stage, "needTime"), 0, "{stage}");
        assert_eq!(int(stage, "isEOF"), 1, "{stage}");
    }

    // A sort on an unindexed field and a limit: SORT reads everything (isEOF 1); the LIMIT
    // stops after 2.
    let e = explain(
        &db,
        doc! {"find": "inventory", "filter": {}, "sort": {"item": 1}, "limit": 2},
        "executionStats",
    )
    .await;
    let top = e
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    check_tree(top);
    assert_eq!(int(top, "isEOF"), 1, "{top}");
    assert_eq!(int(top, "advanced"), 2, "{top}");

    // A limit without a sort stops the scan before its end: "the LIMIT stage will report
    // isEOF: 1, but its underlying ... stage will report isEOF: 0" (Explain Results).
    let e = explain(
        &db,
        doc! {"find": "inventory", "filter": {}, "limit": 2},
        "executionStats",
    )
    .await;
    let limit = e
        .get_document("executionStats")
        .unwrap()
        .get_document("executionStages")
        .unwrap();
    assert_eq!(limit.get_str("stage").unwrap(), "LIMIT", "{limit}");
    check_tree(limit);
    assert_eq!(int(limit, "isEOF"), 1, "{limit}");
    let scan = limit.get_document("inputStage").unwrap();
    assert_eq!(int(scan, "isEOF"), 0, "{scan}");
    assert_eq!(int(scan, "advanced"), 2, "{scan}");

    // allPlansExecution: every stage of every candidate has the counters too.
    coll.create_index(
        mongodb::IndexModel::builder()
            .keys(doc! {"type": 1})
            .build(),
    )
    .await
    .unwrap();
    let e = explain(
        &db,
        doc! {"find": "inventory", "filter": {"quantity": {"$gte": 100}, "type": "food"}},
        "allPlansExecution",
    )
    .await;
    let plans = e
        .get_document("executionStats")
        .unwrap()
        .get_array("allPlansExecution")
        .unwrap();
    assert!(plans.len() >= 2, "{e}");
    for p in plans {
        let stages = p
            .as_document()
            .unwrap()
            .get_document("executionStages")
            .unwrap();
        for c in COUNTERS {
            int(stages, c);
            int(stages.get_document("inputStage").unwrap(), c);
        }
    }
}
