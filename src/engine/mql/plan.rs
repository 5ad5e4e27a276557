//! MongoDB `explain` output (any verbosity) into the engine-neutral [`queryplan::Plan`].
//!
//! The shapes read: `queryPlanner.winningPlan` (SBE servers wrap it in `queryPlan`) and its
//! `rejectedPlans`; `executionStats.executionStages`, the same tree with `nReturned`,
//! `executionTimeMillisEstimate`, `docsExamined`, `keysExamined`; an aggregation's `stages`
//! array whose first stage is the `$cursor` holding the query's plan. Children hang under
//! `inputStage`, `inputStages`, `innerStage`, `outerStage`, `thenStage`, `elseStage` (the keys
//! Compass walks). Stage times include the children's, so the basis is
//! [`TimeBasis::Total`] and the model subtracts them.
//!
//! The text figures keep MongoDB's own words (`nReturned`, `totalDocsExamined`) in the plan's
//! heading, so the numbers can be matched with what mongosh prints.

use bson::{Bson, Document};
use queryplan::{Node, Plan, TimeBasis};

/// Whether a document is a whole explain result (not a part of one, such as
/// `.explain().queryPlanner.winningPlan`).
pub fn is_explain(document: &Document) -> bool {
    document.contains_key("queryPlanner")
        || document
            .get_array("stages")
            .ok()
            .and_then(|s| s.first())
            .and_then(Bson::as_document)
            .is_some_and(|first| first.contains_key("$cursor"))
}

fn number(document: &Document, key: &str) -> Option<f64> {
    match document.get(key)? {
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        _ => None,
    }
}

const CHILDREN: &[&str] = &[
    "inputStage",
    "outerStage",
    "innerStage",
    "thenStage",
    "elseStage",
];

fn stage(document: &Document, collection: Option<&str>, analyzed: bool) -> Node {
    let kind = document.get_str("stage").unwrap_or("STAGE").to_string();
    let mut node = Node::new(kind.clone());
    node.index = document.get_str("indexName").ok().map(str::to_string);
    if matches!(
        kind.as_str(),
        "COLLSCAN" | "IXSCAN" | "COUNT_SCAN" | "DISTINCT_SCAN" | "IDHACK"
    ) {
        node.object = collection.map(str::to_string);
    }
    if let Ok(filter) = document.get_document("filter") {
        node.conditions.push((
            "filter".into(),
            mongosh::inspect::format(&Bson::Document(filter.clone())),
        ));
    }
    if let Ok(bounds) = document.get_document("indexBounds") {
        node.conditions.push((
            "indexBounds".into(),
            mongosh::inspect::format(&Bson::Document(bounds.clone())),
        ));
    }
    for key in ["keyPattern", "sortPattern", "transformBy"] {
        if let Ok(value) = document.get_document(key) {
            node.details.push((
                key.into(),
                mongosh::inspect::format(&Bson::Document(value.clone())),
            ));
        }
    }
    for key in [
        "isMultiKey",
        "direction",
        "limitAmount",
        "skipAmount",
        "memLimit",
        "usedDisk",
        "nWouldModify",
        "nWouldDelete",
        "nMatched",
        "nCounted",
    ] {
        if let Some(value) = document.get(key) {
            node.details
                .push((key.into(), mongosh::inspect::format(value)));
        }
    }
    if analyzed {
        node.actual_rows = number(document, "nReturned");
        node.time_ms = number(document, "executionTimeMillisEstimate");
        node.docs_examined = number(document, "docsExamined");
        node.keys_examined = number(document, "keysExamined");
        if let Some(works) = number(document, "works") {
            node.details
                .push(("works".into(), queryplan::format::rows(works)));
        }
    }
    let mut children = Vec::new();
    for key in CHILDREN {
        if let Ok(child) = document.get_document(key) {
            children.push(stage(child, collection, analyzed));
        }
    }
    if let Ok(inputs) = document.get_array("inputStages") {
        for child in inputs.iter().filter_map(Bson::as_document) {
            children.push(stage(child, collection, analyzed));
        }
    }
    node.children = children;
    node
}

/// The winning plan of a `queryPlanner` section (unwrapping SBE's `queryPlan`).
fn winning(planner: &Document) -> Option<&Document> {
    let plan = planner.get_document("winningPlan").ok()?;
    Some(plan.get_document("queryPlan").unwrap_or(plan))
}

/// A query's plan from its `queryPlanner` and optional `executionStats`.
fn query(explain: &Document) -> Result<Plan, String> {
    let planner = explain
        .get_document("queryPlanner")
        .map_err(|_| "the explain output has no queryPlanner".to_string())?;
    let namespace = planner.get_str("namespace").ok();
    let collection = namespace.map(|ns| ns.split_once('.').map_or(ns, |(_, c)| c));
    let stats = explain.get_document("executionStats").ok();
    let root = match stats.and_then(|s| s.get_document("executionStages").ok()) {
        Some(stages) => stage(stages, collection, true),
        None => stage(
            winning(planner).ok_or("the explain output has no winningPlan")?,
            collection,
            false,
        ),
    };
    let mut plan = Plan::new("MongoDB", root);
    plan.basis = TimeBasis::Total;
    plan.analyzed = stats.is_some();
    if let Some(ns) = namespace {
        plan.details.push(("namespace".into(), ns.to_string()));
    }
    if let Some(stats) = stats {
        plan.execution_ms = number(stats, "executionTimeMillis");
        for key in ["nReturned", "totalKeysExamined", "totalDocsExamined"] {
            if let Some(value) = number(stats, key) {
                plan.details
                    .push((key.into(), queryplan::format::rows(value)));
            }
        }
    } else {
        plan.details
            .push(("verbosity".into(), "queryPlanner".into()));
    }
    if let Ok(rejected) = planner.get_array("rejectedPlans") {
        for candidate in rejected.iter().filter_map(Bson::as_document) {
            let candidate = candidate.get_document("queryPlan").unwrap_or(candidate);
            plan.rejected.push(stage(candidate, collection, false));
        }
    }
    Ok(plan)
}

/// Any explain result: a query's, or an aggregation's `stages` around its `$cursor`.
pub fn parse(explain: &Document) -> Result<Plan, String> {
    let mut plan = match explain.get_array("stages") {
        Ok(stages) if !explain.contains_key("queryPlanner") => {
            let mut documents = stages.iter().filter_map(Bson::as_document);
            let cursor = documents
                .next()
                .and_then(|first| first.get_document("$cursor").ok())
                .ok_or("the aggregation's explain has no $cursor stage")?;
            let mut plan = query(cursor)?;
            // The later stages run on what the cursor returns, each over the one before it.
            for later in documents {
                let Some((name, spec)) = later.iter().find(|(k, _)| k.starts_with('$')) else {
                    continue;
                };
                let mut node = Node::new(name.clone());
                node.details
                    .push(("spec".into(), mongosh::inspect::format(spec)));
                if plan.analyzed {
                    node.actual_rows = number(later, "nReturned");
                    node.time_ms = number(later, "executionTimeMillisEstimate");
                }
                node.children.push(std::mem::take(&mut plan.root));
                plan.root = node;
            }
            plan
        }
        _ => query(explain)?,
    };
    plan.raw = serde_json::to_string(&Bson::Document(explain.clone()).into_relaxed_extjson()).ok();
    Ok(plan.finish())
}
