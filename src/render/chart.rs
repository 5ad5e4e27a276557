//! A chart's MIME bundle: `application/vnd.vegalite.v5+json` (JupyterLab draws it with its
//! bundled Vega), `image/svg+xml` (the same chart drawn by the kernel, for nbconvert HTML,
//! GitHub and VS Code) and `text/plain` (what was drawn and what was done to the data).
//!
//! No `text/html`: JupyterLab ranks HTML above both drawings and would hide them.

use serde_json::Value as Json;

use super::MimeBundle;
use crate::result::ChartResult;

pub fn bundle(result: &ChartResult) -> MimeBundle {
    let mut bundle = MimeBundle::new();
    let text = format!(
        "{}{}",
        chart::summary::text(&result.chart),
        super::text::note_suffix(&result.provenance)
    );
    bundle.insert("text/plain".into(), Json::String(text));
    bundle.insert(
        "image/svg+xml".into(),
        Json::String(chart::svg::render(&result.chart)),
    );
    bundle.insert(
        chart::vegalite::MIME.into(),
        chart::vegalite::spec(&result.chart),
    );
    bundle
}
