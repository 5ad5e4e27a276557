//! A query plan's MIME bundle: `image/svg+xml` (the diagram), `text/plain` (the same tree and
//! warnings as text) and the raw plan under a vendor type.
//!
//! No `text/html` and no `application/json`: JupyterLab shows the richest type it ranks first,
//! and it ranks both of those above SVG, so either would hide the diagram. The raw plan rides
//! as `application/vnd.dbkernel.plan+json`, which no frontend renders but tools can read; only
//! a cell that asks for the JSON tree (`%%mql --json`) also gets `application/json`.

use serde_json::Value as Json;

use super::MimeBundle;
use crate::result::PlanResult;

pub const RAW_MIME: &str = "application/vnd.dbkernel.plan+json";

pub fn bundle(result: &PlanResult) -> MimeBundle {
    let mut bundle = MimeBundle::new();
    let (text, svg) = match &result.before {
        Some((name, before)) => (
            queryplan::compare::text(before, &result.plan, name),
            queryplan::compare::svg(before, &result.plan, name),
        ),
        None => (
            queryplan::text::render(&result.plan),
            queryplan::svg::render(&result.plan),
        ),
    };
    let text = format!(
        "{}{}",
        text.trim_end(),
        super::text::note_suffix(&result.provenance)
    );
    bundle.insert("text/plain".into(), Json::String(text));
    bundle.insert("image/svg+xml".into(), Json::String(svg));
    if let Some(raw) = &result.plan.raw
        && let Ok(json) = serde_json::from_str::<Json>(raw)
    {
        if result.json_tree {
            bundle.insert("application/json".into(), json.clone());
        }
        bundle.insert(RAW_MIME.into(), json);
    }
    bundle
}
