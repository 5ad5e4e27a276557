//! PostgreSQL's TEXT plan — what `EXPLAIN` and `EXPLAIN ANALYZE` print by default — parsed from
//! its lines, so a plan the user asked for in text is drawn without running the query again.
//!
//! Also reads a plan pasted from psql: the `QUERY PLAN` header, the dashes under it, the
//! `(N rows)` footer, `+` at the end of wrapped lines and a leading `|` frame are dropped.
//!
//! The shape of the text: the root on the first line; every other node on a line starting
//! with `->`, its depth given by the column of the arrow; `Key: value` lines under a node belong
//! to it; `InitPlan 1 (returns $0)`, `SubPlan 2` and `CTE name` lines name the node below them.

use queryplan::{Buffers, Node, Plan, TimeBasis};

use super::PlanError;

/// Drops psql's frame around a pasted plan.
pub fn unframe(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for raw in text.lines() {
        let mut line = raw.trim_end();
        if let Some(stripped) = line.strip_suffix('+') {
            line = stripped.trim_end();
        }
        let trimmed = line.trim();
        if trimmed.is_empty()
            || trimmed == "QUERY PLAN"
            || trimmed.chars().all(|c| c == '-' || c == '+')
            || (trimmed.starts_with('(')
                && (trimmed.ends_with(" rows)") || trimmed.ends_with(" row)")))
        {
            continue;
        }
        let line = line.strip_prefix('|').unwrap_or(line);
        let line = line.strip_suffix('|').unwrap_or(line);
        lines.push(line.to_string());
    }
    lines
}

fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

/// The figures in `(cost=0.00..35.50 rows=2550 width=4)`, `(actual time=0.01..0.02 rows=3
/// loops=1)` and `(actual rows=3 loops=1)`; `(never executed)` marks the node.
fn figures(node: &mut Node, header: &str, analyzed: &mut bool) -> String {
    let mut title_end = header.len();
    let mut rest = header;
    let mut offset = 0;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        let inside = &rest[open + 1..open + close];
        let is_figures = inside.starts_with("cost=")
            || inside.starts_with("actual ")
            || inside == "never executed";
        if is_figures {
            title_end = title_end.min(offset + open);
            if inside == "never executed" {
                node.never_executed = true;
                *analyzed = true;
            }
            for pair in inside.split_whitespace() {
                let Some((key, value)) = pair.split_once('=') else {
                    continue;
                };
                let range = |v: &str| {
                    v.split_once("..")
                        .map(|(a, b)| (a.parse().ok(), b.parse().ok()))
                };
                match (inside.starts_with("actual"), key) {
                    (false, "cost") => {
                        if let Some((start, total)) = range(value) {
                            node.startup_cost = start;
                            node.total_cost = total;
                        }
                    }
                    (false, "rows") => node.est_rows = value.parse().ok(),
                    (true, "time") => {
                        *analyzed = true;
                        if let Some((_, total)) = range(value) {
                            node.time_ms = total;
                        }
                    }
                    (true, "rows") => {
                        *analyzed = true;
                        node.actual_rows = value.parse().ok();
                    }
                    (true, "loops") => node.loops = value.parse().ok(),
                    _ => {}
                }
            }
        }
        offset += open + close + 1;
        rest = &header[offset..];
    }
    header[..title_end].trim().to_string()
}

/// `Index Scan using t_pkey on t x` → kind, index, object.
fn title(node: &mut Node, title: &str) {
    let (kind, rest) = match title.split_once(" using ") {
        Some((kind, rest)) => (kind, Some(rest)),
        None => (title, None),
    };
    match rest {
        Some(rest) => match rest.split_once(" on ") {
            Some((index, object)) => {
                node.index = Some(index.to_string());
                node.object = Some(object.to_string());
            }
            None => node.index = Some(rest.to_string()),
        },
        None => {
            if let Some((k, object)) = kind.split_once(" on ") {
                node.kind = k.to_string();
                if k.starts_with("Bitmap Index Scan") {
                    node.index = Some(object.to_string());
                } else {
                    node.object = Some(object.to_string());
                }
                if k == "CTE Scan" {
                    node.cte_name = object.split_whitespace().next().map(str::to_string);
                }
                return;
            }
        }
    }
    node.kind = kind.to_string();
}

