//! Real plans captured on this machine (`scripts/capture_plans.sh` writes
//! `tests/fixtures/plans/`), read by each engine's parser and drawn. For every plan:
//! - the text and SVG drawings are compared with the reviewed files under
//!   `tests/snapshots/plans/` (`UPDATE_SNAPSHOTS=1` rewrites them after a re-capture; review
//!   the diff);
//! - the SVG is parsed by a real XML parser and must be self-contained (no script, style,
//!   link or external reference) and show the nodes and warnings expected;
//! - the figures are checked against the raw capture itself (read here with serde_json), and
//!   the warnings against what the capture shows (a disk sort, 98 % of rows discarded…).

use std::path::PathBuf;

use dbkernel::engine::sql::plan::{mysql_json, postgres_json, postgres_text, sqlite};
use queryplan::{Node, Plan};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plans")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("fixture is JSON")
}

/// Compares a drawing with its reviewed snapshot (or rewrites it under UPDATE_SNAPSHOTS=1).
fn snapshot(name: &str, extension: &str, drawn: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots/plans")
        .join(format!("{name}.{extension}"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, drawn).unwrap();
        return;
    }
    let reviewed = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with UPDATE_SNAPSHOTS=1 and review it",
            path.display()
        )
    });
    assert!(
        reviewed == drawn,
        "{} changed; run with UPDATE_SNAPSHOTS=1 and review the diff",
        path.display()
    );
}

/// What the SVG shows, read with a real XML parser.
struct Svg {
    nodes: Vec<String>,
    warnings: Vec<String>,
    summary: Vec<String>,
    classes: Vec<String>,
}

fn read_svg(svg: &str) -> Svg {
    let document = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    // Self-contained: nothing a frontend could block or that needs the network.
    for node in document.descendants() {
        let name = node.tag_name().name();
        assert!(
            ![
                "script",
                "style",
                "foreignObject",
                "image",
                "a",
                "use",
                "link"
            ]
            .contains(&name),
            "{name} in the SVG"
        );
        for attribute in node.attributes() {
            assert!(
                !attribute.name().starts_with("on") && !attribute.name().contains("href"),
                "attribute {} in the SVG",
                attribute.name()
            );
            assert!(!attribute.value().contains("url("), "{}", attribute.value());
        }
    }
    // An opaque background first: the same picture on light and dark themes.
    let first_rect = root
        .children()
        .find(|n| n.tag_name().name() == "rect")
        .expect("a background");
    assert_eq!(
        first_rect.attribute("fill"),
        Some(queryplan::svg::BACKGROUND)
    );
    assert!(root.children().any(|n| n.tag_name().name() == "title"));
    let texts = |class: &str| -> Vec<String> {
        document
            .descendants()
            .filter(|n| n.tag_name().name() == "text" && n.attribute("class") == Some(class))
            .map(|n| n.text().unwrap_or_default().to_string())
            .collect()
    };
    Svg {
        nodes: texts("node"),
        warnings: texts("warning"),
        summary: texts("summary"),
        classes: document
            .descendants()
            .filter_map(|n| n.attribute("class").map(str::to_string))
            .collect(),
    }
}

/// Draws, snapshots and reads back a plan.
fn drawn(name: &str, plan: &Plan) -> (String, Svg) {
    let text = queryplan::text::render(plan);
    let svg = queryplan::svg::render(plan);
    snapshot(name, "txt", &text);
    snapshot(name, "svg", &svg);
    (text, read_svg(&svg))
}

fn find<'a>(plan: &'a Plan, kind: &str) -> &'a Node {
    plan.root
        .walk()
        .into_iter()
        .find(|n| n.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(plan)))
}

fn kinds(plan: &Plan) -> Vec<String> {
    plan.root.walk().iter().map(|n| n.kind.clone()).collect()
}

fn has_warning(node: &Node, part: &str) -> bool {
    node.warnings.iter().any(|w| w.text.contains(part))
}

