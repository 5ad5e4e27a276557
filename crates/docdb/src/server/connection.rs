//! One client connection: read a frame, run it, write the reply, repeat.
//!
//! A malformed or oversized frame ends the connection with a log line (the
//! byte stream can no longer be trusted); a failing command is an ordinary
//! error reply. OP_MSG with moreToCome (w:0 writes) gets no reply.
//!
//! An awaitable hello (server monitoring's streaming protocol: the request
//! carries `topologyVersion` and `maxAwaitTimeMS`) is held here, not in the
//! engine: our topology never changes, so its reply waits the whole
//! maxAwaitTimeMS, as mongod's does. Answering at once would make every
//! driver's monitor loop without pause. With the exhaustAllowed flag the reply
//! carries moreToCome and a fresh hello reply follows every maxAwaitTimeMS,
//! unasked, until the client closes the connection (mongod's exhaust hello;
//! the Node driver, and so mongosh, treats a streamed hello that ends as a
//! failed heartbeat and clears its connection pool). Waits end at once when
//! the server shuts down or the client hangs up.
//!
//! A getMore with exhaustAllowed is an exhaust cursor: every remaining batch
//! follows unasked, flagged moreToCome, until the cursor is exhausted.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use bson::{Document, doc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::frame::{self, FLAG_MORE_TO_COME, HEADER_LEN, Header, Request};
use crate::Engine;
use crate::commands::handshake::{self, AwaitableHello};

static NEXT_REQUEST_ID: AtomicI32 = AtomicI32::new(1);

fn next_request_id() -> i32 {
    NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed)
}

/// The shortest interval between streamed hello replies: a client asking for
/// `maxAwaitTimeMS: 0` with exhaustAllowed would otherwise get replies in a
/// busy loop.
const MIN_STREAM_INTERVAL: Duration = Duration::from_millis(10);

/// Resolves once the server shuts down (its sender is dropped).
pub type Shutdown = watch::Receiver<()>;

/// Serves one connection until the client closes it, sends garbage, or the
/// server shuts down.
pub async fn handle(
    socket: TcpStream,
    engine: Arc<Engine>,
    connection_id: i64,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    Connection {
        socket,
        engine,
        connection_id,
        shutdown,
        own_thread: false,
    }
    .serve()
    .await
}

/// As [`handle`], on a thread that serves this connection alone (see `server::serve`):
/// commands run inline, blocking only this connection.
pub async fn handle_on_own_thread(
    socket: TcpStream,
    engine: Arc<Engine>,
    connection_id: i64,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    Connection {
        socket,
        engine,
        connection_id,
        shutdown,
        own_thread: true,
    }
    .serve()
    .await
}

struct Connection {
    socket: TcpStream,
    engine: Arc<Engine>,
    connection_id: i64,
    shutdown: Shutdown,
    /// The thread serves this connection alone: a command may block it.
    own_thread: bool,
}

/// Keeps a connection on the engine's client list until dropped.
struct Listed {
    engine: Arc<Engine>,
    id: i64,
}

impl Listed {
    fn new(engine: &Arc<Engine>, id: i64, socket: &TcpStream) -> Listed {
        let remote = socket
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        engine.connection_opened(id, remote);
        Listed {
            engine: Arc::clone(engine),
            id,
        }
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        self.engine.connection_closed(self.id);
    }
}

/// Why a wait ended before its time.
enum Interrupted {
    /// The server is shutting down, or the client closed its end.
    Closed,
    /// The client sent bytes.
    ClientSpoke,
}

impl Connection {
    async fn serve(mut self) -> std::io::Result<()> {
        // On the engine's client list (`$currentOp`) for as long as this connection lives.
        let _listed = Listed::new(&self.engine, self.connection_id, &self.socket);
        loop {
            let Some((header, body)) = self.read_frame().await? else {
                return Ok(());
            };
            let request = frame::parse_body(&header, &body).map_err(|e| {
                log::warn!(
                    "connection {}: closing after a malformed message: {e}",
                    self.connection_id
                );
                std::io::Error::new(std::io::ErrorKind::InvalidData, e)
            })?;
            match request {
                Request::Msg {
                    command,
                    more_to_come,
                    exhaust_allowed,
                } => {
                    let keep_going = self
                        .answer_msg(header.request_id, command, more_to_come, exhaust_allowed)
                        .await?;
                    if !keep_going {
                        return Ok(());
                    }
                }
                Request::Query { db, command } => {
                    let name = command.keys().next().cloned().unwrap_or_default();
                    let reply = if matches!(name.as_str(), "isMaster" | "ismaster" | "hello") {
                        self.run(db, command).await
                    } else {
                        doc! {
                            "ok": 0.0,
                            "errmsg": format!("Unsupported OP_QUERY command: {name}. The client driver may require an upgrade."),
                            "code": 352,
                            "codeName": "UnsupportedOpQueryCommand",
                        }
                    };
                    let bytes = frame::encode_reply(next_request_id(), header.request_id, &reply);
                    self.write(bytes).await?;
                }
            }
        }
    }

