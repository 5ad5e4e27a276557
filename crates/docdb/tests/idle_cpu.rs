//! An idle server with a driver attached uses no CPU to speak of: the
//! driver's monitor waits in awaitable hellos instead of polling in a loop.
//!
//! Alone in its test binary so the process CPU it reads (server and driver
//! both, as in the kernel process) is this test's only.

mod common;

use std::time::Duration;

use bson::doc;

/// User plus system CPU time of this process, from /proc/self/stat.
#[cfg(target_os = "linux")]
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which is in parentheses and may hold spaces).
    let after = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // USER_HZ is 100 on every Linux the tests run on.
    Duration::from_millis(ticks * 10)
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_driver_and_server_use_almost_no_cpu() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, false).await;
    let coll = client.database("idle").collection::<bson::Document>("x");
    coll.insert_one(doc! {"a": 1}).await.expect("insert");
    assert!(coll.find_one(doc! {}).await.expect("findOne").is_some());
    // Let the monitor reach its streaming state.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = process_cpu();
    let window = Duration::from_secs(4);
    tokio::time::sleep(window).await;
    let used = process_cpu() - before;
    let share = used.as_secs_f64() / window.as_secs_f64();
    assert!(
        share < 0.05,
        "idle process used {:.1}% of a core ({used:?} in {window:?})",
        share * 100.0
    );
    assert!(
        coll.find_one(doc! {})
            .await
            .expect("still serves")
            .is_some()
    );
}
