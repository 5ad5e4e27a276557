//! Charts of query results, as a pure library.
//!
//! The path of a chart: a [`Request`] (kind and the columns for x, y and color, as the user typed
//! them) → an [`Accumulator`] fed one row at a time while rows stream (histogram bins, sums per
//! category, a bounded reservoir sample for points: memory never grows with the row count) → a
//! finished [`Chart`] (the data to draw, its scales and ticks, and notes saying what was
//! aggregated or sampled) → drawn twice from that one model: [`vegalite::spec`] (Vega-Lite 5 JSON
//! with the data inline, for JupyterLab) and [`svg::render`] (a static drawing for nbconvert,
//! GitHub and anything that does not run Vega).
//!
//! Scales are decided here, once, and written into the spec as explicit domains, so Vega-Lite
//! and the SVG show the same axes.
//!
//! Invariant: no I/O, no database or Jupyter types; rows arrive as [`Value`]s.

pub mod accumulate;
pub mod error;
pub mod model;
pub mod request;
pub mod scale;
pub mod summary;
pub mod svg;
pub mod value;
pub mod vegalite;

pub use accumulate::Accumulator;
pub use error::ChartError;
pub use model::Chart;
pub use request::{Kind, Request};
pub use value::Value;

/// Points kept for a line, area or scatter chart; beyond this a uniform sample of this size is
/// drawn and the chart says so.
pub const MAX_POINTS: usize = 5_000;
/// Distinct categories (x, color) a bar chart sums; more is refused (group in the query).
pub const MAX_CATEGORIES: usize = 10_000;
/// Bars drawn; beyond this the largest are drawn and the chart says how many were left out.
pub const MAX_BARS: usize = 50;
/// Series (color values) drawn in a line, area or scatter chart.
pub const MAX_SERIES: usize = 20;
