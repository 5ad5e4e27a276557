//! Two plans of the same query side by side — "before and after CREATE INDEX" — with the change
//! per node.
//!
//! Nodes are paired by the table or collection they read (the alias dropped), because that is
//! what stays when an index turns a `Seq Scan on orders` into an `Index Scan ... on orders`; the
//! two roots are always paired and stand for the whole plan. A node is compared by its
//! inclusive time when both plans were executed (else by cost), its rows, and for MongoDB the
//! documents and keys it examined.

use crate::format;
use crate::model::{Node, Plan, TimeBasis};
use crate::svg::builder::{Canvas, Style, fits, wrap};
use crate::svg::{self, BACKGROUND, INK, MUTED};

/// One paired line of the comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// `whole plan`, or the relation or collection.
    pub subject: String,
    pub before: String,
    pub after: String,
    /// Relative change of the time (or cost, or documents and keys examined), -1..: `-0.98` is
    /// 98 % faster.
    pub change: Option<f64>,
    pub unit: Unit,
}

/// What a change is measured in, which words it is said with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Time,
    Cost,
    /// MongoDB's stage times are whole milliseconds, often all 0: the documents and keys
    /// examined say what an index changed.
    Examined,
}

fn relation(node: &Node) -> Option<String> {
    let object = node.object.as_deref()?;
    Some(
        object
            .split_whitespace()
            .next()
            .unwrap_or(object)
            .to_string(),
    )
}

fn amount(plan: &Plan, node: &Node) -> Option<(f64, Unit)> {
    if plan.analyzed {
        match node.inclusive_ms {
            Some(t) if t > 0.0 => Some((t, Unit::Time)),
            _ => examined(node).map(|e| (e, Unit::Examined)),
        }
    } else {
        node.total_cost.map(|c| (c, Unit::Cost))
    }
}

fn describe(plan: &Plan, node: &Node) -> String {
    let mut parts = vec![node.title()];
    match amount(plan, node) {
        Some((t, Unit::Time)) => parts.push(format::ms(t)),
        Some((c, Unit::Cost)) => parts.push(format!("cost {}", format::number(c))),
        Some((_, Unit::Examined)) | None => {}
    }
    let rows = if plan.analyzed {
        node.total_actual_rows(plan.basis)
    } else {
        node.est_rows
    };
    if let Some(rows) = rows {
        parts.push(format!("{} rows", format::rows(rows)));
    }
    let examined: f64 = node.docs_examined.unwrap_or(0.0) + node.keys_examined.unwrap_or(0.0);
    if node.docs_examined.is_some() || node.keys_examined.is_some() {
        parts.push(format!("{} examined", format::rows(examined)));
    }
    parts.join(", ")
}

/// All documents and keys a plan examined (MongoDB), summed over the tree.
fn examined(node: &Node) -> Option<f64> {
    let nodes = node.walk();
    let any = nodes
        .iter()
        .any(|n| n.docs_examined.is_some() || n.keys_examined.is_some());
    any.then(|| {
        nodes
            .iter()
            .map(|n| n.docs_examined.unwrap_or(0.0) + n.keys_examined.unwrap_or(0.0))
            .sum()
    })
}