    /// Reads one frame; `None` when the client closed the connection between
    /// frames or the server is shutting down.
    async fn read_frame(&mut self) -> std::io::Result<Option<(Header, Vec<u8>)>> {
        let mut head = [0u8; HEADER_LEN];
        tokio::select! {
            read = self.socket.read_exact(&mut head) => match read {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            },
            _ = shut_down(&mut self.shutdown) => return Ok(None),
        }
        let header = Header::parse(&head).map_err(|e| {
            log::warn!(
                "connection {}: closing after a bad message header: {e}",
                self.connection_id
            );
            std::io::Error::new(std::io::ErrorKind::InvalidData, e)
        })?;
        // The header's length is checked against the maximum message size, but
        // a client may still lie about it: grow the buffer with the bytes that
        // actually arrive instead of allocating the claimed size up front.
        let wanted = header.length - HEADER_LEN;
        let mut body = Vec::with_capacity(wanted.min(64 * 1024));
        (&mut self.socket)
            .take(wanted as u64)
            .read_to_end(&mut body)
            .await?;
        if body.len() < wanted {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the client closed the connection {} bytes into a {wanted}-byte message",
                    body.len()
                ),
            ));
        }
        Ok(Some((header, body)))
    }

    /// Runs one OP_MSG and writes its reply (or replies). Returns false when
    /// the connection must end.
    async fn answer_msg(
        &mut self,
        request_id: i32,
        mut command: Document,
        more_to_come: bool,
        exhaust_allowed: bool,
    ) -> std::io::Result<bool> {
        let db = match command.remove("$db") {
            Some(bson::Bson::String(db)) => db,
            _ => {
                if !more_to_come {
                    let err = doc! {"ok": 0.0, "errmsg": "OP_MSG requests require a $db argument", "code": 40571, "codeName": "Location40571"};
                    self.write(frame::encode_msg(next_request_id(), request_id, &err))
                        .await?;
                }
                return Ok(true);
            }
        };
        // Put $db back at the end: explain echoes the command as sent.
        command.insert("$db", db.clone());
        if more_to_come {
            self.run(db, command).await;
            return Ok(true);
        }
        if let Some(awaitable) = awaitable_hello(&command) {
            return self
                .answer_awaitable_hello(request_id, db, command, awaitable, exhaust_allowed)
                .await;
        }
        if exhaust_allowed && command.keys().next().map(String::as_str) == Some("getMore") {
            return self.stream_get_more(request_id, db, command).await;
        }
        let reply = self.run(db, command).await;
        self.write(frame::encode_msg(next_request_id(), request_id, &reply))
            .await?;
        Ok(true)
    }

    /// An exhaust cursor: a getMore with exhaustAllowed is answered with every remaining
    /// batch, each reply flagged moreToCome and answering the previous one, until the cursor
    /// is exhausted (id 0) or a getMore fails, as mongod streams them. Each batch is its own
    /// engine call, so a killOp or a dropped collection ends the stream with that error.
    async fn stream_get_more(
        &mut self,
        request_id: i32,
        db: String,
        command: Document,
    ) -> std::io::Result<bool> {
        let mut response_to = request_id;
        loop {
            let reply = self.run(db.clone(), command.clone()).await;
            let open = reply.get_f64("ok").ok() == Some(1.0)
                && reply
                    .get_document("cursor")
                    .and_then(|c| c.get_i64("id"))
                    .is_ok_and(|id| id != 0);
            let reply_id = next_request_id();
            let flags = if open { FLAG_MORE_TO_COME } else { 0 };
            self.write(frame::encode_msg_with_flags(
                reply_id,
                response_to,
                &reply,
                flags,
            ))
            .await?;
            if !open {
                return Ok(true);
            }
            response_to = reply_id;
        }
    }

    /// Holds an awaitable hello's reply for maxAwaitTimeMS (when the client's
    /// topologyVersion is ours), then, with exhaustAllowed, keeps streaming
    /// replies until the client hangs up.
    async fn answer_awaitable_hello(
        &mut self,
        request_id: i32,
        db: String,
        command: Document,
        awaitable: AwaitableHello,
        exhaust_allowed: bool,
    ) -> std::io::Result<bool> {
        if awaitable.wait {
            match self.wait(awaitable.max_await).await {
                Ok(()) | Err(Interrupted::ClientSpoke) => {}
                Err(Interrupted::Closed) => return Ok(false),
            }
        }
        let mut response_to = request_id;
        let interval = awaitable.max_await.max(MIN_STREAM_INTERVAL);
        loop {
            let reply = self.run(db.clone(), command.clone()).await;
            // A failed hello ends the stream (OP_MSG spec: never moreToCome with ok:0).
            let stream = exhaust_allowed && reply.get_f64("ok").ok() == Some(1.0);
            let reply_id = next_request_id();
            let flags = if stream { FLAG_MORE_TO_COME } else { 0 };
            self.write(frame::encode_msg_with_flags(
                reply_id,
                response_to,
                &reply,
                flags,
            ))
            .await?;
            if !stream {
                return Ok(true);
            }
            // Each streamed reply answers the previous one (OP_MSG spec).
            response_to = reply_id;
            match self.wait(interval).await {
                Ok(()) => {}
                Err(Interrupted::Closed) => return Ok(false),
                Err(Interrupted::ClientSpoke) => {
                    log::warn!(
                        "connection {}: closing: the client sent a request while hello replies were streaming",
                        self.connection_id
                    );
                    return Ok(false);
                }
            }
        }
    }

    /// Sleeps for `time`, ending early when the server shuts down or the
    /// client closes its end or sends something (left unread).
    async fn wait(&mut self, time: Duration) -> Result<(), Interrupted> {
        let mut probe = [0u8; 1];
        tokio::select! {
            _ = tokio::time::sleep(time) => Ok(()),
            _ = shut_down(&mut self.shutdown) => Err(Interrupted::Closed),
            peeked = self.socket.peek(&mut probe) => match peeked {
                Ok(0) | Err(_) => Err(Interrupted::Closed),
                Ok(_) => Err(Interrupted::ClientSpoke),
            },
        }
    }

    async fn write(&mut self, bytes: Result<Vec<u8>, String>) -> std::io::Result<()> {
        match bytes {
            Ok(b) => self.socket.write_all(&b).await,
            Err(e) => Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        }
    }

    /// Runs a command off the async workers' duty. The engine turns panics into
    /// error replies itself; a failure of the task (a panic outside the
    /// engine's guard) is still an error reply, never a dead connection.
    async fn run(&self, db: String, command: Document) -> Document {
        let engine = Arc::clone(&self.engine);
        let id = self.connection_id;
        // A getMore may wait for data (awaitData): a client that hangs up meanwhile ends it.
        let watch_hang_up = command.keys().next().is_some_and(|k| k == "getMore");
        // Anything else runs right here under `block_in_place` (multi-threaded runtime): this
        // thread hands its other tasks to a fresh worker and carries on, so a quick command
        // costs no thread hand-off (the trip to the blocking pool and back was two context
        // switches, most of a ping's time), while a long scan still never holds up other
        // connections: the stop button's killOp is served by the other workers.
        if !watch_hang_up && self.own_thread {
            return engine.execute_on(id, &db, command);
        }
        if !watch_hang_up
            && tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::MultiThread
        {
            return tokio::task::block_in_place(|| engine.execute_on(id, &db, command));
        }
        let mut task = tokio::task::spawn_blocking(move || engine.execute_on(id, &db, command));
        let joined = if watch_hang_up {
            let mut probe = [0u8; 1];
            tokio::select! {
                joined = &mut task => joined,
                peeked = self.socket.peek(&mut probe) => {
                    if matches!(peeked, Ok(0) | Err(_)) {
                        self.engine.client_gone(id);
                    }
                    let joined = task.await;
                    self.engine.forget_client(id);
                    joined
                }
            }
        } else {
            task.await
        };
        match joined {
            Ok(reply) => reply,
            Err(e) => {
                let why = if e.is_panic() {
                    crate::engine::panic_message(e.into_panic().as_ref())
                } else {
                    e.to_string()
                };
                doc! {"ok": 0.0, "errmsg": format!("command task failed: {why}"), "code": 1, "codeName": "InternalError"}
            }
        }
    }
}

