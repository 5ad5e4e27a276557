//! A finished chart: what to draw and where, decided once for both drawings.

use crate::request::Kind;
use crate::scale::Axis;

/// The x axis: numbers, instants (ms since the epoch, UTC, with the tick label format), or
/// categories in the order they are drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum XAxis {
    Linear(Axis),
    Time(Axis, &'static str),
    Bands(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Index into the x bands.
    pub band: usize,
    /// Index into [`Chart::series`] when there is a color.
    pub series: Option<usize>,
    pub value: f64,
    /// Where the bar starts (stacked bars of several series sit on one another).
    pub base: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bin {
    pub start: f64,
    pub end: f64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The position on x: the number, the instant, or the band index.
    pub x: f64,
    pub y: f64,
    pub series: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Marks {
    Bars(Vec<Bar>),
    Bins(Vec<Bin>),
    /// In drawing order (by x, or by row for categories); lines join a series' points in order.
    Points(Vec<Point>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: Kind,
    pub title: String,
    /// What was done to the data to draw it (summed, binned, sampled, left out): the subtitle
    /// of both drawings and a line of the text summary.
    pub notes: Vec<String>,
    pub x_title: String,
    pub y_title: String,
    pub color_title: Option<String>,
    /// Color values, in legend order.
    pub series: Vec<String>,
    pub x_axis: XAxis,
    pub y_axis: Axis,
    pub marks: Marks,
    /// Rows read (every row of the result, drawn or not).
    pub rows: u64,
}

/// The drawing's size: the plot area (Vega-Lite's `width`/`height`), in pixels.
pub const WIDTH: f64 = 560.0;
pub const HEIGHT: f64 = 300.0;

/// Vega-Lite's default categorical scheme (tableau10), so the SVG colors match Lab's.
pub const PALETTE: [&str; 10] = [
    "#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6",
    "#9d755d", "#bab0ac",
];

pub fn color(series: Option<usize>) -> &'static str {
    PALETTE[series.unwrap_or(0) % PALETTE.len()]
}

/// Labels longer than this many pixels are cut with an ellipsis (Vega-Lite's `labelLimit`).
pub const LABEL_LIMIT: f64 = 120.0;
/// Axis tick label size in pixels (Vega-Lite's default `labelFontSize` is 10).
pub const LABEL_SIZE: f64 = 10.0;

/// The angle of category labels under the x axis: level when each fits its band, slanted
/// otherwise. Both drawings use it, so they agree.
pub fn band_label_angle(bands: &[String]) -> f64 {
    let band = WIDTH / bands.len().max(1) as f64;
    let widest = bands
        .iter()
        .map(|b| crate::svg::text_width(b, LABEL_SIZE).min(LABEL_LIMIT))
        .fold(0.0, f64::max);
    if widest + 4.0 <= band { 0.0 } else { -45.0 }
}
