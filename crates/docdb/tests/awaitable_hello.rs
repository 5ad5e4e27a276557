//! Server monitoring's awaitable hello, over the wire, as the SDAM monitoring
//! spec ("Awaitable hello or legacy hello Protocol", "Streaming Protocol") and
//! the OP_MSG spec (flagBits, moreToCome, exhaustAllowed) describe it:
//! - a hello carrying our topologyVersion and maxAwaitTimeMS is answered when
//!   maxAwaitTimeMS has passed (our topology never changes);
//! - another process's topologyVersion is answered at once;
//! - with exhaustAllowed the replies carry moreToCome and keep coming, each
//!   answering the previous one, until the client hangs up;
//! - one field without the other is mongod's error, sent at once;
//! - the driver's monitor therefore waits between heartbeats instead of spinning.

mod common;

use common::op_msg;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bson::{Document, doc, oid::ObjectId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MORE_TO_COME: u32 = 1 << 1;
const EXHAUST_ALLOWED: u32 = 1 << 16;

/// One OP_MSG reply as the client sees it.
#[derive(Debug)]
struct Reply {
    request_id: i32,
    response_to: i32,
    flags: u32,
    doc: Document,
}

fn le32(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

async fn read_reply(stream: &mut TcpStream) -> Reply {
    let mut head = [0u8; 16];
    stream.read_exact(&mut head).await.expect("a reply header");
    assert_eq!(le32(&head, 12), 2013, "replies are OP_MSG");
    let mut rest = vec![0u8; le32(&head, 0) as usize - 16];
    stream.read_exact(&mut rest).await.expect("a reply body");
    assert_eq!(rest[4], 0, "a kind-0 section");
    Reply {
        request_id: le32(&head, 4),
        response_to: le32(&head, 8),
        flags: le32(&rest, 0) as u32,
        doc: Document::from_reader(&rest[5..]).expect("a BSON reply"),
    }
}

async fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).await.unwrap()
}

/// The server's topologyVersion, from an ordinary hello.
async fn topology_version(stream: &mut TcpStream) -> Document {
    stream
        .write_all(&op_msg(1, 0, &doc! {"hello": 1, "$db": "admin"}))
        .await
        .unwrap();
    let reply = read_reply(stream).await;
    reply
        .doc
        .get_document("topologyVersion")
        .expect("hello carries a topologyVersion (feature discovery)")
        .clone()
}

