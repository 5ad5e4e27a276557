//! The plan as an indented tree for `text/plain`: the same figures and warnings as the SVG, for
//! consoles, nbconvert's text, CI logs and screen readers.

use crate::fold::{self, Item};
use crate::format;
use crate::model::{Measure, Node, Plan, Severity};

/// The heading: engine, whether it ran, total times.
pub fn heading(plan: &Plan) -> String {
    let mut parts = vec![format!(
        "{} plan{}",
        plan.engine,
        if plan.analyzed {
            " (executed)"
        } else {
            " (estimated, not executed)"
        }
    )];
    if let Some(ms) = plan.execution_ms {
        parts.push(format!("execution {}", format::ms(ms)));
    }
    if let Some(ms) = plan.planning_ms {
        parts.push(format!("planning {}", format::ms(ms)));
    }
    for (key, value) in &plan.details {
        parts.push(format!("{key}: {value}"));
    }
    parts.join(" · ")
}

/// The node's figures on its own line: time or cost share, rows, loops.
pub fn figures(plan: &Plan, node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    if node.never_executed {
        out.push("never executed".to_string());
    }
    match plan.measure() {
        Some(Measure::Time) if !node.never_executed && plan.total().is_some() => {
            if let Some(ex) = node.exclusive_ms {
                let share = plan.share(node).unwrap_or(0.0);
                out.push(format!(
                    "self {} ({})",
                    format::ms(ex),
                    format::percent(share)
                ));
            }
            if let Some(inc) = node.inclusive_ms {
                out.push(format!("total {}", format::ms(inc)));
            }
        }
        Some(Measure::Examined) => {
            if let Some(share) = plan.share(node) {
                out.push(format!("{} of the work", format::percent(share)));
            }
        }
        Some(Measure::Cost) => {
            if let Some(ex) = node.exclusive_cost {
                let share = plan.share(node).unwrap_or(0.0);
                out.push(format!(
                    "cost {} ({} of cost)",
                    format::number(ex),
                    format::percent(share)
                ));
            }
        }
        _ => {}
    }
    match (node.actual_rows, node.est_rows) {
        (Some(actual), Some(estimated)) if !node.never_executed => {
            let (factor, direction) = format::misestimate(actual, estimated);
            let mut text = format!(
                "rows {} (est {})",
                format::rows(actual),
                format::rows(estimated)
            );
            if factor >= 2.0 {
                text = format!(
                    "rows {} (est {}, ×{} {direction})",
                    format::rows(actual),
                    format::rows(estimated),
                    format::factor(factor)
                );
            }
            out.push(text);
        }
        (Some(actual), None) if !node.never_executed => {
            out.push(format!("rows {}", format::rows(actual)))
        }
        (None, Some(estimated)) => out.push(format!("est rows {}", format::rows(estimated))),
        _ => {}
    }
    if let Some(loops) = node.loops
        && loops != 1.0
        && !node.never_executed
    {
        out.push(format!("loops {}", format::rows(loops)));
    }
    out
}

/// Conditions, sort and hash figures, buffers, workers and other details: one line each.
pub fn details(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    for (label, text) in &node.conditions {
        out.push(format!("{label}: {}", one_line(text)));
    }
    if let Some(removed) = node.rows_removed
        && removed > 0.0
    {
        out.push(format!("rows removed by filter: {}", format::rows(removed)));
    }
    if let Some(method) = &node.sort_method {
        let mut line = format!("sort: {method}");
        if let Some(kb) = node.sort_space_kb {
            line.push_str(&format!(
                ", {} {}",
                format::kilobytes(kb),
                node.sort_space_type.as_deref().unwrap_or("").to_lowercase()
            ));
        }
        out.push(line.trim_end().to_string());
    }
    if let Some(batches) = node.hash_batches {
        let mut line = format!("hash batches: {}", format::number(batches));
        if let Some(original) = node.original_hash_batches
            && original != batches
        {
            line.push_str(&format!(" (planned {})", format::number(original)));
        }
        if let Some(peak) = node.peak_memory_kb {
            line.push_str(&format!(", peak memory {}", format::kilobytes(peak)));
        }
        out.push(line);
    }
    if let Some(fetches) = node.heap_fetches {
        out.push(format!("heap fetches: {}", format::rows(fetches)));
    }
    if let Some(planned) = node.workers_planned {
        match node.workers_launched {
            Some(launched) => out.push(format!("workers: {launched} of {planned} launched")),
            None => out.push(format!("workers planned: {planned}")),
        }
    }
    for (what, value) in [
        ("keys examined", node.keys_examined),
        ("documents examined", node.docs_examined),
    ] {
        if let Some(value) = value {
            out.push(format!("{what}: {}", format::rows(value)));
        }
    }
    let b = &node.buffers;
    let mut buffers = Vec::new();
    for (name, value) in [
        ("shared hit", b.shared_hit),
        ("read", b.shared_read),
        ("dirtied", b.shared_dirtied),
        ("written", b.shared_written),
        ("temp read", b.temp_read),
        ("temp written", b.temp_written),
    ] {
        if let Some(v) = value
            && v > 0.0
        {
            buffers.push(format!("{name} {}", format::rows(v)));
        }
    }
    if !buffers.is_empty() {
        out.push(format!("buffers: {}", buffers.join(", ")));
    }
    for (key, value) in &node.details {
        out.push(format!("{key}: {}", one_line(value)));
    }
    out
}

