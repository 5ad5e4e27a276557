//! Streaming commands (`SUBSCRIBE`, `PSUBSCRIBE`, `SSUBSCRIBE`, `MONITOR`), bounded.
//!
//! Such a command turns a connection into a one-way stream, which would desynchronise the
//! session's request/reply queue. So it runs on a dedicated connection of its own, sent exactly as
//! the user wrote it, and every reply the server pushes (subscription confirmations, messages,
//! monitor lines) is collected as a value. The stream stops at the cell's `--timeout` (default
//! 10 s), after `--count` messages, or at the stop button; the dedicated connection is then closed
//! by the server (`CLIENT KILL ID`), which ends every subscription, and the session is untouched.
//!
//! The dedicated connection is the driver's synchronous one, read on its own thread: it hands
//! back every frame as it is (the async pub/sub type hides confirmations and has no
//! `SSUBSCRIBE`). The thread blocks in a read with no timeout (a read timeout would make the
//! driver skip the next frame), and `CLIENT KILL` is what wakes it.

use std::collections::VecDeque;
use std::time::Duration;

use redis::{Client, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::connect::side_command;
use super::double::DoubleStyle;
use super::reply::convert;
use super::request::Stop;
use crate::result::RedisValue;

/// Default bound when the cell gives no `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Limits of one stream.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub timeout: Duration,
    pub max_messages: Option<u64>,
    /// Messages kept for display (the most recent); `None` keeps all (for `--out`).
    pub keep: Option<usize>,
}

/// Why a stream ended, and what it gathered.
pub struct Outcome {
    /// Confirmations, then a note on messages left out, then the kept messages.
    pub reply: RedisValue,
    pub messages: u64,
    /// `None` when the server ended it (an error reply, a closed connection).
    pub stop: Option<StreamStop>,
    /// The first error reply (the command was refused) or a connection failure.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamStop {
    Count,
    Bound(Stop),
}

enum Event {
    Ready(Option<i64>),
    Reply(Value),
    Failed(String),
}

/// Collected replies, bounded for display.
struct Gathered {
    confirmations: Vec<RedisValue>,
    messages: VecDeque<RedisValue>,
    dropped: u64,
    total: u64,
    keep: Option<usize>,
}

impl Gathered {
    fn push_message(&mut self, message: RedisValue) {
        self.total += 1;
        self.messages.push_back(message);
        if let Some(keep) = self.keep
            && self.messages.len() > keep
        {
            self.messages.pop_front();
            self.dropped += 1;
        }
    }

    fn value(&self) -> RedisValue {
        let mut items = self.confirmations.clone();
        if self.dropped > 0 {
            items.push(RedisValue::Status(format!(
                "({} earlier messages not shown; raise --limit to see more)",
                self.dropped
            )));
        }
        items.extend(self.messages.iter().cloned());
        RedisValue::Array(items)
    }
}

/// What the cell says when a stream reached its time bound: the display stopped, nothing is
/// listening any more, and how to listen longer. Without it a SUBSCRIBE cell simply ends after
/// 10 s and the learner waits for messages that will never be shown.
pub fn deadline_note(
    command: &str,
    line: usize,
    bound: Duration,
    given: bool,
    messages: u64,
) -> String {
    let secs = bound.as_secs_f64();
    let why = if given {
        format!("the cell's --timeout of {secs} s")
    } else {
        format!("{secs} s, the default bound for streaming commands")
    };
    let received = match messages {
        0 => "no messages arrived".to_string(),
        1 => "1 message arrived".to_string(),
        n => format!("{n} messages arrived"),
    };
    format!(
        "{command} (line {line}) stopped listening after {why} ({received}); the display above no longer updates and the subscription is closed. To keep listening, run the cell again with a longer bound, e.g. %%redis --timeout 300, or stop after N messages with --count N (the stop button ends it at any time)\n"
    )
}

/// Is this reply a delivered message (rather than a subscription confirmation)?
fn is_message(value: &RedisValue, monitor: bool, replies_so_far: usize) -> bool {
    if monitor {
        // MONITOR answers `OK` once, then one status line per command the server runs.
        return replies_so_far > 0;
    }
    let items = match value {
        RedisValue::Array(items) => items,
        RedisValue::Push { kind, .. } => {
            return matches!(kind.as_str(), "message" | "pmessage" | "smessage");
        }
        _ => return false,
    };
    matches!(items.first(), Some(RedisValue::Bulk(kind)) if matches!(kind.as_slice(), b"message" | b"pmessage" | b"smessage"))
}

