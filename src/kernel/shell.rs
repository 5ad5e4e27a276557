//! The shell reader: decodes each request, answers the quick ones at once (so completion and
//! kernel_info work while a cell runs), and queues execute requests for the executor.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;
use zeromq::{RouterRecvHalf, SocketRecv};

use super::{ExecuteJob, Shared, control, requests};
use crate::wire::Codec;

pub async fn serve(
    mut socket: RouterRecvHalf,
    codec: Codec,
    shared: Arc<Shared>,
    executor: mpsc::UnboundedSender<ExecuteJob>,
) {
    loop {
        let frames = match socket.recv().await {
            Ok(message) => message.into_vec(),
            Err(e) => {
                log::warn!("shell receive failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let request = match codec.decode(frames) {
            Ok(request) => request,
            Err(e) => {
                // Never run what we cannot authenticate or parse; log it and keep serving.
                log::warn!("shell: message dropped: {e}");
                continue;
            }
        };
        match request.msg_type() {
            "execute_request" => {
                let seq = shared.received_executes.fetch_add(1, Ordering::SeqCst) + 1;
                if executor.send(ExecuteJob { request, seq }).is_err() {
                    log::error!("executor is gone; execute request dropped");
                }
            }
            // Older clients (VS Code before vscode-jupyter#17144) send these on shell.
            "interrupt_request" | "shutdown_request" => {
                control::handle(&shared, &shared.shell, request).await
            }
            _ => requests::handle(&shared, &shared.shell, request).await,
        }
    }
}
