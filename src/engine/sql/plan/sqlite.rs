//! SQLite `EXPLAIN QUERY PLAN`: rows of `(id, parent, notused, detail)`, the tree given by
//! `parent`. SQLite reports no costs, rows or times, so the drawing shows the shape and what each
//! step does (`SCAN t`, `SEARCH t USING INDEX i (a=?)`, `USE TEMP B-TREE FOR ORDER BY`).

use queryplan::{Node, Plan};

use super::PlanError;

/// `SEARCH orders USING INDEX orders_by_customer (customer_id=?)` → kind `SEARCH`, object
/// `orders`, index, condition.
fn node(detail: &str) -> Node {
    let words: Vec<&str> = detail.splitn(3, ' ').collect();
    let mut node = Node::new(detail);
    if let [verb @ ("SCAN" | "SEARCH"), object, ..] = words.as_slice() {
        node.kind = (*verb).to_string();
        node.label = Some(detail.to_string());
        node.object = Some((*object).to_string());
        let rest = words.get(2).copied().unwrap_or("");
        if let Some(after) = rest
            .strip_prefix("USING COVERING INDEX ")
            .or_else(|| rest.strip_prefix("USING INDEX "))
        {
            let (index, condition) = match after.split_once(' ') {
                Some((index, condition)) => (index, Some(condition)),
                None => (after, None),
            };
            node.index = Some(index.to_string());
            if rest.starts_with("USING COVERING") {
                node.details.push(("covering index".into(), "yes".into()));
            }
            if let Some(condition) = condition {
                node.conditions
                    .push(("Index Cond".into(), condition.to_string()));
            }
        } else if let Some(after) = rest.strip_prefix("USING INTEGER PRIMARY KEY ") {
            node.index = Some("INTEGER PRIMARY KEY".into());
            node.conditions
                .push(("Index Cond".into(), after.to_string()));
        } else if !rest.is_empty() {
            node.details.push(("detail".into(), rest.to_string()));
        }
    }
    node
}

/// Builds the tree from `(id, parent, detail)` rows in SQLite's order.
pub fn parse(rows: &[(i64, i64, String)]) -> Result<Plan, PlanError> {
    if rows.is_empty() {
        return Err(PlanError("EXPLAIN QUERY PLAN returned no rows".into()));
    }
    // Children of each id, in row order; id 0 is the invisible root.
    fn build(id: i64, rows: &[(i64, i64, String)], depth: usize) -> Vec<Node> {
        if depth > 200 {
            return Vec::new();
        }
        rows.iter()
            .filter(|(_, parent, _)| *parent == id)
            .map(|(child, _, detail)| {
                let mut node = node(detail);
                node.children = build(*child, rows, depth + 1);
                node
            })
            .collect()
    }
    let mut top = build(0, rows, 0);
    let root = if top.len() == 1 {
        top.remove(0)
    } else {
        let mut query = Node::new("QUERY");
        query.children = top;
        query
    };
    Ok(Plan::new("SQLite", root).finish())
}
