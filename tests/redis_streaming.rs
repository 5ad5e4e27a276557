//! Bounded streaming and blocking commands against the local Redis: pub/sub with a publisher on
//! another connection, MONITOR, BLPOP and XREAD BLOCK bounded by `--timeout` and by the stop
//! button (cancelled on the server, connection usable after).

mod redis_support;

use std::time::{Duration, Instant};

use dbkernel::result::{QueryResult, RedisValue};
use dbkernel::session::variables::SharedVariables;
use redis_support::*;
use tokio_util::sync::CancellationToken;

/// Waits until `channel` has a subscriber, then publishes each message.
async fn publish_when_subscribed(channel: String, messages: Vec<&'static str>) {
    let mut conn = plain().await;
    let started = Instant::now();
    loop {
        let reply = plain_cmd(&mut conn, &["PUBSUB", "NUMSUB", &channel]).await;
        if let redis::Value::Array(items) = reply
            && matches!(items.get(1), Some(redis::Value::Int(n)) if *n > 0)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "nobody subscribed to {channel}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for message in messages {
        plain_cmd(&mut conn, &["PUBLISH", &channel, message]).await;
    }
}

fn is_message(value: &RedisValue, payload: &str) -> bool {
    matches!(value, RedisValue::Array(items) if items.first() == Some(&bulk("message")) && items.get(2) == Some(&bulk(payload)))
}

#[tokio::test]
async fn subscribe_shows_published_messages_live_and_stops_at_count() {
    let p = prefix("pubsub");
    let channel = format!("{p}:ch");
    let engine = engine().await;
    let publisher = tokio::spawn(publish_when_subscribed(
        channel.clone(),
        vec!["hello", "world", "never seen"],
    ));
    let started = Instant::now();
    let ran = run(
        &engine,
        &format!("%%redis --count 2 --timeout 5\nSUBSCRIBE {channel}"),
    )
    .await;
    ran.ok();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the count bound stops the stream"
    );
    publisher.await.expect("publisher");
    let RedisValue::Array(items) = &ran.values()[0] else {
        panic!("{:?}", ran.values())
    };
    assert_eq!(
        items[0],
        RedisValue::Array(vec![bulk("subscribe"), bulk(&channel), RedisValue::Int(1)])
    );
    assert!(
        is_message(&items[1], "hello") && is_message(&items[2], "world"),
        "{items:?}"
    );
    assert_eq!(items.len(), 3);
    // Messages arrived live, one display update per reply.
    assert!(
        ran.sink.live_updates.len() >= 3,
        "{}",
        ran.sink.live_updates.len()
    );
    let QueryResult::Redis(first_message) = &ran.sink.live_updates[1] else {
        panic!()
    };
    assert!(matches!(&first_message.entries[0].reply, RedisValue::Array(i) if i.len() == 2));
    // The subscription is gone on the server and the connection works for the next cell.
    let mut conn = plain().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        plain_cmd(&mut conn, &["PUBSUB", "NUMSUB", &channel]).await,
        redis::Value::Array(vec![
            redis::Value::BulkString(channel.clone().into_bytes()),
            redis::Value::Int(0)
        ])
    );
    assert_eq!(
        run(&engine, "%%redis\nPING").await.ok().values(),
        vec![status("PONG")]
    );
}

#[tokio::test]
async fn subscribe_stops_at_the_timeout_and_later_lines_run() {
    let p = prefix("subtimeout");
    let engine = engine().await;
    let started = Instant::now();
    let ran = run(
        &engine,
        &format!("%%redis --timeout 0.5\nPSUBSCRIBE {p}:*\nECHO after"),
    )
    .await;
    ran.ok();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert_eq!(
        ran.values()[0],
        RedisValue::Array(vec![RedisValue::Array(vec![
            bulk("psubscribe"),
            bulk(&format!("{p}:*")),
            RedisValue::Int(1)
        ])])
    );
    assert_eq!(ran.values()[1], bulk("after"));
}

