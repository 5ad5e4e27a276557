//! The %%mql engine: mongosh syntax, run through the official `mongodb` driver.
//!
//! The `mongosh` crate parses a cell and plans each statement into the database commands mongosh
//! would send; this module sends them (the same driver path for a real server and for the
//! embedded engine), drains cursors under the display limit, and hands replies back to the crate
//! to shape them as mongosh prints them. The stop button kills the running operation on the
//! server (`killOp` of the operation tagged with this cell's comment) and closes its cursor.

pub mod catalog;
pub mod connect;
pub mod convert;
pub mod embedded;
pub mod js;
pub mod plan;
pub mod run;

use std::sync::Arc;

use async_trait::async_trait;
use mongodb::Client;
use tokio::sync::Mutex;

use crate::cell::Cell;
use crate::engine::registry::mask_password;
use crate::engine::{CellContext, Engine, EngineError, Language};

/// One MQL connection: a driver client, the current database (`use DB`) and the cell variables
/// (`const x = ...`) that persist from cell to cell, as in a mongosh session.
pub struct MqlEngine {
    server: Server,
    description: String,
    state: Mutex<SessionState>,
}

/// The server side of a connection: the driver client and what the server told us about itself.
pub struct Server {
    pub client: Client,
    /// Write batches are split within these (from `hello`).
    pub limits: mongosh::WriteLimits,
    /// `host:port` of the seeds, for messages.
    pub hosts: Vec<String>,
    /// How long a cell waits for an unreachable server (the connect timeout).
    pub timeout: std::time::Duration,
}

pub struct SessionState {
    pub db: String,
    pub env: mongosh::Env,
    /// The session's JavaScript runtime, started by the first cell that needs it.
    pub js: js::JsState,
}

/// Opens `mongodb://...`, `mongodb+srv://...`, `embedded` (in memory) or `embedded:PATH`.
pub async fn open(
    url: &str,
    options: &crate::engine::registry::OpenOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    let (uri, description) = if url == "embedded" || url.starts_with("embedded:") {
        let path = url
            .strip_prefix("embedded:")
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from);
        let port = embedded::ensure_started(path.as_deref()).await?;
        let where_ = path
            .as_ref()
            .map(|p| format!("stored in {}", p.display()))
            .unwrap_or_else(|| "in memory".into());
        (
            format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
            format!("embedded MongoDB-compatible engine, {where_}, at mongodb://127.0.0.1:{port}"),
        )
    } else {
        (url.to_string(), mask_password(url))
    };
    let connected = connect::connect(&uri, &mask_password(url), options).await?;
    let client = connected.client;
    let db = client
        .default_database()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|| "test".into());
    Ok(Arc::new(MqlEngine {
        server: Server {
            client,
            limits: connected.limits,
            hosts: connected.hosts,
            timeout: options.connect_timeout,
        },
        description,
        state: Mutex::new(SessionState {
            db,
            env: mongosh::Env::new(),
            js: js::JsState::default(),
        }),
    }))
}

#[async_trait]
impl Engine for MqlEngine {
    fn language(&self) -> Language {
        Language::Mql
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    async fn execute(&self, cell: &Cell, ctx: &mut CellContext) -> Result<(), EngineError> {
        let mut state = self.state.lock().await;
        run::run_cell(&self.server, &mut state, cell, ctx).await
    }

    async fn catalog(&self) -> Option<Result<crate::catalog::Catalog, String>> {
        Some(
            catalog::read(self)
                .await
                .map(crate::catalog::Catalog::Mongo),
        )
    }
}
