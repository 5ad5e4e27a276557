//! Memory per stored document: RSS growth of the embedded engine while it stores N documents
//! shaped like doc_bench.py's, against the total of their BSON sizes (issue 18's aim: within
//! 1.5x of BSON).
//!
//! cargo run --release -p docdb --example doc_memory [-- N]
//!
//! The first figure includes the `_id` index (one entry per document), as any collection has
//! it, then the same for the second half of the inserts alone (the per-document cost without
//! what the first inserts set up once); the last stores the same documents in a bare `Records`
//! (the documents alone).

use bson::{Bson, Document, doc};

fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn make_doc(i: i64) -> Document {
    // The same fields and value kinds as doc_bench.py's make_docs (a fixed country cycle
    // stands in for its seeded random choice).
    let countries = ["DE", "FR", "US", "IN", "BR"];
    let tags: Vec<Bson> = ["a", "b"][..(i % 3) as usize]
        .iter()
        .map(|t| Bson::String(t.to_string()))
        .collect();
    doc! {
        "_id": bson::oid::ObjectId::new(),
        "n": i as i32,
        "name": format!("user{i}"),
        "country": countries[(i * 7 % 5) as usize],
        "amount": ((i * 37) % 1000 + 1) as i32,
        "active": i % 3 == 0,
        "tags": tags,
    }
}

fn main() {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let engine = docdb::Engine::in_memory();
    engine.execute("mem", doc! {"create": "docs"});
    let before = rss_kib();
    let mut bson_bytes = 0usize;
    // RSS and BSON total once half the documents are in: the second half's growth is the
    // cost per document without what the first inserts set up once (allocator arenas, lazily
    // built tables), which weighs on small N.
    let mut half = (0, 0);
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        if i == n / 2 {
            half = (rss_kib(), bson_bytes);
        }
        let d = make_doc(i);
        bson_bytes += d.to_vec().map(|v| v.len()).unwrap_or(0);
        batch.push(Bson::Document(d));
        if batch.len() == 1000 || i == n - 1 {
            let reply = engine.execute(
                "mem",
                doc! {"insert": "docs", "documents": std::mem::take(&mut batch)},
            );
            assert_eq!(reply.get_f64("ok").ok(), Some(1.0), "{reply}");
        }
    }
    let grown = (rss_kib() - before) * 1024;
    println!(
        "documents={n} bson_bytes={bson_bytes} rss_growth_bytes={grown} per_doc_bson={:.1} per_doc_rss={:.1} ratio={:.2}",
        bson_bytes as f64 / n as f64,
        grown as f64 / n as f64,
        grown as f64 / bson_bytes as f64
    );
    let second_rss = (rss_kib() - half.0) * 1024;
    let second_bson = bson_bytes - half.1;
    println!(
        "second half alone: per_doc_rss={:.1} ratio={:.2}",
        second_rss as f64 / (n - n / 2) as f64,
        second_rss as f64 / second_bson as f64
    );
    // The same documents in a bare record store (no index): the figure without `_id_`.
    let before = rss_kib();
    let mut records = docdb::records::Records::default();
    for i in 0..n {
        records.insert(&make_doc(i)).expect("storable");
    }
    let grown = (rss_kib() - before) * 1024;
    println!(
        "without the _id index: records={} per_doc_rss={:.1} ratio={:.2}",
        records.len(),
        grown as f64 / n as f64,
        grown as f64 / bson_bytes as f64
    );
}
