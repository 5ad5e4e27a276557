//! A finished chart as a self-contained SVG, for everything that does not run Vega (nbconvert
//! HTML, GitHub, VS Code without the extension): the same title, notes, axes, ticks, marks and
//! legend as the Vega-Lite spec, from the same [`Chart`].
//!
//! Marks carry classes (`bar`, `bin`, `line`, `area`, `point`) and bars a `<title>` with their
//! value, so a reader (or a test) can find them; the background is opaque so the drawing reads
//! on dark themes too.

mod canvas;

pub use canvas::{escape, fit, text_width};

use canvas::{Anchor, Canvas, FONT, n};

use crate::model::{
    Chart, HEIGHT, LABEL_LIMIT, LABEL_SIZE, Marks, WIDTH, XAxis, band_label_angle, color,
};
use crate::request::Kind;
use crate::scale::{format_instant, format_number};

const TITLE_SIZE: f64 = 14.0;
const NOTE_SIZE: f64 = 11.0;
const AXIS_TITLE_SIZE: f64 = 11.0;
const GRID: &str = "#e5e5e5";
const AXIS: &str = "#888";

/// Where things go, from the texts' estimated widths.
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    legend_x: f64,
}

fn x_labels(chart: &Chart) -> Vec<(f64, String)> {
    match &chart.x_axis {
        XAxis::Bands(bands) => {
            let band = WIDTH / bands.len().max(1) as f64;
            bands
                .iter()
                .enumerate()
                .map(|(i, b)| ((i as f64 + 0.5) * band, fit(b, LABEL_LIMIT, LABEL_SIZE)))
                .collect()
        }
        XAxis::Linear(axis) => axis
            .ticks
            .iter()
            .map(|t| (axis.fraction(*t) * WIDTH, format_number(*t)))
            .collect(),
        XAxis::Time(axis, format) => axis
            .ticks
            .iter()
            .map(|t| (axis.fraction(*t) * WIDTH, format_instant(*t, format)))
            .collect(),
    }
}

fn label_angle(chart: &Chart) -> f64 {
    match &chart.x_axis {
        XAxis::Bands(bands) => band_label_angle(bands),
        _ => 0.0,
    }
}

fn frame(chart: &Chart, labels: &[(f64, String)]) -> Frame {
    let y_label_width = chart
        .y_axis
        .ticks
        .iter()
        .map(|t| text_width(&format_number(*t), LABEL_SIZE))
        .fold(0.0, f64::max);
    let widest_x = labels
        .iter()
        .map(|(_, l)| text_width(l, LABEL_SIZE))
        .fold(0.0, f64::max);
    let x_label_height = if label_angle(chart) != 0.0 {
        widest_x * std::f64::consts::FRAC_1_SQRT_2 + LABEL_SIZE
    } else {
        LABEL_SIZE + 4.0
    };
    let top = 12.0 + TITLE_SIZE + 6.0 + chart.notes.len() as f64 * (NOTE_SIZE + 4.0) + 10.0;
    let left = 12.0 + AXIS_TITLE_SIZE + 8.0 + y_label_width + 8.0;
    let legend_width = match &chart.color_title {
        Some(title) => {
            let widest = chart
                .series
                .iter()
                .map(|s| text_width(s, LABEL_SIZE).min(LABEL_LIMIT))
                .fold(text_width(title, AXIS_TITLE_SIZE), f64::max);
            widest + 40.0
        }
        None => 0.0,
    };
    let bottom = 8.0 + x_label_height + 8.0 + AXIS_TITLE_SIZE + 10.0;
    let width = left + WIDTH + 20.0 + legend_width;
    Frame {
        left,
        top,
        width,
        height: top + HEIGHT + bottom,
        legend_x: left + WIDTH + 20.0,
    }
}

