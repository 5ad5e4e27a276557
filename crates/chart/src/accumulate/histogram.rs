//! Streaming histogram bins. The first values are held to choose a nice bin width from their
//! range; after that each value only bumps a counter in its bin (`floor(v / width)`), and when
//! values arriving outside the range would make more than twice the wanted bins, the width
//! doubles and neighbouring bins merge (`floor(k / 2)`), so bins stay on multiples of the width
//! and memory stays at a few dozen counters whatever the row count.

use std::collections::BTreeMap;

use crate::error::ChartError;
use crate::model::{Bin, Chart, Marks, XAxis};
use crate::request::Request;
use crate::scale::{format_number, linear, nice_step};

/// Values held before the bin width is chosen.
const HELD: usize = 4_096;

pub struct Binner {
    target: usize,
    held: Vec<f64>,
    width: f64,
    bins: BTreeMap<i64, u64>,
    /// Infinite or NaN values, counted and left out.
    non_finite: u64,
    binned: u64,
}

impl Binner {
    pub fn new(target: usize) -> Binner {
        Binner {
            target: target.max(1),
            held: Vec::new(),
            width: 0.0,
            bins: BTreeMap::new(),
            non_finite: 0,
            binned: 0,
        }
    }

    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            self.non_finite += 1;
            return;
        }
        self.binned += 1;
        if self.width == 0.0 {
            self.held.push(value);
            if self.held.len() >= HELD {
                self.start_bins();
            }
            return;
        }
        self.count(value);
    }

    fn start_bins(&mut self) {
        let (lo, hi) = self
            .held
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        self.width = if hi > lo {
            nice_step(hi - lo, self.target)
        } else {
            nice_step(lo.abs().max(1.0), self.target)
        };
        for value in std::mem::take(&mut self.held) {
            self.count(value);
        }
    }

    fn count(&mut self, value: f64) {
        let key = (value / self.width).floor() as i64;
        *self.bins.entry(key).or_insert(0) += 1;
        self.merge_while_too_wide();
    }

    fn span(&self) -> i64 {
        match (self.bins.keys().next(), self.bins.keys().next_back()) {
            (Some(lo), Some(hi)) => hi - lo + 1,
            _ => 0,
        }
    }

    fn merge_while_too_wide(&mut self) {
        while self.span() > 2 * self.target as i64 {
            self.width *= 2.0;
            let mut merged = BTreeMap::new();
            for (key, count) in std::mem::take(&mut self.bins) {
                *merged.entry(key.div_euclid(2)).or_insert(0) += count;
            }
            self.bins = merged;
        }
    }

    pub fn finish(mut self, request: &Request, rows: u64) -> Result<Chart, ChartError> {
        if self.width == 0.0 {
            if self.held.is_empty() {
                return Err(ChartError::Data(format!(
                    "x={} has no numeric values to bin (the result has {} rows, all null or \
                     not finite); nothing was drawn",
                    request.x, rows
                )));
            }
            self.start_bins();
        }
        let (first, last) = (
            *self.bins.keys().next().unwrap_or(&0),
            *self.bins.keys().next_back().unwrap_or(&0),
        );
        let bins: Vec<Bin> = (first..=last)
            .map(|k| Bin {
                start: k as f64 * self.width,
                end: (k + 1) as f64 * self.width,
                count: self.bins.get(&k).copied().unwrap_or(0),
            })
            .collect();
        let highest = bins.iter().map(|b| b.count).max().unwrap_or(0) as f64;
        let x_axis = linear(bins[0].start, bins[bins.len() - 1].end, 8, false);
        let mut notes = vec![format!(
            "binned: {} {} in {} bins of width {}",
            format_number(self.binned as f64),
            if self.binned == 1 { "row" } else { "rows" },
            bins.len(),
            format_number(self.width)
        )];
        if self.non_finite > 0 {
            notes.push(format!(
                "{} infinite or NaN values left out",
                format_number(self.non_finite as f64)
            ));
        }
        Ok(Chart {
            kind: request.kind,
            title: format!("distribution of {}", request.x),
            notes,
            x_title: request.x.clone(),
            y_title: "count of rows".into(),
            color_title: None,
            series: Vec::new(),
            x_axis: XAxis::Linear(x_axis),
            y_axis: linear(0.0, highest, 6, true),
            marks: Marks::Bins(bins),
            rows,
        })
    }
}
