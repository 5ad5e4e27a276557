//! Plans far larger than a person writes (generated ORMs, partitioned tables) must still draw
//! quickly and readably: every computation is linear or close to it, and the drawing folds.

use std::time::{Duration, Instant};

use queryplan::{Node, Plan, TimeBasis};

/// An Append over `branches` branches of Hash Join → (Seq Scan, Hash → Seq Scan), one slow.
fn wide_plan(branches: usize) -> Plan {
    let mut append = Node::new("Append");
    append.time_ms = Some(branches as f64 + 100.0);
    append.loops = Some(1.0);
    for i in 0..branches {
        let time = if i == 7 { 100.0 } else { 1.0 };
        let leaf = |kind: &str, t: f64| Node {
            time_ms: Some(t),
            loops: Some(1.0),
            actual_rows: Some(10.0),
            est_rows: Some(10.0),
            object: Some(format!("part_{i}")),
            ..Node::new(kind)
        };
        let mut hash = leaf("Hash", time * 0.3);
        hash.children.push(leaf("Seq Scan", time * 0.2));
        let mut join = leaf("Hash Join", time);
        join.children = vec![leaf("Seq Scan", time * 0.5), hash];
        append.children.push(join);
    }
    Plan {
        analyzed: true,
        basis: TimeBasis::PerLoop,
        ..Plan::new("PostgreSQL", append)
    }
}

#[test]
fn a_plan_of_2000_nodes_is_computed_and_drawn_in_well_under_a_second() {
    let started = Instant::now();
    let plan = wide_plan(500).finish();
    assert_eq!(plan.root.count(), 2001);
    let text = queryplan::text::render(&plan);
    let svg = queryplan::svg::render(&plan);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // Folded: the slow branch is drawn in full, the rest mostly as folded runs.
    assert!(text.contains("2001 nodes; parts under 2.0 % of the time are folded"));
    assert!(text.contains("Hash Join on part_7"));
    let boxes = svg.matches("class=\"node\"").count();
    assert!(boxes < 100, "{boxes} node boxes drawn of 2001");
    assert!(svg.contains("class=\"folded\""));
}
