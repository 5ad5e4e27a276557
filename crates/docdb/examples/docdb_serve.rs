//! Serves the embedded engine on its own, for trying it with any MongoDB
//! client (mongosh, pymongo, Compass) or running `golden_check.py --run`.
//!
//! `cargo run -p docdb --example docdb_serve -- [PORT] [DBPATH]`
//! (default port 27017, in memory unless DBPATH is given).

use std::sync::Arc;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = match args.next() {
        Some(p) => p
            .parse()
            .map_err(|e| format!("port '{p}' is not a number: {e}"))?,
        None => 27017,
    };
    let engine = match args.next() {
        Some(dir) => {
            docdb::Engine::open_dir(&dir).map_err(|e| format!("cannot open {dir}: {e}"))?
        }
        None => docdb::Engine::in_memory(),
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "docdb listening on 127.0.0.1:{}",
        listener.local_addr()?.port()
    );
    docdb::serve(listener, Arc::new(engine)).await?;
    Ok(())
}