/// Runs a streaming command; `update` is called with the gathered value after every reply.
pub async fn run(
    client: &Client,
    args: &[Vec<u8>],
    monitor: bool,
    bounds: Bounds,
    style: DoubleStyle,
    cancel: &CancellationToken,
    mut update: impl FnMut(&RedisValue),
) -> Outcome {
    let mut command = redis::Cmd::new();
    for arg in args {
        command.arg(arg.as_slice());
    }
    let (sender, mut events) = mpsc::unbounded_channel();
    spawn_reader(client.clone(), command.get_packed_command(), sender);

    let deadline = Instant::now() + bounds.timeout;
    let mut gathered = Gathered {
        confirmations: Vec::new(),
        messages: VecDeque::new(),
        dropped: 0,
        total: 0,
        keep: bounds.keep,
    };
    let mut replies = 0usize;
    let mut stream_id = None;
    let mut error = None;
    let stop = loop {
        let event = tokio::select! {
            event = events.recv() => event,
            _ = cancel.cancelled() => break Some(StreamStop::Bound(Stop::Cancelled)),
            _ = tokio::time::sleep_until(deadline) => break Some(StreamStop::Bound(Stop::Deadline)),
        };
        match event {
            Some(Event::Ready(id)) => stream_id = id,
            Some(Event::Reply(value)) => {
                let value = convert(value, style);
                if let RedisValue::Error(text) = &value {
                    error = Some(text.clone());
                    gathered.confirmations.push(value);
                    update(&gathered.value());
                    break None;
                }
                if is_message(&value, monitor, replies) {
                    gathered.push_message(value);
                } else {
                    gathered.confirmations.push(value);
                }
                replies += 1;
                update(&gathered.value());
                if bounds.max_messages.is_some_and(|max| gathered.total >= max) {
                    break Some(StreamStop::Count);
                }
            }
            Some(Event::Failed(message)) => {
                error = Some(message);
                break None;
            }
            None => break None,
        }
    };
    // The reader may have reported its id just as the bound fired.
    while let Ok(event) = events.try_recv() {
        if let Event::Ready(id) = event {
            stream_id = id;
        }
    }
    // Closing the dedicated connection on the server ends its subscriptions (or MONITOR) and
    // wakes the reader thread, which then exits. (Had it not reported its id yet, it finds the
    // channel closed at its next step and closes the connection itself.)
    if let Some(id) = stream_id {
        side_command(client, redis::cmd("CLIENT").arg("KILL").arg("ID").arg(id)).await;
    }
    Outcome {
        reply: gathered.value(),
        messages: gathered.total,
        stop,
        error,
    }
}

/// Reads the dedicated connection on its own thread, forwarding every frame.
fn spawn_reader(client: Client, packed: Vec<u8>, sender: mpsc::UnboundedSender<Event>) {
    let failure = sender.clone();
    let spawned = std::thread::Builder::new()
        .name("redis-stream".into())
        .spawn(move || {
            let mut connection = match client.get_connection_with_timeout(CONNECT_TIMEOUT) {
                Ok(connection) => connection,
                Err(e) => {
                    let _ = sender.send(Event::Failed(format!(
                        "cannot open a connection for the stream: {e}"
                    )));
                    return;
                }
            };
            let id = redis::cmd("CLIENT")
                .arg("ID")
                .query::<i64>(&mut connection)
                .ok();
            if sender.send(Event::Ready(id)).is_err() {
                return;
            }
            if let Err(e) = connection.send_packed_command(&packed) {
                let _ = sender.send(Event::Failed(format!("cannot send the command: {e}")));
                return;
            }
            loop {
                match connection.recv_response() {
                    Ok(value) => {
                        if sender.send(Event::Reply(value)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = sender.send(Event::Failed(format!(
                            "the stream's connection closed: {e}"
                        )));
                        return;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        // The cell reports it at once instead of waiting out the bound.
        let _ = failure.send(Event::Failed(format!(
            "cannot start a thread for the stream: {e}"
        )));
    }
}
