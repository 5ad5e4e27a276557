//! Shared helpers for the %%sql integration tests: open an engine through the registry, run a
//! cell as the kernel would (parse_cell + CellContext + CollectingSink), and read results.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dbkernel::cell::parse_cell;
use dbkernel::engine::context::CollectingSink;
use dbkernel::engine::{CellContext, Engine, EngineError, registry};
use dbkernel::result::{QueryResult, Table};
use dbkernel::session::variables::{Scalar, SharedVariables, Variable};
use tokio_util::sync::CancellationToken;

pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
pub const MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// Opens a connection; a server that is not running fails the test with how to start it.
pub async fn open(url: &str) -> Arc<dyn Engine> {
    match registry::open(url, &Default::default()).await {
        Ok(engine) => engine,
        Err(e) => {
            let how = if url.starts_with("postgres") {
                "start PostgreSQL with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
            } else if url.starts_with("mysql") || url.starts_with("mariadb") {
                "start MariaDB with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"
            } else {
                "check the URL"
            };
            panic!("cannot open {url}: {e:?}\n{how}");
        }
    }
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

pub struct Outcome {
    pub sink: CollectingSink,
    pub result: Result<(), EngineError>,
}

impl Outcome {
    pub fn ok(&self) -> &Self {
        if let Err(e) = &self.result {
            panic!("cell failed: {}\n{}", e, e.detail.join("\n"));
        }
        self
    }

    pub fn err(&self) -> &EngineError {
        match &self.result {
            Ok(()) => panic!(
                "cell succeeded but an error was expected; results: {:?}",
                self.sink.results
            ),
            Err(e) => e,
        }
    }

    pub fn table(&self, index: usize) -> &Table {
        match self.sink.results.get(index) {
            Some(QueryResult::Table(t)) => t,
            other => panic!("result {index} is not a table: {other:?}"),
        }
    }

    /// Result `index` as a drawn plan (`--explain`, `--analyze`, a typed EXPLAIN).
    pub fn plan(&self, index: usize) -> &queryplan::Plan {
        match self.sink.results.get(index) {
            Some(QueryResult::Plan(p)) => &p.plan,
            other => panic!("result {index} is not a plan: {other:?}"),
        }
    }

    pub fn status(&self, index: usize) -> String {
        match self.sink.results.get(index) {
            Some(QueryResult::Status(s)) => s.message.clone(),
            other => panic!("result {index} is not a status: {other:?}"),
        }
    }

    /// The informational lines among the results (`QueryResult::Text`), in order.
    pub fn texts(&self) -> Vec<String> {
        self.sink
            .results
            .iter()
            .filter_map(|r| match r {
                QueryResult::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }

    /// The text of row `row`, column `col` of the first table result.
    pub fn cell(&self, row: usize, col: usize) -> Option<String> {
        let index = self
            .sink
            .results
            .iter()
            .position(|r| matches!(r, QueryResult::Table(_)))
            .expect("no table result");
        self.table(index).cell_text(row, col)
    }
}

pub async fn run(engine: &Arc<dyn Engine>, source: &str) -> Outcome {
    run_with(
        engine,
        &SharedVariables::default(),
        source,
        CancellationToken::new(),
    )
    .await
}

pub async fn run_with(
    engine: &Arc<dyn Engine>,
    variables: &SharedVariables,
    source: &str,
    cancel: CancellationToken,
) -> Outcome {
    let parsed = parse_cell(source).expect("cell parses");
    let cell = parsed.body.expect("cell has a body");
    let mut sink = CollectingSink::default();
    let result = {
        let mut ctx = CellContext {
            cancel,
            sink: &mut sink,
            variables: variables.clone(),
            display_limit: cell.options.limit.unwrap_or(50),
            connection_name: "test".into(),
            progress: Default::default(),
        };
        tokio::time::timeout(Duration::from_secs(60), engine.execute(&cell, &mut ctx))
            .await
            .expect("cell finished within 60 s")
    };
    Outcome { sink, result }
}

/// Runs `source`, presses stop after `after`, returns the outcome and how long the cell took
/// after the stop.
pub async fn run_and_cancel(
    engine: &Arc<dyn Engine>,
    source: &str,
    after: Duration,
) -> (Outcome, Duration) {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let pressed = Arc::new(std::sync::Mutex::new(None::<Instant>));
    let pressed_at = pressed.clone();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        *pressed_at.lock().unwrap() = Some(Instant::now());
        trigger.cancel();
    });
    let outcome = run_with(engine, &SharedVariables::default(), source, cancel).await;
    let since = pressed
        .lock()
        .unwrap()
        .map(|t| t.elapsed())
        .unwrap_or_default();
    (outcome, since)
}

pub fn set(variables: &SharedVariables, name: &str, value: Scalar) {
    variables.lock().set(name, Variable::Scalar(value));
}

/// A TCP listener on 127.0.0.1 that accepts connections and never says anything: a server that
/// hangs during the handshake. Returns its port; the sockets stay open for the test's life.
pub fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// Opens `url` with a connect timeout of `limit`; the error and how long the attempt took.
pub async fn open_error(url: &str, limit: Duration) -> (EngineError, Duration) {
    let options = registry::OpenOptions {
        connect_timeout: limit,
    };
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(30), registry::open(url, &options))
        .await
        .expect("open gave up within 30 s");
    match result {
        Ok(_) => panic!("{url} should not connect"),
        Err(e) => (e, started.elapsed()),
    }
}

