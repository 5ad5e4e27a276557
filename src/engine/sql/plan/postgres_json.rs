//! PostgreSQL `EXPLAIN (FORMAT JSON)`: `[{"Plan": {...}, "Planning Time": ..., "Execution Time":
//! ..., "Triggers": [...]}]`, each node's children under `"Plans"`.
//!
//! Node names are rebuilt the way the TEXT format prints them (`Hash Left Join`, `Parallel Seq
//! Scan`, `HashAggregate`, `Delete`), so the drawing reads like the plan people know.

use queryplan::{Node, Plan, TimeBasis};
use serde_json::{Map, Value};

use super::PlanError;

type Object = Map<String, Value>;

pub fn parse(text: &str) -> Result<Plan, PlanError> {
    let value: Value = serde_json::from_str(text.trim())
        .map_err(|e| PlanError(format!("the plan is not valid JSON: {e}")))?;
    let top = match &value {
        Value::Array(items) => items.first(),
        Value::Object(_) => Some(&value),
        _ => None,
    }
    .and_then(Value::as_object)
    .ok_or_else(|| PlanError("expected [{\"Plan\": ...}] from EXPLAIN (FORMAT JSON)".into()))?;
    let root = top
        .get("Plan")
        .and_then(Value::as_object)
        .ok_or_else(|| PlanError("the JSON plan has no \"Plan\" node".into()))?;
    let analyzed = top.contains_key("Execution Time") || root.contains_key("Actual Loops");
    let mut plan = Plan::new("PostgreSQL", node(root, analyzed));
    plan.analyzed = analyzed;
    plan.basis = TimeBasis::PerLoop;
    plan.planning_ms = number(top, "Planning Time");
    plan.execution_ms = number(top, "Execution Time");
    if let Some(Value::Array(triggers)) = top.get("Triggers") {
        for trigger in triggers.iter().filter_map(Value::as_object) {
            plan.triggers.push(queryplan::model::Trigger {
                name: string(trigger, "Trigger Name").unwrap_or_default(),
                relation: string(trigger, "Relation"),
                time_ms: number(trigger, "Time").unwrap_or(0.0),
                calls: number(trigger, "Calls").unwrap_or(0.0),
            });
        }
    }
    if let Some(Value::Object(jit)) = top.get("JIT")
        && let Some(Value::Object(timing)) = jit.get("Timing")
        && let Some(total) = timing.get("Total").and_then(Value::as_f64)
    {
        plan.details
            .push(("JIT".into(), queryplan::format::ms(total)));
    }
    plan.raw = Some(value.to_string());
    Ok(plan.finish())
}

pub(super) fn number(object: &Object, key: &str) -> Option<f64> {
    match object.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub(super) fn string(object: &Object, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

/// The node's name as EXPLAIN's text format prints it.
fn kind(object: &Object) -> String {
    let node_type = string(object, "Node Type").unwrap_or_else(|| "?".into());
    let parallel = object.get("Parallel Aware") == Some(&Value::Bool(true));
    let mut kind = match node_type.as_str() {
        "ModifyTable" => string(object, "Operation").unwrap_or(node_type),
        "Aggregate" => match string(object, "Strategy").as_deref() {
            Some("Hashed") => "HashAggregate".into(),
            Some("Sorted") => "GroupAggregate".into(),
            Some("Mixed") => "MixedAggregate".into(),
            _ => node_type,
        },
        "SetOp" => match string(object, "Strategy").as_deref() {
            Some("Hashed") => "HashSetOp".into(),
            _ => node_type,
        },
        "Hash Join" | "Merge Join" | "Nested Loop" => {
            match string(object, "Join Type").as_deref() {
                Some("Inner") | None => node_type,
                Some(join) => {
                    let (first, last) = node_type
                        .rsplit_once(' ')
                        .map(|(a, b)| (a.to_string(), b.to_string()))
                        .unwrap_or((node_type.clone(), String::new()));
                    if node_type == "Nested Loop" {
                        format!("Nested Loop {join} Join")
                    } else {
                        format!("{first} {join} {last}")
                    }
                }
            }
        }
        _ => node_type,
    };
    if parallel {
        kind = format!("Parallel {kind}");
    }
    kind
}

const CONDITIONS: &[&str] = &[
    "Filter",
    "Index Cond",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "One-Time Filter",
    "TID Cond",
];

const EXTRA: &[&str] = &[
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Hash Key",
    "Cache Key",
    "Cache Hits",
    "Cache Misses",
    "Cache Evictions",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
    "Exact Heap Blocks",
    "Lossy Heap Blocks",
    "Hash Buckets",
    "Function Call",
    "Table Function Name",
    "Tuples Inserted",
    "Conflicting Tuples",
];

fn node(object: &Object, analyzed: bool) -> Node {
    let mut node = Node::new(kind(object));
    let relation = string(object, "Relation Name").or_else(|| string(object, "Function Name"));
    let alias = string(object, "Alias");
    node.object = match (relation, alias) {
        (Some(r), Some(a)) if a != r => Some(format!("{r} {a}")),
        (Some(r), _) => Some(r),
        (None, _) => None,
    };
    node.index = string(object, "Index Name");
    node.cte_name = string(object, "CTE Name");
    node.relationship = string(object, "Parent Relationship");
    node.subplan_name = string(object, "Subplan Name");
    node.est_rows = number(object, "Plan Rows");
    node.startup_cost = number(object, "Startup Cost");
    node.total_cost = number(object, "Total Cost");
    if analyzed {
        node.actual_rows = number(object, "Actual Rows");
        node.loops = number(object, "Actual Loops");
        node.time_ms = number(object, "Actual Total Time");
        node.never_executed = node.loops == Some(0.0);
    }
    for key in CONDITIONS {
        if let Some(text) = string(object, key) {
            node.conditions.push((key.to_string(), text));
        }
    }
    node.rows_removed = number(object, "Rows Removed by Filter");
    node.workers_planned = number(object, "Workers Planned").map(|w| w as u32);
    node.workers_launched = number(object, "Workers Launched").map(|w| w as u32);
    node.sort_method = string(object, "Sort Method");
    node.sort_space_type = string(object, "Sort Space Type");
    node.sort_space_kb = number(object, "Sort Space Used");
    node.hash_batches = number(object, "Hash Batches");
    node.original_hash_batches = number(object, "Original Hash Batches");
    node.peak_memory_kb = number(object, "Peak Memory Usage");
    node.heap_fetches = number(object, "Heap Fetches");
    node.buffers = queryplan::Buffers {
        shared_hit: number(object, "Shared Hit Blocks"),
        shared_read: number(object, "Shared Read Blocks"),
        shared_dirtied: number(object, "Shared Dirtied Blocks"),
        shared_written: number(object, "Shared Written Blocks"),
        temp_read: number(object, "Temp Read Blocks"),
        temp_written: number(object, "Temp Written Blocks"),
    };
    for key in EXTRA {
        // A counter at 0 (no rows removed by recheck, no lossy blocks) says nothing.
        if let Some(text) = string(object, key).filter(|t| t != "0") {
            node.details.push((key.to_string(), text));
        }
    }
    if let Some(Value::Array(children)) = object.get("Plans") {
        node.children = children
            .iter()
            .filter_map(Value::as_object)
            .map(|child| self::node(child, analyzed))
            .collect();
    }
    node
}
