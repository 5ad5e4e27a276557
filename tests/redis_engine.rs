//! The %%redis engine against the local Redis (127.0.0.1:6379): data types, transactions,
//! scripts, errors mid-cell, tokenizer cases, variables and `--out`. Each test uses its own key
//! prefix and cleans up after itself; nothing here flushes a database.

mod redis_support;

use dbkernel::result::RedisValue;
use dbkernel::session::variables::{Scalar, SharedVariables, Variable};
use redis_support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn strings_and_ttl() {
    let p = prefix("strings");
    let engine = engine().await;
    let ran = run(&engine, &format!("%%redis\nSET {p}:k hello EX 100\nGET {p}:k\nTTL {p}:k\nINCR {p}:n\nINCRBYFLOAT {p}:n 1.5\nGET {p}:missing")).await;
    ran.ok();
    let v = ran.values();
    assert_eq!(v[0], status("OK"));
    assert_eq!(v[1], bulk("hello"));
    assert!(
        matches!(v[2], RedisValue::Int(t) if (1..=100).contains(&t)),
        "{:?}",
        v[2]
    );
    assert_eq!(v[3], RedisValue::Int(1));
    assert_eq!(v[4], bulk("2.5"));
    assert_eq!(v[5], RedisValue::Nil);
    let text = ran.text();
    assert!(text.contains(&format!("> GET {p}:k\n\"hello\"")), "{text}");
    assert!(text.ends_with("(nil)"), "{text}");
    cleanup(&p).await;
}

