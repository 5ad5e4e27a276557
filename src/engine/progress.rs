//! The progress of a running cell, as engines know it: which statement of how many is running,
//! since when, and how many rows (or documents) it has received so far.
//!
//! A [`Meter`] is a cheap handle in the [`CellContext`](super::CellContext): engines report to it
//! from their row loops and cursor batches with plain atomic adds (no locks, no allocation, so
//! it costs nothing measurable per row), and the kernel's sink reads it from a timer to draw the
//! live line of a long cell (`kernel/progress.rs`). The meter is "armed" only for a cell body run
//! by the session; an unarmed or [`Meter::inactive`] meter is never shown (tests, internal
//! queries, the deterministic/grading mode, whose outputs must not vary between runs).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What the counted items are called in the live line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Rows,
    Documents,
}

#[derive(Debug)]
struct State {
    armed: AtomicBool,
    /// When the current statement began (or the previous result was handed over).
    started: Mutex<Instant>,
    items: AtomicU64,
    /// 1-based number of the running statement, and how many the cell has (0: not said).
    statement: AtomicU64,
    statements: AtomicU64,
    unit: AtomicU8,
}

/// A handle to one cell's progress; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Meter(Option<Arc<State>>);

/// What the live line shows, read at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// How long the current statement has run.
    pub elapsed: Duration,
    /// Rows or documents received so far by the current statement.
    pub items: u64,
    pub unit: Unit,
    /// `Some((k, n))` when the cell has several statements and the engine said which runs.
    pub statement: Option<(u64, u64)>,
}

impl Meter {
    /// A meter that is read by the kernel (see the module comment for when it is shown).
    pub fn new() -> Self {
        Meter(Some(Arc::new(State {
            armed: AtomicBool::new(false),
            started: Mutex::new(Instant::now()),
            items: AtomicU64::new(0),
            statement: AtomicU64::new(0),
            statements: AtomicU64::new(0),
            unit: AtomicU8::new(Unit::Rows as u8),
        })))
    }

    /// A meter nobody reads: every report is a no-op.
    pub fn inactive() -> Self {
        Meter(None)
    }

    /// Lets the kernel show this cell's progress (the session arms it for a cell body).
    pub fn arm(&self) {
        if let Some(state) = &self.0 {
            state.armed.store(true, Ordering::Relaxed);
        }
    }

    /// Statement `index` (0-based) of `count` begins: its clock and count start again.
    pub fn begin_statement(&self, index: usize, count: usize) {
        if let Some(state) = &self.0 {
            state.statement.store(index as u64 + 1, Ordering::Relaxed);
            state.statements.store(count as u64, Ordering::Relaxed);
            self.restart();
        }
    }

    /// Statement `index` (0-based) of `count` runs, without restarting the clock (Redis: the
    /// replies of a cell go out together, so the cell is timed as a whole).
    pub fn at_statement(&self, index: usize, count: usize) {
        if let Some(state) = &self.0 {
            state.statement.store(index as u64 + 1, Ordering::Relaxed);
            state.statements.store(count as u64, Ordering::Relaxed);
        }
    }

    /// A result was handed over: what runs next is timed and counted afresh.
    pub fn restart(&self) {
        if let Some(state) = &self.0 {
            *state.started.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            state.items.store(0, Ordering::Relaxed);
        }
    }

    /// `n` more rows or documents arrived.
    pub fn add(&self, n: u64) {
        if let Some(state) = &self.0 {
            state.items.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// What the items are (rows unless an engine says documents).
    pub fn set_unit(&self, unit: Unit) {
        if let Some(state) = &self.0 {
            state.unit.store(unit as u8, Ordering::Relaxed);
        }
    }

    /// What to show now; `None` when the meter is inactive or not armed.
    pub fn snapshot(&self) -> Option<Snapshot> {
        let state = self.0.as_ref()?;
        if !state.armed.load(Ordering::Relaxed) {
            return None;
        }
        let started = *state.started.lock().unwrap_or_else(|e| e.into_inner());
        let statements = state.statements.load(Ordering::Relaxed);
        Some(Snapshot {
            elapsed: started.elapsed(),
            items: state.items.load(Ordering::Relaxed),
            unit: if state.unit.load(Ordering::Relaxed) == Unit::Documents as u8 {
                Unit::Documents
            } else {
                Unit::Rows
            },
            statement: (statements > 1)
                .then(|| (state.statement.load(Ordering::Relaxed), statements)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unarmed_or_inactive_meter_shows_nothing() {
        let meter = Meter::new();
        meter.add(5);
        assert_eq!(meter.snapshot(), None);
        let inactive = Meter::inactive();
        inactive.arm();
        inactive.add(1);
        assert_eq!(inactive.snapshot(), None);
    }

    #[test]
    fn counts_restart_with_each_statement() {
        let meter = Meter::new();
        meter.arm();
        meter.add(3);
        let first = meter.snapshot().unwrap();
        assert_eq!((first.items, first.statement), (3, None));
        meter.begin_statement(1, 3);
        meter.add(2);
        meter.set_unit(Unit::Documents);
        let second = meter.snapshot().unwrap();
        assert_eq!(second.items, 2);
        assert_eq!(second.statement, Some((2, 3)));
        assert_eq!(second.unit, Unit::Documents);
        meter.restart();
        assert_eq!(meter.snapshot().unwrap().items, 0);
    }
}
