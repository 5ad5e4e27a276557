//! The MongoDB wire server: accept loop, one thread per connection, TTL task.
//!
//! Shaped like mini-redis: `frame` turns bytes into requests, `connection`
//! reads frames from a socket and writes replies, and this module accepts
//! connections, each served on a thread of its own (a command may scan a large
//! collection: it holds up only its own connection).
//!
//! When `serve` returns or its future is dropped, every connection it
//! accepted ends too (a held awaitable hello included): they watch a channel
//! whose sender `serve` owns.

pub mod connection;
pub mod frame;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;

use crate::Engine;

/// How often expired TTL documents are deleted. MongoDB's TTL monitor runs
/// every 60 s; 5 s keeps notebook demos of TTL indexes from waiting a minute.
pub const TTL_INTERVAL: Duration = Duration::from_secs(5);

/// Serves `engine` on `listener` until the listener fails.
pub async fn serve(listener: TcpListener, engine: Arc<Engine>) -> std::io::Result<()> {
    let ttl_engine = Arc::clone(&engine);
    // Aborted when `serve` returns or its future is dropped (a caller that
    // stops the server by dropping the task must not leave the TTL task behind).
    let _ttl = AbortOnDrop(tokio::spawn(async move {
        let mut tick = tokio::time::interval(TTL_INTERVAL);
        loop {
            tick.tick().await;
            let e = Arc::clone(&ttl_engine);
            match tokio::task::spawn_blocking(move || e.expire_ttl(bson::DateTime::now())).await {
                Ok(n) if n > 0 => log::debug!("TTL monitor removed {n} expired documents"),
                Ok(_) => {}
                Err(e) => log::warn!("TTL monitor failed: {e}"),
            }
        }
    }));
    // Never sent on: dropping it (when `serve` ends) is the shutdown signal.
    let (_shutdown, shutdown) = tokio::sync::watch::channel(());
    let next_connection = AtomicI64::new(1);
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) => {
                // Out of file descriptors and the like: pause instead of spinning.
                log::warn!("accept failed: {e}");
                if matches!(e.kind(), std::io::ErrorKind::InvalidInput) {
                    return Err(e);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = socket.set_nodelay(true);
        let id = next_connection.fetch_add(1, Ordering::Relaxed);
        let engine = Arc::clone(&engine);
        let shutdown = shutdown.clone();
        spawn_connection_thread(socket, engine, id, peer, shutdown);
    }
}

/// Serves one connection on a thread of its own (mongod's thread per connection), with a
/// single-threaded runtime for its socket and timers, so a command runs right on the thread
/// that read it. Served as a task of the shared runtime instead, every command paid for a
/// hand-off: `block_in_place` gives the worker's queue to another thread and takes it back,
/// three context switches a request (profiled: 3 per `ping`, most of a quick command's
/// time). A long scan still holds up only its own connection, so killOp (the stop button)
/// is served at once by another.
fn spawn_connection_thread(
    socket: tokio::net::TcpStream,
    engine: Arc<Engine>,
    id: i64,
    peer: std::net::SocketAddr,
    shutdown: connection::Shutdown,
) {
    let socket = match socket.into_std() {
        Ok(s) => s,
        Err(e) => {
            log::warn!("connection {id} from {peer} dropped: cannot detach its socket: {e}");
            return;
        }
    };
    let started = std::thread::Builder::new()
        .name(format!("docdb-conn-{id}"))
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    log::warn!(
                        "connection {id} from {peer} dropped: cannot start its runtime: {e}"
                    );
                    return;
                }
            };
            runtime.block_on(async move {
                let socket = match tokio::net::TcpStream::from_std(socket) {
                    Ok(s) => s,
                    Err(e) => {
                        log::warn!("connection {id} from {peer} dropped: {e}");
                        return;
                    }
                };
                if let Err(e) = connection::handle_on_own_thread(socket, engine, id, shutdown).await
                {
                    log::info!("connection {id} from {peer} closed: {e}");
                }
            });
        });
    if let Err(e) = started {
        log::warn!("connection {id} from {peer} dropped: cannot start a thread for it: {e}");
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
