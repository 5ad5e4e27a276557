//! The `%%redis` engine: redis-cli syntax in, Redis replies out.
//!
//! A cell is split into commands exactly as redis-cli splits a line ([`tokenize`]), each command
//! is classified ([`classify`]: ordinary, blocking, streaming, protocol switch) and run in order on
//! the connection name's pinned session ([`run`], [`request`], [`stream`]); replies are converted
//! to the engine-neutral [`crate::result::RedisValue`] ([`reply`]) and rendered elsewhere.
//!
//! Opening the default connection (no `REDIS_URL`, so `redis://127.0.0.1:6379`) falls back to a
//! private `redis-server` ([`server`]) when nothing answers there.

pub mod catalog;
pub mod classify;
pub mod cluster;
pub mod connect;
pub mod double;
pub mod raw;
pub mod reply;
pub mod request;
pub mod run;
pub mod sentinel;
pub mod server;
pub mod stream;
pub mod tokenize;
pub mod topology;
pub mod variables;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;

use crate::cell::Cell;
use crate::engine::{CellContext, Engine, EngineError, Language};
use connect::{Session, Target, connect, connect_error, is_unreachable};
use server::PrivateServer;
use tokenize::{TokenizeError, tokenize};

/// The URL the kernel uses for Redis when `REDIS_URL` is not set.
pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

/// One `%%redis` connection name.
pub struct RedisEngine {
    target: Target,
    /// `None` after a connection failure: the next cell reconnects.
    session: Mutex<Option<Session>>,
    /// The private server standing in for the default one; stopped when the engine is dropped.
    private_server: Option<PrivateServer>,
    /// The session's open `MULTI`/`WATCH` as of the last cell, readable while a cell runs
    /// (`open_transaction` must not wait for the session lock).
    open_state: std::sync::Mutex<Option<String>>,
    /// Completion's side connection and the database the session selected last.
    catalog: catalog::Side,
}

/// Opens a `%%redis` connection from its URL and checks that the server answers.
pub async fn open(
    url: &str,
    options: &crate::engine::registry::OpenOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    let target = Target::parse(url)?.with_connect_timeout(options.connect_timeout);
    match connect(&target, None, None).await {
        Ok(session) => Ok(Arc::new(RedisEngine {
            target,
            session: Mutex::new(Some(session)),
            private_server: None,
            open_state: Default::default(),
            catalog: Default::default(),
        })),
        Err(error) if is_default_url(url) && is_unreachable(&error) => {
            open_private(&error, options).await
        }
        Err(error) => Err(connect_error(&target, &error)),
    }
}

/// Is `url` the kernel's built-in default (rather than one the user chose)?
fn is_default_url(url: &str) -> bool {
    url == DEFAULT_URL
        && std::env::var("REDIS_URL")
            .map(|v| v.trim().is_empty())
            .unwrap_or(true)
}

async fn open_private(
    default_error: &redis::RedisError,
    options: &crate::engine::registry::OpenOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    let hint = "set REDIS_URL, open one with %connect NAME redis://host:port, or install redis-server (apt-get install redis-server / brew install redis)";
    let started = tokio::task::spawn_blocking(PrivateServer::start)
        .await
        .map_err(|e| EngineError::new("RedisConnectionError", e.to_string()))?;
    let server = started.map_err(|why| {
        EngineError::new("RedisConnectionError", format!("no Redis server answers at 127.0.0.1:6379 ({default_error}) and a private one could not be started: {why}")).with_detail(hint)
    })?;
    let target = Target::parse(&server.url())?.with_connect_timeout(options.connect_timeout);
    let session = connect(&target, None, None)
        .await
        .map_err(|e| connect_error(&target, &e).with_detail(hint))?;
    log::info!(
        "no Redis at 127.0.0.1:6379; started a private redis-server on port {}",
        server.port()
    );
    Ok(Arc::new(RedisEngine {
        target,
        session: Mutex::new(Some(session)),
        private_server: Some(server),
        open_state: Default::default(),
        catalog: Default::default(),
    }))
}

impl RedisEngine {
    fn remember_state(&self, session: Option<&Session>) {
        if let Some(session) = session {
            self.catalog
                .db_seen
                .store(session.db, std::sync::atomic::Ordering::Relaxed);
        }
        if let Ok(mut state) = self.open_state.lock() {
            *state = session.and_then(Session::open_state);
        }
    }
}

/// Application code pasted into the cell: nothing was sent; what to write instead.
fn pasted_code(pasted: &crate::engine::pasted::Pasted, cell: &Cell) -> EngineError {
    let mut error = EngineError::new(
        "RedisSyntaxError",
        pasted.headline(cell.body_line + 1, Language::Redis),
    );
    for line in pasted.advice(Language::Redis) {
        error = error.with_detail(line);
    }
    error.with_detail("nothing in this cell was sent to the server")
}

/// A tokenizer error in the user's line and column numbers.
fn syntax_error(error: TokenizeError, cell: &Cell) -> EngineError {
    let line = cell.body_line + error.line + 1;
    let mut result = EngineError::new(
        "RedisSyntaxError",
        format!("line {line}, column {}: {}", error.column, error.message),
    );
    if let Some(text) = cell.body.lines().nth(error.line) {
        result = result
            .with_detail(text.to_string())
            .with_detail(format!("{}^", " ".repeat(error.column.saturating_sub(1))));
    }
    result
}

#[async_trait]
impl Engine for RedisEngine {
    fn language(&self) -> Language {
        Language::Redis
    }

    fn describe(&self) -> String {
        match &self.private_server {
            Some(server) => format!(
                "Redis {} (private redis-server pid {}, started because nothing answered at 127.0.0.1:6379)",
                self.target.description,
                server.pid()
            ),
            None => format!("Redis {}", self.target.description),
        }
    }

    async fn execute(&self, cell: &Cell, ctx: &mut CellContext) -> Result<(), EngineError> {
        // Before tokenizing: pasted Python or JavaScript would otherwise be blamed on a quote.
        if let Some(pasted) = crate::engine::pasted::detect(&cell.body, Language::Redis) {
            return Err(pasted_code(&pasted, cell));
        }
        let commands = {
            let variables = ctx.variables.lock();
            tokenize(&cell.body, &|name| {
                variables::argument_bytes(&variables, name)
            })
        }
        .map_err(|e| syntax_error(e, cell))?;
        if commands.is_empty() {
            return Ok(());
        }
        let mut slot = self.session.lock().await;
        let result = run::CellRun::new(&self.target, &mut slot, cell, ctx)
            .run(&commands)
            .await;
        self.remember_state(slot.as_ref());
        result
    }

    fn open_transaction(&self) -> Option<String> {
        self.open_state.lock().ok().and_then(|state| state.clone())
    }

    async fn catalog(&self) -> Option<Result<crate::catalog::Catalog, String>> {
        Some(
            self.catalog
                .read(&self.target)
                .await
                .map(crate::catalog::Catalog::Redis),
        )
    }

    async fn lookup(
        &self,
        question: &crate::catalog::Lookup,
    ) -> Option<Result<crate::catalog::Found, String>> {
        use crate::catalog::{Found, Lookup};
        Some(match question {
            Lookup::RedisKeys { prefix } => self
                .catalog
                .keys(&self.target, prefix)
                .await
                .map(Found::Keys),
            Lookup::RedisKey { key } => self
                .catalog
                .describe_key(&self.target, key)
                .await
                .map(Found::Text),
        })
    }

    async fn close(&self) {
        self.catalog.forget().await;
        self.session.lock().await.take();
        self.remember_state(None);
    }
}
