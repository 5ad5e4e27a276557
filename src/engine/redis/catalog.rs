//! The `%%redis` engine's catalog for completion and inspection: the server's `COMMAND DOCS`
//! (read once: summary, since, group, complexity and the argument line as redis.io prints it),
//! key names by prefix (`SCAN … MATCH`, bounded) and one key's type, TTL, size and encoding.
//!
//! Everything runs on a side connection of its own, never on the session: inside `MULTI` the
//! session would queue the commands, and a blocked `BLPOP` could not answer. The side connection
//! selects the database the session last selected. Only commands that neither write nor count
//! as a use of the key (`TYPE`, `PTTL`, `OBJECT ENCODING`, `MEMORY USAGE` look keys up without
//! touching their LRU clock) are sent, apart from the length commands.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, Value};

use super::connect::Target;
use crate::catalog::{RedisCatalog, RedisCommand};

const SIDE_TIMEOUT: Duration = Duration::from_secs(2);
/// Key names returned for one prefix, and SCAN rounds spent finding them.
const MAX_KEYS: usize = 200;
const MAX_ROUNDS: usize = 50;

#[derive(Default)]
pub struct Side {
    /// The database the session selected last (`SELECT n`), kept after each cell.
    pub db_seen: AtomicI64,
    conn: tokio::sync::Mutex<Option<(i64, MultiplexedConnection)>>,
}

impl Side {
    async fn connection(&self, target: &Target) -> Result<MultiplexedConnection, String> {
        let db = self.db_seen.load(Ordering::Relaxed);
        let mut slot = self.conn.lock().await;
        if let Some((selected, conn)) = slot.as_mut() {
            if *selected != db {
                let _: () = redis::cmd("SELECT")
                    .arg(db)
                    .query_async(conn)
                    .await
                    .map_err(|e| e.to_string())?;
                *selected = db;
            }
            return Ok(conn.clone());
        }
        // A cluster's first seed node or the sentinels' current master (keys of other cluster
        // nodes are not offered).
        let node = target.node_info().await.map_err(|e| e.to_string())?;
        let client = Client::open(node).map_err(|e| e.to_string())?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(SIDE_TIMEOUT))
            .set_response_timeout(Some(SIDE_TIMEOUT));
        let mut conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| e.to_string())?;
        let _: () = redis::cmd("SELECT")
            .arg(db)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        *slot = Some((db, conn.clone()));
        Ok(conn)
    }

    /// Drops the side connection (the engine is closing, or the connection failed).
    pub async fn forget(&self) {
        *self.conn.lock().await = None;
    }

    pub async fn read(&self, target: &Target) -> Result<RedisCatalog, String> {
        let mut conn = self.connection(target).await?;
        let docs: Value = redis::cmd("COMMAND")
            .arg("DOCS")
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        let mut commands = Vec::new();
        for (name, doc) in pairs(&docs) {
            collect_command(&text(name).to_uppercase(), doc, &mut commands);
        }
        commands.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(RedisCatalog { commands })
    }

    pub async fn keys(&self, target: &Target, prefix: &str) -> Result<Vec<String>, String> {
        let mut conn = self.connection(target).await?;
        let pattern = format!("{}*", escape_glob(prefix));
        let mut cursor = 0u64;
        let mut keys = Vec::new();
        for _ in 0..MAX_ROUNDS {
            let (next, batch): (u64, Vec<String>) = match redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
            {
                Ok(reply) => reply,
                Err(e) => {
                    self.forget().await;
                    return Err(e.to_string());
                }
            };
            keys.extend(batch);
            cursor = next;
            if cursor == 0 || keys.len() >= MAX_KEYS {
                break;
            }
        }
        keys.sort();
        keys.dedup();
        keys.truncate(MAX_KEYS);
        Ok(keys)
    }

    /// `key`'s type, TTL, size, encoding and memory as lines; `None` when it does not exist.
    pub async fn describe_key(&self, target: &Target, key: &str) -> Result<Option<String>, String> {
        let mut conn = self.connection(target).await?;
        let kind: String = redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        if kind == "none" {
            return Ok(None);
        }
        let pttl: i64 = redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap_or(-1);
        let encoding: Option<String> = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(key)
            .query_async(&mut conn)
            .await
            .ok();
        let memory: Option<i64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(key)
            .query_async(&mut conn)
            .await
            .ok();
        let (length_command, unit) = match kind.as_str() {
            "string" => ("STRLEN", "bytes"),
            "list" => ("LLEN", "elements"),
            "hash" => ("HLEN", "fields"),
            "set" => ("SCARD", "members"),
            "zset" => ("ZCARD", "members"),
            "stream" => ("XLEN", "entries"),
            _ => ("", ""),
        };
        let length: Option<i64> = if length_command.is_empty() {
            None
        } else {
            redis::cmd(length_command)
                .arg(key)
                .query_async(&mut conn)
                .await
                .ok()
        };
        let mut lines = vec![format!("key:      {key}"), format!("type:     {kind}")];
        if let Some(length) = length {
            lines.push(format!("size:     {length} {unit}"));
        }
        lines.push(format!(
            "ttl:      {}",
            if pttl < 0 {
                "none (persistent)".to_string()
            } else {
                format!("{:.3} s", pttl as f64 / 1000.0)
            }
        ));
        if let Some(encoding) = encoding {
            lines.push(format!("encoding: {encoding}"));
        }
        if let Some(memory) = memory {
            lines.push(format!("memory:   {memory} bytes (MEMORY USAGE)"));
        }
        Ok(Some(lines.join("\n")))
    }
}

