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

    pub fn status(&self, index: usize) -> String {
        match self.sink.results.get(index) {
            Some(QueryResult::Status(s)) => s.message.clone(),
            other => panic!("result {index} is not a status: {other:?}"),
        }
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