fn pg(name: &str) -> Plan {
    postgres_json::parse(&fixture(name)).expect("parses")
}

/// The sum of all exclusive times equals the root's wall time when nothing had to be floored
/// (a telescoping sum), which holds for plans without CTEs and InitPlans.
fn exclusive_adds_up(plan: &Plan) {
    let sum: f64 = plan.root.walk().iter().filter_map(|n| n.exclusive_ms).sum();
    let root = plan.root.inclusive_ms.unwrap();
    assert!((sum - root).abs() <= root * 0.02 + 0.01, "{sum} vs {root}");
}

#[test]
fn postgres_misestimate() {
    let raw = json("pg_misestimate.json");
    let plan = pg("pg_misestimate.json");
    let scan = find(&plan, "Seq Scan");
    let raw_scan = &raw[0]["Plan"]["Plans"][0];
    assert_eq!(scan.est_rows, raw_scan["Plan Rows"].as_f64());
    assert_eq!(scan.actual_rows, raw_scan["Actual Rows"].as_f64());
    let factor = (scan.actual_rows.unwrap() / scan.est_rows.unwrap()).floor();
    assert!(factor >= 10.0, "the capture is a misestimate: {factor}");
    assert!(has_warning(
        scan,
        &format!("estimate off ×{factor} (under-estimated)")
    ));
    assert!(has_warning(scan, "discards"), "{:?}", scan.warnings);
    assert_eq!(plan.execution_ms, raw[0]["Execution Time"].as_f64());
    exclusive_adds_up(&plan);
    let (text, svg) = drawn("pg_misestimate", &plan);
    assert!(text.contains("under-estimated"));
    assert!(
        svg.nodes.iter().any(|n| n == "Seq Scan on orders"),
        "{:?}",
        svg.nodes
    );
    assert!(svg.warnings.iter().any(|w| w.contains("under-estimated")));
    assert!(svg.summary.iter().any(|w| w.contains("Seq Scan on orders")));
    // The filter's columns are named as index candidates.
    assert!(text.contains("an index on (a, b) is a candidate"), "{text}");
}

#[test]
fn postgres_sort_that_spills() {
    let raw = json("pg_sort_spill.json");
    let plan = pg("pg_sort_spill.json");
    let sort = find(&plan, "Sort");
    assert_eq!(sort.sort_space_type.as_deref(), Some("Disk"));
    assert_eq!(
        sort.sort_space_kb,
        raw[0]["Plan"]["Sort Space Used"].as_f64()
    );
    assert!(has_warning(sort, "sort spilled"));
    assert!(has_warning(sort, "SET work_mem"));
    let (_, svg) = drawn("pg_sort_spill", &plan);
    assert!(svg.warnings.iter().any(|w| w.contains("sort spilled")));
}

#[test]
fn postgres_parallel_plan() {
    let plan = pg("pg_parallel.json");
    let gather = plan
        .root
        .walk()
        .into_iter()
        .find(|n| n.kind.starts_with("Gather"))
        .expect("a Gather");
    let workers = gather.workers_launched.expect("workers launched") as f64;
    let scan = find(&plan, "Parallel Seq Scan");
    // Wall time of the scan: its per-loop time × loops, shared by the workers and the leader.
    let expected = scan.time_ms.unwrap() * scan.loops.unwrap() / (workers + 1.0);
    assert!((scan.inclusive_ms.unwrap() - expected).abs() < 1e-9);
    assert!(scan.inclusive_ms.unwrap() <= gather.inclusive_ms.unwrap() * 1.05);
    exclusive_adds_up(&plan);
    let (text, svg) = drawn("pg_parallel", &plan);
    assert!(text.contains(&format!("workers: {} of", workers as u32)));
    assert!(
        svg.nodes
            .iter()
            .any(|n| n.starts_with("Parallel Seq Scan on orders"))
    );
}

