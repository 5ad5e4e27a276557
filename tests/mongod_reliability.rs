//! Reliability of `dbkernel mongod` as a separate process, seen by its clients:
//! - with a driver attached and nothing to do, it uses almost no CPU;
//! - killed with SIGKILL in the middle of a burst of writes from 8 clients, it
//!   comes back on the same --dbpath with every acknowledged insert and update,
//!   and its index agrees with a collection scan;
//! - the real mongosh (when installed: `DBKERNEL_MONGOSH`, or `mongosh` on
//!   PATH) writes and reads with its default monitoring, and its monitor sees
//!   no failed heartbeat.

mod mongod_support;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongod_support::{Server, free_port};
use mongodb::Client;

async fn client(port: u16) -> Client {
    Client::with_uri_str(format!(
        "mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=3000"
    ))
    .await
    .expect("client")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dbkernel-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_idle_server_with_a_driver_attached_uses_almost_no_cpu() {
    let port = free_port();
    let server = Server::start(port, None);
    // The driver with its default options: streaming monitoring, heartbeat 10 s.
    let client = Client::with_uri_str(format!("mongodb://127.0.0.1:{port}/"))
        .await
        .expect("client");
    let coll = client.database("idle").collection::<Document>("x");
    coll.insert_one(doc! {"a": 1}).await.expect("insert");
    assert!(coll.find_one(doc! {}).await.expect("findOne").is_some());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.cpu();
    let window = Duration::from_secs(5);
    tokio::time::sleep(window).await;
    let used = server.cpu() - before;
    let share = used.as_secs_f64() / window.as_secs_f64();
    assert!(
        share < 0.05,
        "the idle server used {:.1}% of a core ({used:?} in {window:?})",
        share * 100.0
    );
    assert!(
        coll.find_one(doc! {})
            .await
            .expect("still serves")
            .is_some()
    );
}

/// What one client had acknowledged before the server died.
#[derive(Default)]
struct Acknowledged {
    inserted: Vec<String>,
    updated: Vec<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_burst_loses_no_acknowledged_write() {
    let dir = temp_dir("burst");
    let port = free_port();
    let mut server = Server::start(port, Some(&dir));
    let setup = client(port).await;
    let coll = setup.database("burst").collection::<Document>("c");
    coll.create_index(mongodb::IndexModel::builder().keys(doc! {"k": 1}).build())
        .await
        .expect("createIndex");

    let acknowledged = Arc::new(Mutex::new(Acknowledged::default()));
    let mut tasks = Vec::new();
    for t in 0..8 {
        let acknowledged = Arc::clone(&acknowledged);
        tasks.push(tokio::spawn(async move {
            let client = client(port).await;
            let coll = client.database("burst").collection::<Document>("c");
            for i in 0.. {
                let id = format!("{t}-{i}");
                let k = (t * 100_000 + i) % 997;
                if coll
                    .insert_one(doc! {"_id": &id, "k": k, "v": 0})
                    .await
                    .is_err()
                {
                    return;
                }
                acknowledged.lock().unwrap().inserted.push(id.clone());
                match coll
                    .update_one(doc! {"_id": &id}, doc! {"$set": {"v": 1}, "$inc": {"k": 1}})
                    .await
                {
                    Ok(r) if r.matched_count == 1 => acknowledged.lock().unwrap().updated.push(id),
                    _ => return,
                }
            }
        }));
    }
    // Kill the server while all eight are still writing.
    let started = Instant::now();
    while acknowledged.lock().unwrap().updated.len() < 1500
        && started.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let burst_running = tasks.iter().all(|t| !t.is_finished());
    server.kill();
    for t in tasks {
        t.await.expect("client task");
    }
    assert!(burst_running, "the kill came mid-burst");
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    assert!(
        !acknowledged.updated.is_empty(),
        "some writes were acknowledged"
    );

    let port = free_port();
    let _server = Server::start(port, Some(&dir));
    let client = client(port).await;
    let coll = client.database("burst").collection::<Document>("c");
    let by_scan: Vec<Document> = coll
        .find(doc! {})
        .hint(mongodb::options::Hint::Keys(doc! {"$natural": 1}))
        .await
        .expect("collection scan")
        .try_collect()
        .await
        .expect("scan cursor");
    let stored: std::collections::HashMap<String, Document> = by_scan
        .iter()
        .map(|d| (d.get_str("_id").unwrap().to_string(), d.clone()))
        .collect();
    for id in &acknowledged.inserted {
        assert!(stored.contains_key(id), "acknowledged insert {id} was lost");
    }
    for id in &acknowledged.updated {
        assert_eq!(
            stored[id].get_i32("v").ok(),
            Some(1),
            "acknowledged update of {id} was lost: {}",
            stored[id]
        );
    }
    // The index holds exactly the documents the collection holds.
    for filter in [
        doc! {"k": {"$gte": 0}},
        doc! {"k": {"$lt": 100}},
        doc! {"k": 500},
    ] {
        assert_eq!(
            ids_found(&coll, &filter, doc! {"k": 1}, "index scan").await,
            ids_found(&coll, &filter, doc! {"$natural": 1}, "collection scan").await,
            "index and collection scan disagree on {filter}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `_id`s of the documents `filter` finds in `coll` with the index `hint` (`what` names the
/// scan in a failure).
async fn ids_found(
    coll: &mongodb::Collection<Document>,
    filter: &Document,
    hint: Document,
    what: &str,
) -> BTreeSet<String> {
    let docs: Vec<Document> = coll
        .find(filter.clone())
        .hint(mongodb::options::Hint::Keys(hint))
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{what} cursor: {e}"));
    docs.iter()
        .map(|d| d.get_str("_id").unwrap().to_string())
        .collect()
}

/// The mongosh to run: `DBKERNEL_MONGOSH`, else `mongosh` on PATH.
fn mongosh() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("DBKERNEL_MONGOSH") {
        return Some(path.into());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("mongosh"))
            .find(|p| p.is_file())
    })
}

#[test]
fn real_mongosh_writes_and_its_monitor_never_fails() {
    let Some(mongosh) = mongosh() else {
        // scripts/test.sh installs the npm registry's mongosh into tests/npm; under CI a missing
        // client is a failure, never a skip.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no mongosh under CI=true: scripts/test.sh installs it (npm ci in tests/npm) and sets DBKERNEL_MONGOSH"
        );
        eprintln!("skipped: no mongosh (set DBKERNEL_MONGOSH or put mongosh on PATH)");
        return;
    };
    let port = free_port();
    let _server = Server::start(port, None);
    // heartbeatFrequencyMS=500 only makes heartbeats frequent enough to see in
    // a few seconds; the monitoring mode stays the default (streaming).
    let script = r#"
        const events = { failed: 0, succeeded: 0, cleared: 0 };
        const driver = db.getMongo()._serviceProvider.mongoClient;
        driver.on("serverHeartbeatFailed", () => events.failed++);
        driver.on("serverHeartbeatSucceeded", () => events.succeeded++);
        driver.on("connectionPoolCleared", () => events.cleared++);
        for (let i = 0; i < 20; i++) {
            db.sh.insertOne({ i });
            db.sh.updateOne({ i }, { $set: { u: true } });
            sleep(100);
        }
        const found = db.sh.find({ u: true }).toArray().length;
        const deleted = db.sh.deleteMany({}).deletedCount;
        print(JSON.stringify({ found, deleted, ...events }));
    "#;
    let output = Command::new(&mongosh)
        .arg(format!(
            "mongodb://127.0.0.1:{port}/test?heartbeatFrequencyMS=500"
        ))
        .args(["--quiet", "--norc", "--eval", script])
        .output()
        .expect("mongosh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "mongosh failed: {stdout}\n{stderr}"
    );
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no result line: {stdout}\n{stderr}"));
    let result: serde_json::Value = serde_json::from_str(line).expect("JSON result");
    assert_eq!(result["found"], 20, "{result}");
    assert_eq!(result["deleted"], 20, "{result}");
    assert_eq!(result["failed"], 0, "no failed heartbeat: {result}");
    assert_eq!(result["cleared"], 0, "the pool was never cleared: {result}");
    assert!(
        result["succeeded"].as_i64().unwrap_or(0) >= 2,
        "heartbeats arrived: {result}"
    );
}
