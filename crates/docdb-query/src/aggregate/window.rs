//! `$setWindowFields`: per-partition window functions (running totals, moving averages, ranks).
//!
//! Documents are split by `partitionBy`, each partition is sorted by `sortBy`, and every output
//! field is computed for each document from the documents inside its window: a `documents`
//! window counts positions relative to the current one, a `range` window compares `sortBy`
//! values (numbers, or dates with a `unit`). Accumulating operators reuse `$group`'s
//! accumulators; `$rank`, `$denseRank`, `$documentNumber` and `$shift` are positional.

use super::group::{Accumulator, finish};
use crate::error::{QueryError, Result};
use crate::expr::{Variables, evaluate_optional};
use crate::limits::{Budgeted, Limits, Size, document_size};
use crate::sort::{SortSpec, sort_key};
use crate::value::{Ordered, compare};
use bson::{Bson, Document};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
enum Bound {
    Unbounded,
    Current,
    Offset(f64),
}

#[derive(Debug, Clone)]
enum Window {
    Documents(Bound, Bound),
    Range(Bound, Bound, f64),
}

#[derive(Debug, Clone)]
struct Output {
    field: String,
    op: String,
    arg: Bson,
    window: Option<Window>,
}

/// A parsed `$setWindowFields`.
#[derive(Debug, Clone)]
pub struct SetWindowFields {
    partition_by: Option<Bson>,
    sort_by: Option<(Document, SortSpec)>,
    outputs: Vec<Output>,
}

fn parse_bound(v: &Bson) -> Result<Bound> {
    match v {
        Bson::String(s) if s == "unbounded" => Ok(Bound::Unbounded),
        Bson::String(s) if s == "current" => Ok(Bound::Current),
        _ => crate::number::to_f64(v).map(Bound::Offset).ok_or_else(|| {
            QueryError::failed_to_parse(format!(
                "window bounds must be \"unbounded\", \"current\" or a number, found {}",
                crate::fmt::short(v)
            ))
        }),
    }
}

fn unit_ms(unit: &str) -> Result<f64> {
    Ok(match unit {
        "millisecond" => 1.0,
        "second" => 1000.0,
        "minute" => 60_000.0,
        "hour" => 3_600_000.0,
        "day" => 86_400_000.0,
        "week" => 604_800_000.0,
        other => {
            return Err(QueryError::failed_to_parse(format!(
                "unsupported window unit '{other}' (use millisecond ... week)"
            )));
        }
    })
}

impl SetWindowFields {
    /// Parses the stage's object.
    pub fn parse(spec: &Document) -> Result<SetWindowFields> {
        let sort_by = match spec.get("sortBy") {
            Some(Bson::Document(d)) => Some((d.clone(), SortSpec::parse(d)?)),
            Some(_) => {
                return Err(QueryError::failed_to_parse(
                    "$setWindowFields 'sortBy' must be an object",
                ));
            }
            None => None,
        };
        let Some(Bson::Document(output)) = spec.get("output") else {
            return Err(QueryError::failed_to_parse(
                "$setWindowFields requires an 'output' object",
            ));
        };
        let mut outputs = Vec::new();
        for (field, v) in output {
            let Bson::Document(d) = v else {
                return Err(QueryError::failed_to_parse(format!(
                    "$setWindowFields output '{field}' must be an object"
                )));
            };
            let mut op = None;
            let mut window = None;
            for (k, arg) in d {
                if k == "window" {
                    let Bson::Document(w) = arg else {
                        return Err(QueryError::failed_to_parse("'window' must be an object"));
                    };
                    let pair = |key: &str| -> Result<Option<(Bound, Bound)>> {
                        match w.get(key) {
                            Some(Bson::Array(b)) if b.len() == 2 => {
                                Ok(Some((parse_bound(&b[0])?, parse_bound(&b[1])?)))
                            }
                            Some(_) => Err(QueryError::failed_to_parse(format!(
                                "window '{key}' must be an array of two bounds"
                            ))),
                            None => Ok(None),
                        }
                    };
                    window = match (pair("documents")?, pair("range")?) {
                        (Some((lo, hi)), None) => {
                            for b in [&lo, &hi] {
                                if let Bound::Offset(k) = b
                                    && (k.fract() != 0.0 || !k.is_finite())
                                {
                                    return Err(QueryError::failed_to_parse(
                                        "'documents' window bounds must be integers",
                                    ));
                                }
                            }
                            Some(Window::Documents(lo, hi))
                        }
                        (None, Some((lo, hi))) => {
                            let scale = match w.get_str("unit") {
                                Ok(u) => unit_ms(u)?,
                                Err(_) => 1.0,
                            };
                            Some(Window::Range(lo, hi, scale))
                        }
                        _ => {
                            return Err(QueryError::failed_to_parse(
                                "a window needs exactly one of 'documents' or 'range'",
                            ));
                        }
                    };
                } else if op.is_none() {
                    op = Some((k.clone(), arg.clone()));
                } else {
                    return Err(QueryError::failed_to_parse(format!(
                        "output '{field}' has more than one window function"
                    )));
                }
            }
            let Some((op, arg)) = op else {
                return Err(QueryError::failed_to_parse(format!(
                    "output '{field}' needs a window function"
                )));
            };
            let known = matches!(
                op.as_str(),
                "$sum"
                    | "$avg"
                    | "$min"
                    | "$max"
                    | "$push"
                    | "$addToSet"
                    | "$first"
                    | "$last"
                    | "$count"
                    | "$stdDevPop"
                    | "$stdDevSamp"
                    | "$rank"
                    | "$denseRank"
                    | "$documentNumber"
                    | "$shift"
            );
            if !known {
                return Err(QueryError::failed_to_parse(format!(
                    "Unrecognized window function, {op}"
                )));
            }
            if matches!(
                op.as_str(),
                "$rank" | "$denseRank" | "$documentNumber" | "$shift"
            ) && sort_by.is_none()
            {
                return Err(QueryError::failed_to_parse(format!(
                    "{op} requires a sortBy"
                )));
            }
            if matches!(window, Some(Window::Range(..)))
                && sort_by.as_ref().is_none_or(|(d, _)| d.len() != 1)
            {
                return Err(QueryError::failed_to_parse(
                    "a range window requires a sortBy on exactly one field",
                ));
            }
            outputs.push(Output {
                field: field.clone(),
                op,
                arg,
                window,
            });
        }
        Ok(SetWindowFields {
            partition_by: spec.get("partitionBy").cloned(),
            sort_by,
            outputs,
        })
    }

