//! Plain-language findings, on the node they are about and gathered in the plan's summary.
//!
//! Each check says what happened in the plan's own figures and what usually fixes it; the
//! thresholds are in [`crate::thresholds`].

use crate::format;
use crate::model::{Node, Plan, Severity, TimeBasis, Warning};
use crate::thresholds::*;

pub fn assess(plan: &mut Plan) {
    let basis = plan.basis;
    let analyzed = plan.analyzed;
    let measure = plan.measure();
    let total = plan.total();
    let dominant = dominant(plan);
    plan.root.for_each_mut(&mut |node| {
        let share = match (measure, total) {
            (Some(measure), Some(total)) => {
                crate::model::exclusive_of(measure, node).map(|e| e / total)
            }
            _ => None,
        };
        let share_if_dominant = share.filter(|_| dominant == Some(node.id));
        node.warnings = node_warnings(node, analyzed, basis, share_if_dominant, measure);
        // A wasteful scan that takes a small part of the time is worth knowing, not fixing first.
        if share.is_some_and(|s| s < SHARE_WARN) {
            for warning in &mut node.warnings {
                if warning.text.starts_with("reads ") {
                    warning.severity = Severity::Info;
                }
            }
        }
    });
    let mut summary: Vec<Warning> = Vec::new();
    for node in plan.root.walk() {
        for warning in &node.warnings {
            if warning.severity == Severity::Info {
                continue;
            }
            summary.push(Warning {
                severity: warning.severity,
                text: format!("{}: {}", node.title(), warning.text),
                node: Some(node.id),
            });
        }
    }
    summary.sort_by_key(|w| std::cmp::Reverse(w.severity));
    if !plan.rejected.is_empty() {
        let chosen = access_path(&plan.root);
        let others: Vec<String> = plan.rejected.iter().map(access_path).collect();
        summary.push(Warning {
            severity: Severity::Info,
            text: format!(
                "the optimizer chose {chosen} over {} rejected plan{}: {}",
                others.len(),
                if others.len() == 1 { "" } else { "s" },
                others.join("; ")
            ),
            node: None,
        });
    }
    plan.summary = summary;
}

/// The one node called "where the time goes": the largest share, more than [`DOMINANT_SHARE`],
/// in a plan big enough for it to matter.
fn dominant(plan: &Plan) -> Option<usize> {
    let (measure, total) = plan.measured?;
    let big_enough = match measure {
        crate::Measure::Time => total >= DOMINANT_MIN_MS,
        crate::Measure::Examined => total >= DOMINANT_MIN_EXAMINED,
        crate::Measure::Cost => true,
    };
    if !big_enough {
        return None;
    }
    largest_share(plan)
        .filter(|(_, share)| *share > DOMINANT_SHARE)
        .map(|(id, _)| id)
}