/// A condition printed over several lines (MongoDB filters) on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn marker(severity: Severity) -> &'static str {
    match severity {
        Severity::Bad => "‼",
        Severity::Warn => "⚠",
        Severity::Info => "ℹ",
    }
}

fn bar(share: Option<f64>) -> String {
    let Some(share) = share else {
        return String::new();
    };
    let filled = (share * 10.0).round().clamp(0.0, 10.0) as usize;
    format!("{}{} ", "█".repeat(filled), "·".repeat(10 - filled))
}

/// The whole text drawing.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    out.push_str(&heading(plan));
    out.push('\n');
    for note in &plan.notes {
        out.push_str(&format!("note: {note}\n"));
    }
    for warning in &plan.summary {
        out.push_str(&format!("{} {}\n", marker(warning.severity), warning.text));
    }
    if fold::folds(plan) {
        out.push_str(&format!(
            "{} nodes; parts under {} of the {} are folded\n",
            plan.root.count(),
            format::percent(crate::thresholds::FOLD_SHARE),
            plan.measure().map_or("time", Measure::noun)
        ));
    }
    out.push('\n');
    tree(plan, &plan.root, "", "", &mut out);
    for trigger in &plan.triggers {
        out.push_str(&format!(
            "trigger {}{}: {} ({} calls)\n",
            trigger.name,
            trigger
                .relation
                .as_deref()
                .map(|r| format!(" on {r}"))
                .unwrap_or_default(),
            format::ms(trigger.time_ms),
            format::rows(trigger.calls)
        ));
    }
    for (i, rejected) in plan.rejected.iter().enumerate() {
        out.push_str(&format!("\nrejected plan {}:\n", i + 1));
        tree(plan, rejected, "", "", &mut out);
    }
    out
}

fn tree(plan: &Plan, node: &Node, first: &str, rest: &str, out: &mut String) {
    let label = node
        .subplan_name
        .as_deref()
        .map(|s| format!("[{s}] "))
        .unwrap_or_default();
    out.push_str(&format!("{first}{label}{}", node.title()));
    let figures = figures(plan, node);
    if !figures.is_empty() {
        out.push_str("  ");
        out.push_str(&bar(plan.share(node)));
        out.push_str(&figures.join(" · "));
    }
    out.push('\n');
    let items = fold::children(plan, node);
    let pipe = if items.is_empty() { "   " } else { "│  " };
    for line in details(node) {
        out.push_str(&format!("{rest}{pipe}   {line}\n"));
    }
    for warning in &node.warnings {
        out.push_str(&format!(
            "{rest}{pipe}   {} {}\n",
            marker(warning.severity),
            warning.text
        ));
    }
    let count = items.len();
    for (i, item) in items.into_iter().enumerate() {
        let last = i + 1 == count;
        let (head, tail) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        match item {
            Item::Node(child) => tree(
                plan,
                child,
                &format!("{rest}{head}"),
                &format!("{rest}{tail}"),
                out,
            ),
            Item::Folded {
                nodes,
                share,
                kinds,
            } => out.push_str(&format!(
                "{rest}{head}… {nodes} nodes folded ({} together: {kinds})\n",
                format::percent(share)
            )),
        }
    }
}
