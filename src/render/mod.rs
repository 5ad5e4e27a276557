//! Renderers: engine-neutral results → Jupyter MIME bundles.
//!
//! Invariant: renderers never open a connection and never know which engine produced a result.
//! Every bundle has `text/plain` (nbconvert, consoles, CI logs) and, where structure helps, an
//! inline-styled `text/html` with no external scripts or styles (JupyterLab, VS Code, GitHub).

pub mod bound;
pub mod chart;
pub mod check;
pub mod data;
pub mod documents;
pub mod escape;
pub mod expanded;
pub mod export;
pub mod html;
pub mod html_expanded;
pub mod plan;
pub mod progress;
pub mod redis;
pub mod text;
pub mod text_cell;

use serde_json::{Map, Value as Json};

use crate::result::QueryResult;

/// A MIME bundle: `{"text/plain": ..., "text/html": ..., ...}`.
pub type MimeBundle = Map<String, Json>;

/// Renders one result for display.
pub fn render(result: &QueryResult) -> MimeBundle {
    let mut bundle = MimeBundle::new();
    match result {
        QueryResult::Table(table) => {
            bundle.insert("text/plain".into(), Json::String(text::table(table)));
            bundle.insert("text/html".into(), Json::String(html::table(table)));
            bundle.insert(data::MIME.into(), data::table(table));
        }
        QueryResult::Status(status) => {
            let line = format!(
                "{}{}",
                status.message,
                text::note_suffix(&status.provenance)
            );
            bundle.insert("text/plain".into(), Json::String(line));
        }
        QueryResult::Text(t) => {
            bundle.insert("text/plain".into(), Json::String(t.clone()));
        }
        QueryResult::Value(v) => {
            bundle.insert("text/plain".into(), Json::String(v.text.clone()));
            if v.json_tree {
                bundle.insert("application/json".into(), documents::bson_to_json(&v.value));
            }
        }
        QueryResult::Documents(docs) => {
            bundle.insert("text/plain".into(), Json::String(documents::text(docs)));
            bundle.insert("text/html".into(), Json::String(documents::html(docs)));
            bundle.insert(data::MIME.into(), data::documents(docs));
            if docs.json_tree {
                bundle.insert("application/json".into(), documents::json(docs));
            }
        }
        QueryResult::Check(report) => {
            bundle.insert("text/plain".into(), Json::String(check::text(report)));
            bundle.insert("text/html".into(), Json::String(check::html(report)));
        }
        QueryResult::Export(receipt) => {
            bundle.insert("text/plain".into(), Json::String(export::text(receipt)));
            bundle.insert("text/html".into(), Json::String(export::html(receipt)));
        }
        QueryResult::Plan(plan) => return plan::bundle(plan),
        QueryResult::Chart(result) => return chart::bundle(result),
        QueryResult::Redis(replies) => {
            bundle.insert("text/plain".into(), Json::String(redis::text(replies)));
            bundle.insert("text/html".into(), Json::String(redis::html(replies)));
        }
    }
    bundle
}
