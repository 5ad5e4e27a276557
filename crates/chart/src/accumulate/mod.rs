//! Rows in, a chart out, without keeping the rows: each chart kind has an accumulator whose
//! memory is bounded by what is drawn (categories, bins, a fixed-size sample), never by the
//! number of rows.

mod bar;
mod histogram;
mod sample;

use crate::error::ChartError;
use crate::model::Chart;
use crate::request::{Kind, Request};
use crate::value::Value;

pub use histogram::Binner;
pub use sample::Reservoir;

pub struct Accumulator {
    request: Request,
    rows: u64,
    /// Rows left out because a needed value was null.
    nulls: u64,
    state: State,
}

enum State {
    Bar(bar::BarSums),
    Histogram(histogram::Binner),
    Points(sample::Points),
}

impl Accumulator {
    pub fn new(request: Request) -> Accumulator {
        let state = match request.kind {
            Kind::Bar => State::Bar(bar::BarSums::default()),
            Kind::Histogram => State::Histogram(histogram::Binner::new(request.bins.unwrap_or(20))),
            Kind::Line | Kind::Area | Kind::Scatter => {
                State::Points(sample::Points::new(crate::MAX_POINTS))
            }
        };
        Accumulator {
            request,
            rows: 0,
            nulls: 0,
            state,
        }
    }

    pub fn request(&self) -> &Request {
        &self.request
    }

    /// One row's values on x, y and color (`None` for a channel the request does not use).
    pub fn push(
        &mut self,
        x: Value<'_>,
        y: Option<Value<'_>>,
        color: Option<Value<'_>>,
    ) -> Result<(), ChartError> {
        self.rows += 1;
        let row = self.rows;
        let request = &self.request;
        // NaN and infinities (PostgreSQL's 'NaN'::float8) have no place on an axis: they are
        // left out like nulls, and counted.
        let y_number = match &y {
            Some(value) if !value.is_null() => Some(value.as_number().ok_or_else(|| {
                not_numeric(request, "y", request.y.as_deref().unwrap_or(""), value, row)
            })?)
            .filter(|n| n.is_finite()),
            _ => None,
        };
        let x = match x {
            Value::Number(n) if !n.is_finite() => Value::Null,
            other => other,
        };
        match &mut self.state {
            State::Bar(sums) => {
                if request.y.is_some() && y_number.is_none() {
                    self.nulls += 1;
                    return Ok(());
                }
                sums.add(&x, y_number.unwrap_or(1.0), color.as_ref(), request)
            }
            State::Histogram(binner) => {
                if x.is_null() {
                    self.nulls += 1;
                    return Ok(());
                }
                let n = x
                    .as_number()
                    .ok_or_else(|| not_numeric(request, "x", &request.x, &x, row))?;
                binner.add(n);
                Ok(())
            }
            State::Points(points) => {
                let Some(y) = y_number else {
                    self.nulls += 1;
                    return Ok(());
                };
                if x.is_null() {
                    self.nulls += 1;
                    return Ok(());
                }
                points.add(x, y, color.as_ref(), request)
            }
        }
    }

    pub fn finish(self) -> Result<Chart, ChartError> {
        let Accumulator {
            request,
            rows,
            nulls,
            state,
        } = self;
        let mut chart = match state {
            State::Bar(sums) => sums.finish(&request, rows),
            State::Histogram(binner) => binner.finish(&request, rows),
            State::Points(points) => points.finish(&request, rows),
        }?;
        if nulls > 0 {
            chart.notes.push(format!(
                "{} {} with a null (or NaN) value left out",
                crate::scale::format_number(nulls as f64),
                if nulls == 1 { "row" } else { "rows" }
            ));
        }
        if let Some(title) = &request.title {
            chart.title = title.clone();
        }
        Ok(chart)
    }
}

