//! Shared helpers for the Redis integration tests: an engine on the local server, cells run
//! through a collecting sink, unique key prefixes, and a plain client for side effects.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use dbkernel::cell::parse_cell;
use dbkernel::engine::context::CollectingSink;
use dbkernel::engine::{CellContext, Engine, EngineError, registry};
use dbkernel::result::{QueryResult, RedisReplies, RedisValue};
use dbkernel::session::variables::SharedVariables;
use tokio_util::sync::CancellationToken;

/// Not the kernel's default URL string, so a missing server fails the test instead of starting a
/// private one.
pub const URL: &str = "redis://127.0.0.1:6379/0";

const HOW_TO_START: &str = "Redis must run on 127.0.0.1:6379; start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" --appendonly no";

pub async fn engine() -> Arc<dyn Engine> {
    engine_at(URL).await
}

pub async fn engine_at(url: &str) -> Arc<dyn Engine> {
    match registry::open(url, &Default::default()).await {
        Ok(engine) => engine,
        Err(e) => panic!("{e}\n{HOW_TO_START}"),
    }
}

/// A key prefix no other test (or run) uses.
pub fn prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("dbk:test:{test}:{}:{nanos}", std::process::id())
}

pub struct Ran {
    pub sink: CollectingSink,
    pub result: Result<(), EngineError>,
}

impl Ran {
    /// The cell's final replies: exactly one emitted Redis result, or — when a streaming line
    /// opened the live display — the last live update (shown in place) and nothing emitted.
    pub fn replies(&self) -> &RedisReplies {
        let emitted: Vec<&RedisReplies> = self
            .sink
            .results
            .iter()
            .filter_map(|r| {
                if let QueryResult::Redis(r) = r {
                    Some(r)
                } else {
                    None
                }
            })
            .collect();
        if let Some(last) = self.sink.live_updates.last() {
            assert!(
                emitted.is_empty(),
                "a streaming cell must not emit its replies a second time: {emitted:?}"
            );
            let QueryResult::Redis(replies) = last else {
                panic!("live update is not a Redis result: {last:?}")
            };
            return replies;
        }
        assert_eq!(
            emitted.len(),
            1,
            "expected one Redis result, got {:?}",
            self.sink.results
        );
        emitted[0]
    }

    pub fn values(&self) -> Vec<RedisValue> {
        self.replies()
            .entries
            .iter()
            .map(|e| e.reply.clone())
            .collect()
    }

    pub fn text(&self) -> String {
        dbkernel::render::redis::text(self.replies())
    }

    pub fn ok(&self) -> &Self {
        if let Err(e) = &self.result {
            panic!("cell failed: {e:?}\noutput: {:?}", self.sink.results);
        }
        self
    }
}

pub async fn run(engine: &Arc<dyn Engine>, source: &str) -> Ran {
    run_with(
        engine,
        source,
        &SharedVariables::default(),
        CancellationToken::new(),
        50,
    )
    .await
}

pub async fn run_with(
    engine: &Arc<dyn Engine>,
    source: &str,
    variables: &SharedVariables,
    cancel: CancellationToken,
    limit: usize,
) -> Ran {
    let parsed = parse_cell(source).expect("cell parses");
    let cell = parsed.body.expect("cell has a body");
    let mut sink = CollectingSink::default();
    let result = {
        let mut ctx = CellContext {
            cancel,
            sink: &mut sink,
            variables: variables.clone(),
            display_limit: limit,
            connection_name: "test".into(),
            progress: Default::default(),
        };
        engine.execute(&cell, &mut ctx).await
    };
    Ran { sink, result }
}

pub fn bulk(s: &str) -> RedisValue {
    RedisValue::Bulk(s.as_bytes().to_vec())
}

pub fn status(s: &str) -> RedisValue {
    RedisValue::Status(s.to_string())
}

/// A plain connection for publishing, checking and cleaning up behind the engine's back.
pub async fn plain() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(URL).expect("url");
    client
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{HOW_TO_START}"))
}

pub async fn plain_cmd(
    conn: &mut redis::aio::MultiplexedConnection,
    args: &[&str],
) -> redis::Value {
    let mut cmd = redis::Cmd::new();
    for a in args {
        cmd.arg(*a);
    }
    conn.send_packed_command(&cmd).await.expect("plain command")
}

/// Deletes every key under `prefix`.
pub async fn cleanup(prefix: &str) {
    let mut conn = plain().await;
    if let redis::Value::Array(keys) = plain_cmd(&mut conn, &["KEYS", &format!("{prefix}*")]).await
    {
        for key in keys {
            if let redis::Value::BulkString(k) = key {
                let _ = conn.send_packed_command(redis::cmd("DEL").arg(k)).await;
            }
        }
    }
}