/// The node with the largest share and that share, when no other node has as much (a tie
/// names no node).
pub fn largest_share(plan: &Plan) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut tied = false;
    for node in plan.root.walk() {
        let Some(share) = plan.share(node) else {
            continue;
        };
        match best {
            Some((_, b)) if share == b => tied = true,
            Some((_, b)) if share < b => {}
            _ => {
                best = Some((node.id, share));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied)
}

/// A plan's way to the data in a few words: `IXSCAN { qty: 1 } → FETCH`, bottom-up.
fn access_path(root: &Node) -> String {
    let mut chain = Vec::new();
    let mut node = root;
    loop {
        let mut step = node.kind.clone();
        if let Some(index) = &node.index {
            step.push(' ');
            step.push_str(index);
        }
        chain.push(step);
        match node.children.first() {
            Some(child) if node.children.len() == 1 => node = child,
            _ => break,
        }
    }
    chain.reverse();
    chain.join(" → ")
}

fn warn(severity: Severity, text: String, node: &Node) -> Warning {
    Warning {
        severity,
        text,
        node: Some(node.id),
    }
}

fn is_full_scan(node: &Node) -> bool {
    node.kind.contains("Seq Scan") || node.kind == "COLLSCAN" || node.kind == "Table scan"
}

fn node_warnings(
    node: &Node,
    analyzed: bool,
    basis: TimeBasis,
    share: Option<f64>,
    measure: Option<crate::Measure>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if node.never_executed {
        out.push(warn(
            Severity::Info,
            "never executed: the plan did not need this part".into(),
            node,
        ));
        return out;
    }
    if let Some(share) = share
        && share >= DOMINANT_SHARE
    {
        let of = measure.map_or("of the time", crate::Measure::of);
        out.push(warn(
            Severity::Bad,
            format!("takes {} {of}: start here", format::percent(share)),
            node,
        ));
    }
    if analyzed && let (Some(actual), Some(estimated)) = (node.actual_rows, node.est_rows) {
        let (factor, direction) = format::misestimate(actual, estimated);
        if factor >= MISESTIMATE_FACTOR {
            let what = if direction == "under" {
                "more"
            } else {
                "fewer"
            };
            out.push(warn(
                Severity::Warn,
                format!(
                    "estimate off ×{} ({direction}-estimated): expected {} rows, got {} — {what} than planned; fresh statistics (ANALYZE) or extended statistics on the filtered columns help",
                    format::factor(factor),
                    format::rows(estimated),
                    format::rows(actual)
                ),
                node,
            ));
        }
    }
    if is_full_scan(node) {
        scan_warnings(node, basis, &mut out);
    }
    if let Some(warning) = spill_warning(node) {
        out.push(warning);
    }
    if node.kind == "Nested Loop"
        && let Some(inner) = node.children.get(1)
        && let Some(loops) = inner.loops
        && loops >= NESTED_LOOP_MANY_LOOPS
    {
        out.push(warn(
            Severity::Warn,
            format!(
                "nested loop ran its inner side ({}) {} times: an index on the join column of the inner table, or a hash join, avoids repeating it",
                inner.title(),
                format::rows(loops)
            ),
            node,
        ));
    }
    if node.kind.contains("Index Only Scan")
        && let (Some(fetches), Some(rows)) = (node.heap_fetches, node.total_actual_rows(basis))
        && fetches > 0.0
        && fetches / rows.max(1.0) >= HEAP_FETCH_SHARE
    {
        out.push(warn(
            Severity::Warn,
            format!(
                "index-only scan still visited the table {} times ({} of its rows): VACUUM {} updates the visibility map so the table can be skipped",
                format::rows(fetches),
                format::percent(fetches / rows.max(1.0)),
                node.object.as_deref().unwrap_or("the table")
            ),
            node,
        ));
    }
    if let (Some(planned), Some(launched)) = (node.workers_planned, node.workers_launched)
        && launched < planned
    {
        out.push(warn(
            Severity::Warn,
            format!(
                "launched {launched} of {planned} planned workers: the server had no more free (max_parallel_workers, max_worker_processes)"
            ),
            node,
        ));
    }
    // SQLite's plan has no figures, only what each step does.
    if node.kind.starts_with("USE TEMP B-TREE FOR") {
        out.push(warn(
            Severity::Warn,
            "sorts or groups the rows in a temporary B-tree: an index on those columns would give them in order".into(),
            node,
        ));
    }
    if node.kind == "SCAN" && node.index.is_none() {
        out.push(warn(
            Severity::Warn,
            format!(
                "reads every row of {}: if the query filters or joins on it, an index on those columns lets SQLite SEARCH instead",
                node.object.as_deref().unwrap_or("the table")
            ),
            node,
        ));
    }
    if node.kind == "SORT" {
        out.push(warn(
            Severity::Warn,
            "sorts the documents in memory (no index gives this order; over 100 MB it fails): an index whose keys end with the sort fields avoids it".into(),
            node,
        ));
    }
    if let Some(returned) = node.total_actual_rows(basis)
        && !node.kind.eq("COLLSCAN")
    {
        for (what, examined) in [
            ("keys", node.keys_examined),
            ("documents", node.docs_examined),
        ] {
            if let Some(examined) = examined
                && examined >= EXAMINED_MIN
                && examined / returned.max(1.0) >= EXAMINED_PER_RETURNED
            {
                out.push(warn(
                    Severity::Warn,
                    format!(
                        "examined {} {what} to return {}: the index does not narrow the query enough; an index on the fields of the filter (equality first, then sort, then range) reads fewer",
                        format::rows(examined),
                        format::rows(returned)
                    ),
                    node,
                ));
            }
        }
    }
    out
}

fn scan_warnings(node: &Node, basis: TimeBasis, out: &mut Vec<Warning>) {
    let returned = node.total_actual_rows(basis);
    let (read, removed) = match (node.docs_examined, node.rows_removed, returned) {
        (Some(examined), _, Some(returned)) => (examined, (examined - returned).max(0.0)),
        (None, Some(removed), Some(returned)) => {
            let removed = match basis {
                TimeBasis::PerLoop => removed * node.loops.unwrap_or(1.0),
                TimeBasis::Total => removed,
            };
            (returned + removed, removed)
        }
        _ => {
            if node.kind == "COLLSCAN" {
                out.push(warn(
                    Severity::Warn,
                    "reads the whole collection: no index serves this query".into(),
                    node,
                ));
            }
            return;
        }
    };
    if read < DISCARDED_MIN_ROWS || removed / read < DISCARDED_SHARE {
        return;
    }
    let filter = node
        .conditions
        .iter()
        .find(|(label, _)| label.eq_ignore_ascii_case("filter"))
        .map(|(_, text)| text.split_whitespace().collect::<Vec<_>>().join(" "));
    let filter = filter.as_deref();
    let columns = filter.map(filter_columns).unwrap_or_default();
    let unit = if node.kind == "COLLSCAN" {
        "documents"
    } else {
        "rows"
    };
    let hint = match columns.as_slice() {
        [] => "an index on the filtered columns would read only the matching ones".to_string(),
        [one] => format!("an index on {one} is a candidate"),
        many => format!("an index on ({}) is a candidate", many.join(", ")),
    };
    out.push(warn(
        Severity::Bad,
        format!(
            "reads {} {unit} and discards {} of them{}: {hint}",
            format::rows(read),
            format::percent(removed / read),
            filter.map(|f| format!(" (filter {f})")).unwrap_or_default()
        ),
        node,
    ));
}

fn spill_warning(node: &Node) -> Option<Warning> {
    let on_disk = node
        .sort_space_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("disk"))
        || node
            .sort_method
            .as_deref()
            .is_some_and(|m| m.starts_with("external"));
    if on_disk {
        let used = node.sort_space_kb.unwrap_or(0.0);
        let needed_mb = ((used * SPILL_MEMORY_FACTOR) / 1024.0).ceil().max(1.0);
        return Some(warn(
            Severity::Bad,
            format!(
                "sort spilled {} to disk ({}): in memory it takes several times that, about {needed_mb:.0} MB — SET work_mem = '{needed_mb:.0}MB' for this session",
                format::kilobytes(used),
                node.sort_method.as_deref().unwrap_or("external sort"),
            ),
            node,
        ));
    }
    let batches = node.hash_batches?;
    if batches <= 1.0 {
        return None;
    }
    let peak = node
        .peak_memory_kb
        .unwrap_or(crate::thresholds::DEFAULT_WORK_MEM_KB);
    let needed_mb = (peak * batches / 1024.0).ceil().max(1.0);
    Some(warn(
        Severity::Bad,
        format!(
            "hash table split into {} batches on disk (work_mem too small): about {needed_mb:.0} MB of work_mem keeps it in one — SET work_mem = '{needed_mb:.0}MB'",
            format::number(batches)
        ),
        node,
    ))
}

