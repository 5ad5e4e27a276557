//! A finished chart as a Vega-Lite 5 spec with its data inline. Scales carry the domains and
//! tick values the SVG draws ([`crate::scale`]), and bars carry their stacked ends, so Vega-Lite
//! computes nothing that could make its drawing differ from ours. Data keys are fixed (`x`,
//! `y`, `color`...): a user's column name (with dots or brackets, which Vega-Lite would read as
//! nested paths) only ever appears as a title.

use serde_json::{Value as Json, json};

use crate::model::{Chart, HEIGHT, LABEL_LIMIT, Marks, PALETTE, WIDTH, XAxis, band_label_angle};
use crate::request::Kind;
use crate::scale::{Axis, iso_instant};

pub const SCHEMA: &str = "https://vega.github.io/schema/vega-lite/v5.json";
pub const MIME: &str = "application/vnd.vegalite.v5+json";

fn linear_scale(axis: &Axis, zero: bool) -> Json {
    json!({"domain": [axis.min, axis.max], "nice": false, "zero": zero})
}

fn x_encoding(chart: &Chart, field: &str) -> Json {
    match &chart.x_axis {
        XAxis::Bands(bands) => json!({
            "field": field,
            "type": if chart.kind == Kind::Bar { "nominal" } else { "ordinal" },
            "title": chart.x_title,
            "sort": null,
            "scale": {"domain": bands},
            "axis": {"labelAngle": band_label_angle(bands), "labelLimit": LABEL_LIMIT},
        }),
        XAxis::Linear(axis) => json!({
            "field": field,
            "type": "quantitative",
            "title": chart.x_title,
            "scale": linear_scale(axis, false),
            "axis": {"values": axis.ticks},
        }),
        XAxis::Time(axis, format) => json!({
            "field": field,
            "type": "temporal",
            "title": chart.x_title,
            "scale": {"type": "utc", "domain": [axis.min, axis.max], "nice": false},
            "axis": {"values": axis.ticks, "format": format},
        }),
    }
}

fn y_encoding(chart: &Chart, field: &str) -> Json {
    json!({
        "field": field,
        "type": "quantitative",
        "title": chart.y_title,
        "scale": linear_scale(&chart.y_axis, chart.y_axis.min <= 0.0 && chart.y_axis.max >= 0.0),
        "axis": {"values": chart.y_axis.ticks},
        "stack": null,
    })
}

fn color_encoding(chart: &Chart) -> Option<Json> {
    let title = chart.color_title.as_ref()?;
    let range: Vec<&str> = (0..chart.series.len())
        .map(|i| PALETTE[i % PALETTE.len()])
        .collect();
    Some(json!({
        "field": "color",
        "type": "nominal",
        "title": title,
        "sort": null,
        "scale": {"domain": chart.series, "range": range},
    }))
}

fn x_value(chart: &Chart, x: f64) -> Json {
    match &chart.x_axis {
        XAxis::Bands(bands) => json!(bands.get(x as usize)),
        XAxis::Time(..) => json!(iso_instant(x)),
        XAxis::Linear(_) => json!(x),
    }
}

/// The spec for `chart`.
pub fn spec(chart: &Chart) -> Json {
    let mut title = json!({"text": chart.title, "anchor": "start"});
    if !chart.notes.is_empty() {
        title["subtitle"] = json!(chart.notes);
    }
    let series_name = |s: Option<usize>| s.and_then(|i| chart.series.get(i)).cloned();
    let (mark, values, mut encoding) = match &chart.marks {
        Marks::Bars(bars) => {
            let values: Vec<Json> = bars
                .iter()
                .map(|b| {
                    let mut row = json!({"x": x_value(chart, b.band as f64), "value": b.value,
                        "y0": b.base, "y1": b.base + b.value});
                    if let Some(name) = series_name(b.series) {
                        row["color"] = json!(name);
                    }
                    row
                })
                .collect();
            let mut tooltip = vec![
                json!({"field": "x", "type": "nominal", "title": chart.x_title}),
                json!({"field": "value", "type": "quantitative", "title": chart.y_title}),
            ];
            if let Some(title) = &chart.color_title {
                tooltip.push(json!({"field": "color", "type": "nominal", "title": title}));
            }
            let encoding = json!({
                "x": x_encoding(chart, "x"),
                "y": y_encoding(chart, "y1"),
                "y2": {"field": "y0"},
                "tooltip": tooltip,
            });
            (json!({"type": "bar"}), values, encoding)
        }
        Marks::Bins(bins) => {
            let values: Vec<Json> = bins
                .iter()
                .map(|b| json!({"bin_start": b.start, "bin_end": b.end, "count": b.count}))
                .collect();
            let mut x = x_encoding(chart, "bin_start");
            let width = bins.first().map_or(1.0, |b| b.end - b.start);
            x["bin"] = json!({"binned": true, "step": width});
            let encoding = json!({
                "x": x,
                "x2": {"field": "bin_end"},
                "y": y_encoding(chart, "count"),
                "tooltip": [
                    {"field": "bin_start", "type": "quantitative", "title": "from"},
                    {"field": "bin_end", "type": "quantitative", "title": "to"},
                    {"field": "count", "type": "quantitative", "title": "rows"},
                ],
            });
            (json!({"type": "bar"}), values, encoding)
        }
        Marks::Points(points) => {
            let values: Vec<Json> = points
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut row = json!({"i": i, "x": x_value(chart, p.x), "y": p.y});
                    if let Some(name) = series_name(p.series) {
                        row["color"] = json!(name);
                    }
                    row
                })
                .collect();
            let mut encoding = json!({
                "x": x_encoding(chart, "x"),
                "y": y_encoding(chart, "y"),
            });
            let mark = match chart.kind {
                Kind::Scatter => json!({"type": "circle", "size": 20, "opacity": 0.7}),
                Kind::Area => {
                    encoding["order"] = json!({"field": "i", "type": "quantitative"});
                    json!({"type": "area", "opacity": 0.6, "line": true})
                }
                _ => {
                    encoding["order"] = json!({"field": "i", "type": "quantitative"});
                    json!({"type": "line", "strokeWidth": 2})
                }
            };
            (mark, values, encoding)
        }
    };
    if let Some(color) = color_encoding(chart) {
        encoding["color"] = color;
    }
    json!({
        "$schema": SCHEMA,
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "background": "white",
        "data": {"values": values},
        "mark": mark,
        "encoding": encoding,
    })
}
