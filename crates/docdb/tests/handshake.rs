//! The official driver connects with its default options, with and without
//! directConnection, and sees a standalone 7.0 server.

mod common;

use bson::doc;
use futures_util::TryStreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn driver_connects_with_and_without_direct_connection() {
    let (port, _engine) = common::start_server().await;
    for direct in [true, false] {
        let client = common::client(port, direct).await;
        let reply = client
            .database("admin")
            .run_command(doc! {"ping": 1})
            .await
            .expect("ping");
        assert_eq!(reply.get_f64("ok").unwrap(), 1.0);
        let coll = client.database("hs").collection::<bson::Document>("c");
        coll.insert_one(doc! {"x": 1})
            .await
            .expect("insert through the driver");
        let found: Vec<_> = coll
            .find(doc! {})
            .await
            .expect("find")
            .try_collect()
            .await
            .expect("cursor");
        assert!(!found.is_empty());
        let names = client.list_database_names().await.expect("listDatabases");
        assert!(names.contains(&"hs".to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_reports_a_standalone_seven_zero_server() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let hello = client
        .database("admin")
        .run_command(doc! {"hello": 1})
        .await
        .unwrap();
    assert!(hello.get_bool("isWritablePrimary").unwrap());
    assert_eq!(hello.get_i32("maxWireVersion").unwrap(), 21);
    assert_eq!(hello.get_i32("logicalSessionTimeoutMinutes").unwrap(), 30);
    assert!(hello.get("setName").is_none());
    let build = client
        .database("admin")
        .run_command(doc! {"buildInfo": 1})
        .await
        .unwrap();
    assert_eq!(build.get_str("version").unwrap(), "7.0.0");
    let err = client
        .database("admin")
        .run_command(doc! {"frobnicate": 1})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("no such command: 'frobnicate'"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_sessions_work_and_transactions_are_refused() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let mut session = client
        .start_session()
        .await
        .expect("sessions are advertised");
    let coll = client.database("s").collection::<bson::Document>("c");
    coll.insert_one(doc! {"a": 1})
        .session(&mut session)
        .await
        .expect("insert in a session");
    session.start_transaction().await.ok();
    let r = coll.insert_one(doc! {"a": 2}).session(&mut session).await;
    assert!(r.is_err(), "a standalone refuses transactions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_close_the_connection_without_killing_the_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (port, _engine) = common::start_server().await;
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    // A header claiming a 1 GB message.
    let mut bad = vec![0u8; 16];
    bad[0..4].copy_from_slice(&1_000_000_000i32.to_le_bytes());
    bad[12..16].copy_from_slice(&2013i32.to_le_bytes());
    raw.write_all(&bad).await.unwrap();
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), raw.read(&mut buf))
        .await
        .expect("closed promptly");
    assert_eq!(n.unwrap_or(0), 0, "the server closes the connection");
    let client = common::client(port, true).await;
    client
        .database("admin")
        .run_command(doc! {"ping": 1})
        .await
        .expect("server still serves");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_op_query_hello_gets_an_op_reply() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (port, _engine) = common::start_server().await;
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut body = 0i32.to_le_bytes().to_vec();
    body.extend(b"admin.$cmd\0");
    body.extend(0i32.to_le_bytes());
    body.extend((-1i32).to_le_bytes());
    body.extend(doc! {"isMaster": 1, "helloOk": true}.to_vec().unwrap());
    let mut msg = ((16 + body.len()) as i32).to_le_bytes().to_vec();
    msg.extend(42i32.to_le_bytes());
    msg.extend(0i32.to_le_bytes());
    msg.extend(2004i32.to_le_bytes());
    msg.extend(body);
    raw.write_all(&msg).await.unwrap();
    let mut head = [0u8; 16];
    raw.read_exact(&mut head).await.unwrap();
    let len = i32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    assert_eq!(
        i32::from_le_bytes([head[8], head[9], head[10], head[11]]),
        42,
        "responseTo"
    );
    assert_eq!(
        i32::from_le_bytes([head[12], head[13], head[14], head[15]]),
        1,
        "OP_REPLY"
    );
    let mut rest = vec![0u8; len - 16];
    raw.read_exact(&mut rest).await.unwrap();
    let reply = bson::Document::from_reader(&rest[20..]).unwrap();
    assert!(reply.get_bool("ismaster").unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_to_come_writes_get_no_reply_and_still_apply() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (port, _engine) = common::start_server().await;
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let insert = doc! {"insert": "c", "documents": [{"_id": 1}, {"_id": 2}], "$db": "w0", "writeConcern": {"w": 0}};
    raw.write_all(&common::op_msg(1, 1 << 1, &insert))
        .await
        .unwrap();
    let count = doc! {"count": "c", "$db": "w0"};
    raw.write_all(&common::op_msg(2, 0, &count)).await.unwrap();
    let mut head = [0u8; 16];
    raw.read_exact(&mut head).await.unwrap();
    let len = i32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    assert_eq!(
        i32::from_le_bytes([head[8], head[9], head[10], head[11]]),
        2,
        "the first reply answers the count"
    );
    let mut rest = vec![0u8; len - 16];
    raw.read_exact(&mut rest).await.unwrap();
    let reply = bson::Document::from_reader(&rest[5..]).unwrap();
    assert_eq!(reply.get_i64("n").unwrap(), 2, "{reply}");
}
