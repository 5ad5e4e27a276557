//! Sums of y (or row counts) per category and color, in the order categories first appear (so
//! the query's ORDER BY is the chart's order).

use std::collections::HashMap;

use crate::error::ChartError;
use crate::model::{Bar, Chart, Marks, XAxis};
use crate::request::Request;
use crate::scale::{format_number, linear};
use crate::value::Value;
use crate::{MAX_BARS, MAX_CATEGORIES, MAX_SERIES};

#[derive(Default)]
pub struct BarSums {
    categories: Vec<String>,
    category_index: HashMap<String, usize>,
    series: Vec<String>,
    series_index: HashMap<String, usize>,
    /// (category, series) → (sum, rows).
    sums: HashMap<(usize, usize), (f64, u64)>,
}

fn index_of(
    name: String,
    list: &mut Vec<String>,
    index: &mut HashMap<String, usize>,
    cap: usize,
    too_many: impl FnOnce() -> ChartError,
) -> Result<usize, ChartError> {
    if let Some(&i) = index.get(&name) {
        return Ok(i);
    }
    if list.len() >= cap {
        return Err(too_many());
    }
    list.push(name.clone());
    index.insert(name, list.len() - 1);
    Ok(list.len() - 1)
}

impl BarSums {
    pub fn add(
        &mut self,
        x: &Value<'_>,
        y: f64,
        color: Option<&Value<'_>>,
        request: &Request,
    ) -> Result<(), ChartError> {
        let category = index_of(
            x.label(),
            &mut self.categories,
            &mut self.category_index,
            MAX_CATEGORIES,
            || {
                ChartError::Data(format!(
                    "x={} has more than {} distinct values, too many to draw as bars; group \
                     them in the query (GROUP BY), or draw a histogram of a numeric column; \
                     nothing was drawn",
                    request.x,
                    format_number(MAX_CATEGORIES as f64)
                ))
            },
        )?;
        let series = match color {
            Some(c) => index_of(
                c.label(),
                &mut self.series,
                &mut self.series_index,
                MAX_SERIES,
                || too_many_series(request),
            )?,
            None => 0,
        };
        let entry = self.sums.entry((category, series)).or_insert((0.0, 0));
        entry.0 += y;
        entry.1 += 1;
        Ok(())
    }

    pub fn finish(self, request: &Request, rows: u64) -> Result<Chart, ChartError> {
        let mut notes = Vec::new();
        let mut keep: Vec<usize> = (0..self.categories.len()).collect();
        if keep.len() > MAX_BARS {
            let total = |c: usize| -> f64 {
                (0..self.series.len().max(1))
                    .filter_map(|s| self.sums.get(&(c, s)))
                    .map(|(sum, _)| sum.abs())
                    .sum()
            };
            let mut ranked = keep.clone();
            ranked.sort_by(|a, b| total(*b).total_cmp(&total(*a)).then(a.cmp(b)));
            ranked.truncate(MAX_BARS);
            ranked.sort();
            notes.push(format!(
                "the {MAX_BARS} largest of {} categories are drawn",
                format_number(keep.len() as f64)
            ));
            keep = ranked;
        }
        let repeated = self.sums.values().any(|(_, n)| *n > 1);
        let y_title = match &request.y {
            None => "count of rows".to_string(),
            Some(y) if repeated => format!("sum of {y}"),
            Some(y) => y.clone(),
        };
        if request.y.is_some() && repeated {
            notes.push(format!(
                "{} summed per {}: {} rows in {} bars",
                request.y.as_deref().unwrap_or_default(),
                request.x,
                format_number(rows as f64),
                format_number(self.sums.len() as f64)
            ));
        }
        let mut bars = Vec::new();
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for (band, &category) in keep.iter().enumerate() {
            let (mut up, mut down) = (0.0, 0.0);
            for series in 0..self.series.len().max(1) {
                let Some(&(value, _)) = self.sums.get(&(category, series)) else {
                    continue;
                };
                // Positive values stack upward from 0, negative ones downward, as Vega-Lite does.
                let base = if value >= 0.0 { up } else { down };
                if value >= 0.0 {
                    up += value;
                } else {
                    down += value;
                }
                bars.push(Bar {
                    band,
                    series: (!self.series.is_empty()).then_some(series),
                    value,
                    base,
                });
            }
            hi = hi.max(up);
            lo = lo.min(down);
        }
        let categories: Vec<String> = keep.iter().map(|&c| self.categories[c].clone()).collect();
        Ok(Chart {
            kind: request.kind,
            title: match &request.y {
                Some(_) => format!("{y_title} by {}", request.x),
                None => format!("rows by {}", request.x),
            },
            notes,
            x_title: request.x.clone(),
            y_title,
            color_title: request.color.clone(),
            series: self.series,
            x_axis: XAxis::Bands(categories),
            y_axis: linear(lo, hi, 6, true),
            marks: Marks::Bars(bars),
            rows,
        })
    }
}

pub fn too_many_series(request: &Request) -> ChartError {
    ChartError::Data(format!(
        "color={} has more than {MAX_SERIES} distinct values, too many colors to tell apart; \
         choose a column with fewer values or filter in the query; nothing was drawn",
        request.color.as_deref().unwrap_or_default()
    ))
}
