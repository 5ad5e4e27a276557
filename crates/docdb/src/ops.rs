//! The registry of running operations behind `currentOp` and `killOp`.
//!
//! Each command registers itself with an opid and an interrupt flag for as
//! long as it runs; `killOp` sets the flag and the operation's own loops
//! notice it through `OpGuard::check` and stop with 11601 Interrupted.
//! When an operation ends, its time is added to its namespace's latency totals
//! (reads, writes, other commands), which `$collStats` reports as mongod's
//! `latencyStats`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use bson::{Bson, Document, doc};

struct RunningOp {
    ns: String,
    command: Document,
    started: Instant,
    flag: Arc<AtomicBool>,
    /// The connection it runs on (0: called without one).
    connection_id: i64,
    /// The command's `lsid`, if it carries one.
    lsid: Option<Bson>,
}

/// What `$currentOp` reports of one running operation.
#[derive(Debug, Clone)]
pub struct OpReport {
    pub opid: i32,
    pub ns: String,
    /// The command as kept for display (scalars and short arrays).
    pub command: Document,
    pub running_for: std::time::Duration,
    pub kill_pending: bool,
    pub connection_id: i64,
    pub lsid: Option<Bson>,
}

/// Total time and count of one kind of operation on one namespace.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Latency {
    micros: i64,
    ops: i64,
}

/// mongod's three latency classes (`transactions` stays zero: no transactions here).
#[derive(Debug, Default, Clone, Copy)]
struct NamespaceLatency {
    reads: Latency,
    writes: Latency,
    commands: Latency,
}

/// Running operations, by opid, and the latency totals of finished ones.
#[derive(Default)]
pub struct Ops {
    next: i32,
    running: BTreeMap<i32, RunningOp>,
    latency: HashMap<String, NamespaceLatency>,
}

impl Ops {
    /// Registers an operation; returns its opid and interrupt flag.
    pub fn start(
        &mut self,
        ns: String,
        command: &Document,
        connection_id: i64,
    ) -> (i32, Arc<AtomicBool>) {
        self.next = self.next.wrapping_add(1).max(1);
        let flag = Arc::new(AtomicBool::new(false));
        // Keep only the command's name and top-level scalars small: currentOp
        // must not copy whole insert batches.
        let mut shown = Document::new();
        // The `comment` is always kept: clients find their operation by it
        // (`currentOp` with `{"command.comment": tag}`, then `killOp`).
        let comment = command.get("comment").map(|c| ("comment", c));
        let first = command.iter().take(8).map(|(k, v)| (k.as_str(), v));
        for (k, v) in first.chain(comment) {
            let v = match v {
                Bson::Array(a) if a.len() > 8 => Bson::String(format!("<{} items>", a.len())),
                other => other.clone(),
            };
            shown.insert(k, v);
        }
        self.running.insert(
            self.next,
            RunningOp {
                ns,
                command: shown,
                started: Instant::now(),
                flag: flag.clone(),
                connection_id,
                lsid: command.get("lsid").cloned(),
            },
        );
        (self.next, flag)
    }

    pub fn finish(&mut self, opid: i32) {
        let Some(op) = self.running.remove(&opid) else {
            return;
        };
        // `db.$cmd` (database-level commands) is not a collection: nothing reports it.
        if op.ns.ends_with(".$cmd") {
            return;
        }
        let micros = i64::try_from(op.started.elapsed().as_micros()).unwrap_or(i64::MAX);
        let totals = self.latency.entry(op.ns).or_default();
        let class = match op.command.keys().next().map(String::as_str) {
            Some("find" | "aggregate" | "count" | "distinct") => &mut totals.reads,
            Some("insert" | "update" | "delete" | "findAndModify") => &mut totals.writes,
            _ => &mut totals.commands,
        };
        class.micros = class.micros.saturating_add(micros);
        class.ops += 1;
    }

    /// `$collStats`' `latencyStats` of a namespace (zeros for one never used).
    pub fn latency_stats(&self, ns: &str) -> Document {
        let totals = self.latency.get(ns).copied().unwrap_or_default();
        let class = |l: Latency| {
            doc! {"latency": l.micros, "ops": l.ops, "queryableEncryptionLatencyMicros": 0_i64}
        };
        doc! {
            "reads": class(totals.reads),
            "writes": class(totals.writes),
            "commands": class(totals.commands),
            "transactions": class(Latency::default()),
        }
    }

    /// Sets the interrupt flag of `opid`; `false` when no such operation runs.
    pub fn kill(&mut self, opid: i32) -> bool {
        match self.running.get(&opid) {
            Some(op) => {
                op.flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The running operations, by opid (see `commands/current_op.rs`).
    pub fn running(&self) -> Vec<OpReport> {
        self.running
            .iter()
            .map(|(opid, op)| OpReport {
                opid: *opid,
                ns: op.ns.clone(),
                command: op.command.clone(),
                running_for: op.started.elapsed(),
                kill_pending: op.flag.load(Ordering::Relaxed),
                connection_id: op.connection_id,
                lsid: op.lsid.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_sets_the_flag_of_a_running_op() {
        let mut ops = Ops::default();
        let (id, flag) = ops.start("d.c".into(), &doc! {"find": "c"}, 0);
        assert_eq!(ops.running().len(), 1);
        assert!(ops.kill(id));
        assert!(flag.load(Ordering::Relaxed));
        ops.finish(id);
        assert!(!ops.kill(id));
    }

    #[test]
    fn finished_operations_add_to_their_namespace_latency() {
        let mut ops = Ops::default();
        for command in [doc! {"find": "c"}, doc! {"insert": "c"}, doc! {"find": "c"}] {
            let (id, _) = ops.start("d.c".into(), &command, 0);
            ops.finish(id);
        }
        let (id, _) = ops.start("d.$cmd".into(), &doc! {"ping": 1}, 0);
        ops.finish(id);
        let stats = ops.latency_stats("d.c");
        let ops_of = |class: &str| {
            stats
                .get_document(class)
                .and_then(|c| c.get_i64("ops"))
                .unwrap()
        };
        assert_eq!(
            (ops_of("reads"), ops_of("writes"), ops_of("commands")),
            (2, 1, 0)
        );
        assert_eq!(
            ops.latency_stats("d.other")
                .get_document("reads")
                .unwrap()
                .get_i64("ops")
                .ok(),
            Some(0)
        );
    }

    #[test]
    fn a_running_operation_keeps_its_comment_connection_and_session() {
        let mut ops = Ops::default();
        let mut long = doc! {};
        for i in 0..12 {
            long.insert(format!("f{i}"), i);
        }
        long.insert("comment", "cell-7");
        long.insert("lsid", doc! {"id": 1});
        let (wanted, _) = ops.start("d.c".into(), &long, 4);
        let found = ops.running();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].opid, wanted);
        assert_eq!(found[0].command.get_str("comment").unwrap(), "cell-7");
        assert_eq!(found[0].connection_id, 4);
        assert_eq!(found[0].lsid, Some(Bson::Document(doc! {"id": 1})));
    }
}