/// A reply's key/value pairs: a RESP3 map, or RESP2's flat array of alternating items.
fn pairs(value: &Value) -> Vec<(&Value, &Value)> {
    match value {
        Value::Map(entries) => entries.iter().map(|(k, v)| (k, v)).collect(),
        Value::Array(items) => items
            .chunks(2)
            .filter(|c| c.len() == 2)
            .map(|c| (&c[0], &c[1]))
            .collect(),
        _ => Vec::new(),
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::Int(n) => n.to_string(),
        _ => String::new(),
    }
}

fn field<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    pairs(doc)
        .into_iter()
        .find(|(k, _)| text(k) == name)
        .map(|(_, v)| v)
}

fn collect_command(name: &str, doc: &Value, into: &mut Vec<RedisCommand>) {
    let get = |key: &str| field(doc, key).map(text).unwrap_or_default();
    let arguments = field(doc, "arguments")
        .map(|args| {
            items(args)
                .iter()
                .map(argument)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    into.push(RedisCommand {
        name: name.to_string(),
        summary: get("summary"),
        since: get("since"),
        group: get("group"),
        complexity: get("complexity"),
        arguments,
    });
    if let Some(subcommands) = field(doc, "subcommands") {
        for (sub, sub_doc) in pairs(subcommands) {
            // Subcommands come as `client|list`.
            let sub = text(sub).replace('|', " ").to_uppercase();
            collect_command(&sub, sub_doc, into);
        }
    }
}

fn items(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) | Value::Set(items) => items,
        _ => &[],
    }
}

/// One argument as redis.io's syntax line writes it.
fn argument(doc: &Value) -> String {
    let get = |key: &str| field(doc, key).map(text);
    let kind = get("type").unwrap_or_default();
    let flags: Vec<String> = field(doc, "flags")
        .map(|f| items(f).iter().map(text).collect())
        .unwrap_or_default();
    let children = || {
        field(doc, "arguments")
            .map(items)
            .unwrap_or(&[])
            .iter()
            .map(argument)
            .collect::<Vec<_>>()
    };
    let mut shown = match kind.as_str() {
        "pure-token" => get("token").unwrap_or_default(),
        "oneof" => children().join(" | "),
        "block" => children().join(" "),
        _ => get("display_text")
            .or_else(|| get("name"))
            .unwrap_or_default(),
    };
    if kind != "pure-token"
        && let Some(token) = get("token")
    {
        shown = format!("{token} {shown}");
    }
    if flags.iter().any(|f| f == "multiple") {
        shown = format!("{shown} [{shown} ...]");
    }
    if flags.iter().any(|f| f == "optional") {
        shown = format!("[{shown}]");
    }
    shown
}

/// A prefix as a SCAN pattern matches it literally.
fn escape_glob(prefix: &str) -> String {
    let mut out = String::new();
    for c in prefix.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn arguments_are_written_as_redis_io_writes_them() {
        let arg = |pairs: Vec<(&str, Value)>| {
            Value::Array(pairs.into_iter().flat_map(|(k, v)| [bulk(k), v]).collect())
        };
        let expire = arg(vec![
            ("name", bulk("condition")),
            ("type", bulk("oneof")),
            ("flags", Value::Array(vec![bulk("optional")])),
            (
                "arguments",
                Value::Array(vec![
                    arg(vec![
                        ("name", bulk("nx")),
                        ("type", bulk("pure-token")),
                        ("token", bulk("NX")),
                    ]),
                    arg(vec![
                        ("name", bulk("xx")),
                        ("type", bulk("pure-token")),
                        ("token", bulk("XX")),
                    ]),
                ]),
            ),
        ]);
        assert_eq!(argument(&expire), "[NX | XX]");
        let keys = arg(vec![
            ("name", bulk("key")),
            ("type", bulk("key")),
            ("flags", Value::Array(vec![bulk("multiple")])),
        ]);
        assert_eq!(argument(&keys), "key [key ...]");
    }

    #[test]
    fn glob_characters_in_a_prefix_are_escaped() {
        assert_eq!(escape_glob("a*b[1]"), "a\\*b\\[1\\]");
    }
}
