//! What syncing top-level variables costs a cell: after every cell the session reads the
//! script's top-level variables back (for later shell cells and `--out`). Prints the time of a
//! trivial cell (`1`) run after a cell that defined 1,000 variables, and after one that defined
//! a 10 MB array, beside the same cell in a fresh session.
//!
//! `cargo run --release -p mongosh-js --example sync_cost`

use std::sync::mpsc;
use std::time::{Duration, Instant};

use bson::Document;
use mongosh::{Operation, Output, Request};
use mongosh_js::{Host, HostError, Job, Limits, Outcome, Session, Stream};

struct Nothing;

impl Host for Nothing {
    fn run(&mut self, _operation: Operation) -> Result<Output, HostError> {
        Err(HostError::other("no server in this bench"))
    }
    fn open_cursor(&mut self, _request: Request) -> Result<u64, HostError> {
        Err(HostError::other("no server in this bench"))
    }
    fn fetch(&mut self, _cursor: u64, _max: usize) -> Result<(Vec<Document>, bool), HostError> {
        Err(HostError::other("no server in this bench"))
    }
    fn close_cursor(&mut self, _cursor: u64) {}
    fn print(&mut self, _stream: Stream, _text: String) {}
}

fn cell(session: &Session, source: &str) -> (Duration, Outcome) {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    session.run(Job {
        source: source.to_string(),
        db: "test".into(),
        globals: Vec::new(),
        kernel_variables: Vec::new(),
        keep_all: false,
        host: Box::new(Nothing),
        done: Box::new(move |outcome| {
            let _ = tx.send(outcome);
        }),
    });
    let outcome = rx.recv().expect("the JavaScript thread answers");
    (started.elapsed(), outcome)
}

fn median_of_trivial_cells(session: &Session) -> Duration {
    let mut times: Vec<Duration> = (0..5).map(|_| cell(session, "1").0).collect();
    times.sort();
    times[2]
}

fn main() {
    let fresh = Session::start(Limits::default()).expect("a session");
    println!(
        "trivial cell, fresh session:            {:?}",
        median_of_trivial_cells(&fresh)
    );

    let many = Session::start(Limits::default()).expect("a session");
    let defining: String = (0..1000)
        .map(|i| format!("const v{i} = {{ n: {i}, s: 'x{i}' }};\n"))
        .collect();
    let (took, outcome) = cell(&many, &defining);
    println!(
        "cell defining 1,000 variables:          {took:?} ({} synced back)",
        outcome.globals.len()
    );
    println!(
        "trivial cell after 1,000 variables:     {:?}",
        median_of_trivial_cells(&many)
    );

    let big = Session::start(Limits::default()).expect("a session");
    // 10 MB of strings: 100,000 strings of 100 characters.
    let (took, outcome) = cell(
        &big,
        "const big = Array.from({ length: 100000 }, (_, i) => String(i).padStart(100, '.'))",
    );
    println!(
        "cell defining a 10 MB array:            {took:?} ({} synced back)",
        outcome.globals.len()
    );
    println!(
        "trivial cell after a 10 MB array:       {:?}",
        median_of_trivial_cells(&big)
    );
}
