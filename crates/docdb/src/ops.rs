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
use docdb_query::matcher::Filter;

struct RunningOp {
    ns: String,
    command: Document,
    started: Instant,
    flag: Arc<AtomicBool>,
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
    pub fn start(&mut self, ns: String, command: &Document) -> (i32, Arc<AtomicBool>) {
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

    /// The `inprog` array of `currentOp`: the operations `filter` matches.
    pub fn in_progress(&self, filter: &Filter) -> Vec<Bson> {
        self.running
            .iter()
            .map(|(opid, op)| {
                let secs = op.started.elapsed().as_secs_f64();
                doc! {
                    "type": "op",
                    "active": true,
                    "opid": *opid,
                    "op": "command",
                    "ns": op.ns.clone(),
                    "command": op.command.clone(),
                    "secs_running": secs as i64,
                    "microsecs_running": (secs * 1e6) as i64,
                    "killPending": op.flag.load(Ordering::Relaxed),
                }
            })
            .filter(|op| filter.matches(op))
            .map(Bson::Document)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kill_sets_the_flag_of_a_running_op() {
        let mut ops = Ops::default();
        let (id, flag) = ops.start("d.c".into(), &doc! {"find": "c"});
        let all = Filter::parse(&doc! {}).unwrap();
        assert_eq!(ops.in_progress(&all).len(), 1);
        assert!(ops.kill(id));
        assert!(flag.load(Ordering::Relaxed));
        ops.finish(id);
        assert!(!ops.kill(id));
    }

    #[test]
    fn finished_operations_add_to_their_namespace_latency() {
        let mut ops = Ops::default();
        for command in [doc! {"find": "c"}, doc! {"insert": "c"}, doc! {"find": "c"}] {
            let (id, _) = ops.start("d.c".into(), &command);
            ops.finish(id);
        }
        let (id, _) = ops.start("d.$cmd".into(), &doc! {"ping": 1});
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
    fn current_op_filter_finds_an_operation_by_its_comment() {
        let mut ops = Ops::default();
        let mut long = doc! {};
        for i in 0..12 {
            long.insert(format!("f{i}"), i);
        }
        long.insert("comment", "cell-7");
        ops.start("d.c".into(), &doc! {"aggregate": "c", "comment": "cell-1"});
        let (wanted, _) = ops.start("d.c".into(), &long);
        let filter = Filter::parse(&doc! {"command.comment": "cell-7"}).unwrap();
        let found = ops.in_progress(&filter);
        assert_eq!(found.len(), 1);
        let opid = found[0].as_document().unwrap().get_i32("opid").unwrap();
        assert_eq!(opid, wanted);
    }
}
