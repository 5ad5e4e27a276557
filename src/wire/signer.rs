//! HMAC-SHA256 signing and constant-time verification of the four JSON frames.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Signs outgoing and verifies incoming messages. An empty key means messages are not signed
/// (the signature frame is still sent, empty), as the messaging spec says.
#[derive(Clone)]
pub struct Signer {
    key: Option<Vec<u8>>,
}

impl Signer {
    /// `key` is the connection file's key string; its UTF-8 bytes are the HMAC key (not hex-decoded).
    pub fn new(key: &str) -> Self {
        Signer {
            key: if key.is_empty() {
                None
            } else {
                Some(key.as_bytes().to_vec())
            },
        }
    }

    /// True when a key is set (messages are signed and verified).
    pub fn is_signed(&self) -> bool {
        self.key.is_some()
    }

    fn mac(&self, key: &[u8], frames: &[&[u8]]) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac =
            <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        for frame in frames {
            mac.update(frame);
        }
        mac
    }

    /// Lowercase hex signature of the frames, or "" when signing is off.
    pub fn sign(&self, frames: &[&[u8]]) -> String {
        match &self.key {
            None => String::new(),
            Some(key) => hex::encode(self.mac(key, frames).finalize().into_bytes()),
        }
    }

    /// Checks a received signature in constant time. With no key every message is accepted.
    pub fn verify(&self, signature: &[u8], frames: &[&[u8]]) -> bool {
        match &self.key {
            None => true,
            Some(key) => {
                let Ok(sig) = hex::decode(signature) else {
                    return false;
                };
                self.mac(key, frames).verify_slice(&sig).is_ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_round_trips_and_rejects_tampering() {
        let s = Signer::new("secret");
        let frames: [&[u8]; 4] = [b"{\"msg_type\":\"x\"}", b"{}", b"{}", b"{}"];
        let sig = s.sign(&frames);
        assert_eq!(sig.len(), 64);
        assert!(s.verify(sig.as_bytes(), &frames));
        let tampered: [&[u8]; 4] = [b"{\"msg_type\":\"y\"}", b"{}", b"{}", b"{}"];
        assert!(!s.verify(sig.as_bytes(), &tampered));
        assert!(!s.verify(b"", &frames));
        assert!(!s.verify(b"zz", &frames));
    }

    #[test]
    fn known_vector_matches_python_hmac() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'key',b'abcd',hashlib.sha256).hexdigest())"
        let s = Signer::new("key");
        assert_eq!(
            s.sign(&[b"ab", b"cd"]),
            "2a31ec0ee8d878c9eece9fb0df79b3b90b2256240163aa5ee50d176d3d1121f8"
        );
    }

    #[test]
    fn empty_key_means_unsigned() {
        let s = Signer::new("");
        assert_eq!(s.sign(&[b"x"]), "");
        assert!(s.verify(b"anything", &[b"x"]));
    }
}