/// The chart as an SVG document.
pub fn render(chart: &Chart) -> String {
    let labels = x_labels(chart);
    let f = frame(chart, &labels);
    let mut c = Canvas::default();
    c.rect("background", 0.0, 0.0, f.width, f.height, "white", "");
    c.text(
        "title",
        12.0,
        12.0 + TITLE_SIZE,
        &chart.title,
        TITLE_SIZE,
        true,
        Anchor::Start,
        0.0,
    );
    for (i, note) in chart.notes.iter().enumerate() {
        let y = 12.0 + TITLE_SIZE + 6.0 + (i as f64 + 1.0) * (NOTE_SIZE + 4.0) - 4.0;
        c.text(
            "subtitle",
            12.0,
            y,
            note,
            NOTE_SIZE,
            false,
            Anchor::Start,
            0.0,
        );
    }
    let (left, top) = (f.left, f.top);
    let y_of = |v: f64| top + HEIGHT * (1.0 - chart.y_axis.fraction(v));
    // Grid and y axis.
    for t in &chart.y_axis.ticks {
        let y = y_of(*t);
        c.line("grid", left, y, left + WIDTH, y, GRID);
        c.line("tick", left - 5.0, y, left, y, AXIS);
        c.text(
            "tick-label",
            left - 7.0,
            y + LABEL_SIZE * 0.35,
            &format_number(*t),
            LABEL_SIZE,
            false,
            Anchor::End,
            0.0,
        );
    }
    c.line("axis", left, top, left, top + HEIGHT, AXIS);
    c.line("axis", left, top + HEIGHT, left + WIDTH, top + HEIGHT, AXIS);
    let y_title_x = 12.0 + AXIS_TITLE_SIZE;
    c.text(
        "axis-title",
        y_title_x,
        top + HEIGHT / 2.0,
        &chart.y_title,
        AXIS_TITLE_SIZE,
        true,
        Anchor::Middle,
        -90.0,
    );
    // x axis.
    let angle = label_angle(chart);
    let label_y = top + HEIGHT + 8.0 + LABEL_SIZE;
    let numeric_x = !matches!(chart.x_axis, XAxis::Bands(_));
    for (x, label) in &labels {
        let x = left + x;
        // Vega-Lite draws a grid line at each tick of a numeric or time x axis, not of categories.
        if numeric_x {
            c.line("grid", x, top, x, top + HEIGHT, GRID);
        }
        c.line("tick", x, top + HEIGHT, x, top + HEIGHT + 5.0, AXIS);
        let anchor = if angle != 0.0 {
            Anchor::End
        } else {
            Anchor::Middle
        };
        c.text(
            "tick-label",
            x,
            label_y,
            label,
            LABEL_SIZE,
            false,
            anchor,
            angle,
        );
    }
    c.text(
        "axis-title",
        left + WIDTH / 2.0,
        f.height - 10.0,
        &chart.x_title,
        AXIS_TITLE_SIZE,
        true,
        Anchor::Middle,
        0.0,
    );
    draw_marks(&mut c, chart, left, top);
    if let Some(title) = &chart.color_title {
        let x = f.legend_x;
        c.text(
            "legend-title",
            x,
            top + AXIS_TITLE_SIZE,
            title,
            AXIS_TITLE_SIZE,
            true,
            Anchor::Start,
            0.0,
        );
        for (i, name) in chart.series.iter().enumerate() {
            let y = top + AXIS_TITLE_SIZE + 10.0 + i as f64 * 16.0;
            c.rect("legend-swatch", x, y, 10.0, 10.0, color(Some(i)), name);
            c.text(
                "legend-label",
                x + 16.0,
                y + 9.0,
                &fit(name, LABEL_LIMIT, LABEL_SIZE),
                LABEL_SIZE,
                false,
                Anchor::Start,
                0.0,
            );
        }
    }
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}">{}</svg>"#,
        c.body,
        w = n(f.width),
        h = n(f.height),
    )
}

fn draw_marks(c: &mut Canvas, chart: &Chart, left: f64, top: f64) {
    let y_of = |v: f64| top + HEIGHT * (1.0 - chart.y_axis.fraction(v));
    let x_of = |x: f64| -> f64 {
        left + match &chart.x_axis {
            XAxis::Bands(bands) => (x + 0.5) * WIDTH / bands.len().max(1) as f64,
            XAxis::Linear(axis) | XAxis::Time(axis, _) => axis.fraction(x) * WIDTH,
        }
    };
    match &chart.marks {
        Marks::Bars(bars) => {
            let XAxis::Bands(bands) = &chart.x_axis else {
                return;
            };
            let band = WIDTH / bands.len().max(1) as f64;
            for bar in bars {
                let (a, b) = (y_of(bar.base), y_of(bar.base + bar.value));
                let mut title = format!(
                    "{}: {}, {}: {}",
                    chart.x_title,
                    bands[bar.band],
                    chart.y_title,
                    format_number(bar.value)
                );
                if let (Some(t), Some(s)) = (&chart.color_title, bar.series) {
                    title.push_str(&format!(", {t}: {}", chart.series[s]));
                }
                c.rect(
                    "bar",
                    left + bar.band as f64 * band + band * 0.05,
                    a.min(b),
                    band * 0.9,
                    (a - b).abs(),
                    color(bar.series),
                    &title,
                );
            }
        }
        Marks::Bins(bins) => {
            for bin in bins {
                let (x0, x1) = (x_of(bin.start), x_of(bin.end));
                let (y0, y1) = (y_of(0.0), y_of(bin.count as f64));
                let title = format!(
                    "{} from {} to {}: {} rows",
                    chart.x_title,
                    format_number(bin.start),
                    format_number(bin.end),
                    format_number(bin.count as f64)
                );
                c.rect(
                    "bin",
                    x0 + 0.5,
                    y1,
                    (x1 - x0 - 1.0).max(0.5),
                    y0 - y1,
                    color(None),
                    &title,
                );
            }
        }
        Marks::Points(points) => {
            if chart.kind == Kind::Scatter {
                for p in points {
                    c.circle(x_of(p.x), y_of(p.y), 2.5, color(p.series));
                }
                return;
            }
            let count = chart.series.len().max(1);
            for series in 0..count {
                let wanted = (!chart.series.is_empty()).then_some(series);
                let line: Vec<(f64, f64)> = points
                    .iter()
                    .filter(|p| p.series == wanted)
                    .map(|p| (x_of(p.x), y_of(p.y)))
                    .collect();
                if line.is_empty() {
                    continue;
                }
                let mut d = String::new();
                for (i, (x, y)) in line.iter().enumerate() {
                    d.push_str(&format!(
                        "{}{} {}",
                        if i == 0 { "M" } else { " L" },
                        n(*x),
                        n(*y)
                    ));
                }
                if chart.kind == Kind::Area {
                    let base = y_of(chart.y_axis.min.max(0.0).min(chart.y_axis.max));
                    let mut area = d.clone();
                    area.push_str(&format!(
                        " L{} {} L{} {} Z",
                        n(line[line.len() - 1].0),
                        n(base),
                        n(line[0].0),
                        n(base)
                    ));
                    c.path("area", &area, "none", color(wanted), 0.6);
                }
                c.path("line", &d, color(wanted), "none", 0.0);
            }
        }
    }
}