/// The awaitable part of a hello or legacy hello; `None` for other commands,
/// ordinary hellos, and malformed awaitable ones (the engine replies to
/// those with mongod's error, at once).
fn awaitable_hello(command: &Document) -> Option<AwaitableHello> {
    let name = command.keys().next()?;
    if !matches!(name.as_str(), "hello" | "isMaster" | "ismaster") {
        return None;
    }
    handshake::awaitable_hello(command).ok().flatten()
}

/// Resolves when the server's shutdown sender is dropped.
async fn shut_down(shutdown: &mut Shutdown) {
    while shutdown.changed().await.is_ok() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::Bson;

    fn op_msg(request_id: i32, body: &Document) -> Vec<u8> {
        op_msg_flags(request_id, body, 0)
    }

    fn op_msg_flags(request_id: i32, body: &Document, flags: u32) -> Vec<u8> {
        let doc = body.to_vec().unwrap();
        let mut out = ((16 + 4 + 1 + doc.len()) as i32).to_le_bytes().to_vec();
        out.extend(request_id.to_le_bytes());
        out.extend(0i32.to_le_bytes());
        out.extend(frame::OP_MSG.to_le_bytes());
        out.extend(flags.to_le_bytes());
        out.push(0);
        out.extend(doc);
        out
    }

    async fn reply(stream: &mut TcpStream) -> Document {
        reply_framed(stream).await.2
    }

    /// A reply with its header's requestID and responseTo and its flags.
    async fn reply_framed(stream: &mut TcpStream) -> ((i32, i32), u32, Document) {
        let mut head = [0u8; HEADER_LEN];
        stream.read_exact(&mut head).await.unwrap();
        let word = |i: usize| i32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let len = word(0) as usize;
        let mut rest = vec![0u8; len - HEADER_LEN];
        stream.read_exact(&mut rest).await.unwrap();
        let flags = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        (
            (word(4), word(8)),
            flags,
            Document::from_reader(&rest[5..]).unwrap(),
        )
    }

    /// OP_MSG spec, "exhaustAllowed": the server answers a getMore carrying the flag with
    /// every remaining batch, each flagged moreToCome and answering the previous reply; the
    /// last (cursor id 0) has no moreToCome.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_exhaust_get_more_streams_the_remaining_batches() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(super::super::serve(listener, Arc::new(Engine::in_memory())));
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let docs: Vec<Document> = (0..5).map(|i| doc! {"_id": i}).collect();
        stream
            .write_all(&op_msg(
                1,
                &doc! {"insert": "c", "documents": docs, "$db": "t"},
            ))
            .await
            .unwrap();
        reply(&mut stream).await;
        stream
            .write_all(&op_msg(2, &doc! {"find": "c", "batchSize": 2, "$db": "t"}))
            .await
            .unwrap();
        let found = reply(&mut stream).await;
        let id = found.get_document("cursor").unwrap().get_i64("id").unwrap();
        let get_more = doc! {"getMore": id, "collection": "c", "batchSize": 2, "$db": "t"};
        stream
            .write_all(&op_msg_flags(3, &get_more, frame::FLAG_EXHAUST_ALLOWED))
            .await
            .unwrap();
        let ((first_id, to), flags, first) = reply_framed(&mut stream).await;
        assert_eq!(to, 3);
        assert_eq!(flags & FLAG_MORE_TO_COME, FLAG_MORE_TO_COME, "{first}");
        let cursor = first.get_document("cursor").unwrap();
        assert_eq!(cursor.get_array("nextBatch").unwrap().len(), 2);
        assert_eq!(cursor.get_i64("id").unwrap(), id);
        let ((_, to), flags, last) = reply_framed(&mut stream).await;
        assert_eq!(to, first_id, "each streamed reply answers the previous one");
        assert_eq!(flags & FLAG_MORE_TO_COME, 0, "{last}");
        let cursor = last.get_document("cursor").unwrap();
        assert_eq!(
            cursor.get_array("nextBatch").unwrap(),
            &vec![Bson::from(doc! {"_id": 4})]
        );
        assert_eq!(cursor.get_i64("id").unwrap(), 0);
        // The connection is back to request/response.
        stream
            .write_all(&op_msg(4, &doc! {"ping": 1, "$db": "t"}))
            .await
            .unwrap();
        assert_eq!(reply(&mut stream).await.get_f64("ok").unwrap(), 1.0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_command_is_an_error_reply_and_the_connection_lives_on() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(super::super::serve(listener, Arc::new(Engine::in_memory())));
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        for (n, place) in ["handler", "read", "write"].into_iter().enumerate() {
            let id = 10 * n as i32;
            stream
                .write_all(&op_msg(id, &doc! {"__testPanic": place, "$db": "t"}))
                .await
                .unwrap();
            let r = reply(&mut stream).await;
            assert_eq!(r.get_i32("code").unwrap(), 1, "{r}");
            assert!(r.get_str("errmsg").unwrap().contains("test panic"), "{r}");
            stream
                .write_all(&op_msg(
                    id + 1,
                    &doc! {"insert": "c", "documents": [{"n": n as i32}], "$db": "t"},
                ))
                .await
                .unwrap();
            let r = reply(&mut stream).await;
            assert_eq!(
                r.get_i32("n").unwrap(),
                1,
                "the same connection still works: {r}"
            );
        }
    }
}
