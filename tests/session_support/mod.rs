//! Running cells through a `Session` (one kernel's state, no Jupyter) for the integration tests
//! of session-level features: checks, read-only connections, sandboxes.
#![allow(dead_code)]

use dbkernel::engine::EngineError;
use dbkernel::engine::context::CollectingSink;
use dbkernel::session::Session;
use tokio_util::sync::CancellationToken;

/// A name no other run (or other test in this run) uses: tests share the real servers.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Runs one cell and returns what it emitted with its outcome.
pub async fn run(session: &mut Session, code: &str) -> (CollectingSink, Result<(), EngineError>) {
    let mut sink = CollectingSink::default();
    let outcome = session
        .run_cell(code, &mut sink, CancellationToken::new())
        .await;
    (sink, outcome)
}

/// Runs one cell that must succeed; a failure panics with the cell and the error's detail.
pub async fn ok(session: &mut Session, code: &str) -> CollectingSink {
    let (sink, outcome) = run(session, code).await;
    if let Err(e) = outcome {
        panic!("cell failed:\n{code}\n{e}\n{}", e.detail.join("\n"));
    }
    sink
}