#[test]
fn postgres_cte() {
    let plan = pg("pg_cte.json");
    let cte = plan
        .root
        .walk()
        .into_iter()
        .find(|n| n.subplan_name.as_deref() == Some("CTE totals"))
        .expect("the CTE");
    let scan = find(&plan, "CTE Scan");
    assert_eq!(scan.cte_name.as_deref(), Some("totals"));
    // The CTE ran inside its only scan: the scan keeps its own time minus the CTE's.
    let expected = (scan.inclusive_ms.unwrap() - cte.inclusive_ms.unwrap()).max(0.0);
    assert!((scan.exclusive_ms.unwrap() - expected).abs() < 1e-9);
    // All of the plan's time is accounted for exactly once.
    let sum: f64 = plan.root.walk().iter().filter_map(|n| n.exclusive_ms).sum();
    let root = plan.root.inclusive_ms.unwrap();
    assert!((sum - root).abs() <= root * 0.02 + 0.01, "{sum} vs {root}");
    let (_, svg) = drawn("pg_cte", &plan);
    assert!(
        svg.nodes.iter().any(|n| n.starts_with("[CTE totals]")),
        "{:?}",
        svg.nodes
    );
}

#[test]
fn postgres_init_plan() {
    let plan = pg("pg_initplan.json");
    let init = plan
        .root
        .walk()
        .into_iter()
        .find(|n| n.relationship.as_deref() == Some("InitPlan"))
        .expect("an InitPlan");
    let user = plan
        .root
        .walk()
        .into_iter()
        .find(|n| {
            n.relationship.is_none()
                && n.conditions
                    .iter()
                    .any(|(_, c)| c.contains("$0") || c.contains("InitPlan"))
        })
        .expect("the node that reads the InitPlan's value");
    let expected = (user.inclusive_ms.unwrap()
        - init.inclusive_ms.unwrap()
        - user
            .children
            .iter()
            .filter(|c| c.relationship.as_deref() != Some("InitPlan"))
            .filter_map(|c| c.inclusive_ms)
            .sum::<f64>())
    .max(0.0);
    assert!((user.exclusive_ms.unwrap() - expected).abs() < 1e-9);
    let (_, svg) = drawn("pg_initplan", &plan);
    assert!(
        svg.nodes.iter().any(|n| n.starts_with("[InitPlan 1")),
        "{:?}",
        svg.nodes
    );
}

#[test]
fn postgres_never_executed_node() {
    let plan = pg("pg_never_executed.json");
    let never: Vec<&Node> = plan
        .root
        .walk()
        .into_iter()
        .filter(|n| n.never_executed)
        .collect();
    assert!(!never.is_empty(), "{:?}", kinds(&plan));
    assert!(never.iter().all(|n| n.exclusive_ms == Some(0.0)));
    let (text, svg) = drawn("pg_never_executed", &plan);
    assert!(text.contains("never executed"));
    assert!(svg.warnings.iter().any(|w| w.contains("never executed")));
}

#[test]
fn postgres_plan_of_more_than_100_nodes_folds() {
    let plan = pg("pg_large.json");
    let count = plan.root.count();
    assert!(count > 100, "{count} nodes");
    let (text, svg) = drawn("pg_large", &plan);
    assert!(text.contains(&format!(
        "{count} nodes; parts under 2.0 % of the time are folded"
    )));
    assert!(svg.classes.iter().any(|c| c == "folded"));
    assert!(
        svg.nodes.len() < count,
        "{} of {count} drawn",
        svg.nodes.len()
    );
}

#[test]
fn postgres_estimate_only() {
    let plan = pg("pg_estimate.json");
    assert!(!plan.analyzed);
    assert_eq!(plan.measure(), Some(queryplan::Measure::Cost));
    let (text, _) = drawn("pg_estimate", &plan);
    assert!(text.contains("(estimated, not executed)"));
}

