//! Frames ↔ [`Message`]: split at the delimiter, verify the signature, parse the four JSON frames.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde_json::Value as Json;

use super::message::Message;
use super::replay::RecentSignatures;
use super::signer::Signer;

pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// Largest message the kernel accepts. Cells are text; anything bigger is a broken or hostile
/// client, and refusing it keeps the kernel's memory bounded.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WireError {
    #[error("no <IDS|MSG> delimiter in a {0}-frame message")]
    NoDelimiter(usize),
    #[error(
        "message has {0} frames after the delimiter; at least 5 (signature and 4 JSON frames) are required"
    )]
    TooFewFrames(usize),
    #[error("bad signature: message dropped")]
    BadSignature,
    #[error("replayed message: its signature was already seen, so it is not run again")]
    Replayed,
    #[error("frame '{frame}' is not a JSON object: {reason}")]
    BadJson { frame: &'static str, reason: String },
    #[error("header has no msg_type")]
    NoMsgType,
    #[error("message of {0} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
}

/// Encodes and decodes messages for one connection (one key). Clones share the record of recent
/// signatures, so a message replayed on another socket (shell and control) is caught too.
#[derive(Clone)]
pub struct Codec {
    signer: Signer,
    recent: Arc<Mutex<RecentSignatures>>,
}

const FRAME_NAMES: [&str; 4] = ["header", "parent_header", "metadata", "content"];

impl Codec {
    pub fn new(signer: Signer) -> Self {
        Codec {
            signer,
            recent: Arc::new(Mutex::new(RecentSignatures::default())),
        }
    }

