//! Quick requests answered straight from the reader tasks: kernel_info, complete, inspect,
//! is_complete, history, comm_info, comms. Each gets busy → reply → idle; a request whose
//! content is malformed gets an error reply rather than silence.

pub mod catalog;
pub mod complete;
pub mod history;
pub mod inspect;
pub mod is_complete;
pub mod kernel_info;

use std::sync::Arc;

use serde_json::{Value as Json, json};

use super::Shared;
use super::replier::Replier;
use crate::wire::Message;

pub async fn handle(shared: &Arc<Shared>, channel: &Replier, request: Message) {
    let msg_type = request.msg_type().to_string();
    // Completion and inspection may wait (bounded) for a schema refresh or a Redis SCAN: on
    // shell they run on their own task so the reader goes on queueing executes meanwhile.
    if matches!(msg_type.as_str(), "complete_request" | "inspect_request")
        && std::ptr::eq(channel, &shared.shell)
    {
        let shared = shared.clone();
        tokio::spawn(async move {
            let (reply_type, content) = catalog_reply(&shared, &request).await;
            shared
                .busy_idle(&request, || async {
                    shared
                        .shell
                        .reply(&request, reply_type, error_or(content))
                        .await;
                })
                .await;
        });
        return;
    }
    let reply: Option<(&str, Result<Json, String>)> = match msg_type.as_str() {
        "kernel_info_request" => Some((
            "kernel_info_reply",
            Ok(kernel_info::reply(&shared.catalog).await),
        )),
        "complete_request" | "inspect_request" => Some(catalog_reply(shared, &request).await),
        "is_complete_request" => Some((
            "is_complete_reply",
            is_complete::reply(&shared.catalog, &request.content),
        )),
        "history_request" => {
            let history = shared.history.lock().unwrap_or_else(|e| e.into_inner());
            Some(("history_reply", history.reply(&request.content)))
        }
        "comm_info_request" => Some(("comm_info_reply", Ok(json!({"status": "ok", "comms": {}})))),
        "comm_open" => {
            // No comm targets exist here: tell the frontend the comm is closed at once.
            let comm_id = request.field("comm_id").cloned().unwrap_or(Json::Null);
            shared.iopub.publish(
                "comm_close",
                json!({"comm_id": comm_id, "data": {}}),
                Some(&request),
            );
            None
        }
        "comm_msg" | "comm_close" => None,
        other => {
            log::info!("no handler for {other}; answered with busy/idle only");
            None
        }
    };
    shared
        .busy_idle(&request, || async {
            if let Some((reply_type, content)) = reply {
                channel.reply(&request, reply_type, error_or(content)).await;
            }
        })
        .await;
}

async fn catalog_reply(shared: &Shared, request: &Message) -> (&'static str, Result<Json, String>) {
    if request.msg_type() == "complete_request" {
        (
            "complete_reply",
            complete::reply(&shared.catalog, &request.content).await,
        )
    } else {
        (
            "inspect_reply",
            inspect::reply(&shared.catalog, &request.content).await,
        )
    }
}

fn error_or(content: Result<Json, String>) -> Json {
    content.unwrap_or_else(|reason| {
        json!({"status": "error", "ename": "BadRequest", "evalue": reason, "traceback": []})
    })
}

/// Reads a required string field of a request's content.
pub fn string_field<'a>(content: &'a Json, name: &str) -> Result<&'a str, String> {
    content
        .get(name)
        .and_then(Json::as_str)
        .ok_or_else(|| format!("request content needs a string field '{name}'"))
}

/// Reads `cursor_pos` (Unicode code points) and returns it as a byte offset into `code`.
pub fn cursor_byte_offset(content: &Json, code: &str) -> Result<usize, String> {
    let pos = match content.get("cursor_pos") {
        None | Some(Json::Null) => code.chars().count(),
        Some(v) => v
            .as_u64()
            .ok_or("cursor_pos must be a non-negative integer")? as usize,
    };
    Ok(code
        .char_indices()
        .nth(pos)
        .map(|(i, _)| i)
        .unwrap_or(code.len()))
}

/// Converts a byte offset back to code points.
pub fn code_points(code: &str, byte_offset: usize) -> usize {
    code[..byte_offset.min(code.len())].chars().count()
}
