//! Exclusive time on small hand-built plans whose right answers were worked out by hand (the
//! arithmetic is in each test's comments), covering loops, parallel workers, CTE scans and
//! InitPlans.

use queryplan::{Node, Plan, TimeBasis};

fn node(kind: &str, time_ms: f64, loops: f64) -> Node {
    Node {
        time_ms: Some(time_ms),
        loops: Some(loops),
        actual_rows: Some(1.0),
        ..Node::new(kind)
    }
}

fn with(mut parent: Node, children: Vec<Node>) -> Node {
    parent.children = children;
    parent
}

fn analyzed(root: Node) -> Plan {
    Plan {
        analyzed: true,
        basis: TimeBasis::PerLoop,
        ..Plan::new("PostgreSQL", root)
    }
    .finish()
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a time");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn loops_multiply_the_per_loop_time() {
    // Nested Loop 10 ms; outer Seq Scan 2 ms × 1; inner Index Scan 0.005 ms × 1000 loops = 5 ms.
    // Nested Loop alone: 10 - 2 - 5 = 3 ms.
    let plan = analyzed(with(
        node("Nested Loop", 10.0, 1.0),
        vec![
            node("Seq Scan", 2.0, 1.0),
            node("Index Scan", 0.005, 1000.0),
        ],
    ));
    close(plan.root.children[1].inclusive_ms, 5.0);
    close(plan.root.exclusive_ms, 3.0);
    close(plan.root.children[0].exclusive_ms, 2.0);
}

#[test]
fn parallel_workers_divide_the_summed_loops() {
    // Gather 30 ms, 2 workers launched: the scan under it ran in 3 processes, 3 loops of 25 ms
    // each on average = 75 ms of process time, 75 / 3 = 25 ms of wall time. Gather: 30 - 25 = 5.
    let mut gather = node("Gather", 30.0, 1.0);
    gather.workers_planned = Some(2);
    gather.workers_launched = Some(2);
    let plan = analyzed(with(gather, vec![node("Parallel Seq Scan", 25.0, 3.0)]));
    close(plan.root.children[0].inclusive_ms, 25.0);
    close(plan.root.children[0].exclusive_ms, 25.0);
    close(plan.root.exclusive_ms, 5.0);
    // Shares: 25 / 30 and 5 / 30.
    close(plan.share(&plan.root.children[0]), 25.0 / 30.0);
}

fn cte(name: &str, child: Node) -> Node {
    let mut child = child;
    child.relationship = Some("InitPlan".into());
    child.subplan_name = Some(format!("CTE {name}"));
    child
}

fn cte_scan(name: &str, time: f64) -> Node {
    let mut scan = node("CTE Scan", time, 1.0);
    scan.cte_name = Some(name.into());
    scan
}

#[test]
fn a_cte_is_taken_off_the_scan_that_reads_it() {
    // Aggregate 13 ms over CTE Scan on x 12 ms; CTE x (a Seq Scan) 8 ms, hung under the
    // Aggregate. The CTE ran inside the scan: scan alone 12 - 8 = 4; Aggregate 13 - 12 = 1
    // (the CTE is not its child in time); Seq Scan 8. Together 13 ms, the plan's total.
    let plan = analyzed(with(
        node("Aggregate", 13.0, 1.0),
        vec![cte("x", node("Seq Scan", 8.0, 1.0)), cte_scan("x", 12.0)],
    ));
    close(plan.root.exclusive_ms, 1.0);
    close(plan.root.children[0].exclusive_ms, 8.0);
    close(plan.root.children[1].exclusive_ms, 4.0);
    close(plan.total(), 13.0);
}

#[test]
fn a_cte_read_twice_is_shared_in_proportion() {
    // CTE y 4 ms read by two scans of 6 ms and 2 ms: they carry 4 × 6/8 = 3 and 4 × 2/8 = 1 of
    // it, leaving 3 and 1. Append 9 ms: 9 - 6 - 2 = 1.
    let plan = analyzed(with(
        node("Append", 9.0, 1.0),
        vec![
            cte("y", node("Function Scan", 4.0, 1.0)),
            cte_scan("y", 6.0),
            cte_scan("y", 2.0),
        ],
    ));
    close(plan.root.children[1].exclusive_ms, 3.0);
    close(plan.root.children[2].exclusive_ms, 1.0);
    close(plan.root.exclusive_ms, 1.0);
}

fn init_plan(name: &str, child: Node) -> Node {
    let mut child = child;
    child.relationship = Some("InitPlan".into());
    child.subplan_name = Some(name.into());
    child
}

