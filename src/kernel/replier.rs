//! Sending replies on a ROUTER socket (shell or control) back to the requester's identities.

use std::sync::Arc;

use tokio::sync::Mutex;
use zeromq::{RouterSendHalf, SocketSend, ZmqMessage};

use crate::wire::{Codec, Message};

#[derive(Clone)]
pub struct Replier {
    socket: Arc<Mutex<RouterSendHalf>>,
    codec: Codec,
    session: String,
    channel: &'static str,
}

impl Replier {
    pub fn new(
        socket: RouterSendHalf,
        codec: Codec,
        session: String,
        channel: &'static str,
    ) -> Self {
        Replier {
            socket: Arc::new(Mutex::new(socket)),
            codec,
            session,
            channel,
        }
    }

    /// Sends `msg_type` with `content` as the reply to `request`. A peer that went away is logged,
    /// not fatal: the kernel keeps serving everyone else.
    pub async fn reply(&self, request: &Message, msg_type: &str, content: serde_json::Value) {
        let message = Message::new(msg_type, content, Some(request), &self.session);
        self.send(&message).await;
    }

    pub async fn send(&self, message: &Message) {
        let frames = self.codec.encode(message);
        match ZmqMessage::try_from(frames) {
            Ok(zmq_message) => {
                if let Err(e) = self.socket.lock().await.send(zmq_message).await {
                    log::warn!(
                        "{} reply {} not delivered: {e}",
                        self.channel,
                        message.msg_type()
                    );
                }
            }
            Err(e) => log::warn!("{} reply not built: {e}", self.channel),
        }
    }
}
