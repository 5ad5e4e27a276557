//! Which parts of a large plan are folded when drawn, so that a 200-node plan stays readable.
//!
//! Only plans of more than [`FOLD_MIN_NODES`] nodes fold. Under each node, consecutive children
//! whose whole subtree takes less than [`FOLD_SHARE`] of the plan (and carries no warning) are
//! drawn as one line — "12 nodes folded (0.8 % of the time)" — when that saves lines. Text and
//! SVG fold the same nodes, so both say the same thing.

use crate::model::{Node, Plan, Severity};
use crate::thresholds::{FOLD_MIN_NODES, FOLD_SHARE};

/// One line under a node.
pub enum Item<'a> {
    Node(&'a Node),
    Folded {
        nodes: usize,
        share: f64,
        /// The operations inside, most frequent first: `Seq Scan ×40, Hash ×2`.
        kinds: String,
    },
}

pub fn folds(plan: &Plan) -> bool {
    plan.root.count() > FOLD_MIN_NODES && plan.total().is_some()
}

/// The subtree's share of the plan, and whether anything in it warns.
fn weight(plan: &Plan, node: &Node) -> (f64, bool) {
    let nodes = node.walk();
    let share = nodes.iter().filter_map(|n| plan.share(n)).sum();
    let warns = nodes
        .iter()
        .any(|n| n.warnings.iter().any(|w| w.severity > Severity::Info));
    (share, warns)
}

pub fn children<'a>(plan: &Plan, node: &'a Node) -> Vec<Item<'a>> {
    if !folds(plan) {
        return node.children.iter().map(Item::Node).collect();
    }
    let mut items = Vec::new();
    let mut run: Vec<&Node> = Vec::new();
    let flush = |run: &mut Vec<&'a Node>, items: &mut Vec<Item<'a>>| {
        let count: usize = run.iter().map(|n| n.count()).sum();
        if count >= 2 {
            let share = run.iter().map(|n| weight(plan, n).0).sum();
            items.push(Item::Folded {
                nodes: count,
                share,
                kinds: kinds(run),
            });
        } else {
            items.extend(run.iter().map(|n| Item::Node(n)));
        }
        run.clear();
    };
    for child in &node.children {
        let (share, warns) = weight(plan, child);
        if share < FOLD_SHARE && !warns {
            run.push(child);
        } else {
            flush(&mut run, &mut items);
            items.push(Item::Node(child));
        }
    }
    flush(&mut run, &mut items);
    items
}

fn kinds(run: &[&Node]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for node in run.iter().flat_map(|n| n.walk()) {
        match counts.iter_mut().find(|(k, _)| *k == node.kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((node.kind.clone(), 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
        .iter()
        .take(3)
        .map(|(k, n)| {
            if *n > 1 {
                format!("{k} ×{n}")
            } else {
                k.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