    /// Runs the stage.
    /// Runs the stage. The partitions are held in memory (mongod's `$setWindowFields`
    /// budget applies to them) and sorted interruptibly.
    pub fn run(
        &self,
        docs: Vec<Document>,
        vars: &Variables,
        limits: &Limits,
    ) -> Result<Vec<Document>> {
        let mut budget = limits.budget(Budgeted::SetWindowFields);
        let mut partitions: BTreeMap<Ordered, Vec<Document>> = BTreeMap::new();
        for d in docs {
            limits.tick()?;
            // Moved into its partition: mongod's budget only.
            budget.add(Size::bson_only(document_size(&d)))?;
            let key = match &self.partition_by {
                Some(e) => evaluate_optional(e, &d, vars)?.unwrap_or(Bson::Null),
                None => Bson::Null,
            };
            // Partitions group keys as `$group` does: equal under the collation.
            let key = crate::collation::key_of(vars.collation(), &key);
            partitions.entry(Ordered(key)).or_default().push(d);
        }
        let mut out = Vec::new();
        let sort_by = self
            .sort_by
            .as_ref()
            .map(|(_, spec)| spec.clone().with_collation(vars.collation_handle()));
        for (_, part) in partitions {
            let part = match &sort_by {
                Some(spec) => limits.sort_by(part, |a, b| spec.compare(a, b))?,
                None => part,
            };
            let mut computed: Vec<Vec<Option<Bson>>> = Vec::new();
            for o in &self.outputs {
                computed.push(self.compute(o, &part, vars, limits)?);
            }
            for (i, mut d) in part.into_iter().enumerate() {
                for (o, values) in self.outputs.iter().zip(&computed) {
                    if let Some(v) = values.get(i).cloned().flatten() {
                        crate::path::set_path_overwrite(&mut d, &o.field, v);
                    }
                }
                out.push(d);
            }
        }
        Ok(out)
    }

    fn sort_value(&self, d: &Document) -> Bson {
        match &self.sort_by {
            Some((spec, _)) => match spec.iter().next() {
                Some((path, dir)) => sort_key(
                    d,
                    path,
                    if crate::number::to_f64(dir) == Some(-1.0) {
                        -1
                    } else {
                        1
                    },
                ),
                None => Bson::Null,
            },
            None => Bson::Null,
        }
    }

