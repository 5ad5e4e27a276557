//! A Jupyter message with its routing identities, and the helpers to build replies.

use bytes::Bytes;
use serde_json::{Map, Value as Json, json};

/// One message. The four dictionaries are kept as JSON values: the kernel parses `content`
/// itself, so a malformed request can still get an error reply instead of being lost.
#[derive(Debug, Clone)]
pub struct Message {
    /// ZeroMQ routing identities (ROUTER sockets) or the IOPub topic.
    pub identities: Vec<Bytes>,
    pub header: Json,
    pub parent_header: Json,
    pub metadata: Json,
    pub content: Json,
    pub buffers: Vec<Bytes>,
}

/// The protocol version this kernel speaks (and puts in every header).
pub const PROTOCOL_VERSION: &str = "5.3";

impl Message {
    pub fn msg_type(&self) -> &str {
        self.header
            .get("msg_type")
            .and_then(Json::as_str)
            .unwrap_or("")
    }

    pub fn msg_id(&self) -> &str {
        self.header
            .get("msg_id")
            .and_then(Json::as_str)
            .unwrap_or("")
    }

    /// A new message whose parent is `parent` (or none), with a fresh header for `session`.
    pub fn new(msg_type: &str, content: Json, parent: Option<&Message>, session: &str) -> Message {
        Message {
            identities: parent.map(|p| p.identities.clone()).unwrap_or_default(),
            header: new_header(msg_type, session),
            parent_header: parent
                .map(|p| p.header.clone())
                .unwrap_or_else(|| Json::Object(Map::new())),
            metadata: Json::Object(Map::new()),
            content,
            buffers: Vec::new(),
        }
    }

    /// A field of `content`, for request parsing.
    pub fn field(&self, name: &str) -> Option<&Json> {
        self.content.get(name)
    }
}

/// A header with a new uuid4 msg_id and an RFC 3339 date with microseconds and timezone.
pub fn new_header(msg_type: &str, session: &str) -> Json {
    json!({
        "msg_id": uuid::Uuid::new_v4().to_string(),
        "session": session,
        "username": "dbkernel",
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "msg_type": msg_type,
        "version": PROTOCOL_VERSION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_carry_the_parent_header_and_routing_ids() {
        let mut request = Message::new("kernel_info_request", json!({}), None, "client");
        request.identities = vec![Bytes::from_static(b"peer")];
        let reply = Message::new("kernel_info_reply", json!({}), Some(&request), "kernel");
        assert_eq!(reply.parent_header["msg_id"], request.header["msg_id"]);
        assert_eq!(reply.identities, request.identities);
        assert_eq!(reply.msg_type(), "kernel_info_reply");
        assert!(reply.header["date"].as_str().unwrap().ends_with('Z'));
    }
}
