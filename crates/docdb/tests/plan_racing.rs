//! Plan racing through the official driver: with two usable indexes, the candidates run for
//! a trial period and the most productive wins, as mongod's multi-planner decides (MongoDB
//! manual, "Query Plans": candidate plans are evaluated over a trial period and the plan
//! that returns results with the fewest works wins; explain's `rejectedPlans` are the
//! losers and `allPlansExecution` carries every candidate's trial statistics).

mod common;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;

async fn collection() -> mongodb::Collection<Document> {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = client.database("race").collection::<Document>("c");
    // `a` matches every document, `b` one: the `a` index is created first, so the
    // planner's own ranking (a tie) would pick it.
    coll.insert_many((0..2000).map(|i| doc! {"_id": i, "a": 1, "b": i}))
        .await
        .unwrap();
    coll.create_index(mongodb::IndexModel::builder().keys(doc! {"a": 1}).build())
        .await
        .unwrap();
    coll.create_index(mongodb::IndexModel::builder().keys(doc! {"b": 1}).build())
        .await
        .unwrap();
    coll
}

fn index_name(stage: &Document) -> String {
    let mut st = stage.clone();
    loop {
        if let Ok(name) = st.get_str("indexName") {
            return name.to_string();
        }
        match st.get_document("inputStage") {
            Ok(inner) => st = inner.clone(),
            Err(_) => return String::new(),
        }
    }
}

#[tokio::test]
async fn the_selective_index_wins_the_race_and_the_loser_was_evaluated() {
    let coll = collection().await;
    let found: Vec<Document> = coll
        .find(doc! {"a": 1, "b": 5})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found, vec![doc! {"_id": 5, "a": 1, "b": 5}]);
    let explain = coll
        .client()
        .database("race")
        .run_command(doc! {
            "explain": {"find": "c", "filter": {"a": 1, "b": 5}},
            "verbosity": "allPlansExecution",
        })
        .await
        .unwrap();
    let qp = explain.get_document("queryPlanner").unwrap();
    assert_eq!(index_name(qp.get_document("winningPlan").unwrap()), "b_1");
    let rejected = qp.get_array("rejectedPlans").unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(index_name(rejected[0].as_document().unwrap()), "a_1");
    let exec = explain.get_document("executionStats").unwrap();
    assert_eq!(exec.get_i32("nReturned").unwrap(), 1);
    assert_eq!(exec.get_i32("totalKeysExamined").unwrap(), 1);
    let all = exec.get_array("allPlansExecution").unwrap();
    assert_eq!(all.len(), 2, "every raced plan is listed: {all:?}");
    let plans: Vec<&Document> = all.iter().filter_map(Bson::as_document).collect();
    let winner = plans[0];
    let loser = plans[1];
    assert_eq!(
        index_name(winner.get_document("executionStages").unwrap()),
        "b_1"
    );
    assert_eq!(winner.get_i32("nReturned").unwrap(), 1);
    assert_eq!(
        index_name(loser.get_document("executionStages").unwrap()),
        "a_1"
    );
    // The trial ended when the winner reached EOF, two works in: the loser had produced
    // nothing by then (its first match is the sixth key).
    assert_eq!(loser.get_i32("nReturned").unwrap(), 0);
    assert!(loser.get_i32("totalKeysExamined").unwrap() <= 2, "{loser}");
    assert!(
        winner.get_f64("score").unwrap() > loser.get_f64("score").unwrap(),
        "{all:?}"
    );
}

#[tokio::test]
async fn one_usable_index_is_not_raced() {
    let coll = collection().await;
    let explain = coll
        .client()
        .database("race")
        .run_command(doc! {
            "explain": {"find": "c", "filter": {"b": 7}},
            "verbosity": "allPlansExecution",
        })
        .await
        .unwrap();
    let qp = explain.get_document("queryPlanner").unwrap();
    assert!(qp.get_array("rejectedPlans").unwrap().is_empty());
    let exec = explain.get_document("executionStats").unwrap();
    assert!(exec.get_array("allPlansExecution").unwrap().is_empty());
}
