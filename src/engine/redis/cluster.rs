//! A `redis+cluster://` session: the driver's cluster connection (slot map, MOVED/ASK, one
//! connection per node), and what a cluster cannot do explained instead of failing obscurely:
//! transactions (each command may land on another node) and multi-key commands whose keys hash
//! to different slots (`CROSSSLOT`), for which the slots the server computes are shown.

use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{ConnectionInfo, ProtocolVersion, RedisResult, Value};

use super::connect::{SessionConn, Target};

/// Commands that only make sense on one connection to one node.
const ONE_NODE_STATE: &[&str] = &["MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"];

/// Connects to the cluster through its seed nodes with the URL's credentials, protocol and TLS
/// files; no response timeout, as for a single server (blocking commands are bounded by the
/// engine).
pub async fn connect(
    target: &Target,
    nodes: &[ConnectionInfo],
    protocol: ProtocolVersion,
) -> RedisResult<ClusterConnection> {
    let settings = target.info.redis_settings();
    let mut builder = ClusterClientBuilder::new(nodes.to_vec())
        .connection_timeout(target.connect_timeout)
        .use_protocol(protocol);
    if let Some(user) = settings.username() {
        builder = builder.username(user);
    }
    if let Some(password) = settings.password() {
        builder = builder.password(password);
    }
    if let Some(certs) = &target.certs {
        builder = builder.certs(certs.clone());
    }
    builder.build()?.get_async_connection().await
}

/// Why `name` is not sent on a cluster session, or `None` when it may be.
pub fn refusal(name: &str) -> Option<String> {
    ONE_NODE_STATE.contains(&name).then(|| {
        format!(
            "{name} needs one connection to one node, and a cluster connection sends each command to the node owning its key's slot; run the transaction on a redis:// connection to the node that owns the keys' slot (CLUSTER KEYSLOT key, CLUSTER SHARDS), with keys sharing a hash tag such as {{user:1}}:a and {{user:1}}:b, or use a Lua script (EVAL), which runs on one node"
        )
    })
}

/// The slot of every key of a command refused with `CROSSSLOT`, as the server computes them
/// (`COMMAND GETKEYS`, `CLUSTER KEYSLOT`), with the fix.
pub async fn crossslot_detail(conn: &mut SessionConn, args: &[Vec<u8>]) -> Vec<String> {
    let mut getkeys = redis::cmd("COMMAND");
    getkeys.arg("GETKEYS");
    for arg in args {
        getkeys.arg(arg.as_slice());
    }
    let Ok(Value::Array(keys)) = conn.send(&getkeys).await else {
        return vec![hash_tag_advice()];
    };
    let mut slots = Vec::new();
    for key in keys {
        let Value::BulkString(key) = key else {
            continue;
        };
        let slot = conn
            .send(redis::cmd("CLUSTER").arg("KEYSLOT").arg(key.as_slice()))
            .await;
        if let Ok(Value::Int(slot)) = slot {
            slots.push(format!("{} → slot {slot}", String::from_utf8_lossy(&key)));
        }
    }
    let mut detail = Vec::new();
    if !slots.is_empty() {
        detail.push(format!("the keys hash to: {}", slots.join(", ")));
    }
    detail.push(hash_tag_advice());
    detail
}

fn hash_tag_advice() -> String {
    "in a cluster all keys of one multi-key command must be in one slot: give them a common hash tag, e.g. {user:1}:cart and {user:1}:orders (only the part inside {} is hashed)".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_are_refused_with_the_way_out() {
        let why = refusal("MULTI").unwrap();
        assert!(why.contains("hash tag"), "{why}");
        assert!(refusal("GET").is_none());
    }
}
