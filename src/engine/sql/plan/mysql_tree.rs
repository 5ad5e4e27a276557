//! MySQL's `EXPLAIN ANALYZE` and `EXPLAIN FORMAT=TREE`: one node per line, `-> ` after four
//! spaces per level, figures in `(cost=… rows=…)` and `(actual time=a..b rows=r loops=l)`
//! (per loop, like PostgreSQL).
//!
//! Titles read `Filter: (t.a > 1)`, `Table scan on t`, `Index lookup on t using idx (a=1)`.

use queryplan::{Node, Plan, TimeBasis};

use super::PlanError;

fn figures(node: &mut Node, header: &str, analyzed: &mut bool) -> String {
    let mut title = header.to_string();
    for (marker, actual) in [
        ("(actual ", true),
        ("(cost=", false),
        ("(never executed)", true),
    ] {
        let Some(at) = title.rfind(marker) else {
            continue;
        };
        let inside = title[at + 1..].trim_end().trim_end_matches(')').to_string();
        if marker == "(never executed)" {
            node.never_executed = true;
        }
        for pair in inside.split_whitespace() {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            match (actual, key) {
                (true, "time") => {
                    *analyzed = true;
                    node.time_ms = value.split_once("..").and_then(|(_, t)| t.parse().ok());
                }
                (true, "rows") => node.actual_rows = value.parse().ok(),
                (true, "loops") => node.loops = value.parse().ok(),
                (false, "cost") => {
                    node.total_cost = value.rsplit("..").next().and_then(|c| c.parse().ok())
                }
                (false, "rows") => node.est_rows = value.parse().ok(),
                _ => {}
            }
        }
        title.truncate(at);
    }
    title.trim().to_string()
}

fn title(node: &mut Node, title: &str) {
    if let Some((kind, condition)) = title.split_once(": ") {
        node.kind = kind.to_string();
        let label = if kind == "Filter" {
            "Filter"
        } else {
            "Condition"
        };
        node.conditions.push((label.into(), condition.to_string()));
        return;
    }
    let (main, condition) = match title.find(" (") {
        Some(at) if title.ends_with(')') => (&title[..at], Some(&title[at + 1..])),
        _ => (title, None),
    };
    let (main, index) = match main.split_once(" using ") {
        Some((m, i)) => (m, Some(i)),
        None => (main, None),
    };
    match main.split_once(" on ") {
        Some((kind, object)) => {
            node.kind = kind.to_string();
            node.object = Some(object.to_string());
        }
        None => node.kind = main.to_string(),
    }
    node.index = index.map(str::to_string);
    if let Some(condition) = condition {
        node.conditions
            .push(("Index Cond".into(), condition.to_string()));
    }
}

pub fn parse(text: &str) -> Result<Plan, PlanError> {
    let mut stack: Vec<(usize, Node)> = Vec::new();
    let mut root = None;
    let mut analyzed = false;
    fn close(stack: &mut Vec<(usize, Node)>, column: usize, root: &mut Option<Node>) {
        while stack.last().is_some_and(|(c, _)| *c >= column) {
            if let Some((_, node)) = stack.pop() {
                match stack.last_mut() {
                    Some((_, parent)) => parent.children.push(node),
                    None => *root = Some(node),
                }
            }
        }
    }
    for line in text.lines() {
        let column = line.chars().take_while(|c| *c == ' ').count();
        let Some(rest) = line.trim().strip_prefix("->") else {
            continue;
        };
        close(&mut stack, column, &mut root);
        let mut node = Node::new("");
        let header = figures(&mut node, rest.trim(), &mut analyzed);
        self::title(&mut node, &header);
        stack.push((column, node));
    }
    close(&mut stack, 0, &mut root);
    let root = root.ok_or_else(|| PlanError("no `->` plan lines in the text".into()))?;
    let mut plan = Plan::new("MySQL", root);
    plan.analyzed = analyzed;
    plan.basis = TimeBasis::PerLoop;
    Ok(plan.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of MySQL 8.0's reference manual, "EXPLAIN ANALYZE" (section 15.8.2).
    const MANUAL: &str = "-> Nested loop inner join  (cost=1.05 rows=1) (actual time=0.042..0.045 rows=1 loops=1)
    -> Filter: (t1.c1 > 1)  (cost=0.35 rows=1) (actual time=0.025..0.027 rows=1 loops=1)
        -> Table scan on t1  (cost=0.35 rows=1) (actual time=0.023..0.025 rows=2 loops=1)
    -> Index lookup on t2 using idx (c2=t1.c1)  (cost=0.35 rows=1) (actual time=0.014..0.016 rows=1 loops=1)";

    #[test]
    fn the_manuals_example_parses_into_its_tree() {
        let plan = parse(MANUAL).unwrap();
        assert!(plan.analyzed);
        assert_eq!(plan.root.kind, "Nested loop inner join");
        assert_eq!(plan.root.children.len(), 2);
        let filter = &plan.root.children[0];
        assert_eq!(
            filter.conditions,
            vec![("Filter".into(), "(t1.c1 > 1)".into())]
        );
        assert_eq!(filter.children[0].kind, "Table scan");
        assert_eq!(filter.children[0].object.as_deref(), Some("t1"));
        assert_eq!(filter.children[0].actual_rows, Some(2.0));
        let lookup = &plan.root.children[1];
        assert_eq!(lookup.index.as_deref(), Some("idx"));
        assert_eq!(lookup.time_ms, Some(0.016));
        // Nested loop: 0.045 - 0.027 - 0.016 = 0.002 ms of its own.
        assert!((plan.root.exclusive_ms.unwrap() - 0.002).abs() < 1e-9);
    }
}