#[test]
fn an_init_plan_is_taken_off_the_node_that_uses_its_value() {
    // Seq Scan on t 10 ms with Filter (a > $0); InitPlan 1 (returns $0): Aggregate 3 ms over a
    // Seq Scan on u 2.5 ms. The scan of t evaluated the InitPlan: 10 - 3 = 7; Aggregate
    // 3 - 2.5 = 0.5; u 2.5. Together 10.
    let mut scan = node("Seq Scan", 10.0, 1.0);
    scan.object = Some("t".into());
    scan.conditions.push(("Filter".into(), "(a > $0)".into()));
    let plan = analyzed(with(
        scan,
        vec![init_plan(
            "InitPlan 1 (returns $0)",
            with(
                node("Aggregate", 3.0, 1.0),
                vec![node("Seq Scan", 2.5, 1.0)],
            ),
        )],
    ));
    close(plan.root.exclusive_ms, 7.0);
    close(plan.root.children[0].exclusive_ms, 0.5);
    close(plan.total(), 10.0);
}

#[test]
fn an_init_plan_named_the_postgres_16_way_is_found_too() {
    // Limit 6 ms over a Seq Scan 5.5 ms whose filter reads (InitPlan 1).col1; the InitPlan is
    // 2 ms. Scan: 5.5 - 2 = 3.5; Limit: 6 - 5.5 = 0.5.
    let mut scan = node("Seq Scan", 5.5, 1.0);
    scan.conditions
        .push(("Filter".into(), "(a > (InitPlan 1).col1)".into()));
    let plan = analyzed(with(
        node("Limit", 6.0, 1.0),
        vec![init_plan("InitPlan 1", node("Result", 2.0, 1.0)), scan],
    ));
    close(plan.root.children[1].exclusive_ms, 3.5);
    close(plan.root.exclusive_ms, 0.5);
}

#[test]
fn a_result_pays_for_its_one_time_filter_init_plan() {
    // Result 5 ms, One-Time Filter: $0; InitPlan 4 ms; Seq Scan 0.5 ms. Result: 5 - 0.5 - 4 = 0.5.
    let mut result = node("Result", 5.0, 1.0);
    result
        .conditions
        .push(("One-Time Filter".into(), "$0".into()));
    let plan = analyzed(with(
        result,
        vec![
            init_plan("InitPlan 1 (returns $0)", node("Seq Scan", 4.0, 1.0)),
            node("Seq Scan", 0.5, 1.0),
        ],
    ));
    close(plan.root.exclusive_ms, 0.5);
}

#[test]
fn never_executed_nodes_take_no_time_and_nothing_is_negative() {
    // Hash Join 1.0 ms reports less than its child's 1.2 ms (rounding): 0, not -0.2. The inner
    // side never ran: 0.
    let mut never = node("Index Scan", 0.0, 0.0);
    never.never_executed = true;
    let plan = analyzed(with(
        node("Hash Join", 1.0, 1.0),
        vec![node("Seq Scan", 1.2, 1.0), never],
    ));
    close(plan.root.exclusive_ms, 0.0);
    close(plan.root.children[1].exclusive_ms, 0.0);
    assert!(
        plan.root.children[1].warnings[0]
            .text
            .contains("never executed")
    );
}

#[test]
fn times_that_include_their_children_are_not_multiplied() {
    // MongoDB: FETCH 7 ms (total, children included) over IXSCAN 5 ms. FETCH alone: 2 ms.
    let plan = Plan {
        analyzed: true,
        basis: TimeBasis::Total,
        ..Plan::new(
            "MongoDB",
            with(node("FETCH", 7.0, 3.0), vec![node("IXSCAN", 5.0, 3.0)]),
        )
    }
    .finish();
    close(plan.root.exclusive_ms, 2.0);
}

#[test]
fn unexecuted_plans_share_cost() {
    // Sort cost 120 over a Seq Scan of cost 100: exclusive costs 20 and 100, shares 1/6 and 5/6.
    let mut sort = Node::new("Sort");
    sort.total_cost = Some(120.0);
    let mut scan = Node::new("Seq Scan");
    scan.total_cost = Some(100.0);
    let plan = Plan::new("PostgreSQL", with(sort, vec![scan])).finish();
    close(plan.root.exclusive_cost, 20.0);
    close(plan.share(&plan.root.children[0]), 100.0 / 120.0);
    assert_eq!(plan.measure(), Some(queryplan::Measure::Cost));
}