    fn compute(
        &self,
        o: &Output,
        part: &[Document],
        vars: &Variables,
        limits: &Limits,
    ) -> Result<Vec<Option<Bson>>> {
        let n = part.len();
        match o.op.as_str() {
            "$documentNumber" => return Ok((1..=n).map(|i| Some(Bson::Int64(i as i64))).collect()),
            "$rank" | "$denseRank" => {
                let keys: Vec<Vec<Bson>> = part.iter().map(|d| self.full_key(d)).collect();
                let mut out = Vec::with_capacity(n);
                let (mut rank, mut dense) = (0i64, 0i64);
                for i in 0..n {
                    if i == 0
                        || !keys[i]
                            .iter()
                            .zip(&keys[i - 1])
                            .all(|(a, b)| compare(a, b).is_eq())
                    {
                        rank = i as i64 + 1;
                        dense += 1;
                    }
                    out.push(Some(Bson::Int64(if o.op == "$rank" {
                        rank
                    } else {
                        dense
                    })));
                }
                return Ok(out);
            }
            "$shift" => {
                let Bson::Document(a) = &o.arg else {
                    return Err(QueryError::failed_to_parse(
                        "$shift takes {output, by, default}",
                    ));
                };
                let by = a
                    .get("by")
                    .and_then(crate::number::integral_i64)
                    .ok_or_else(|| QueryError::failed_to_parse("$shift 'by' must be an integer"))?;
                let default = a.get("default").cloned().unwrap_or(Bson::Null);
                let output = a.get("output").cloned().unwrap_or(Bson::Null);
                let mut out = Vec::with_capacity(n);
                for i in 0..n as i64 {
                    limits.tick()?;
                    let j = i + by;
                    out.push(Some(if j >= 0 && (j as usize) < n {
                        evaluate_optional(&output, &part[j as usize], vars)?.unwrap_or(Bson::Null)
                    } else {
                        default.clone()
                    }));
                }
                return Ok(out);
            }
            _ => {}
        }
        let expr = if o.op == "$count" {
            Bson::Int32(1)
        } else {
            o.arg.clone()
        };
        let acc = Accumulator {
            field: o.field.clone(),
            op: if o.op == "$count" {
                "$sum".into()
            } else {
                o.op.clone()
            },
            expr: expr.clone(),
            extra: None,
        };
        let mut values = Vec::with_capacity(n);
        for d in part {
            limits.tick()?;
            values.push((evaluate_optional(&expr, d, vars)?, Document::new()));
        }
        let sort_values: Vec<Option<f64>> = part
            .iter()
            .map(|d| numeric_sort_value(&self.sort_value(d)))
            .collect();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            limits.tick()?;
            let (lo, hi) = match &o.window {
                None => (0, n),
                Some(Window::Documents(lo, hi)) => {
                    let at = |b: &Bound, unbounded: usize| -> usize {
                        match b {
                            Bound::Unbounded => unbounded,
                            Bound::Current => i,
                            Bound::Offset(k) => {
                                (i as i64).saturating_add(*k as i64).clamp(0, n as i64) as usize
                            }
                        }
                    };
                    let lo = at(lo, 0);
                    let hi = match hi {
                        Bound::Unbounded => n,
                        Bound::Current => i + 1,
                        Bound::Offset(k) => (i as i64)
                            .saturating_add(*k as i64)
                            .saturating_add(1)
                            .clamp(0, n as i64)
                            as usize,
                    };
                    (lo, hi.max(lo))
                }
                Some(Window::Range(lo, hi, scale)) => {
                    let Some(cur) = sort_values[i] else {
                        out.push(Some(Bson::Null));
                        continue;
                    };
                    let inside = |v: f64| {
                        let above = match lo {
                            Bound::Unbounded => true,
                            Bound::Current => v >= cur,
                            Bound::Offset(k) => v >= cur + k * scale,
                        };
                        let below = match hi {
                            Bound::Unbounded => true,
                            Bound::Current => v <= cur,
                            Bound::Offset(k) => v <= cur + k * scale,
                        };
                        above && below
                    };
                    limits.tick_n(u32::try_from(n).unwrap_or(u32::MAX))?;
                    let members: Vec<usize> = (0..n)
                        .filter(|j| sort_values[*j].is_some_and(inside))
                        .collect();
                    match (members.first(), members.last()) {
                        (Some(a), Some(b)) => (*a, *b + 1),
                        _ => (0, 0),
                    }
                }
            };
            // Each window is reduced from scratch: its size is the work done.
            limits.tick_n(u32::try_from(hi - lo).unwrap_or(u32::MAX))?;
            out.push(Some(finish(&acc, values[lo..hi].to_vec(), vars)?));
        }
        Ok(out)
    }

    fn full_key(&self, d: &Document) -> Vec<Bson> {
        match &self.sort_by {
            Some((spec, _)) => spec
                .iter()
                .map(|(path, dir)| {
                    sort_key(
                        d,
                        path,
                        if crate::number::to_f64(dir) == Some(-1.0) {
                            -1
                        } else {
                            1
                        },
                    )
                })
                .collect(),
            None => Vec::new(),
        }
    }
}

fn numeric_sort_value(v: &Bson) -> Option<f64> {
    match v {
        Bson::DateTime(d) => Some(d.timestamp_millis() as f64),
        other => crate::number::to_f64(other),
    }
}