fn not_numeric(
    request: &Request,
    role: &str,
    name: &str,
    value: &Value<'_>,
    row: u64,
) -> ChartError {
    let shown: String = value.label().chars().take(40).collect();
    let fix = match (request.kind, role) {
        (Kind::Histogram, _) => "a histogram bins numbers: cast the column in the query, or draw a bar chart of the categories (bar x=COLUMN counts rows)".to_string(),
        (Kind::Bar, _) => "a bar chart sums numbers on y: cast it in the query, or leave y= out to count rows per category".to_string(),
        (kind, _) => format!("a {} chart needs numbers on y: cast the column in the query (e.g. CAST({name} AS numeric)) or choose a numeric column", kind.name()),
    };
    ChartError::Data(format!(
        "{role}={name} is not numeric: row {row} has '{shown}'; {fix}; nothing was drawn"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Marks, XAxis};
    use std::borrow::Cow;

    fn request(s: &str) -> Request {
        let words: Vec<String> = s.split_whitespace().map(str::to_string).collect();
        Request::parse(&words).unwrap()
    }

    fn text(s: &str) -> Value<'_> {
        Value::Text(Cow::Borrowed(s))
    }

    #[test]
    fn bars_sum_per_category_in_first_seen_order() {
        let mut acc = Accumulator::new(request("bar x=city y=total"));
        for (city, total) in [("Paris", 3.0), ("Lyon", 5.0), ("Paris", 4.0)] {
            acc.push(text(city), Some(Value::Number(total)), None)
                .unwrap();
        }
        let chart = acc.finish().unwrap();
        assert_eq!(
            chart.x_axis,
            XAxis::Bands(vec!["Paris".into(), "Lyon".into()])
        );
        let Marks::Bars(bars) = &chart.marks else {
            panic!()
        };
        assert_eq!(
            bars.iter().map(|b| b.value).collect::<Vec<_>>(),
            vec![7.0, 5.0]
        );
        assert_eq!(chart.y_title, "sum of total");
        assert!(
            chart.notes.iter().any(|n| n.contains("summed")),
            "{:?}",
            chart.notes
        );
    }

    #[test]
    fn bar_without_y_counts_rows() {
        let mut acc = Accumulator::new(request("bar x=kind"));
        for k in ["a", "b", "a", "a"] {
            acc.push(text(k), None, None).unwrap();
        }
        let chart = acc.finish().unwrap();
        let Marks::Bars(bars) = &chart.marks else {
            panic!()
        };
        assert_eq!(
            bars.iter().map(|b| b.value).collect::<Vec<_>>(),
            vec![3.0, 1.0]
        );
        assert_eq!(chart.y_title, "count of rows");
    }

    #[test]
    fn stacked_bars_sit_on_one_another() {
        let mut acc = Accumulator::new(request("bar x=city y=n color=year"));
        acc.push(text("A"), Some(Value::Number(2.0)), Some(text("2023")))
            .unwrap();
        acc.push(text("A"), Some(Value::Number(3.0)), Some(text("2024")))
            .unwrap();
        let chart = acc.finish().unwrap();
        let Marks::Bars(bars) = &chart.marks else {
            panic!()
        };
        assert_eq!((bars[1].base, bars[1].value), (2.0, 3.0));
        assert_eq!(chart.series, vec!["2023".to_string(), "2024".to_string()]);
        assert_eq!(chart.y_axis.max, 5.0);
    }

    #[test]
    fn line_refuses_text_on_y_and_names_the_row() {
        let mut acc = Accumulator::new(request("line x=day y=city"));
        acc.push(Value::Number(1.0), Some(Value::Number(2.0)), None)
            .unwrap();
        let e = acc
            .push(Value::Number(2.0), Some(text("Paris")), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("y=city is not numeric: row 2 has 'Paris'"),
            "{e}"
        );
    }

    #[test]
    fn histogram_of_many_rows_keeps_few_bins_and_counts_every_row() {
        let mut acc = Accumulator::new(request("histogram x=v"));
        for i in 0..100_000u32 {
            acc.push(Value::Number(f64::from(i % 1000)), None, None)
                .unwrap();
        }
        let chart = acc.finish().unwrap();
        let Marks::Bins(bins) = &chart.marks else {
            panic!()
        };
        assert!((10..=40).contains(&bins.len()), "{}", bins.len());
        assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 100_000);
        // Bins are of equal width, on multiples of it.
        let width = bins[0].end - bins[0].start;
        assert!(
            bins.iter()
                .all(|b| ((b.end - b.start) - width).abs() < 1e-9)
        );
        assert_eq!((bins[0].start / width).fract(), 0.0);
        assert!(chart.notes[0].contains("100,000 rows"), "{:?}", chart.notes);
    }

    #[test]
    fn scatter_beyond_the_limit_is_sampled_and_says_so() {
        let mut acc = Accumulator::new(request("scatter x=a y=b"));
        for i in 0..20_000 {
            acc.push(
                Value::Number(f64::from(i)),
                Some(Value::Number(f64::from(i * 2))),
                None,
            )
            .unwrap();
        }
        let chart = acc.finish().unwrap();
        let Marks::Points(points) = &chart.marks else {
            panic!()
        };
        assert_eq!(points.len(), crate::MAX_POINTS);
        assert!(
            chart
                .notes
                .iter()
                .any(|n| n.contains("sampled: 5,000 of 20,000")),
            "{:?}",
            chart.notes
        );
        // The axis covers every row, not only the sample.
        let XAxis::Linear(x) = &chart.x_axis else {
            panic!()
        };
        assert!(x.max >= 19_999.0);
    }

    #[test]
    fn dates_on_x_make_a_time_axis() {
        let mut acc = Accumulator::new(request("line x=day y=n"));
        acc.push(text("2024-03-02"), Some(Value::Number(2.0)), None)
            .unwrap();
        acc.push(text("2024-03-01"), Some(Value::Number(1.0)), None)
            .unwrap();
        let chart = acc.finish().unwrap();
        assert!(matches!(chart.x_axis, XAxis::Time(..)));
        let Marks::Points(points) = &chart.marks else {
            panic!()
        };
        assert!(points[0].x < points[1].x, "points are sorted by x");
        assert_eq!(points[0].y, 1.0);
    }
}
