//! The executor: runs execute requests one at a time, in order.
//!
//! Execution count: incremented only for `store_history && !silent`. `silent` cells publish no
//! execute_input and no outputs. After a failed cell with `stop_on_error`, every execute request
//! that had already arrived is answered `aborted` without running; later ones run normally.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::contain::contained;
use super::sink::KernelSink;
use super::{ExecuteJob, Shared};
use crate::engine::EngineError;
use crate::engine::context::ResultSink;
use crate::session::Session;

pub async fn run_executor(mut queue: mpsc::UnboundedReceiver<ExecuteJob>, shared: Arc<Shared>) {
    let mut session = Session::from_working_directory();
    let mut execution_count: u64 = 0;
    // Requests with seq <= abort_through were queued before a stop_on_error failure.
    let mut abort_through: u64 = 0;
    super::requests::catalog::after_cell(&shared, &session, "");
    loop {
        let job = tokio::select! {
            job = queue.recv() => job,
            _ = shared.shutdown.cancelled() => None,
        };
        let Some(job) = job else { break };
        let request = &job.request;
        let content = &request.content;
        let flag = |name: &str, default: bool| {
            content.get(name).and_then(Json::as_bool).unwrap_or(default)
        };
        let silent = flag("silent", false);
        let store_history = flag("store_history", !silent) && !silent;
        let stop_on_error = flag("stop_on_error", true);
        shared.iopub.status("busy", Some(request));

        if job.seq <= abort_through {
            shared
                .shell
                .reply(
                    request,
                    "execute_reply",
                    json!({"status": "aborted", "execution_count": execution_count}),
                )
                .await;
            shared.iopub.status("idle", Some(request));
            continue;
        }

        let Some(code) = content.get("code").and_then(Json::as_str) else {
            let error = EngineError::new(
                "BadRequest",
                "execute_request content needs a string field 'code'",
            );
            shared
                .shell
                .reply(
                    request,
                    "execute_reply",
                    error_reply(&error, execution_count),
                )
                .await;
            shared.iopub.status("idle", Some(request));
            continue;
        };
        if store_history {
            execution_count += 1;
            shared
                .history
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .record(execution_count, code);
        }
        if !silent {
            shared.iopub.publish(
                "execute_input",
                json!({"code": code, "execution_count": execution_count}),
                Some(request),
            );
        }

        if let Some(help) = crate::cell::magics::pager_request(code) {
            let payload = json!([{"source": "page", "data": {"text/plain": help}, "start": 0}]);
            shared.iopub.flush().await;
            shared.shell.reply(request, "execute_reply", json!({"status": "ok", "execution_count": execution_count, "payload": payload, "user_expressions": {}})).await;
            shared.iopub.status("idle", Some(request));
            continue;
        }

        let cancel = CancellationToken::new();
        *shared.running.lock().unwrap_or_else(|e| e.into_inner()) = Some(cancel.clone());
        // Everything below a cell (engines, drivers, renderers) runs contained: a panic is this
        // cell's error output, and the executor lives on for the next cell.
        let mut sink = KernelSink::new(&shared.iopub, request);
        // The progress line's timer lives only while the cell runs.
        let progress_timer = sink.timer();
        let cell = contained(async {
            let mut quiet = QuietSink;
            let target: &mut dyn ResultSink = if silent { &mut quiet } else { &mut sink };
            super::contain::inject_fault(code);
            let outcome = session.run_cell(code, target, cancel).await;
            if outcome.is_ok()
                && let Some(text) = sink.finish(execution_count)
                && store_history
            {
                shared
                    .history
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .record_output(execution_count, &text);
            }
            outcome
        });
        let outcome = tokio::select! {
            outcome = cell => outcome,
            _ = progress_timer => unreachable!("the progress timer never ends"),
        };
        if outcome.is_err() {
            // A failed (or panicked) cell shows what it held back as display_data, before the
            // error; contained again, so a renderer panic cannot strike twice.
            let _ = contained(async {
                sink.flush_pending();
                Ok(())
            })
            .await;
        }
        drop(sink);
        super::memory::release_freed_memory();
        *shared.running.lock().unwrap_or_else(|e| e.into_inner()) = None;

        let reply = match &outcome {
            Ok(()) => {
                json!({"status": "ok", "execution_count": execution_count, "payload": [], "user_expressions": {}})
            }
            Err(error) => {
                if !silent {
                    shared.iopub.publish(
                        "error",
                        json!({"ename": error.ename, "evalue": error.evalue, "traceback": error.traceback()}),
                        Some(request),
                    );
                }
                if stop_on_error {
                    abort_through = shared.received_executes.load(Ordering::SeqCst);
                }
                error_reply(error, execution_count)
            }
        };
        *shared
            .open_transactions
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = session.connections.open_transactions();
        super::requests::catalog::after_cell(&shared, &session, code);
        shared.iopub.flush().await;
        shared.shell.reply(request, "execute_reply", reply).await;
        shared.iopub.status("idle", Some(request));
    }
    // Shutdown (or every client gone): close connections so servers roll back at once and
    // private servers stop, instead of waiting for TCP timeouts.
    // Private sandboxes go first, while their connections are still open.
    for problem in session.drop_sandboxes().await {
        log::warn!("{problem}");
    }
    let rolled_back = session.connections.close_all().await;
    for (name, state) in rolled_back {
        log::info!("closed {name}: {state} rolled back");
    }
    shared.closed.cancel();
}

fn error_reply(error: &EngineError, execution_count: u64) -> Json {
    json!({
        "status": "error",
        "execution_count": execution_count,
        "ename": error.ename,
        "evalue": error.evalue,
        "traceback": error.traceback(),
    })
}

/// Discards output for `silent` executions.
struct QuietSink;

impl ResultSink for QuietSink {
    fn emit(&mut self, _: crate::result::QueryResult) {}
    fn live(&mut self, _: crate::result::QueryResult) {}
    fn stdout(&mut self, _: &str) {}
    fn stderr(&mut self, _: &str) {}
}