    pub fn decode(&self, frames: Vec<Bytes>) -> Result<Message, WireError> {
        let size: usize = frames.iter().map(Bytes::len).sum();
        if size > MAX_MESSAGE_BYTES {
            return Err(WireError::TooLarge(size));
        }
        let count = frames.len();
        let split = frames
            .iter()
            .position(|f| f.as_ref() == DELIMITER)
            .ok_or(WireError::NoDelimiter(count))?;
        let mut frames = frames;
        let rest = frames.split_off(split + 1);
        frames.pop(); // the delimiter
        let identities = frames;
        if rest.len() < 5 {
            return Err(WireError::TooFewFrames(rest.len()));
        }
        let json_frames: [&[u8]; 4] = [&rest[1], &rest[2], &rest[3], &rest[4]];
        if !self.signer.verify(&rest[0], &json_frames) {
            return Err(WireError::BadSignature);
        }
        // A verified signature is 64 hex digits; its 32 bytes identify the message (the header
        // and its unique msg_id are signed), whatever the case of the hex or the routing ids.
        if self.signer.is_signed()
            && let Ok(mac) = <[u8; 32]>::try_from(hex::decode(&rest[0]).unwrap_or_default())
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if !recent.first_time(mac) {
                return Err(WireError::Replayed);
            }
        }
        let mut parsed = Vec::with_capacity(4);
        for (frame, name) in json_frames.iter().zip(FRAME_NAMES) {
            let value: Json = serde_json::from_slice(frame).map_err(|e| WireError::BadJson {
                frame: name,
                reason: e.to_string(),
            })?;
            if !value.is_object() {
                return Err(WireError::BadJson {
                    frame: name,
                    reason: "expected an object".into(),
                });
            }
            parsed.push(value);
        }
        let mut parsed = parsed.into_iter();
        let header = parsed.next().unwrap_or_default();
        if !header.get("msg_type").is_some_and(Json::is_string) {
            return Err(WireError::NoMsgType);
        }
        Ok(Message {
            identities,
            header,
            parent_header: parsed.next().unwrap_or_default(),
            metadata: parsed.next().unwrap_or_default(),
            content: parsed.next().unwrap_or_default(),
            buffers: rest.into_iter().skip(5).collect(),
        })
    }

    pub fn encode(&self, message: &Message) -> Vec<Bytes> {
        let json = [
            &message.header,
            &message.parent_header,
            &message.metadata,
            &message.content,
        ]
        .map(|v| Bytes::from(serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec())));
        let signature = self.signer.sign(&[&json[0], &json[1], &json[2], &json[3]]);
        let mut frames = message.identities.clone();
        frames.push(Bytes::from_static(DELIMITER));
        frames.push(Bytes::from(signature));
        frames.extend(json);
        frames.extend(message.buffers.iter().cloned());
        frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codec() -> Codec {
        Codec::new(Signer::new("k"))
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let mut m = Message::new("execute_request", json!({"code": "SELECT 1"}), None, "s");
        m.identities = vec![Bytes::from_static(b"id1"), Bytes::from_static(b"id2")];
        let back = codec().decode(codec().encode(&m)).unwrap();
        assert_eq!(back.identities, m.identities);
        assert_eq!(back.content, m.content);
        assert_eq!(back.msg_type(), "execute_request");
    }

    #[test]
    fn wrong_key_is_rejected() {
        let m = Message::new("execute_request", json!({}), None, "s");
        let frames = Codec::new(Signer::new("other")).encode(&m);
        assert_eq!(codec().decode(frames).unwrap_err(), WireError::BadSignature);
    }

    #[test]
    fn a_replayed_signed_message_is_dropped_once_seen() {
        let codec = codec();
        let m = Message::new("execute_request", json!({"code": "INCR n"}), None, "s");
        let frames = codec.encode(&m);
        assert!(codec.decode(frames.clone()).is_ok());
        assert_eq!(
            codec.decode(frames.clone()).unwrap_err(),
            WireError::Replayed
        );
        // The same frames behind other routing ids, or on a clone (another socket): still a replay.
        let mut rerouted = vec![Bytes::from_static(b"other-peer")];
        rerouted.extend(frames.iter().cloned());
        assert_eq!(codec.decode(rerouted).unwrap_err(), WireError::Replayed);
        assert_eq!(
            codec.clone().decode(frames.clone()).unwrap_err(),
            WireError::Replayed
        );
        // Upper-case hex is the same signature.
        let mut upper = frames.clone();
        upper[1] = Bytes::from(upper[1].to_ascii_uppercase());
        assert_eq!(codec.decode(upper).unwrap_err(), WireError::Replayed);
        // A new message (new msg_id) with the same content is not a replay.
        let again = Message::new("execute_request", json!({"code": "INCR n"}), None, "s");
        assert!(codec.decode(codec.encode(&again)).is_ok());
    }

    #[test]
    fn a_bad_signature_is_not_remembered_and_unsigned_messages_are_not_tracked() {
        let codec = codec();
        let m = Message::new("kernel_info_request", json!({}), None, "s");
        let good = codec.encode(&m);
        let mut forged = good.clone();
        forged[1] = Bytes::from_static(&[b'0'; 64]);
        assert_eq!(
            codec.decode(forged.clone()).unwrap_err(),
            WireError::BadSignature
        );
        assert!(
            codec.decode(good).is_ok(),
            "a forged copy must not block the real one"
        );
        let unsigned = Codec::new(Signer::new(""));
        let frames = unsigned.encode(&m);
        assert!(unsigned.decode(frames.clone()).is_ok());
        assert!(unsigned.decode(frames).is_ok());
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        assert!(matches!(
            codec().decode(vec![]),
            Err(WireError::NoDelimiter(0))
        ));
        assert!(matches!(
            codec().decode(vec![Bytes::from_static(DELIMITER)]),
            Err(WireError::TooFewFrames(0))
        ));
        let unsigned = Codec::new(Signer::new(""));
        let frames = vec![
            Bytes::from_static(DELIMITER),
            Bytes::new(),
            Bytes::from_static(b"not json"),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
        ];
        assert!(matches!(
            unsigned.decode(frames),
            Err(WireError::BadJson {
                frame: "header",
                ..
            })
        ));
        let frames = vec![
            Bytes::from_static(DELIMITER),
            Bytes::new(),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
        ];
        assert!(matches!(unsigned.decode(frames), Err(WireError::NoMsgType)));
    }
}