#[test]
fn postgres_text_plan() {
    let raw = fixture("pg_text.txt");
    let plan = postgres_text::parse(&raw).expect("parses");
    assert!(plan.analyzed);
    let execution: f64 = raw
        .lines()
        .find_map(|l| l.trim().strip_prefix("Execution Time: "))
        .and_then(|v| v.trim_end_matches(" ms").parse().ok())
        .unwrap();
    assert_eq!(plan.execution_ms, Some(execution));
    let nodes = raw.lines().filter(|l| l.contains("(cost=")).count();
    assert_eq!(plan.root.count(), nodes);
    assert!(
        plan.root
            .walk()
            .iter()
            .any(|n| n.relationship.as_deref() == Some("InitPlan"))
    );
    let (_, svg) = drawn("pg_text", &plan);
    assert_eq!(svg.nodes.len(), nodes);
}

#[test]
fn postgres_plan_pasted_from_psql() {
    let raw = fixture("pg_psql_paste.txt");
    let plan = postgres_text::parse(&raw).expect("parses");
    assert_eq!(kinds(&plan), vec!["Sort", "Seq Scan"]);
    let scan = find(&plan, "Seq Scan");
    let removed: f64 = raw
        .lines()
        .find_map(|l| l.trim().strip_prefix("Rows Removed by Filter: "))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert_eq!(scan.rows_removed, Some(removed));
    assert!(has_warning(scan, "under-estimated"));
    drawn("pg_psql_paste", &plan);
}

#[test]
fn sqlite_query_plan() {
    let raw = json("sqlite_eqp.json");
    let rows: Vec<(i64, i64, String)> = raw["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_i64().unwrap(),
                r[1].as_i64().unwrap(),
                r[3].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let plan = sqlite::parse(&rows).expect("parses");
    assert_eq!(
        plan.root.count(),
        rows.len() + 1,
        "the rows under one QUERY node"
    );
    let subquery = find(&plan, "SCALAR SUBQUERY 1");
    assert_eq!(subquery.children[0].title(), "SCAN orders");
    assert_eq!(subquery.children[0].object.as_deref(), Some("orders"));
    let search = find(&plan, "SEARCH");
    assert_eq!(search.index.as_deref(), Some("INTEGER PRIMARY KEY"));
    let (text, svg) = drawn("sqlite_eqp", &plan);
    assert!(text.contains("SQLite plan (estimated, not executed)"));
    assert!(
        svg.nodes
            .iter()
            .any(|n| n == "USE TEMP B-TREE FOR ORDER BY")
    );
    assert!(
        svg.warnings.iter().any(|w| w.contains("temporary B-tree")),
        "{:?}",
        svg.warnings
    );
}

#[test]
fn mariadb_analyze_format_json() {
    let raw = fixture("mariadb_analyze.json");
    let plan = mysql_json::parse(&raw, "MariaDB").expect("parses");
    assert!(plan.analyzed);
    let value: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        plan.execution_ms,
        value["query_block"]["r_total_time_ms"].as_f64()
    );
    let tables: Vec<&Node> = plan
        .root
        .walk()
        .into_iter()
        .filter(|n| n.object.is_some())
        .collect();
    assert_eq!(tables.len(), 2, "{:?}", kinds(&plan));
    let scanned = tables
        .iter()
        .find(|n| n.kind == "Table scan")
        .expect("a table scan");
    assert!(
        scanned
            .conditions
            .iter()
            .any(|(_, c)| c.contains("amount > 90"))
    );
    let (text, svg) = drawn("mariadb_analyze", &plan);
    assert!(text.contains("MariaDB plan (executed)"));
    // MariaDB names a table by its alias (`table_name` is `o` for `qp_orders o`).
    let scanned_name = value["query_block"]
        .to_string()
        .contains("\"table_name\":\"o\"");
    assert!(scanned_name, "the capture names qp_orders by its alias");
    assert!(
        svg.nodes.iter().any(|n| n == "Table scan on o"),
        "{:?}",
        svg.nodes
    );
    assert!(
        svg.warnings.iter().any(|w| w.contains("discards")),
        "{:?}",
        svg.warnings
    );
}

