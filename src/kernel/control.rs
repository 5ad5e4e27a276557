//! The control channel: interrupt, shutdown and kernel_info, served on their own task so they
//! work while the executor is busy with a long cell.

use std::sync::Arc;

use serde_json::json;
use zeromq::{RouterRecvHalf, SocketRecv};

use super::replier::Replier;
use super::{Shared, requests};
use crate::wire::{Codec, Message};

pub async fn serve(mut socket: RouterRecvHalf, codec: Codec, shared: Arc<Shared>) {
    loop {
        let frames = match socket.recv().await {
            Ok(message) => message.into_vec(),
            Err(e) => {
                log::warn!("control receive failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        match codec.decode(frames) {
            Ok(request) => handle(&shared, &shared.control, request).await,
            Err(e) => log::warn!("control: message dropped: {e}"),
        }
    }
}

/// Handles a control request arriving on `channel` (control, or shell for older clients).
pub async fn handle(shared: &Arc<Shared>, channel: &Replier, request: Message) {
    match request.msg_type() {
        "interrupt_request" => {
            shared
                .busy_idle(&request, || async {
                    shared.interrupt();
                    channel
                        .reply(&request, "interrupt_reply", json!({"status": "ok"}))
                        .await;
                })
                .await
        }
        "shutdown_request" => {
            let restart = request
                .field("restart")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            shared
                .busy_idle(&request, || async {
                    say_what_is_rolled_back(shared, &request, restart);
                    channel
                        .reply(
                            &request,
                            "shutdown_reply",
                            json!({"status": "ok", "restart": restart}),
                        )
                        .await;
                })
                .await;
            shared.iopub.flush().await;
            shared.shutdown.cancel();
        }
        _ => requests::handle(shared, channel, request).await,
    }
}

/// Restart and shutdown close every connection, which rolls back open transactions (and drops a
/// Redis MULTI queue): say so, on IOPub under the shutdown request and in the log.
fn say_what_is_rolled_back(shared: &Shared, request: &Message, restart: bool) {
    let open = shared
        .open_transactions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if open.is_empty() {
        return;
    }
    let what = if restart { "restart" } else { "shutdown" };
    let list: Vec<String> = open
        .iter()
        .map(|(name, state)| format!("{name} ({state})"))
        .collect();
    let text = format!(
        "dbkernel: {what} closes connections with open transactions, which are rolled back: {}\n",
        list.join(", ")
    );
    log::warn!("{}", text.trim_end());
    shared.iopub.stream("stderr", &text, Some(request));
}