/// The columns a filter compares, as index candidates: `((status)::text = 'x'::text)` gives
/// `status`; a MongoDB filter `{ qty: { $gt: 5 } }` gives `qty`.
pub fn filter_columns(filter: &str) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        let name = name.trim_matches('"').to_string();
        if !name.is_empty() && !columns.contains(&name) {
            columns.push(name);
        }
    };
    let text = filter.trim();
    if text.starts_with('{') {
        // Keys of a MongoDB filter that are field paths (not operators).
        let bytes: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == '{' || bytes[i] == ',' {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_whitespace() {
                    j += 1;
                }
                let quoted = j < bytes.len() && (bytes[j] == '"' || bytes[j] == '\'');
                let start = if quoted { j + 1 } else { j };
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_alphanumeric() || matches!(bytes[end], '_' | '.' | '$'))
                {
                    end += 1;
                }
                let after = if quoted { end + 1 } else { end };
                let key: String = bytes[start..end].iter().collect();
                if after < bytes.len() && bytes[after] == ':' && !key.starts_with('$') {
                    push(&key);
                }
                i = end.max(i + 1);
            } else {
                i += 1;
            }
        }
        return columns;
    }
    // SQL: drop casts and parentheses, then take each identifier followed by a comparison.
    let mut cleaned = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            while chars
                .peek()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '"' | '[' | ']'))
            {
                // A cast's type name ends at the next operator or parenthesis.
                let next = *chars.peek().unwrap_or(&' ');
                if next == ' ' {
                    break;
                }
                chars.next();
            }
            continue;
        }
        if c == '\'' {
            // String literals are values, not columns.
            cleaned.push(' ');
            for d in chars.by_ref() {
                if d == '\'' {
                    break;
                }
            }
            cleaned.push('0');
            continue;
        }
        cleaned.push(if c == '(' || c == ')' { ' ' } else { c });
    }
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    const OPERATORS: &[&str] = &[
        "=", "<>", "!=", "<", ">", "<=", ">=", "~~", "!~~", "~~*", "LIKE", "IN", "BETWEEN", "@>",
        "<@", "&&", "~",
    ];
    for pair in words.windows(2) {
        let (word, next) = (pair[0], pair[1]);
        let identifier = word
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '"')
            && word
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '"'));
        let keyword = ["AND", "OR", "NOT", "NULL", "TRUE", "FALSE", "ANY", "ALL"]
            .iter()
            .any(|k| word.eq_ignore_ascii_case(k));
        if identifier && !keyword && OPERATORS.iter().any(|op| next.eq_ignore_ascii_case(op)) {
            push(word.rsplit('.').next().unwrap_or(word));
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::filter_columns;

    #[test]
    fn filter_columns_from_postgres_filters() {
        assert_eq!(filter_columns("(a = 1)"), vec!["a"]);
        assert_eq!(
            filter_columns("(((status)::text = 'shipped'::text) AND (o.qty > 10))"),
            vec!["status", "qty"]
        );
        assert_eq!(filter_columns("(lower(name) ~~ 'a%'::text)"), vec!["name"]);
    }

    #[test]
    fn filter_columns_from_mongodb_filters() {
        assert_eq!(filter_columns("{ qty: { $gt: 5 } }"), vec!["qty"]);
        assert_eq!(
            filter_columns("{\"$and\": [{\"a.b\": {\"$eq\": 1}}, {\"c\": {\"$lt\": 2}}]}"),
            vec!["a.b", "c"]
        );
    }
}