/// `shared hit=5 read=3, temp read=10 written=10`.
fn buffers(buffers: &mut Buffers, text: &str) {
    for group in text.split(',') {
        let mut words = group.split_whitespace();
        let Some(kind) = words.next() else { continue };
        for pair in words {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.parse().ok();
            match (kind, key) {
                ("shared", "hit") => buffers.shared_hit = value,
                ("shared", "read") => buffers.shared_read = value,
                ("shared", "dirtied") => buffers.shared_dirtied = value,
                ("shared", "written") => buffers.shared_written = value,
                ("temp", "read") => buffers.temp_read = value,
                ("temp", "written") => buffers.temp_written = value,
                _ => {}
            }
        }
    }
}

fn kb(text: &str) -> Option<f64> {
    text.trim().trim_end_matches("kB").parse().ok()
}

/// One `Key: value` line under a node.
fn property(node: &mut Node, key: &str, value: &str) {
    match key {
        "Filter" | "Index Cond" | "Recheck Cond" | "Hash Cond" | "Merge Cond" | "Join Filter"
        | "One-Time Filter" | "TID Cond" => node.conditions.push((key.into(), value.into())),
        "Rows Removed by Filter" => node.rows_removed = value.parse().ok(),
        "Heap Fetches" => node.heap_fetches = value.parse().ok(),
        "Workers Planned" => node.workers_planned = value.parse().ok(),
        "Workers Launched" => node.workers_launched = value.parse().ok(),
        "Buffers" => buffers(&mut node.buffers, value),
        // `external merge  Disk: 1024kB`, `quicksort  Memory: 25kB`
        "Sort Method" => {
            let mut parts = value.split("  ").map(str::trim).filter(|p| !p.is_empty());
            node.sort_method = parts.next().map(str::to_string);
            for part in parts {
                if let Some((space, amount)) = part.split_once(':') {
                    node.sort_space_type = Some(space.trim().to_string());
                    node.sort_space_kb = kb(amount);
                }
            }
        }
        // `Buckets: 1024  Batches: 4 (originally 1)  Memory Usage: 4000kB`: the line's first
        // key is `Buckets`, so the rest comes in `value`.
        "Buckets" => {
            let whole = format!("Buckets: {value}");
            for part in whole.split("  ").map(str::trim) {
                if let Some((k, v)) = part.split_once(':') {
                    let v = v.trim();
                    match k.trim() {
                        "Buckets" => node.details.push(("Hash Buckets".into(), v.into())),
                        "Batches" => {
                            let (now, original) = match v.split_once(" (originally ") {
                                Some((now, original)) => {
                                    (now, original.trim_end_matches(')').parse().ok())
                                }
                                None => (v, None),
                            };
                            node.hash_batches = now.parse().ok();
                            node.original_hash_batches = original;
                        }
                        "Memory Usage" => node.peak_memory_kb = kb(v),
                        _ => {}
                    }
                }
            }
        }
        "Output" | "Planning" => {}
        _ => node.details.push((key.into(), value.into())),
    }
}

struct Open {
    /// Column of the node's `->` (the root: its first character).
    column: usize,
    node: Node,
}

