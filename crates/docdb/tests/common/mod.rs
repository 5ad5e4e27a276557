//! Shared test helpers: an in-process server on a random port, and a direct
//! engine shortcut that unwraps `ok: 1` replies.
#![allow(dead_code)]

use std::sync::Arc;

use bson::{Document, doc};
use docdb::Engine;

/// Starts the wire server on 127.0.0.1:0; returns its port and engine.
pub async fn start_server() -> (u16, Arc<Engine>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a local port");
    let port = listener.local_addr().expect("local address").port();
    let engine = Arc::new(Engine::in_memory());
    let served = Arc::clone(&engine);
    tokio::spawn(async move {
        let _ = docdb::serve(listener, served).await;
    });
    (port, engine)
}

/// A driver client with default options (plus directConnection when asked).
pub async fn client(port: u16, direct: bool) -> mongodb::Client {
    let uri = if direct {
        format!("mongodb://127.0.0.1:{port}/?directConnection=true")
    } else {
        format!("mongodb://127.0.0.1:{port}/")
    };
    mongodb::Client::with_uri_str(&uri)
        .await
        .expect("client from URI")
}

/// The `books` collection of MongoDB's `$group` ("Pivot Data") and `$accumulator` pages.
pub fn books() -> Vec<Document> {
    vec![
        doc! {"_id": 8751, "title": "The Banquet", "author": "Dante", "copies": 2},
        doc! {"_id": 8752, "title": "Divine Comedy", "author": "Dante", "copies": 1},
        doc! {"_id": 8645, "title": "Eclogues", "author": "Dante", "copies": 2},
        doc! {"_id": 7000, "title": "The Odyssey", "author": "Homer", "copies": 10},
        doc! {"_id": 7020, "title": "Iliad", "author": "Homer", "copies": 10},
    ]
}

/// Runs a command on the engine and panics with the reply unless it is ok:1.
pub fn ok(engine: &Engine, db: &str, cmd: Document) -> Document {
    let reply = engine.execute(db, cmd.clone());
    assert_eq!(
        reply.get_f64("ok").ok(),
        Some(1.0),
        "command {cmd} failed: {reply}"
    );
    reply
}

/// Runs a command and returns its error code (panics if it succeeded).
pub fn err_code(engine: &Engine, db: &str, cmd: Document) -> i32 {
    let reply = engine.execute(db, cmd.clone());
    assert_eq!(
        reply.get_f64("ok").ok(),
        Some(0.0),
        "command {cmd} unexpectedly succeeded: {reply}"
    );
    reply.get_i32("code").expect("error reply has a code")
}

/// All documents of a find's first batch.
pub fn find_all(engine: &Engine, db: &str, cmd: Document) -> Vec<Document> {
    let reply = ok(engine, db, cmd);
    reply
        .get_document("cursor")
        .and_then(|c| c.get_array("firstBatch"))
        .map(|a| a.iter().filter_map(|b| b.as_document().cloned()).collect())
        .unwrap_or_default()
}

pub fn insert(engine: &Engine, db: &str, coll: &str, docs: Vec<Document>) -> Document {
    ok(engine, db, doc! {"insert": coll, "documents": docs})
}

/// An OP_MSG frame with one body section.
pub fn op_msg(request_id: i32, flags: u32, body: &Document) -> Vec<u8> {
    let doc = body.to_vec().unwrap();
    let len = 16 + 4 + 1 + doc.len();
    let mut out = (len as i32).to_le_bytes().to_vec();
    out.extend(request_id.to_le_bytes());
    out.extend(0i32.to_le_bytes());
    out.extend(2013i32.to_le_bytes());
    out.extend(flags.to_le_bytes());
    out.push(0);
    out.extend(doc);
    out
}