fn awaitable(tv: &Document, max_await_ms: i64) -> Document {
    doc! {"hello": 1, "topologyVersion": tv.clone(), "maxAwaitTimeMS": max_await_ms, "$db": "admin"}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_with_our_topology_version_waits_for_max_await_time() {
    let (port, _engine) = common::start_server().await;
    let mut stream = connect(port).await;
    let tv = topology_version(&mut stream).await;
    let started = Instant::now();
    stream
        .write_all(&op_msg(2, 0, &awaitable(&tv, 500)))
        .await
        .unwrap();
    let reply = read_reply(&mut stream).await;
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(400),
        "held for maxAwaitTimeMS, got {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "not much longer: {waited:?}"
    );
    assert_eq!(reply.doc.get_f64("ok").unwrap(), 1.0, "{}", reply.doc);
    assert_eq!(reply.response_to, 2);
    assert_eq!(
        reply.flags & MORE_TO_COME,
        0,
        "no exhaustAllowed, no moreToCome"
    );
    assert_eq!(reply.doc.get_document("topologyVersion").unwrap(), &tv);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_topology_version_is_answered_at_once() {
    let (port, _engine) = common::start_server().await;
    let mut stream = connect(port).await;
    let ours = topology_version(&mut stream).await;
    let theirs = doc! {"processId": ObjectId::new(), "counter": 0_i64};
    let started = Instant::now();
    stream
        .write_all(&op_msg(2, 0, &awaitable(&theirs, 5000)))
        .await
        .unwrap();
    let reply = read_reply(&mut stream).await;
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "a changed processId means the server restarted: reply at once ({:?})",
        started.elapsed()
    );
    assert_eq!(reply.doc.get_document("topologyVersion").unwrap(), &ours);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhaust_allowed_streams_replies_until_the_client_hangs_up() {
    let (port, _engine) = common::start_server().await;
    let mut stream = connect(port).await;
    let tv = topology_version(&mut stream).await;
    stream
        .write_all(&op_msg(7, EXHAUST_ALLOWED, &awaitable(&tv, 300)))
        .await
        .unwrap();
    let mut previous = 7;
    let mut last = Instant::now();
    for n in 0..3 {
        let reply = read_reply(&mut stream).await;
        let gap = last.elapsed();
        last = Instant::now();
        assert!(
            gap >= Duration::from_millis(240),
            "reply {n} came after {gap:?}, not after maxAwaitTimeMS"
        );
        assert_eq!(reply.doc.get_f64("ok").unwrap(), 1.0);
        assert_ne!(reply.flags & MORE_TO_COME, 0, "reply {n} has moreToCome");
        assert_eq!(
            reply.response_to, previous,
            "each streamed reply answers the previous message"
        );
        previous = reply.request_id;
    }
    drop(stream);
    // The server is unharmed and answers new connections.
    let mut other = connect(port).await;
    other
        .write_all(&op_msg(1, 0, &doc! {"ping": 1, "$db": "admin"}))
        .await
        .unwrap();
    assert_eq!(read_reply(&mut other).await.doc.get_f64("ok").unwrap(), 1.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhaust_with_another_process_topology_version_streams_from_ours() {
    // mongod: a mismatched processId is answered at once, and the stream then
    // continues with the server's own topologyVersion.
    let (port, _engine) = common::start_server().await;
    let mut stream = connect(port).await;
    let ours = topology_version(&mut stream).await;
    let theirs = doc! {"processId": ObjectId::new(), "counter": 3_i64};
    let started = Instant::now();
    stream
        .write_all(&op_msg(2, EXHAUST_ALLOWED, &awaitable(&theirs, 300)))
        .await
        .unwrap();
    let first = read_reply(&mut stream).await;
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_ne!(first.flags & MORE_TO_COME, 0);
    assert_eq!(first.doc.get_document("topologyVersion").unwrap(), &ours);
    let second = read_reply(&mut stream).await;
    assert!(started.elapsed() >= Duration::from_millis(240));
    assert_eq!(second.response_to, first.request_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_awaitable_hellos_get_mongods_errors_at_once() {
    let (port, _engine) = common::start_server().await;
    let mut stream = connect(port).await;
    let tv = topology_version(&mut stream).await;
    let process = tv.get_object_id("processId").unwrap();
    let cases = [
        (
            doc! {"hello": 1, "topologyVersion": tv.clone(), "$db": "admin"},
            31368,
        ),
        (
            doc! {"hello": 1, "maxAwaitTimeMS": 100, "$db": "admin"},
            31368,
        ),
        (
            doc! {"hello": 1, "topologyVersion": {"processId": process, "counter": 5_i64}, "maxAwaitTimeMS": 100, "$db": "admin"},
            31382,
        ),
        (
            doc! {"hello": 1, "topologyVersion": {"processId": process, "counter": -1_i64}, "maxAwaitTimeMS": 100, "$db": "admin"},
            31372,
        ),
    ];
    for (n, (command, code)) in cases.into_iter().enumerate() {
        let started = Instant::now();
        stream
            .write_all(&op_msg(10 + n as i32, EXHAUST_ALLOWED, &command))
            .await
            .unwrap();
        let reply = read_reply(&mut stream).await;
        assert!(started.elapsed() < Duration::from_millis(1000));
        assert_eq!(reply.doc.get_f64("ok").unwrap(), 0.0, "{command}");
        assert_eq!(reply.doc.get_i32("code").unwrap(), code, "{}", reply.doc);
        assert_eq!(
            reply.flags & MORE_TO_COME,
            0,
            "an ok:0 reply never has moreToCome"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_hello_ends_when_the_server_stops() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(docdb::serve(listener, Arc::new(docdb::Engine::in_memory())));
    let mut stream = connect(port).await;
    let tv = topology_version(&mut stream).await;
    stream
        .write_all(&op_msg(2, EXHAUST_ALLOWED, &awaitable(&tv, 30_000)))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped = Instant::now();
    server.abort();
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("the connection closes instead of waiting 30 s");
    assert_eq!(read.unwrap_or(0), 0, "closed without a reply");
    assert!(stopped.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_bits_follow_the_op_msg_spec() {
    let (port, _engine) = common::start_server().await;
    // An unknown optional bit (16-31) is ignored.
    let mut stream = connect(port).await;
    stream
        .write_all(&op_msg(1, 1 << 20, &doc! {"ping": 1, "$db": "admin"}))
        .await
        .unwrap();
    assert_eq!(
        read_reply(&mut stream).await.doc.get_f64("ok").unwrap(),
        1.0
    );
    // checksumPresent with a correct CRC-32C is understood.
    let mut frame = op_msg(2, 1, &doc! {"ping": 1, "$db": "admin"});
    let len = frame.len() + 4;
    frame[0..4].copy_from_slice(&(len as i32).to_le_bytes());
    let crc = docdb::server::frame::crc32c(&frame);
    frame.extend(crc.to_le_bytes());
    stream.write_all(&frame).await.unwrap();
    let reply = read_reply(&mut stream).await;
    assert_eq!(reply.doc.get_f64("ok").unwrap(), 1.0);
    assert_eq!(reply.response_to, 2);
    // An unknown required bit (0-15) is an error: the connection is closed.
    let mut bad = connect(port).await;
    bad.write_all(&op_msg(3, 1 << 5, &doc! {"ping": 1, "$db": "admin"}))
        .await
        .unwrap();
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(5), bad.read(&mut buf))
        .await
        .expect("closed promptly");
    assert_eq!(read.unwrap_or(0), 0);
    // A wrong checksum also closes it.
    let mut frame = op_msg(4, 1, &doc! {"ping": 1, "$db": "admin"});
    let len = frame.len() + 4;
    frame[0..4].copy_from_slice(&(len as i32).to_le_bytes());
    frame.extend(0xdead_beef_u32.to_le_bytes());
    let mut bad = connect(port).await;
    bad.write_all(&frame).await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(5), bad.read(&mut buf))
        .await
        .expect("closed promptly");
    assert_eq!(read.unwrap_or(0), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_monitor_waits_between_heartbeats() {
    use mongodb::event::{EventHandler, sdam::SdamEvent};
    let (port, _engine) = common::start_server().await;
    let succeeded = Arc::new(AtomicUsize::new(0));
    let awaited = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut options = mongodb::options::ClientOptions::parse(format!(
        "mongodb://127.0.0.1:{port}/?heartbeatFrequencyMS=500"
    ))
    .await
    .unwrap();
    let (s, a, f) = (
        Arc::clone(&succeeded),
        Arc::clone(&awaited),
        Arc::clone(&failed),
    );
    options.sdam_event_handler = Some(EventHandler::callback(
        move |event: SdamEvent| match event {
            SdamEvent::ServerHeartbeatSucceeded(e) => {
                s.fetch_add(1, Ordering::SeqCst);
                if e.awaited {
                    a.fetch_add(1, Ordering::SeqCst);
                }
            }
            SdamEvent::ServerHeartbeatFailed(_) => {
                f.fetch_add(1, Ordering::SeqCst);
            }
            _ => {}
        },
    ));
    let client = mongodb::Client::with_options(options).unwrap();
    let coll = client.database("mon").collection::<Document>("c");
    coll.insert_one(doc! {"x": 1}).await.expect("insert");
    assert!(coll.find_one(doc! {}).await.expect("find").is_some());
    let before = succeeded.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let during = succeeded.load(Ordering::SeqCst) - before;
    // One heartbeat per 500 ms is 6 in 3 s; a monitor looping on immediate
    // replies makes thousands.
    assert!(
        during <= 10,
        "{during} heartbeats in 3 s with heartbeatFrequencyMS=500"
    );
    assert!(
        awaited.load(Ordering::SeqCst) >= 2,
        "the streaming protocol is in use"
    );
    assert_eq!(failed.load(Ordering::SeqCst), 0, "no heartbeat failed");
    coll.update_one(doc! {"x": 1}, doc! {"$set": {"y": 2}})
        .await
        .expect("update after idling");
}
