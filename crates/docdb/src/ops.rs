//! The registry of running operations behind `currentOp` and `killOp`.
//!
//! Each command registers itself with an opid and an interrupt flag for as
//! long as it runs; `killOp` sets the flag and the operation's own loops
//! notice it through `OpGuard::check` and stop with 11601 Interrupted.

use std::collections::BTreeMap;
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

/// Running operations, by opid.
#[derive(Default)]
pub struct Ops {
    next: i32,
    running: BTreeMap<i32, RunningOp>,
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
        self.running.remove(&opid);
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
