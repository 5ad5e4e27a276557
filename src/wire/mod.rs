//! The Jupyter wire format: ZeroMQ frames ↔ signed messages.
//!
//! A message on the wire is `[routing ids…] <IDS|MSG> signature header parent_header metadata
//! content [buffers…]`. The signature is HMAC-SHA256 (lowercase hex) over the four JSON frames as
//! received. Invariant: this module never looks inside `content`; it only checks that the four
//! frames are JSON objects and that the header names a `msg_type`. A signed message whose
//! signature was already seen is a replay and is dropped ([`replay`]).

pub mod codec;
pub mod message;
pub mod replay;
pub mod signer;

pub use codec::{Codec, WireError};
pub use message::Message;
pub use signer::Signer;
