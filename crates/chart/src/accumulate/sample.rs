//! Points for line, area and scatter charts: every point up to a limit, beyond it a uniform
//! reservoir sample of that size (Vitter's algorithm R), so memory is bounded whatever the row
//! count. The x type (numbers, instants, categories) is decided from every row's value while
//! they pass, and the axis ranges cover every row, not only the sample.

use std::collections::HashMap;

use super::bar::too_many_series;
use crate::MAX_SERIES;
use crate::error::ChartError;
use crate::model::{Chart, Marks, Point, XAxis};
use crate::request::{Kind, Request};
use crate::scale::{format_number, linear, time};
use crate::value::{Value, parse_instant};

/// A fixed-size uniform sample of a stream. The random source is a fixed-seed SplitMix64, so
/// a notebook run twice draws the same chart.
pub struct Reservoir<T> {
    capacity: usize,
    seen: u64,
    items: Vec<T>,
    state: u64,
}

impl<T> Reservoir<T> {
    pub fn new(capacity: usize) -> Self {
        Reservoir {
            capacity,
            seen: 0,
            items: Vec::new(),
            state: 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn next_random(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn add(&mut self, item: T) {
        self.seen += 1;
        if self.items.len() < self.capacity {
            self.items.push(item);
            return;
        }
        let slot = self.next_random() % self.seen;
        if (slot as usize) < self.capacity {
            self.items[slot as usize] = item;
        }
    }

    pub fn seen(&self) -> u64 {
        self.seen
    }

    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

enum RawX {
    Number(f64),
    Text(String),
}

struct Sampled {
    row: u64,
    x: RawX,
    y: f64,
    series: Option<usize>,
}

pub struct Points {
    sample: Reservoir<Sampled>,
    x_numeric: bool,
    x_temporal: bool,
    x_range: (f64, f64),
    t_range: (f64, f64),
    y_range: (f64, f64),
    series: Vec<String>,
    series_index: HashMap<String, usize>,
}

fn widen(range: &mut (f64, f64), v: f64) {
    range.0 = range.0.min(v);
    range.1 = range.1.max(v);
}

impl Points {
    pub fn new(capacity: usize) -> Points {
        let empty = (f64::INFINITY, f64::NEG_INFINITY);
        Points {
            sample: Reservoir::new(capacity),
            x_numeric: true,
            x_temporal: true,
            x_range: empty,
            t_range: empty,
            y_range: empty,
            series: Vec::new(),
            series_index: HashMap::new(),
        }
    }

    pub fn add(
        &mut self,
        x: Value<'_>,
        y: f64,
        color: Option<&Value<'_>>,
        request: &Request,
    ) -> Result<(), ChartError> {
        let series = match color {
            None => None,
            Some(c) => {
                let label = c.label();
                Some(match self.series_index.get(&label) {
                    Some(&i) => i,
                    None if self.series.len() >= MAX_SERIES => {
                        return Err(too_many_series(request));
                    }
                    None => {
                        self.series.push(label.clone());
                        self.series_index.insert(label, self.series.len() - 1);
                        self.series.len() - 1
                    }
                })
            }
        };
        let raw = match x {
            Value::Number(n) => {
                self.x_temporal = false;
                widen(&mut self.x_range, n);
                RawX::Number(n)
            }
            Value::Text(t) => {
                if self.x_numeric {
                    match t.trim().parse::<f64>() {
                        Ok(n) => widen(&mut self.x_range, n),
                        Err(_) => self.x_numeric = false,
                    }
                }
                if self.x_temporal {
                    match parse_instant(&t) {
                        Some(ms) => widen(&mut self.t_range, ms),
                        None => self.x_temporal = false,
                    }
                }
                RawX::Text(t.into_owned())
            }
            Value::Null => return Ok(()),
        };
        if y.is_finite() {
            widen(&mut self.y_range, y);
        }
        let row = self.sample.seen() + 1;
        self.sample.add(Sampled {
            row,
            x: raw,
            y,
            series,
        });
        Ok(())
    }

    pub fn finish(self, request: &Request, rows: u64) -> Result<Chart, ChartError> {
        let seen = self.sample.seen();
        if seen == 0 {
            return Err(ChartError::Data(format!(
                "no row has values on both x={} and y={}; nothing was drawn",
                request.x,
                request.y.as_deref().unwrap_or_default()
            )));
        }
        let mut notes = Vec::new();
        let mut sampled = self.sample.into_items();
        if seen > sampled.len() as u64 {
            notes.push(format!(
                "sampled: {} of {} points drawn (a uniform random sample)",
                format_number(sampled.len() as f64),
                format_number(seen as f64)
            ));
        }
        // Numbers on x (even if some came as text) beat instants: a year column is a number.
        let temporal = !self.x_numeric && self.x_temporal;
        let (x_axis, mut points): (XAxis, Vec<Point>) = if self.x_numeric || temporal {
            let position = |x: &RawX| match x {
                RawX::Number(n) => *n,
                RawX::Text(t) if temporal => parse_instant(t).unwrap_or(f64::NAN),
                RawX::Text(t) => t.trim().parse().unwrap_or(f64::NAN),
            };
            let points = sampled
                .iter()
                .map(|s| Point {
                    x: position(&s.x),
                    y: s.y,
                    series: s.series,
                })
                .collect();
            let axis = if temporal {
                let (axis, format) = time(self.t_range.0, self.t_range.1, 7);
                XAxis::Time(axis, format)
            } else {
                XAxis::Linear(linear(self.x_range.0, self.x_range.1, 8, false))
            };
            (axis, points)
        } else {
            sampled.sort_by_key(|s| s.row);
            let mut bands: Vec<String> = Vec::new();
            let mut band_of: HashMap<String, usize> = HashMap::new();
            let mut points = Vec::with_capacity(sampled.len());
            for s in &sampled {
                let label = match &s.x {
                    RawX::Number(n) => crate::value::plain_number(*n),
                    RawX::Text(t) => t.clone(),
                };
                let band = *band_of.entry(label.clone()).or_insert_with(|| {
                    bands.push(label);
                    bands.len() - 1
                });
                points.push(Point {
                    x: band as f64,
                    y: s.y,
                    series: s.series,
                });
            }
            (XAxis::Bands(bands), points)
        };
        if !matches!(x_axis, XAxis::Bands(_)) {
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
        }
        let zero = request.kind == Kind::Area;
        let y = request.y.clone().unwrap_or_default();
        Ok(Chart {
            kind: request.kind,
            title: format!("{y} by {}", request.x),
            notes,
            x_title: request.x.clone(),
            y_title: y,
            color_title: request.color.clone(),
            series: self.series,
            x_axis,
            y_axis: linear(self.y_range.0, self.y_range.1, 6, zero),
            marks: Marks::Points(points),
            rows,
        })
    }
}
