//! One client connection: read a frame, run it, write the reply, repeat.
//!
//! A malformed or oversized frame ends the connection with a log line (the
//! byte stream can no longer be trusted); a failing command is an ordinary
//! error reply. OP_MSG with moreToCome (w:0 writes) gets no reply.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use bson::{Document, doc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::frame::{self, HEADER_LEN, Header, Request};
use crate::Engine;

static NEXT_REQUEST_ID: AtomicI32 = AtomicI32::new(1);

fn next_request_id() -> i32 {
    NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed)
}

/// Serves one connection until the client closes it or sends garbage.
pub async fn handle(
    mut socket: TcpStream,
    engine: Arc<Engine>,
    connection_id: i64,
) -> std::io::Result<()> {
    loop {
        let mut head = [0u8; HEADER_LEN];
        match socket.read_exact(&mut head).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let header = Header::parse(&head).map_err(|e| {
            log::warn!("connection {connection_id}: closing after a bad message header: {e}");
            std::io::Error::new(std::io::ErrorKind::InvalidData, e)
        })?;
        let mut body = vec![0u8; header.length - HEADER_LEN];
        socket.read_exact(&mut body).await?;
        let request = frame::parse_body(&header, &body).map_err(|e| {
            log::warn!("connection {connection_id}: closing after a malformed message: {e}");
            std::io::Error::new(std::io::ErrorKind::InvalidData, e)
        })?;
        let reply = match request {
            Request::Msg {
                mut command,
                more_to_come,
            } => {
                let db = match command.remove("$db") {
                    Some(bson::Bson::String(db)) => db,
                    _ => {
                        let err = doc! {"ok": 0.0, "errmsg": "OP_MSG requests require a $db argument", "code": 40571, "codeName": "Location40571"};
                        if !more_to_come {
                            write(
                                &mut socket,
                                frame::encode_msg(next_request_id(), header.request_id, &err),
                            )
                            .await?;
                        }
                        continue;
                    }
                };
                // Put $db back at the end: explain echoes the command as sent.
                command.insert("$db", db.clone());
                let reply = run(&engine, connection_id, db, command).await;
                if more_to_come {
                    continue;
                }
                frame::encode_msg(next_request_id(), header.request_id, &reply)
            }
            Request::Query { db, command } => {
                let name = command.keys().next().cloned().unwrap_or_default();
                let reply = if matches!(name.as_str(), "isMaster" | "ismaster" | "hello") {
                    run(&engine, connection_id, db, command).await
                } else {
                    doc! {
                        "ok": 0.0,
                        "errmsg": format!("Unsupported OP_QUERY command: {name}. The client driver may require an upgrade."),
                        "code": 352,
                        "codeName": "UnsupportedOpQueryCommand",
                    }
                };
                frame::encode_reply(next_request_id(), header.request_id, &reply)
            }
        };
        write(&mut socket, reply).await?;
    }
}

async fn write(socket: &mut TcpStream, bytes: Result<Vec<u8>, String>) -> std::io::Result<()> {
    match bytes {
        Ok(b) => socket.write_all(&b).await,
        Err(e) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
    }
}

/// Runs a command on the blocking pool.
async fn run(engine: &Arc<Engine>, connection_id: i64, db: String, command: Document) -> Document {
    let engine = Arc::clone(engine);
    match tokio::task::spawn_blocking(move || engine.execute_on(connection_id, &db, command)).await
    {
        Ok(reply) => reply,
        Err(e) => {
            doc! {"ok": 0.0, "errmsg": format!("command task failed: {e}"), "code": 1, "codeName": "InternalError"}
        }
    }
}
