//! The chart as text/plain: what was drawn, what was done to the data, and the values behind
//! bars and bins (consoles, CI logs and notebook checks read this).

use crate::model::{Chart, Marks, XAxis};
use crate::scale::{format_instant, format_number};

/// Rows of values listed under the headline.
const LISTED: usize = 20;

pub fn text(chart: &Chart) -> String {
    let marks = match &chart.marks {
        Marks::Bars(bars) => format!("{} bars", bars.len()),
        Marks::Bins(bins) => format!("{} bins", bins.len()),
        Marks::Points(points) => format!("{} points", points.len()),
    };
    let mut out = format!(
        "{} chart: {} ({marks} from {} rows)\n",
        chart.kind.name(),
        chart.title,
        format_number(chart.rows as f64)
    );
    for note in &chart.notes {
        out.push_str(&format!("  {note}\n"));
    }
    match (&chart.marks, &chart.x_axis) {
        (Marks::Bars(bars), XAxis::Bands(bands)) => {
            for bar in bars.iter().take(LISTED) {
                let series = match bar.series {
                    Some(s) => format!(" [{}]", chart.series[s]),
                    None => String::new(),
                };
                out.push_str(&format!(
                    "  {}{series}: {}\n",
                    bands[bar.band],
                    format_number(bar.value)
                ));
            }
            if bars.len() > LISTED {
                out.push_str(&format!("  … {} more bars\n", bars.len() - LISTED));
            }
        }
        (Marks::Bins(bins), _) => {
            for bin in bins.iter().take(LISTED) {
                out.push_str(&format!(
                    "  [{}, {}): {}\n",
                    format_number(bin.start),
                    format_number(bin.end),
                    format_number(bin.count as f64)
                ));
            }
            if bins.len() > LISTED {
                out.push_str(&format!("  … {} more bins\n", bins.len() - LISTED));
            }
        }
        (Marks::Points(_), axis) => {
            let range = match axis {
                XAxis::Linear(a) => format!("{} to {}", format_number(a.min), format_number(a.max)),
                XAxis::Time(a, _) => format!(
                    "{} to {}",
                    format_instant(a.min, "%Y-%m-%d %H:%M:%S"),
                    format_instant(a.max, "%Y-%m-%d %H:%M:%S")
                ),
                XAxis::Bands(b) => format!("{} categories", b.len()),
            };
            out.push_str(&format!(
                "  x ({}): {range}; y ({}): {} to {}\n",
                chart.x_title,
                chart.y_title,
                format_number(chart.y_axis.min),
                format_number(chart.y_axis.max)
            ));
            if !chart.series.is_empty() {
                out.push_str(&format!(
                    "  {}: {}\n",
                    chart.color_title.as_deref().unwrap_or("color"),
                    chart.series.join(", ")
                ));
            }
        }
        _ => {}
    }
    out.trim_end().to_string()
}
