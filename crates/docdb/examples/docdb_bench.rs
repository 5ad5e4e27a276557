//! Benchmarks the embedded engine through the official driver, end to end
//! (wire protocol included). Run with
//! `cargo run --release -p docdb --example docdb_bench`.
//!
//! Targets: insertMany of 100,000 small documents < 1 s, an indexed equality
//! find < 1 ms, a COLLSCAN equality find over 100,000 documents < 100 ms,
//! and $match + $group over 100,000 documents < 300 ms (medians).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bson::{Document, doc};
use futures_util::TryStreamExt;

const N: i32 = 100_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn report(name: &str, d: Duration, target: Duration) {
    let verdict = if d <= target { "ok" } else { "SLOW" };
    println!(
        "{name:<44} {:>10.3} ms   target < {:>6} ms   {verdict}",
        d.as_secs_f64() * 1e3,
        target.as_millis()
    );
}

fn documents() -> Vec<Document> {
    (0..N)
        .map(|i| doc! {"_id": i, "k": i % 1000, "v": i, "w": i, "s": "some small text"})
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let engine = Arc::new(docdb::Engine::in_memory());
    tokio::spawn(docdb::serve(listener, Arc::clone(&engine)));
    let client =
        mongodb::Client::with_uri_str(format!("mongodb://127.0.0.1:{port}/?directConnection=true"))
            .await?;
    let db = client.database("bench");

    let mut inserts = Vec::new();
    for run in 0..5 {
        let coll = db.collection::<Document>(&format!("ins{run}"));
        let docs = documents();
        let t = Instant::now();
        coll.insert_many(docs).await?;
        inserts.push(t.elapsed());
        coll.drop().await?;
    }
    report(
        "insertMany 100,000 documents",
        median(inserts),
        Duration::from_secs(1),
    );

    let coll = db.collection::<Document>("data");
    coll.insert_many(documents()).await?;
    coll.create_index(mongodb::IndexModel::builder().keys(doc! {"v": 1}).build())
        .await?;

    let mut indexed = Vec::new();
    let mut scans = Vec::new();
    for i in 0..21 {
        let target = (i * 4_567) % N;
        let t = Instant::now();
        let found: Vec<Document> = coll.find(doc! {"v": target}).await?.try_collect().await?;
        indexed.push(t.elapsed());
        assert_eq!(found.len(), 1, "indexed find returns the document");
        let t = Instant::now();
        let found: Vec<Document> = coll.find(doc! {"w": target}).await?.try_collect().await?;
        scans.push(t.elapsed());
        assert_eq!(found.len(), 1, "collection scan returns the document");
    }
    report(
        "find {v: x} (IXSCAN)",
        median(indexed),
        Duration::from_millis(1),
    );
    report(
        "find {w: x} (COLLSCAN over 100,000)",
        median(scans),
        Duration::from_millis(100),
    );

    let mut groups = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let out: Vec<Document> = coll
            .aggregate(vec![
                doc! {"$match": {"w": {"$gte": 0}}},
                doc! {"$group": {"_id": "$k", "total": {"$sum": "$v"}}},
            ])
            .await?
            .try_collect()
            .await?;
        groups.push(t.elapsed());
        assert_eq!(out.len(), 1000);
    }
    report(
        "$match + $group over 100,000",
        median(groups),
        Duration::from_millis(300),
    );

    // The same work without the driver and the wire, to show where time goes.
    println!("\nengine alone (no driver, no wire):");
    let direct = docdb::Engine::in_memory();
    let mut inserts = Vec::new();
    for run in 0..5 {
        let docs: Vec<bson::Bson> = documents().into_iter().map(bson::Bson::Document).collect();
        let t = Instant::now();
        direct.execute(
            "bench",
            doc! {"insert": format!("ins{run}"), "documents": docs},
        );
        inserts.push(t.elapsed());
    }
    println!(
        "  insert 100,000 documents        {:>10.3} ms",
        median(inserts).as_secs_f64() * 1e3
    );
    let mut groups = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        direct.execute("bench", doc! {"aggregate": "ins0", "pipeline": [{"$match": {"w": {"$gte": 0}}}, {"$group": {"_id": "$k", "total": {"$sum": "$v"}}}], "cursor": {}});
        groups.push(t.elapsed());
    }
    println!(
        "  $match + $group                 {:>10.3} ms",
        median(groups).as_secs_f64() * 1e3
    );
    let mut matches = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        direct.execute("bench", doc! {"count": "ins0", "query": {"w": {"$gte": 0}}});
        matches.push(t.elapsed());
    }
    println!(
        "  count with a filter (match only) {:>9.3} ms",
        median(matches).as_secs_f64() * 1e3
    );
    Ok(())
}
