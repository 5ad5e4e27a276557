//! The IOPub publisher: one task owns the PUB socket and sends messages in the order they were
//! queued. [`Iopub::flush`] waits until everything queued so far is on the wire, so the executor
//! can publish outputs, flush, then send the shell reply, and outputs never trail the reply.

use serde_json::{Value as Json, json};
use tokio::sync::{mpsc, oneshot};
use zeromq::{PubSocket, SocketSend, ZmqMessage};

use crate::wire::{Codec, Message};

enum Item {
    // Boxed: messages are queued by the thousand during big outputs; keep the queue's slots small.
    Message(Box<Message>),
    Flush(oneshot::Sender<()>),
}

/// A cheap, cloneable handle for publishing on IOPub.
#[derive(Clone)]
pub struct Iopub {
    tx: mpsc::UnboundedSender<Item>,
    session: String,
}

impl Iopub {
    /// Starts the publisher task.
    pub fn start(mut socket: PubSocket, codec: Codec, session: String) -> Iopub {
        let (tx, mut rx) = mpsc::unbounded_channel::<Item>();
        tokio::spawn(async move {
            while let Some(item) = rx.recv().await {
                match item {
                    Item::Message(message) => {
                        let mut message = *message;
                        // The topic frame lets subscribers filter; Jupyter clients subscribe to all.
                        message.identities = vec![
                            format!(
                                "kernel.{}.{}",
                                &message.header["session"].as_str().unwrap_or(""),
                                message.msg_type()
                            )
                            .into(),
                        ];
                        let frames = codec.encode(&message);
                        match ZmqMessage::try_from(frames) {
                            Ok(zmq_message) => {
                                if let Err(e) = socket.send(zmq_message).await {
                                    log::warn!("iopub send failed: {e}");
                                }
                            }
                            Err(e) => log::warn!("iopub message not sent: {e}"),
                        }
                    }
                    Item::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Iopub { tx, session }
    }

    pub fn session(&self) -> &str {
        &self.session
    }

    /// Publishes `msg_type` with `content`, child of `parent`.
    pub fn publish(&self, msg_type: &str, content: Json, parent: Option<&Message>) {
        let message = Message::new(msg_type, content, parent, &self.session);
        if self.tx.send(Item::Message(Box::new(message))).is_err() {
            log::warn!("iopub task is gone; {msg_type} dropped");
        }
    }

    pub fn status(&self, state: &str, parent: Option<&Message>) {
        self.publish("status", json!({ "execution_state": state }), parent);
    }

    pub fn stream(&self, name: &str, text: &str, parent: Option<&Message>) {
        self.publish("stream", json!({ "name": name, "text": text }), parent);
    }

    /// Waits until every message queued before this call has been handed to the socket.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Item::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}