#[test]
fn mariadb_explain_format_json() {
    let plan = mysql_json::parse(&fixture("mariadb_explain.json"), "MariaDB").expect("parses");
    assert!(!plan.analyzed);
    assert!(
        plan.root
            .walk()
            .iter()
            .any(|n| n.object.as_deref() == Some("qp_orders"))
    );
    drawn("mariadb_explain", &plan);
}

fn mongo(name: &str) -> (Plan, bson::Document) {
    let value = json(name);
    let bson = bson::Bson::try_from(value).expect("extended JSON");
    let document = bson.as_document().expect("a document").clone();
    (
        dbkernel::engine::mql::plan::parse(&document).expect("parses"),
        document,
    )
}

fn counter(document: &bson::Document, key: &str) -> f64 {
    match document.get(key) {
        Some(bson::Bson::Int32(n)) => f64::from(*n),
        Some(bson::Bson::Int64(n)) => *n as f64,
        other => panic!("{key}: {other:?}"),
    }
}

#[test]
fn mongodb_before_an_index() {
    let (plan, raw) = mongo("mongo_before_index.json");
    let stats = raw.get_document("executionStats").unwrap();
    let scan = find(&plan, "COLLSCAN");
    assert_eq!(
        scan.docs_examined,
        Some(counter(stats, "totalDocsExamined"))
    );
    assert_eq!(scan.actual_rows, Some(counter(stats, "nReturned")));
    assert!(
        has_warning(scan, "an index on (status, qty) is a candidate"),
        "{:?}",
        scan.warnings
    );
    let (text, svg) = drawn("mongo_before_index", &plan);
    assert!(text.contains(&format!(
        "totalDocsExamined: {}",
        counter(stats, "totalDocsExamined")
    )));
    assert!(svg.nodes.iter().any(|n| n == "COLLSCAN on orders"));
    assert!(svg.summary.iter().any(|s| s.contains("discards")));
}

#[test]
fn mongodb_after_an_index_with_rejected_plans() {
    let (plan, raw) = mongo("mongo_after_index.json");
    let rejected = raw
        .get_document("queryPlanner")
        .unwrap()
        .get_array("rejectedPlans")
        .unwrap();
    assert!(!rejected.is_empty());
    assert_eq!(plan.rejected.len(), rejected.len());
    assert!(find(&plan, "IXSCAN").index.is_some());
    assert!(
        plan.summary
            .iter()
            .any(|w| w.text.contains("rejected plan")),
        "{:?}",
        plan.summary
    );
    let (_, svg) = drawn("mongo_after_index", &plan);
    assert!(svg.classes.iter().any(|c| c == "rejected"));
    let (before, _) = mongo("mongo_before_index.json");
    let compared = queryplan::compare::svg(&before, &plan, "before");
    snapshot("mongo_compare", "svg", &compared);
    let read = read_svg(&compared);
    assert!(read.nodes.iter().any(|n| n == "COLLSCAN on orders"));
    assert!(read.nodes.iter().any(|n| n.starts_with("IXSCAN")));
    let changes = queryplan::compare::changes(&before, &plan);
    assert_eq!(changes[0].subject, "whole plan");
    assert!(
        changes
            .iter()
            .any(|c| c.subject == "orders" && c.after.starts_with("IXSCAN"))
    );
}

#[test]
fn mongodb_sort_in_memory_and_aggregation() {
    let (plan, _) = mongo("mongo_sort.json");
    assert!(has_warning(
        find(&plan, "SORT"),
        "sorts the documents in memory"
    ));
    drawn("mongo_sort", &plan);
    let (plan, _) = mongo("mongo_aggregate.json");
    assert_eq!(plan.root.kind, "$group");
    drawn("mongo_aggregate", &plan);
}