pub fn parse(text: &str) -> Result<Plan, PlanError> {
    let lines = unframe(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut pending: Option<(usize, String, String)> = None;
    let mut analyzed = false;
    let mut plan_level: Vec<(String, String)> = Vec::new();
    let mut root: Option<Node> = None;

    // Closes every open node at or right of `column`, hanging each under the one before it.
    fn close_to(stack: &mut Vec<Open>, column: usize, root: &mut Option<Node>) {
        while stack.last().is_some_and(|o| o.column >= column) {
            let done = stack.pop().map(|o| o.node);
            if let Some(done) = done {
                match stack.last_mut() {
                    Some(parent) => parent.node.children.push(done),
                    None => *root = Some(done),
                }
            }
        }
    }

    for line in &lines {
        let column = indent(line);
        let trimmed = line.trim();
        let is_root = stack.is_empty() && root.is_none() && !trimmed.contains(": ");
        if let Some(rest) = trimmed.strip_prefix("->") {
            close_to(&mut stack, column, &mut root);
            let mut node = Node::new("");
            let header = figures(&mut node, rest.trim(), &mut analyzed);
            title(&mut node, &header);
            if let Some((label_column, relationship, name)) = pending.take()
                && label_column < column
            {
                node.relationship = Some(relationship);
                node.subplan_name = Some(name);
            }
            stack.push(Open { column, node });
            continue;
        }
        if is_root {
            let mut node = Node::new("");
            let header = figures(&mut node, trimmed, &mut analyzed);
            title(&mut node, &header);
            stack.push(Open { column, node });
            continue;
        }
        let label = ["InitPlan", "SubPlan", "CTE "]
            .iter()
            .find(|p| trimmed.starts_with(*p) && !trimmed.contains(": "));
        if let Some(label) = label {
            let relationship = if *label == "SubPlan" {
                "SubPlan"
            } else {
                "InitPlan"
            };
            close_to(&mut stack, column, &mut root);
            pending = Some((column, relationship.into(), trimmed.to_string()));
            continue;
        }
        let Some((key, value)) = trimmed.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let plan_wide = matches!(
            key,
            "Planning Time" | "Execution Time" | "Planning" | "JIT" | "Settings"
        ) || key.starts_with("Trigger ");
        if plan_wide || stack.is_empty() {
            close_to(&mut stack, 0, &mut root);
            plan_level.push((key.to_string(), value.to_string()));
            continue;
        }
        // A property belongs to the deepest open node left of it.
        close_to(&mut stack, column, &mut root);
        if let Some(open) = stack.last_mut() {
            if key.starts_with("Worker ") {
                open.node.details.push((key.into(), value.into()));
            } else {
                property(&mut open.node, key, value);
            }
        }
    }
    close_to(&mut stack, 0, &mut root);
    let root = root.ok_or_else(|| PlanError("no plan nodes in the text".into()))?;
    if root.kind.is_empty() {
        return Err(PlanError(
            "the first line of the plan names no operation".into(),
        ));
    }
    let mut plan = Plan::new("PostgreSQL", root);
    plan.analyzed = analyzed;
    plan.basis = TimeBasis::PerLoop;
    for (key, value) in plan_level {
        let ms = value.trim_end_matches(" ms").parse::<f64>().ok();
        match key.as_str() {
            "Planning Time" => plan.planning_ms = ms,
            "Execution Time" => plan.execution_ms = ms,
            k if k.starts_with("Trigger ") => {
                // `Trigger audit on t: time=0.1 calls=3` (or `Trigger audit: ...`)
                let name = k.trim_start_matches("Trigger ");
                let (name, relation) = match name.split_once(" on ") {
                    Some((n, r)) => (n.to_string(), Some(r.to_string())),
                    None => (name.to_string(), None),
                };
                let mut trigger = queryplan::model::Trigger {
                    name,
                    relation,
                    time_ms: 0.0,
                    calls: 0.0,
                };
                for pair in value.split_whitespace() {
                    match pair.split_once('=') {
                        Some(("time", t)) => trigger.time_ms = t.parse().unwrap_or(0.0),
                        Some(("calls", c)) => trigger.calls = c.parse().unwrap_or(0.0),
                        _ => {}
                    }
                }
                plan.triggers.push(trigger);
            }
            _ => plan.details.push((key, value)),
        }
    }
    Ok(plan.finish())
}