#[tokio::test]
async fn psubscribe_receives_pmessages() {
    let p = prefix("pmsg");
    let engine = engine().await;
    let channel = format!("{p}:news");
    let publisher = tokio::spawn({
        let channel = channel.clone();
        async move {
            let mut conn = plain().await;
            for _ in 0..500 {
                if let redis::Value::Int(n) =
                    plain_cmd(&mut conn, &["PUBLISH", &channel, "flash"]).await
                    && n > 0
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let ran = run(
        &engine,
        &format!("%%redis --count 1 --timeout 5\nPSUBSCRIBE {p}:*"),
    )
    .await;
    ran.ok();
    publisher.await.expect("publisher");
    let RedisValue::Array(items) = &ran.values()[0] else {
        panic!()
    };
    assert_eq!(
        items[1],
        RedisValue::Array(vec![
            bulk("pmessage"),
            bulk(&format!("{p}:*")),
            bulk(&channel),
            bulk("flash")
        ])
    );
}

#[tokio::test]
async fn stopping_a_subscription_interrupts_the_cell() {
    let p = prefix("subcancel");
    let engine = engine().await;
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.cancel();
    });
    let started = Instant::now();
    let ran = run_with(
        &engine,
        &format!("%%redis --timeout 30\nSUBSCRIBE {p}:ch\nPING"),
        &SharedVariables::default(),
        cancel,
        50,
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_millis(1300),
        "{:?}",
        started.elapsed()
    );
    assert!(ran.result.as_ref().expect_err("interrupted").is_interrupt());
    assert_eq!(ran.values()[1], RedisValue::NotRun);
    assert_eq!(
        run(&engine, "%%redis\nPING").await.ok().values(),
        vec![status("PONG")]
    );
}

#[tokio::test]
async fn monitor_is_bounded_by_count() {
    let p = prefix("monitor");
    let engine = engine().await;
    let marker = format!("{p}:marker");
    let pinger = tokio::spawn({
        let marker = marker.clone();
        async move {
            let mut conn = plain().await;
            for _ in 0..300 {
                plain_cmd(&mut conn, &["ECHO", &marker]).await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let ran = run(&engine, "%%redis --count 3 --timeout 5\nMONITOR").await;
    pinger.abort();
    ran.ok();
    let RedisValue::Array(items) = &ran.values()[0] else {
        panic!()
    };
    assert_eq!(items[0], status("OK"));
    assert_eq!(items.len(), 4, "{items:?}");
    assert!(
        items
            .iter()
            .skip(1)
            .all(|i| matches!(i, RedisValue::Status(line) if line.contains('['))),
        "{items:?}"
    );
}

#[tokio::test]
async fn blpop_is_bounded_by_the_cell_timeout() {
    let p = prefix("blpoptimeout");
    let engine = engine().await;
    let started = Instant::now();
    let ran = run(
        &engine,
        &format!("%%redis --timeout 0.5\nBLPOP {p}:empty 0\nPING"),
    )
    .await;
    ran.ok();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(450) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert_eq!(ran.values(), vec![RedisValue::Nil, status("PONG")]);
    assert!(ran.sink.stderr.contains("--timeout"), "{}", ran.sink.stderr);
}

#[tokio::test]
async fn blpop_with_its_own_short_timeout_returns_on_its_own() {
    let p = prefix("blpopown");
    let engine = engine().await;
    let ran = run(
        &engine,
        &format!("%%redis\nRPUSH {p}:l x\nBLPOP {p}:l 1\nBLPOP {p}:l 0.1"),
    )
    .await;
    ran.ok();
    assert_eq!(
        ran.values()[1],
        RedisValue::Array(vec![bulk(&format!("{p}:l")), bulk("x")])
    );
    assert_eq!(ran.values()[2], RedisValue::Nil);
    assert!(ran.sink.stderr.is_empty(), "{}", ran.sink.stderr);
    cleanup(&p).await;
}

#[tokio::test]
async fn cancelling_blpop_unblocks_it_on_the_server_within_a_second() {
    let p = prefix("blpopcancel");
    let key = format!("{p}:l");
    let engine = engine().await;
    let ran = run(&engine, "%%redis\nCLIENT ID").await;
    let before = ran.ok().values();
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    let cancelled_at = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stopper.cancel();
        Instant::now()
    });
    let ran = run_with(
        &engine,
        &format!("%%redis --timeout 60\nBLPOP {key} 0\nSET {p}:after 1"),
        &SharedVariables::default(),
        cancel,
        50,
    )
    .await;
    let returned = Instant::now();
    let cancelled_at = cancelled_at.await.expect("stopper");
    assert!(
        returned.duration_since(cancelled_at) < Duration::from_secs(1),
        "{:?}",
        returned.duration_since(cancelled_at)
    );
    assert!(ran.result.as_ref().expect_err("interrupted").is_interrupt());
    assert_eq!(ran.values(), vec![RedisValue::Nil, RedisValue::NotRun]);
    // Nothing is still blocked on the server: a pushed value stays in the list.
    let mut conn = plain().await;
    plain_cmd(&mut conn, &["RPUSH", &key, "v"]).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        plain_cmd(&mut conn, &["LLEN", &key]).await,
        redis::Value::Int(1)
    );
    assert_eq!(
        plain_cmd(&mut conn, &["EXISTS", &format!("{p}:after")]).await,
        redis::Value::Int(0)
    );
    // The same connection (not a reopened one) answers at once.
    let ran = run(&engine, "%%redis\nPING\nCLIENT ID").await;
    let after = ran.ok().values();
    assert_eq!(after[0], RedisValue::Status("PONG".into()));
    assert_eq!(after[1], before[0], "CLIENT UNBLOCK kept the session");
    // And the next cell works on the same connection.
    let ran = run(&engine, &format!("%%redis\nBLPOP {key} 1")).await;
    assert_eq!(
        ran.ok().values(),
        vec![RedisValue::Array(vec![bulk(&key), bulk("v")])]
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn xread_block_is_bounded_and_sees_new_entries() {
    let p = prefix("xreadblock");
    let stream = format!("{p}:s");
    let engine = engine().await;
    let started = Instant::now();
    let ran = run(
        &engine,
        &format!("%%redis --timeout 0.3\nXREAD BLOCK 0 STREAMS {stream} $"),
    )
    .await;
    ran.ok();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(ran.values(), vec![RedisValue::Nil]);
    let adder = tokio::spawn({
        let stream = stream.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut conn = plain().await;
            plain_cmd(&mut conn, &["XADD", &stream, "5-0", "f", "v"]).await;
        }
    });
    let ran = run(
        &engine,
        &format!("%%redis --timeout 5\nXREAD BLOCK 5000 STREAMS {stream} $"),
    )
    .await;
    adder.await.expect("adder");
    let entry = RedisValue::Array(vec![
        bulk("5-0"),
        RedisValue::Array(vec![bulk("f"), bulk("v")]),
    ]);
    assert_eq!(
        ran.ok().values(),
        vec![RedisValue::Array(vec![RedisValue::Array(vec![
            bulk(&stream),
            RedisValue::Array(vec![entry])
        ])])]
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn blocking_commands_inside_multi_are_only_queued() {
    let p = prefix("blpopmulti");
    let engine = engine().await;
    let started = Instant::now();
    let ran = run(
        &engine,
        &format!("%%redis --timeout 5\nMULTI\nBLPOP {p}:l 0\nEXEC"),
    )
    .await;
    ran.ok();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        ran.values(),
        vec![
            status("OK"),
            status("QUEUED"),
            RedisValue::Array(vec![RedisValue::Nil])
        ]
    );
}
