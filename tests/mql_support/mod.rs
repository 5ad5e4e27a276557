//! Shared helpers for the %%mql integration tests: open the engine the way the kernel does and
//! run cells against it. The target is the embedded engine, or a real MongoDB when MONGODB_URI
//! is set (`MONGODB_URI=mongodb://host:27017 cargo test --test mql_engine`).

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use dbkernel::cell::parse_cell;
use dbkernel::engine::context::CollectingSink;
use dbkernel::engine::{CellContext, Engine, EngineError};
use dbkernel::result::QueryResult;
use dbkernel::session::variables::SharedVariables;
use tokio_util::sync::CancellationToken;

pub fn target_url() -> String {
    std::env::var("MONGODB_URI")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "embedded".into())
}

pub async fn open() -> Arc<dyn Engine> {
    let url = target_url();
    dbkernel::engine::registry::open(&url, &Default::default())
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"))
}

/// A database name no other test uses.
pub fn unique_db(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct Ran {
    pub sink: CollectingSink,
    pub result: Result<(), EngineError>,
}

impl Ran {
    pub fn ok(&self) -> &Self {
        if let Err(e) = &self.result {
            panic!(
                "cell failed: {}\n{}\noutputs: {:?}",
                e,
                e.detail.join("\n"),
                self.sink.results
            );
        }
        self
    }

    pub fn err(&self) -> &EngineError {
        match &self.result {
            Ok(()) => panic!(
                "cell succeeded but should have failed: {:?}",
                self.sink.results
            ),
            Err(e) => e,
        }
    }

    /// Every result's text as the notebook shows it (text/plain), joined.
    pub fn text(&self) -> String {
        self.sink
            .results
            .iter()
            .map(|r| {
                dbkernel::render::render(r)
                    .get("text/plain")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn last(&self) -> &QueryResult {
        self.sink.results.last().expect("at least one result")
    }
}

pub async fn run(engine: &Arc<dyn Engine>, variables: &SharedVariables, source: &str) -> Ran {
    run_with_cancel(engine, variables, source, CancellationToken::new()).await
}

/// Runs a cell that `cancel` may stop (the stop button), as the kernel does.
pub async fn run_with_cancel(
    engine: &Arc<dyn Engine>,
    variables: &SharedVariables,
    source: &str,
    cancel: CancellationToken,
) -> Ran {
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
        engine.execute(&cell, &mut ctx).await
    };
    Ran { sink, result }
}
