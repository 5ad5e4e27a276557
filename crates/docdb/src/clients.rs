//! The client connections the server is serving, as mongod's client list has them.
//!
//! mongod keeps a `Client` per connection whether or not it is running anything: `$currentOp`
//! with `idleConnections: true` lists the idle ones (`active: false`), and every entry names
//! its connection (`desc: "conn12"`, `connectionId`, `client: "127.0.0.1:53122"`) and the
//! metadata the driver sent in its first `hello` (`clientMetadata`, `appName`). The wire
//! server registers a connection when it accepts it and removes it when it closes
//! (`Engine::connection_opened`/`connection_closed`); `hello` records the metadata.
//!
//! Commands run through `Engine::execute` without a connection (connection id 0, the
//! kernel's direct calls and tests) belong to no client here, as mongod's internal threads
//! have no remote address.

use std::collections::BTreeMap;
use std::sync::Mutex;

use bson::Document;

/// One connection.
#[derive(Debug, Clone)]
pub struct Client {
    /// The peer's `host:port`.
    pub remote: String,
    /// The `client` document of the connection's first hello carrying one.
    pub metadata: Option<Document>,
}

impl Client {
    /// `client.application.name` of the metadata, when the driver sent one.
    pub fn app_name(&self) -> Option<&str> {
        self.metadata
            .as_ref()?
            .get_document("application")
            .ok()?
            .get_str("name")
            .ok()
    }
}

/// The open connections by connection id.
#[derive(Default)]
pub struct Clients {
    open: Mutex<BTreeMap<i64, Client>>,
}

impl Clients {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Client>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn open(&self, id: i64, remote: String) {
        self.lock().insert(
            id,
            Client {
                remote,
                metadata: None,
            },
        );
    }

    pub fn close(&self, id: i64) {
        self.lock().remove(&id);
    }

    /// Records a hello's client metadata. As in mongod, only the first one counts: a later
    /// hello cannot change what a connection said it is.
    pub fn set_metadata(&self, id: i64, metadata: &Document) {
        if let Some(client) = self.lock().get_mut(&id)
            && client.metadata.is_none()
        {
            client.metadata = Some(metadata.clone());
        }
    }

    /// The open connections, by id.
    pub fn list(&self) -> Vec<(i64, Client)> {
        self.lock().iter().map(|(id, c)| (*id, c.clone())).collect()
    }

    pub fn get(&self, id: i64) -> Option<Client> {
        self.lock().get(&id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn the_first_metadata_of_a_connection_is_kept() {
        let clients = Clients::default();
        clients.open(3, "127.0.0.1:5000".into());
        clients.set_metadata(3, &doc! {"application": {"name": "first"}});
        clients.set_metadata(3, &doc! {"application": {"name": "second"}});
        assert_eq!(clients.get(3).unwrap().app_name(), Some("first"));
        clients.close(3);
        assert!(clients.list().is_empty());
    }
}
