//! The tabular `EXPLAIN` of MySQL and MariaDB (`id, select_type, table, type, possible_keys,
//! key, key_len, ref, rows, filtered, Extra`; MariaDB's `ANALYZE` adds `r_rows, r_filtered`):
//! one row per table in join order, drawn as a nested loop over them.

use queryplan::{Node, Plan, TimeBasis};

use super::PlanError;

/// One row of the table, by column name.
pub type Row = Vec<(String, Option<String>)>;

fn get<'a>(row: &'a Row, name: &str) -> Option<&'a str> {
    row.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_deref())
        .filter(|v| !v.is_empty() && *v != "NULL")
}

fn number(row: &Row, name: &str) -> Option<f64> {
    get(row, name)?.parse().ok()
}

pub fn parse(rows: &[Row], engine: &str) -> Result<Plan, PlanError> {
    if rows.is_empty() {
        return Err(PlanError("EXPLAIN returned no rows".into()));
    }
    let analyzed = rows[0].iter().any(|(n, _)| n == "r_rows");
    let mut children = Vec::new();
    for row in rows {
        let access_type = get(row, "type").unwrap_or("");
        let mut node = Node::new(match access_type {
            "ALL" => "Table scan",
            "index" => "Full index scan",
            "range" => "Index range scan",
            "ref" | "ref_or_null" => "Index lookup",
            "eq_ref" => "Unique index lookup",
            "const" | "system" => "Constant row",
            "index_merge" => "Index merge",
            "" => "Step",
            _ => "Table access",
        });
        node.object = get(row, "table").map(str::to_string);
        node.index = get(row, "key").map(str::to_string);
        let filtered = number(row, "filtered").unwrap_or(100.0) / 100.0;
        node.est_rows = number(row, "rows").map(|r| r * filtered);
        if analyzed {
            let kept = number(row, "r_filtered").unwrap_or(100.0) / 100.0;
            let read = number(row, "r_rows");
            node.actual_rows = read.map(|r| r * kept);
            node.rows_removed = read.map(|r| r * (1.0 - kept));
        }
        for name in ["select_type", "type", "possible_keys", "ref", "Extra"] {
            if let Some(value) = get(row, name) {
                node.details.push((name.to_string(), value.to_string()));
            }
        }
        if get(row, "Extra").is_some_and(|e| e.contains("Using filesort")) {
            node.sort_method = Some("filesort".into());
        }
        children.push(node);
    }
    let root = if children.len() == 1 {
        children.remove(0)
    } else {
        let mut join = Node::new("Nested loop");
        join.children = children;
        join
    };
    let mut plan = Plan::new(engine, root);
    plan.analyzed = analyzed;
    plan.basis = TimeBasis::Total;
    Ok(plan.finish())
}