/// A TCP proxy on 127.0.0.1 to `target` that can be told to fall silent: from then on it passes
/// nothing in either direction and new connections are accepted and ignored.
pub struct Proxy {
    pub port: u16,
    silent: Arc<std::sync::atomic::AtomicBool>,
}

impl Proxy {
    pub fn start(target: &str) -> Proxy {
        use std::sync::atomic::AtomicBool;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let silent = Arc::new(AtomicBool::new(false));
        let target = target.to_string();
        let flag = silent.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for client in listener.incoming().flatten() {
                if flag.load(Ordering::SeqCst) {
                    held.push(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(&target) else {
                    continue;
                };
                for (from, to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let flag = flag.clone();
                    std::thread::spawn(move || pipe(from, to, &flag));
                }
            }
        });
        Proxy { port, silent }
    }

    pub fn fall_silent(&self) {
        self.silent.store(true, Ordering::SeqCst);
    }
}

fn pipe(
    mut from: std::net::TcpStream,
    mut to: std::net::TcpStream,
    silent: &std::sync::atomic::AtomicBool,
) {
    use std::io::{Read, Write};
    let mut buffer = [0u8; 16384];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => {
                if !silent.load(Ordering::SeqCst) {
                    let _ = to.shutdown(std::net::Shutdown::Write);
                }
                return;
            }
            Ok(n) => {
                // Once silent, bytes are swallowed and the sockets left open.
                if !silent.load(Ordering::SeqCst) && to.write_all(&buffer[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// Every shown cell of the first table among `out`'s results, row by row.
pub fn all_cells(out: &Outcome) -> Vec<Vec<Option<String>>> {
    let index = out
        .sink
        .results
        .iter()
        .position(|r| matches!(r, QueryResult::Table(_)))
        .expect("a table");
    let t = out.table(index);
    (0..t.shown_rows())
        .map(|r| (0..t.columns.len()).map(|c| t.cell_text(r, c)).collect())
        .collect()
}

/// Opens `url_at(port)` for a silent listener's port with a connect timeout of 1 s: it gives up
/// within 3 s, names the address and points at `%config connect_timeout`. Returns the error.
pub async fn connect_to_a_silent_server_times_out(url_at: impl Fn(u16) -> String) -> EngineError {
    let port = silent_server();
    let url = url_at(port);
    let (err, took) = open_error(&url, Duration::from_secs(1)).await;
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(
        err.evalue,
        format!(
            "could not connect: 127.0.0.1:{port} did not answer within 1 s (connect, TLS and login)"
        )
    );
    assert!(
        err.detail
            .iter()
            .any(|d| d.contains("%config connect_timeout = 30")),
        "{:?}",
        err.detail
    );
    err
}

/// Opens `url` (a server on 127.0.0.1:1, where nothing listens): one clear line. Returns the error.
pub async fn refused_port_is_one_clear_line(url: &str) -> EngineError {
    let (err, _) = open_error(url, Duration::from_secs(5)).await;
    assert_eq!(
        err.evalue,
        "could not connect to 127.0.0.1:1: connection refused — is the server running?"
    );
    err
}

/// Connects through a [`Proxy`] to `upstream` (`url_at(port)` is the URL for the proxy's port)
/// with a connect timeout of 1 s, runs a statement, makes the proxy fall silent and runs another:
/// it fails within 4 s naming the address. Returns the error.
pub async fn reconnect_to_a_server_that_fell_silent_times_out(
    upstream: &str,
    url_at: impl Fn(u16) -> String,
) -> EngineError {
    let proxy = Proxy::start(upstream);
    let url = url_at(proxy.port);
    let options = registry::OpenOptions {
        connect_timeout: Duration::from_secs(1),
    };
    let e = registry::open(&url, &options)
        .await
        .expect("connects through the proxy");
    run(&e, "SELECT 1").await.ok();
    proxy.fall_silent();
    let started = Instant::now();
    let out = run(&e, "SELECT 2").await;
    let err = out.err().clone();
    // One second for the liveness ping, one for the reconnect.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        err.evalue.contains(&format!(
            "127.0.0.1:{} did not answer within 1 s",
            proxy.port
        )),
        "{}",
        err.evalue
    );
    err
}

/// Bound text is a value, never SQL: under each `(setup, label)` (statements that set how the
/// server reads literals, and empty `table`), every string of `evil` is inserted into `table`'s
/// column `s` through a `:v` bind and read back unchanged, equal to the bind (`truth` is how the
/// dialect prints true) and `length` (the dialect's character-length function) characters long.
pub async fn bound_text_round_trips(
    e: &Arc<dyn Engine>,
    table: &str,
    settings: &[(String, String)],
    evil: &[&str],
    length: &str,
    truth: &str,
) {
    for (setup, label) in settings {
        run(e, setup).await.ok();
        for &value in evil {
            let vars = SharedVariables::default();
            set(&vars, "v", Scalar::Text(value.into()));
            let out = run_with(
                e,
                &vars,
                &format!("INSERT INTO {table} VALUES (:v); SELECT s, s = :v AS same, {length}(s) FROM {table} WHERE s = :v"),
                CancellationToken::new(),
            )
            .await;
            let row = &all_cells(out.ok())[0];
            assert_eq!(row[0].as_deref(), Some(value), "{label}");
            assert_eq!(row[1].as_deref(), Some(truth));
            assert_eq!(row[2], Some(value.chars().count().to_string()));
        }
        let count = run(e, &format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(count.ok().cell(0, 0), Some(evil.len().to_string()));
    }
}

/// `SELECT columns FROM table WHERE id = …` twice: with the id bound (`:n` = 1) and written as
/// the literal 1. Returns (bound, unbound), neither checked yet.
pub async fn select_row_one_bound_and_unbound(
    e: &Arc<dyn Engine>,
    columns: &str,
    table: &str,
) -> (Outcome, Outcome) {
    let vars = SharedVariables::default();
    set(&vars, "n", Scalar::Int(1));
    let bound = run_with(
        e,
        &vars,
        &format!("SELECT {columns} FROM {table} WHERE id = :n"),
        CancellationToken::new(),
    )
    .await;
    let unbound = run(e, &format!("SELECT {columns} FROM {table} WHERE id = 1")).await;
    (bound, unbound)
}

/// `%%sql --explain` of `DROP TABLE table; SELECT * FROM table`: the DROP is not run and says
/// so, the SELECT is explained. Returns the outcome (its plan is result 1).
pub async fn explain_does_not_run_a_drop(e: &Arc<dyn Engine>, table: &str) -> Outcome {
    let out = run(
        e,
        &format!("%%sql --explain\nDROP TABLE {table};\nSELECT * FROM {table}"),
    )
    .await;
    out.ok();
    assert_eq!(
        out.texts(),
        vec![
            "DROP TABLE: not run — --explain shows plans; run the cell without --explain to execute it"
        ]
    );
    out.plan(1);
    out
}

/// `%%sql --analyze` of `DELETE FROM table WHERE a > 1` on a table holding 1, 2 and 3: it is
/// rolled back, the plan says so, and the three rows stay. Returns the outcome (its plan is
/// result 0).
pub async fn analyze_of_a_delete_is_rolled_back(e: &Arc<dyn Engine>, table: &str) -> Outcome {
    let out = run(
        e,
        &format!("%%sql --analyze\nDELETE FROM {table} WHERE a > 1"),
    )
    .await;
    out.ok();
    assert_eq!(
        out.plan(0).notes,
        vec!["the DELETE ran inside a transaction that was rolled back; no rows were changed"]
    );
    assert!(out.plan(0).analyzed);
    let left = run(e, &format!("SELECT COUNT(*) FROM {table}")).await;
    assert_eq!(left.ok().cell(0, 0).as_deref(), Some("3"));
    out
}

/// The error shows the statement line containing `line`, and under it a caret below the first
/// `under` on that line.
pub fn assert_caret_under(err: &EngineError, line: &str, under: &str) {
    let at = err
        .detail
        .iter()
        .position(|d| d.contains(line))
        .expect("statement shown");
    assert_eq!(
        err.detail[at + 1].find('^'),
        err.detail[at].find(under),
        "{:?}",
        err.detail
    );
}

/// Runs `source` and presses stop after 300 ms: the cell ends as interrupted, within a second
/// of the stop. Returns the outcome.
pub async fn stopped_within_a_second(engine: &Arc<dyn Engine>, source: &str) -> Outcome {
    let (out, after_stop) = run_and_cancel(engine, source, Duration::from_millis(300)).await;
    assert!(out.err().is_interrupt(), "{:?}", out.result);
    assert!(
        after_stop < Duration::from_secs(1),
        "took {after_stop:?} after stop"
    );
    out
}
