//! MySQL and MariaDB `EXPLAIN FORMAT=JSON`, and MariaDB's `ANALYZE FORMAT=JSON`.
//!
//! Both start at `query_block` and nest `nested_loop` arrays of `table`s, with `filesort`,
//! `temporary_table`, `read_sorted_file`, `subqueries`, `materialized` and `union_result`
//! around them. MariaDB's ANALYZE adds `r_loops`, `r_rows` (average per loop, rows *read*),
//! `r_filtered` (% of them kept) and times in ms that are totals over loops and include the
//! children (`r_total_time_ms`; a table's own time is `r_table_time_ms + r_other_time_ms`).
//! Here rows are what a node *produces* (read × filtered), over all its loops, so estimate and
//! actual compare like for like; rows read and discarded are kept as `rows removed`.
//!
//! Times: a table's and a filesort's own figures count only their own work (a filesort's
//! `r_total_time_ms` is the sorting, not the reading of the table under it), while a query
//! block's `r_total_time_ms` covers everything in it. [`inclusive`] turns them into the
//! inclusive times the model expects, bottom-up.

use queryplan::{Node, Plan, TimeBasis};
use serde_json::{Map, Value};

use super::PlanError;
use super::postgres_json::{number, string};

type Object = Map<String, Value>;

pub fn parse(text: &str, engine: &str) -> Result<Plan, PlanError> {
    let value: Value = serde_json::from_str(text.trim())
        .map_err(|e| PlanError(format!("the plan is not valid JSON: {e}")))?;
    let top = value.as_object().ok_or_else(|| {
        PlanError("expected {\"query_block\": ...} from EXPLAIN FORMAT=JSON".into())
    })?;
    let block = top
        .get("query_block")
        .and_then(Value::as_object)
        .ok_or_else(|| PlanError("the JSON plan has no \"query_block\"".into()))?;
    // A DELETE or UPDATE under ANALYZE has measured rows but no r_loops.
    let analyzed = ["\"r_loops\"", "\"r_rows\"", "\"r_table_time_ms\""]
        .iter()
        .any(|key| text.contains(key));
    let mut root = query_block(block, analyzed);
    if analyzed {
        inclusive(&mut root);
    }
    let mut plan = Plan::new(engine, root);
    plan.analyzed = analyzed;
    plan.basis = TimeBasis::Total;
    if let Some(Value::Object(optimization)) = top.get("query_optimization")
        && let Some(ms) = number(optimization, "r_total_time_ms")
    {
        plan.planning_ms = Some(ms);
    }
    if analyzed {
        plan.execution_ms = number(block, "r_total_time_ms");
    }
    if let Some(Value::Object(cost)) = block.get("cost_info")
        && let Some(query_cost) = string(cost, "query_cost")
    {
        plan.details.push(("query cost".into(), query_cost));
    }
    plan.raw = Some(value.to_string());
    Ok(plan.finish())
}

/// Own times → inclusive times: a node's time plus its children's, except a query block, whose
/// reported time already holds its children's.
fn inclusive(node: &mut Node) -> Option<f64> {
    let children: Vec<Option<f64>> = node.children.iter_mut().map(inclusive).collect();
    let below: f64 = children.iter().flatten().sum();
    let any_below = children.iter().any(Option::is_some);
    node.time_ms = match (node.time_ms, node.kind.starts_with("query block")) {
        (Some(total), true) => Some(total.max(below)),
        (Some(own), false) => Some(own + below),
        (None, _) if any_below => Some(below),
        (None, _) => None,
    };
    node.time_ms
}

fn query_block(block: &Object, analyzed: bool) -> Node {
    let mut node = Node::new(format!(
        "query block #{}",
        string(block, "select_id").unwrap_or_else(|| "1".into())
    ));
    timing(&mut node, block, analyzed);
    node.total_cost = number(block, "cost").or_else(|| cost_of(block, "query_cost"));
    if let Some(text) = string(block, "having_condition") {
        node.conditions.push(("Having".into(), text));
    }
    node.children = contents(block, analyzed);
    node
}

fn cost_of(object: &Object, key: &str) -> Option<f64> {
    number(object.get("cost_info")?.as_object()?, key)
}

fn timing(node: &mut Node, object: &Object, analyzed: bool) {
    if !analyzed {
        return;
    }
    node.loops = number(object, "r_loops");
    node.time_ms = number(object, "r_total_time_ms");
    if node.loops == Some(0.0) {
        node.never_executed = true;
    }
}

