//! Inclusive and exclusive time (and exclusive cost) of every node, computed once for all
//! engines.
//!
//! The method (the one pev2 uses, checked against the pitfalls other tools fall into):
//! - A node's wall-clock time is its reported time × loops (for engines that report per loop),
//!   divided by the processes that ran it: a node under a `Gather` with W workers launched ran
//!   in W + 1 processes (the leader too), and its loops count every process's loops.
//! - Exclusive = own time minus the children's, floored at 0 (rounding in the engine's figures
//!   can make it slightly negative).
//! - InitPlans are not children in time: an InitPlan runs once, when a node first needs its
//!   value, so its time is inside *that* node (the one whose conditions name `$n` or
//!   `(InitPlan n)`), and is taken off there; when no node names it, off its parent.
//! - A CTE runs as the scans that read it pull rows, so its time is inside those `CTE Scan`s:
//!   it is taken off them in proportion to their own time, and the CTE's subtree keeps it.
//! - Never-executed nodes take no time.

use crate::model::{Node, Plan, TimeBasis};

pub fn compute(plan: &mut Plan) {
    let basis = plan.basis;
    let analyzed = plan.analyzed;
    if analyzed {
        inclusive(&mut plan.root, basis, 1.0);
        exclusive(&mut plan.root);
        take_off_ctes(&mut plan.root);
        take_off_init_plans(&mut plan.root);
    }
    exclusive_cost(&mut plan.root);
    for rejected in &mut plan.rejected {
        if analyzed {
            inclusive(rejected, basis, 1.0);
            exclusive(rejected);
        }
        exclusive_cost(rejected);
    }
}

/// Whether `node` is run apart from its parent's time: an InitPlan or a CTE.
fn runs_apart(node: &Node) -> bool {
    node.relationship.as_deref() == Some("InitPlan")
        || node
            .subplan_name
            .as_deref()
            .is_some_and(|name| name.starts_with("CTE "))
}

fn inclusive(node: &mut Node, basis: TimeBasis, processes: f64) {
    node.inclusive_ms = if node.never_executed {
        Some(0.0)
    } else {
        node.time_ms.map(|t| match basis {
            TimeBasis::PerLoop => t * node.loops.unwrap_or(1.0) / processes,
            TimeBasis::Total => t,
        })
    };
    // The children of a Gather ran in every launched worker and in the leader.
    let below = match node.workers_launched {
        Some(workers) if node.kind.starts_with("Gather") => f64::from(workers) + 1.0,
        _ => processes,
    };
    for child in &mut node.children {
        inclusive(child, basis, below);
    }
}

fn exclusive(node: &mut Node) {
    for child in &mut node.children {
        exclusive(child);
    }
    let Some(own) = node.inclusive_ms else {
        return;
    };
    let children: f64 = node
        .children
        .iter()
        .filter(|c| !runs_apart(c))
        .filter_map(|c| c.inclusive_ms)
        .sum();
    node.exclusive_ms = Some((own - children).max(0.0));
}

fn exclusive_cost(node: &mut Node) {
    for child in &mut node.children {
        exclusive_cost(child);
    }
    let Some(own) = node.total_cost else {
        return;
    };
    let children: f64 = node.children.iter().filter_map(|c| c.total_cost).sum();
    node.exclusive_cost = Some((own - children).max(0.0));
}

/// Takes `amount` off the exclusive time of the node with id `id`.
fn take_off(root: &mut Node, id: usize, amount: f64) {
    root.for_each_mut(&mut |node| {
        if node.id == id
            && let Some(own) = node.exclusive_ms
        {
            node.exclusive_ms = Some((own - amount).max(0.0));
        }
    });
}

fn take_off_ctes(root: &mut Node) {
    let ctes: Vec<(String, f64)> = root
        .walk()
        .into_iter()
        .filter_map(|n| {
            let name = n.subplan_name.as_deref()?.strip_prefix("CTE ")?;
            Some((name.to_string(), n.inclusive_ms?))
        })
        .collect();
    for (name, cte_time) in ctes {
        let scans: Vec<(usize, f64)> = root
            .walk()
            .into_iter()
            .filter(|n| n.cte_name.as_deref() == Some(name.as_str()))
            .map(|n| (n.id, n.inclusive_ms.unwrap_or(0.0)))
            .collect();
        let sum: f64 = scans.iter().map(|s| s.1).sum();
        for (id, time) in &scans {
            let part = if sum > 0.0 {
                cte_time * time / sum
            } else {
                cte_time / scans.len() as f64
            };
            take_off(root, *id, part);
        }
    }
}

/// The parameters an InitPlan's name declares: `InitPlan 1 (returns $0,$1)` gives `$0`, `$1`
/// (PostgreSQL before 16); from 16 on nodes name it as `(InitPlan 1)`.
fn init_plan_references(name: &str) -> Vec<String> {
    let mut refs = Vec::new();
    if let Some(number) = name
        .strip_prefix("InitPlan ")
        .and_then(|rest| rest.split_whitespace().next())
    {
        refs.push(format!("(InitPlan {number})"));
    }
    if let Some((_, returns)) = name.split_once("returns ") {
        for part in returns.trim_end_matches(')').split(',') {
            let part = part.trim();
            if part.starts_with('$') {
                refs.push(part.to_string());
            }
        }
    }
    refs
}

/// `$1` in `text` as a whole parameter (not the start of `$10`).
fn names_reference(text: &str, reference: &str) -> bool {
    if !reference.starts_with('$') {
        return text.contains(reference);
    }
    text.match_indices(reference).any(|(at, _)| {
        !text[at + reference.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

fn take_off_init_plans(root: &mut Node) {
    // (init plan's time, its subtree's ids, its parent's id, the references it answers to)
    let mut init_plans = Vec::new();
    for parent in root.walk() {
        for child in &parent.children {
            if child.relationship.as_deref() != Some("InitPlan") {
                continue;
            }
            let Some(name) = child.subplan_name.as_deref() else {
                continue;
            };
            if name.starts_with("CTE ") {
                continue;
            }
            let Some(time) = child.inclusive_ms else {
                continue;
            };
            let inside: Vec<usize> = child.walk().iter().map(|n| n.id).collect();
            init_plans.push((time, inside, parent.id, init_plan_references(name)));
        }
    }
    for (time, inside, parent, references) in init_plans {
        let user = root
            .walk()
            .into_iter()
            .filter(|n| !inside.contains(&n.id))
            .find(|n| {
                n.conditions
                    .iter()
                    .chain(n.details.iter())
                    .any(|(_, text)| references.iter().any(|r| names_reference(text, r)))
            })
            .map(|n| n.id);
        take_off(root, user.unwrap_or(parent), time);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_plan_names_give_their_parameters() {
        assert_eq!(
            init_plan_references("InitPlan 1 (returns $0,$1)"),
            vec!["(InitPlan 1)", "$0", "$1"]
        );
        assert_eq!(init_plan_references("InitPlan 2"), vec!["(InitPlan 2)"]);
    }

    #[test]
    fn a_parameter_is_not_the_start_of_a_longer_one() {
        assert!(names_reference("(a > $1)", "$1"));
        assert!(!names_reference("(a > $10)", "$1"));
    }
}