#[tokio::test]
async fn lists_hashes_sets_and_sorted_sets() {
    let p = prefix("types");
    let engine = engine().await;
    let ran = run(
        &engine,
        &format!(
            "%%redis\nRPUSH {p}:l a b c\nLRANGE {p}:l 0 -1\nHSET {p}:h name Ada lang Rust\nHGETALL {p}:h\nSADD {p}:s x\nSMEMBERS {p}:s\nZADD {p}:z 1.5 alice 2 bob\nZRANGE {p}:z 0 -1 WITHSCORES"
        ),
    )
    .await;
    ran.ok();
    let v = ran.values();
    assert_eq!(v[0], RedisValue::Int(3));
    assert_eq!(
        v[1],
        RedisValue::Array(vec![bulk("a"), bulk("b"), bulk("c")])
    );
    assert_eq!(v[2], RedisValue::Int(2));
    assert_eq!(
        v[3],
        RedisValue::Array(vec![bulk("name"), bulk("Ada"), bulk("lang"), bulk("Rust")])
    );
    assert_eq!(v[5], RedisValue::Array(vec![bulk("x")]));
    assert_eq!(
        v[7],
        RedisValue::Array(vec![bulk("alice"), bulk("1.5"), bulk("bob"), bulk("2")])
    );
    let html = dbkernel::render::redis::html(ran.replies());
    assert!(html.contains(">field</th>"), "HGETALL as a table: {html}");
    assert!(
        html.contains(">member</th>") && html.contains(">1.5<"),
        "WITHSCORES as a table: {html}"
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn streams_xadd_xrange_xread() {
    let p = prefix("streams");
    let engine = engine().await;
    let ran = run(&engine, &format!("%%redis\nXADD {p}:s 1-0 temp 21\nXADD {p}:s 2-0 temp 22\nXRANGE {p}:s - +\nXREAD COUNT 1 STREAMS {p}:s 1-0")).await;
    ran.ok();
    let v = ran.values();
    assert_eq!(v[0], bulk("1-0"));
    let entry = |id: &str, t: &str| {
        RedisValue::Array(vec![
            bulk(id),
            RedisValue::Array(vec![bulk("temp"), bulk(t)]),
        ])
    };
    assert_eq!(
        v[2],
        RedisValue::Array(vec![entry("1-0", "21"), entry("2-0", "22")])
    );
    assert_eq!(
        v[3],
        RedisValue::Array(vec![RedisValue::Array(vec![
            bulk(&format!("{p}:s")),
            RedisValue::Array(vec![entry("2-0", "22")])
        ])])
    );
    let html = dbkernel::render::redis::html(ran.replies());
    assert!(
        html.contains(">id</th>") && html.contains(">2-0<"),
        "{html}"
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn multi_exec_within_a_cell_and_across_cells() {
    let p = prefix("multi");
    let engine = engine().await;
    let ran = run(
        &engine,
        &format!("%%redis\nMULTI\nINCR {p}:n\nINCR {p}:n\nEXEC"),
    )
    .await;
    ran.ok();
    assert_eq!(
        ran.values(),
        vec![
            status("OK"),
            status("QUEUED"),
            status("QUEUED"),
            RedisValue::Array(vec![RedisValue::Int(1), RedisValue::Int(2)])
        ]
    );
    // The session is pinned: a transaction opened in one cell is executed by the next.
    run(&engine, &format!("%%redis\nMULTI\nSET {p}:a 1"))
        .await
        .ok();
    let ran = run(&engine, "%%redis\nEXEC").await;
    ran.ok();
    assert_eq!(ran.values(), vec![RedisValue::Array(vec![status("OK")])]);
    cleanup(&p).await;
}

#[tokio::test]
async fn exec_element_errors_stay_inside_the_array() {
    let p = prefix("execerr");
    let engine = engine().await;
    let ran = run(
        &engine,
        &format!("%%redis\nSET {p}:s text\nMULTI\nINCR {p}:s\nSET {p}:t 1\nEXEC"),
    )
    .await;
    ran.ok();
    let RedisValue::Array(items) = &ran.values()[4] else {
        panic!("{:?}", ran.values())
    };
    assert!(
        matches!(&items[0], RedisValue::Error(e) if e.starts_with("ERR")),
        "{items:?}"
    );
    assert_eq!(items[1], status("OK"));
    cleanup(&p).await;
}

#[tokio::test]
async fn watch_aborts_exec_when_the_key_changes() {
    let p = prefix("watch");
    let engine = engine().await;
    run(&engine, &format!("%%redis\nSET {p}:k 1\nWATCH {p}:k"))
        .await
        .ok();
    let mut other = plain().await;
    plain_cmd(&mut other, &["SET", &format!("{p}:k"), "2"]).await;
    let ran = run(&engine, &format!("%%redis\nMULTI\nSET {p}:k 3\nEXEC")).await;
    ran.ok();
    assert_eq!(ran.values()[2], RedisValue::Nil);
    cleanup(&p).await;
}

#[tokio::test]
async fn multi_line_eval_lock_release_script() {
    let p = prefix("eval");
    let engine = engine().await;
    let script = "\"if redis.call('get', KEYS[1]) == ARGV[1] then\n  return redis.call('del', KEYS[1])\nelse\n  return 0\nend\"";
    let ran = run(&engine, &format!("%%redis\nSET {p}:lock token-1 NX PX 30000\nEVAL {script} 1 {p}:lock token-2\nEVAL {script} 1 {p}:lock token-1\nEXISTS {p}:lock")).await;
    ran.ok();
    assert_eq!(
        ran.values(),
        vec![
            status("OK"),
            RedisValue::Int(0),
            RedisValue::Int(1),
            RedisValue::Int(0)
        ]
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn server_error_mid_cell_keeps_earlier_replies_and_skips_later_lines() {
    let p = prefix("midcell");
    let engine = engine().await;
    let ran = run(
        &engine,
        &format!("%%redis\nSET {p}:s text\nLPUSH {p}:s a\nSET {p}:after 1"),
    )
    .await;
    let err = ran.result.as_ref().expect_err("the cell fails");
    assert_eq!(err.ename, "RedisError[WRONGTYPE]");
    assert!(
        err.evalue.starts_with("line 3: WRONGTYPE"),
        "{}",
        err.evalue
    );
    let v = ran.values();
    assert_eq!(v[0], status("OK"));
    assert!(matches!(&v[1], RedisValue::Error(e) if e.starts_with("WRONGTYPE")));
    assert_eq!(v[2], RedisValue::NotRun);
    assert!(ran.text().contains("(error) WRONGTYPE"), "{}", ran.text());
    let mut conn = plain().await;
    assert_eq!(
        plain_cmd(&mut conn, &["EXISTS", &format!("{p}:after")]).await,
        redis::Value::Int(0),
        "a later line ran"
    );
    // The connection is fine for the next cell.
    assert_eq!(
        run(&engine, "%%redis\nPING").await.ok().values(),
        vec![status("PONG")]
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn tokenizer_escapes_reach_the_server_byte_exact() {
    let p = prefix("escapes");
    let engine = engine().await;
    let ran = run(&engine, &format!("%%redis\nSET {p}:a \"tab\\there\\x00\\xff\\\"q\\\"\"\nGET {p}:a\nSET {p}:b 'it\\'s \\n raw'\nGET {p}:b\nSET {p}:c \"\"\nSTRLEN {p}:c\nSET {p}:d\"mid quoted\" 1\nEXISTS \"{p}:dmid quoted\"")).await;
    ran.ok();
    let v = ran.values();
    assert_eq!(v[1], RedisValue::Bulk(b"tab\there\x00\xff\"q\"".to_vec()));
    assert_eq!(v[3], bulk("it's \\n raw"));
    assert_eq!(v[5], RedisValue::Int(0));
    assert_eq!(v[7], RedisValue::Int(1));
    assert!(
        ran.text().contains(r#""tab\there\x00\xff\"q\"""#),
        "{}",
        ran.text()
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn tokenizer_errors_name_line_and_column_and_run_nothing() {
    let p = prefix("tokerr");
    let engine = engine().await;
    let ran = run(
        &engine,
        &format!("%%redis\nSET {p}:x 1\nGET \"unterminated"),
    )
    .await;
    let err = ran.result.as_ref().expect_err("syntax error");
    assert_eq!(err.ename, "RedisSyntaxError");
    assert!(
        err.evalue.contains("line 3, column 5") && err.evalue.contains("unterminated double quote"),
        "{}",
        err.evalue
    );
    assert!(ran.sink.results.is_empty());
    let ran = run(&engine, "%%redis\nGET \"key\"x").await;
    let err = ran.result.as_ref().expect_err("syntax error");
    assert!(
        err.evalue
            .contains("closing quote must be followed by a space"),
        "{}",
        err.evalue
    );
    let mut conn = plain().await;
    assert_eq!(
        plain_cmd(&mut conn, &["EXISTS", &format!("{p}:x")]).await,
        redis::Value::Int(0)
    );
}

#[tokio::test]
async fn variables_are_one_argument_even_with_spaces() {
    let p = prefix("vars");
    let engine = engine().await;
    let vars = SharedVariables::default();
    vars.lock().set(
        "greeting",
        Variable::Scalar(Scalar::Text("hello big \"world\"".into())),
    );
    vars.lock().set("n", Variable::Scalar(Scalar::Int(7)));
    let ran = run_with(
        &engine,
        &format!("%%redis\nSET {p}:{{{{n}}}} {{{{greeting}}}}\nGET {p}:7"),
        &vars,
        CancellationToken::new(),
        50,
    )
    .await;
    ran.ok();
    assert_eq!(ran.values()[1], bulk("hello big \"world\""));
    let ran = run_with(
        &engine,
        "%%redis\nGET {{nope}}",
        &vars,
        CancellationToken::new(),
        50,
    )
    .await;
    let err = ran.result.as_ref().expect_err("unknown variable");
    assert!(
        err.evalue.contains("unknown variable 'nope'") && err.evalue.contains("greeting, n"),
        "{}",
        err.evalue
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn out_keeps_the_last_reply_as_a_variable() {
    let p = prefix("out");
    let engine = engine().await;
    let vars = SharedVariables::default();
    let ran = run_with(
        &engine,
        &format!("%%redis --out members\nRPUSH {p}:l a b\nLRANGE {p}:l 0 -1"),
        &vars,
        CancellationToken::new(),
        50,
    )
    .await;
    ran.ok();
    match vars.lock().get("members") {
        Some(Variable::Redis(v)) => assert_eq!(*v, RedisValue::Array(vec![bulk("a"), bulk("b")])),
        other => panic!("{other:?}"),
    }
    // A kept bulk string is usable as an argument in a later cell.
    run_with(
        &engine,
        &format!("%%redis --out first\nLINDEX {p}:l 0"),
        &vars,
        CancellationToken::new(),
        50,
    )
    .await
    .ok();
    let ran = run_with(
        &engine,
        &format!("%%redis\nSET {p}:copy {{{{first}}}}\nGET {p}:copy"),
        &vars,
        CancellationToken::new(),
        50,
    )
    .await;
    assert_eq!(ran.ok().values()[1], bulk("a"));
    cleanup(&p).await;
}

#[tokio::test]
async fn long_replies_are_cut_to_the_display_limit_but_out_keeps_all() {
    let p = prefix("limit");
    let engine = engine().await;
    let items: Vec<String> = (0..30).map(|i| i.to_string()).collect();
    run(
        &engine,
        &format!("%%redis\nRPUSH {p}:l {}", items.join(" ")),
    )
    .await
    .ok();
    let ran = run_with(
        &engine,
        &format!("%%redis\nLRANGE {p}:l 0 -1"),
        &SharedVariables::default(),
        CancellationToken::new(),
        4,
    )
    .await;
    let RedisValue::Array(shown) = &ran.ok().values()[0] else {
        panic!()
    };
    assert_eq!(shown.len(), 5);
    assert_eq!(
        shown[4],
        status("(… 26 more elements; --limit N shows more)")
    );
    let vars = SharedVariables::default();
    run_with(
        &engine,
        &format!("%%redis --out all\nLRANGE {p}:l 0 -1"),
        &vars,
        CancellationToken::new(),
        4,
    )
    .await
    .ok();
    assert!(
        matches!(vars.lock().get("all"), Some(Variable::Redis(RedisValue::Array(a))) if a.len() == 30)
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn resp3_from_the_url_and_from_hello() {
    let p = prefix("resp3");
    let resp3 = engine_at("redis://127.0.0.1:6379/0?protocol=resp3").await;
    let ran = run(&resp3, &format!("%%redis\nHSET {p}:h f 1\nHGETALL {p}:h\nSMEMBERS {p}:none\nZADD {p}:z 2.5 m\nZSCORE {p}:z m")).await;
    ran.ok();
    let v = ran.values();
    assert_eq!(v[1], RedisValue::Map(vec![(bulk("f"), bulk("1"))]));
    assert_eq!(v[2], RedisValue::Set(vec![]));
    assert!(matches!(&v[4], RedisValue::Double { value, text } if *value == 2.5 && text == "2.5"));
    // HELLO 3 on a RESP2 connection switches it (the driver reconnects speaking RESP3).
    let engine = engine().await;
    let ran = run(&engine, &format!("%%redis\nHELLO 3\nHGETALL {p}:h")).await;
    ran.ok();
    assert!(
        matches!(&ran.values()[0], RedisValue::Map(m) if m.iter().any(|(k, v)| *k == bulk("proto") && *v == RedisValue::Int(3))),
        "{:?}",
        ran.values()[0]
    );
    assert_eq!(
        ran.values()[1],
        RedisValue::Map(vec![(bulk("f"), bulk("1"))])
    );
    cleanup(&p).await;
}

#[tokio::test]
async fn select_persists_between_cells() {
    let p = prefix("select");
    let engine = engine().await;
    run(&engine, &format!("%%redis\nSELECT 5\nSET {p}:k in5"))
        .await
        .ok();
    let ran = run(&engine, &format!("%%redis\nGET {p}:k\nSELECT 0\nGET {p}:k")).await;
    assert_eq!(
        ran.ok().values(),
        vec![bulk("in5"), status("OK"), RedisValue::Nil]
    );
    run(&engine, &format!("%%redis\nSELECT 5\nDEL {p}:k\nSELECT 0"))
        .await
        .ok();
}

#[tokio::test]
async fn unreachable_and_rejected_connections_explain_and_hide_the_password() {
    let err = dbkernel::engine::registry::open("redis://127.0.0.1:1/0", &Default::default())
        .await
        .err()
        .expect("nothing listens on port 1");
    assert_eq!(err.ename, "RedisConnectionError");
    assert!(err.evalue.contains("127.0.0.1:1"), "{}", err.evalue);
    assert!(
        err.detail.iter().any(|d| d.contains("%connect")),
        "{:?}",
        err.detail
    );
    let err =
        dbkernel::engine::registry::open("redis://:hunter2@127.0.0.1:6379/0", &Default::default())
            .await
            .err()
            .expect("no password is configured");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
    let engine = engine().await;
    assert_eq!(engine.describe(), format!("Redis {URL}"));
}

#[tokio::test]
async fn unknown_commands_fail_with_the_server_error_code() {
    let engine = engine().await;
    let ran = run(&engine, "%%redis\nPING\nNOSUCHCOMMAND x").await;
    let err = ran.result.as_ref().expect_err("unknown command");
    assert_eq!(err.ename, "RedisError[ERR]");
    assert!(
        err.evalue.contains("line 3") && err.evalue.contains("unknown command"),
        "{}",
        err.evalue
    );
    assert_eq!(ran.values()[0], status("PONG"));
}

#[tokio::test]
async fn a_connection_closed_while_idle_is_reopened_transparently() {
    let p = prefix("idle");
    let engine = engine().await;
    run(&engine, &format!("%%redis\nSELECT 3\nSET {p}:k db3"))
        .await
        .ok();
    let ran = run(&engine, "%%redis\nCLIENT ID").await;
    let RedisValue::Int(id) = ran.ok().values()[0] else {
        panic!()
    };
    let mut conn = plain().await;
    assert_eq!(
        plain_cmd(&mut conn, &["CLIENT", "KILL", "ID", &id.to_string()]).await,
        redis::Value::Int(1)
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // Reopened on the database the session had selected.
    let ran = run(&engine, &format!("%%redis\nGET {p}:k\nDEL {p}:k")).await;
    assert_eq!(ran.ok().values(), vec![bulk("db3"), RedisValue::Int(1)]);
}

#[tokio::test]
async fn a_listener_that_never_answers_is_named_within_the_connect_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = dbkernel::engine::registry::OpenOptions {
        connect_timeout: std::time::Duration::from_secs(1),
    };
    let started = std::time::Instant::now();
    let err = dbkernel::engine::registry::open(&format!("redis://127.0.0.1:{port}/0"), &options)
        .await
        .err()
        .expect("a silent listener is not a server");
    let took = started.elapsed();
    drop(listener);
    assert!(
        took >= std::time::Duration::from_millis(900) && took < std::time::Duration::from_secs(3),
        "{took:?}"
    );
    assert_eq!(err.ename, "RedisConnectionError");
    assert_eq!(
        err.evalue,
        format!("Redis at 127.0.0.1:{port} did not answer within 1 s"),
        "{err:?}"
    );
    assert!(
        err.detail.iter().any(|d| d.contains("connect_timeout")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_said_plainly_without_the_password() {
    let engine = engine().await;
    let user = format!("dbk_test_{}", std::process::id());
    run(
        &engine,
        &format!("%%redis\nACL SETUSER {user} on >right-secret ~* +@all"),
    )
    .await
    .ok();
    let opened = dbkernel::engine::registry::open(
        &format!("redis://{user}:wrong-secret-hunter2@127.0.0.1:6379/0"),
        &Default::default(),
    )
    .await;
    run(&engine, &format!("%%redis\nACL DELUSER {user}"))
        .await
        .ok();
    let err = opened.err().expect("the password is wrong");
    assert_eq!(err.ename, "RedisConnectionError");
    assert!(
        err.evalue
            .starts_with("Redis at 127.0.0.1:6379 refused the credentials"),
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
}

#[tokio::test]
async fn an_open_multi_is_shown_under_every_result_and_by_open_transaction() {
    let p = prefix("txnote");
    let engine = engine().await;
    let ran = run(&engine, &format!("%%redis\nMULTI\nSET {p}:a 1\nINCR {p}:n")).await;
    ran.ok();
    assert_eq!(
        ran.sink.stdout,
        "(TX) MULTI open, 2 commands queued — EXEC or DISCARD\n"
    );
    assert_eq!(
        engine.open_transaction().as_deref(),
        Some("MULTI open, 2 commands queued — EXEC or DISCARD")
    );
    // A later cell's command is queued too, and the note says so.
    let ran = run(&engine, &format!("%%redis\nGET {p}:a")).await;
    assert_eq!(ran.ok().values(), vec![status("QUEUED")]);
    assert!(
        ran.sink.stdout.contains("3 commands queued"),
        "{}",
        ran.sink.stdout
    );
    let ran = run(&engine, "%%redis\nEXEC").await;
    ran.ok();
    assert_eq!(ran.sink.stdout, "");
    assert_eq!(engine.open_transaction(), None);
    cleanup(&p).await;
}

#[tokio::test]
async fn a_watch_in_effect_is_shown_until_exec_discard_or_unwatch() {
    let p = prefix("watchnote");
    let engine = engine().await;
    let ran = run(&engine, &format!("%%redis\nWATCH {p}:k")).await;
    ran.ok();
    assert!(
        ran.sink.stdout.starts_with("(WATCH) WATCH in effect"),
        "{}",
        ran.sink.stdout
    );
    assert!(
        engine
            .open_transaction()
            .is_some_and(|s| s.starts_with("WATCH in effect"))
    );
    let ran = run(&engine, &format!("%%redis\nMULTI\nSET {p}:k 1")).await;
    assert!(
        ran.sink
            .stdout
            .contains("MULTI open, 1 command queued, WATCH in effect — EXEC or DISCARD"),
        "{}",
        ran.sink.stdout
    );
    run(&engine, "%%redis\nDISCARD").await.ok();
    assert_eq!(engine.open_transaction(), None);
    run(&engine, &format!("%%redis\nWATCH {p}:k")).await.ok();
    let ran = run(&engine, "%%redis\nUNWATCH").await;
    assert_eq!(ran.sink.stdout, "");
    assert_eq!(engine.open_transaction(), None);
    cleanup(&p).await;
}