pub fn changes(before: &Plan, after: &Plan) -> Vec<Change> {
    let relative = |b: Option<(f64, Unit)>, a: Option<(f64, Unit)>| match (b, a) {
        (Some((b, kb)), Some((a, ka))) if kb == ka && b > 0.0 => Some((a / b - 1.0, kb)),
        _ => None,
    };
    let whole = |plan: &Plan| {
        let mut text = describe(plan, &plan.root);
        if let Some(ms) = plan.execution_ms {
            text = format!("{text} (execution {})", format::ms(ms));
        }
        if let Some(examined) = examined(&plan.root)
            && plan.root.docs_examined.is_none()
            && plan.root.keys_examined.is_none()
        {
            text = format!("{text}, {} examined in all", format::rows(examined));
        }
        text
    };
    let timing = |plan: &Plan| match plan.execution_ms {
        Some(ms) if plan.analyzed && plan.basis == TimeBasis::PerLoop => Some((ms, Unit::Time)),
        _ => amount(plan, &plan.root),
    };
    let change = |c: Option<(f64, Unit)>| (c.map(|c| c.0), c.map_or(Unit::Time, |c| c.1));
    let (whole_change, whole_unit) = change(relative(timing(before), timing(after)));
    let mut out = vec![Change {
        subject: "whole plan".into(),
        before: whole(before),
        after: whole(after),
        change: whole_change,
        unit: whole_unit,
    }];
    let mut used: Vec<usize> = Vec::new();
    for old in before.root.walk() {
        let Some(name) = relation(old) else { continue };
        let Some(new) = after
            .root
            .walk()
            .into_iter()
            .find(|n| !used.contains(&n.id) && relation(n).as_deref() == Some(name.as_str()))
        else {
            out.push(Change {
                subject: name,
                before: describe(before, old),
                after: "not read any more".into(),
                change: None,
                unit: Unit::Time,
            });
            continue;
        };
        used.push(new.id);
        let (node_change, unit) = change(relative(amount(before, old), amount(after, new)));
        out.push(Change {
            subject: name,
            before: describe(before, old),
            after: describe(after, new),
            change: node_change,
            unit,
        });
    }
    for new in after.root.walk() {
        if let Some(name) = relation(new)
            && !used.contains(&new.id)
        {
            out.push(Change {
                subject: name,
                before: "not read".into(),
                after: describe(after, new),
                change: None,
                unit: Unit::Time,
            });
        }
    }
    out
}

fn change_text(change: &Change) -> String {
    let (less, more) = match change.unit {
        Unit::Time => ("faster", "slower"),
        Unit::Cost => ("cheaper", "costlier"),
        Unit::Examined => (
            "fewer documents and keys examined",
            "more documents and keys examined",
        ),
    };
    let delta = match change.change {
        Some(c) if c < 0.0 => format!(" — {} {less}", format::percent(-c)),
        Some(c) if c > 0.0 => format!(" — {} {more}", format::percent(c)),
        Some(_) => " — no change".into(),
        None => String::new(),
    };
    format!(
        "{}: {} → {}{delta}",
        change.subject, change.before, change.after
    )
}

pub fn text(before: &Plan, after: &Plan, before_name: &str) -> String {
    let mut out = format!("compared with {before_name} (before → after)\n");
    for change in changes(before, after) {
        out.push_str(&format!("  {}\n", change_text(&change)));
    }
    out.push_str(&format!("\n── before ({before_name}) ──\n"));
    out.push_str(&crate::text::render(before));
    out.push_str("\n── after ──\n");
    out.push_str(&crate::text::render(after));
    out
}

pub fn svg(before: &Plan, after: &Plan, before_name: &str) -> String {
    // Two panels in the width of one drawing: notebook outputs do not scale an image down,
    // so anything wider is cut off on the right in JupyterLab.
    let half = svg::WIDTH / 2.0;
    let width = half * 2.0;
    let left = svg::panel(before, half, Some(&format!("before ({before_name})")));
    let right = svg::panel(after, half, Some("after"));
    let mut canvas = Canvas::default();
    let mut y = 22.0;
    let style = Style {
        size: 14.0,
        bold: true,
        fill: INK,
    };
    canvas.text(
        14.0,
        y,
        &style,
        "compare-title",
        &format!("before ({before_name}) → after, per node"),
    );
    for change in changes(before, after) {
        y += 17.0;
        let colour = match change.change {
            Some(c) if c <= -0.1 => "#1a7f37",
            Some(c) if c >= 0.1 => svg::RED,
            _ => MUTED,
        };
        let style = Style {
            size: 12.0,
            bold: change.subject == "whole plan",
            fill: colour,
        };
        for (i, line) in wrap(&change_text(&change), fits(width - 28.0, 12.0))
            .iter()
            .enumerate()
        {
            if i > 0 {
                y += 15.0;
            }
            canvas.text(14.0, y, &style, "change", line);
        }
    }
    y += 8.0;
    canvas.line(0.0, y, width, y, "#d0d7de");
    canvas.place(0.0, y, &left.canvas);
    canvas.place(half, y, &right.canvas);
    canvas.line(half, y, half, y + left.height.max(right.height), "#d0d7de");
    let height = y + left.height.max(right.height);
    canvas.finish(
        width,
        height,
        BACKGROUND,
        &format!("plan compared with {before_name}"),
    )
}
