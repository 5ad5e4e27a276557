//! The logical sessions this server has seen, as mongod's logical session cache keeps them:
//! every command that carries an `lsid` marks its session used (`lastUse`), `endSessions`
//! ends it, and a session idle for `logicalSessionTimeoutMinutes` (30, as `hello` says) is
//! gone. `$listLocalSessions` and `$listSessions` read this.
//!
//! Why a registry of its own: drivers send an implicit session with every command, so this
//! is touched on every request; it holds only ids and times behind its own small lock,
//! apart from the catalog.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bson::{Binary, Bson, DateTime, Document, doc, spec::BinarySubtype};

/// How long an unused session lives (`logicalSessionTimeoutMinutes`).
const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// mongod's cap on cached sessions (`maxSessions`); beyond it the oldest are dropped.
const MAX_SESSIONS: usize = 1_000_000;

/// The `uid` of every session when there is no authentication: SHA-256 of the empty user
/// name, which is what mongod computes for an unauthenticated client.
const NO_USER_UID: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The session cache: session id (UUID bytes) to last use.
#[derive(Default)]
pub struct Sessions {
    seen: Mutex<HashMap<Vec<u8>, DateTime>>,
}

/// The UUID bytes of `{id: UUID}`, the shape of an `lsid`.
fn session_id(lsid: &Bson) -> Option<Vec<u8>> {
    match lsid {
        Bson::Document(d) => match d.get("id") {
            Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid => Some(b.bytes.clone()),
            _ => None,
        },
        _ => None,
    }
}

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, DateTime>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the session of a command's `lsid` used now.
    pub fn touch(&self, lsid: &Bson) {
        let Some(id) = session_id(lsid) else { return };
        let mut seen = self.lock();
        if seen.len() >= MAX_SESSIONS
            && !seen.contains_key(&id)
            && let Some(oldest) = seen.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone())
        {
            seen.remove(&oldest);
        }
        seen.insert(id, DateTime::now());
    }

    /// Ends the sessions named by `ids` (`endSessions: [{id}, ...]`).
    pub fn end(&self, ids: &[Bson]) {
        let mut seen = self.lock();
        for id in ids.iter().filter_map(session_id) {
            seen.remove(&id);
        }
    }

    /// The live sessions as mongod's session records, most recently used first:
    /// `{_id: {id, uid}, lastUse}`.
    pub fn records(&self) -> Vec<Document> {
        let now = DateTime::now().timestamp_millis();
        let mut seen = self.lock();
        seen.retain(|_, t| now - t.timestamp_millis() < TIMEOUT.as_millis() as i64);
        let mut out: Vec<(DateTime, Document)> = seen
            .iter()
            .map(|(id, last)| {
                let record = doc! {
                    "_id": {
                        "id": Binary { subtype: BinarySubtype::Uuid, bytes: id.clone() },
                        "uid": Binary { subtype: BinarySubtype::Generic, bytes: NO_USER_UID.to_vec() },
                    },
                    "lastUse": *last,
                };
                (*last, record)
            })
            .collect();
        out.sort_by_key(|(last, _)| std::cmp::Reverse(*last));
        out.into_iter().map(|(_, d)| d).collect()
    }
}