/// The nodes inside an object: every key this format nests plans under.
fn contents(object: &Object, analyzed: bool) -> Vec<Node> {
    let mut out = Vec::new();
    for (key, value) in object {
        match (key.as_str(), value) {
            ("table", Value::Object(t)) => out.push(table(t, analyzed)),
            ("nested_loop", Value::Array(items)) => {
                let tables: Vec<Node> = items
                    .iter()
                    .filter_map(Value::as_object)
                    .flat_map(|item| contents(item, analyzed))
                    .collect();
                if tables.len() > 1 {
                    let mut join = Node::new("Nested loop");
                    join.children = tables;
                    out.push(join);
                } else {
                    out.extend(tables);
                }
            }
            ("query_block", Value::Object(b)) => out.push(query_block(b, analyzed)),
            (
                "filesort"
                | "temporary_table"
                | "read_sorted_file"
                | "duplicates_removal"
                | "union_result"
                | "materialized"
                | "window_functions_computation"
                | "grouping_operation"
                | "ordering_operation"
                | "buffer_result",
                Value::Object(inner),
            ) => {
                let mut node = Node::new(key.replace('_', " "));
                timing(&mut node, inner, analyzed);
                for detail in [
                    "sort_key",
                    "r_buffer_size",
                    "r_sort_mode",
                    "using_temporary_table",
                    "using_filesort",
                ] {
                    if let Some(text) = string(inner, detail) {
                        node.details.push((detail.into(), text));
                    }
                }
                if key == "filesort" {
                    node.sort_method = string(inner, "r_sort_mode");
                }
                if key == "read_sorted_file" && analyzed {
                    node.actual_rows = number(inner, "r_rows");
                }
                node.children = contents(inner, analyzed);
                out.push(node);
            }
            ("subqueries" | "query_specifications", Value::Array(items)) => {
                for item in items.iter().filter_map(Value::as_object) {
                    for mut child in contents(item, analyzed) {
                        child.relationship = Some("SubPlan".into());
                        child.subplan_name = Some(if key == "subqueries" {
                            "subquery".into()
                        } else {
                            "union member".into()
                        });
                        out.push(child);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn access(access_type: &str) -> &'static str {
    match access_type {
        "ALL" => "Table scan",
        "index" => "Full index scan",
        "range" => "Index range scan",
        "ref" | "ref_or_null" => "Index lookup",
        "eq_ref" => "Unique index lookup",
        "const" | "system" => "Constant row",
        "index_merge" => "Index merge",
        "fulltext" => "Fulltext index",
        "hash_ALL" | "hash_range" | "hash_index" => "Hash join scan",
        _ => "Table access",
    }
}

fn table(t: &Object, analyzed: bool) -> Node {
    let access_type = string(t, "access_type").unwrap_or_default();
    let mut node = Node::new(access(&access_type));
    node.object = string(t, "table_name");
    node.index = string(t, "key");
    node.details.push(("access_type".into(), access_type));
    for write in ["delete", "update"] {
        if t.contains_key(write) {
            node.details
                .push(("writes".into(), format!("{write}s the rows it finds")));
        }
    }
    if let Some(keys) = string(t, "possible_keys") {
        node.details.push(("possible_keys".into(), keys));
    }
    if let Some(used) = string(t, "used_key_parts") {
        node.details.push(("used_key_parts".into(), used));
    }
    if let Some(r#ref) = string(t, "ref") {
        node.details.push(("ref".into(), r#ref));
    }
    for key in ["attached_condition", "index_condition"] {
        if let Some(text) = string(t, key) {
            let label = if key == "attached_condition" {
                "Filter"
            } else {
                "Index Cond"
            };
            node.conditions.push((label.into(), text));
        }
    }
    // Estimated rows read per scan (MariaDB `rows`, MySQL `rows_examined_per_scan`), and the
    // share the condition keeps.
    let est_read = number(t, "rows").or_else(|| number(t, "rows_examined_per_scan"));
    let filtered = number(t, "filtered").unwrap_or(100.0) / 100.0;
    let loops = if analyzed { number(t, "r_loops") } else { None };
    let scale = loops.unwrap_or(1.0);
    node.est_rows = est_read.map(|r| r * filtered * scale);
    node.total_cost = cost_of(t, "read_cost")
        .zip(cost_of(t, "eval_cost"))
        .map(|(r, e)| r + e)
        .or_else(|| number(t, "cost"));
    if analyzed {
        node.loops = loops;
        let read = number(t, "r_rows").map(|r| r * scale);
        let kept = number(t, "r_filtered").unwrap_or(100.0) / 100.0;
        node.actual_rows = read.map(|r| r * kept);
        node.rows_removed = read.map(|r| r * (1.0 - kept));
        if let Some(read) = read {
            node.details
                .push(("rows read".into(), queryplan::format::rows(read)));
        }
        let own = number(t, "r_table_time_ms").unwrap_or(0.0)
            + number(t, "r_other_time_ms").unwrap_or(0.0);
        node.time_ms = number(t, "r_total_time_ms").or((own > 0.0).then_some(own));
        node.never_executed = loops == Some(0.0);
    }
    node.children = contents(t, analyzed);
    node
}
