//! The embedded MongoDB-compatible engine, served on 127.0.0.1 by this kernel process.
//!
//! One server per storage location (in memory, or a directory) is started on first use and lives
//! as long as the kernel; `%connections` shows its `mongodb://127.0.0.1:PORT`, so mongosh or
//! Compass on the same machine can connect to it too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tokio::sync::Mutex;

use crate::engine::EngineError;

static SERVERS: OnceLock<Mutex<HashMap<Option<PathBuf>, u16>>> = OnceLock::new();

/// Starts (once) the embedded server for `path` (None = in memory) and returns its port.
pub async fn ensure_started(path: Option<&Path>) -> Result<u16, EngineError> {
    let servers = SERVERS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut servers = servers.lock().await;
    let key = path.map(Path::to_path_buf);
    if let Some(port) = servers.get(&key) {
        return Ok(*port);
    }
    let engine = match path {
        None => docdb::Engine::in_memory(),
        Some(dir) => docdb::Engine::open_dir(dir).map_err(|e| {
            EngineError::new("EmbeddedEngineError", format!("cannot open the embedded store at {}: {e}", dir.display()))
                .with_detail("the directory must be writable; use %connect NAME embedded for an in-memory engine")
        })?,
    };
    let port = serve(Arc::new(engine), "127.0.0.1:0").await.map_err(|e| {
        EngineError::new("EmbeddedEngineError", format!("cannot start the embedded engine on 127.0.0.1: {e}"))
    })?;
    servers.insert(key, port);
    Ok(port)
}

/// Binds `address` and serves `engine` on it in the background; returns the bound port.
pub async fn serve(engine: Arc<docdb::Engine>, address: &str) -> std::io::Result<u16> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(docdb::serve(listener, engine));
    Ok(port)
}
