//! The embedded MongoDB-compatible engine, served on 127.0.0.1 by this kernel process.
//!
//! One server per storage location (in memory, or a directory) is started on first use and lives
//! as long as the kernel; `%connections` shows its `mongodb://127.0.0.1:PORT`, so mongosh or
//! Compass on the same machine can connect to it too. It runs on its own thread with its own
//! small runtime: it must outlive whichever task first asked for it, and a busy cell on the
//! kernel's runtime must not starve it.

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
    let port = serve(Arc::new(engine), "127.0.0.1:0").map_err(|e| {
        EngineError::new(
            "EmbeddedEngineError",
            format!("cannot start the embedded engine on 127.0.0.1: {e}"),
        )
    })?;
    servers.insert(key, port);
    Ok(port)
}

/// Binds `address` and serves `engine` on it from a dedicated thread; returns the bound port.
pub fn serve(engine: Arc<docdb::Engine>, address: &str) -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(address)?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("embedded-mongod")
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("embedded-mongod".into())
        .spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(listener) => {
                        if let Err(e) = docdb::serve(listener, engine).await {
                            log::error!("embedded engine stopped: {e}");
                        }
                    }
                    Err(e) => log::error!("embedded engine could not listen: {e}"),
                }
            })
        })?;
    Ok(port)
}
