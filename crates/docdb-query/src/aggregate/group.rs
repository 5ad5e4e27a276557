//! `$group` and the stages built on grouping: `$bucket`, `$bucketAuto`, `$sortByCount`, `$count`.
//!
//! Groups are keyed by MongoDB value equality (so `1` and `1.0` share a group) and emitted in
//! the order their first document arrived, which keeps results deterministic.

use crate::collation::{Collation, key_of};
use crate::error::{QueryError, Result};
use crate::expr::{Num, add_nums, average, avg_values, std_dev, sum_values};
use crate::expr::{Variables, evaluate_optional};
use crate::limits::{Budget, Budgeted, Limits, Size, document_size, document_sizes, held_value};
use crate::value::{Ordered, compare, compare_with, equal};
use bson::{Bson, Document};
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// One accumulator of a `$group` output field.
#[derive(Debug, Clone)]
pub struct Accumulator {
    pub field: String,
    pub op: String,
    pub expr: Bson,
    /// `n` for `$firstN`/`$lastN`/`$maxN`/`$minN`, sort spec for `$top`/`$bottom`.
    pub extra: Option<Bson>,
}

const ACCUMULATORS: &[&str] = &[
    "$sum",
    "$avg",
    "$min",
    "$max",
    "$first",
    "$last",
    "$push",
    "$addToSet",
    "$count",
    "$stdDevPop",
    "$stdDevSamp",
    "$mergeObjects",
    "$firstN",
    "$lastN",
    "$maxN",
    "$minN",
    "$top",
    "$bottom",
    "$topN",
    "$bottomN",
    "$accumulator",
];

/// Parses `{field: {$acc: expr}}` entries (every key but `_id`).
pub fn parse_accumulators(spec: &Document) -> Result<Vec<Accumulator>> {
    let mut out = Vec::new();
    for (field, v) in spec {
        if field == "_id" {
            continue;
        }
        if field.contains('.') {
            return Err(QueryError::location(
                40235,
                format!("The field name '{field}' cannot contain '.'"),
            ));
        }
        let Bson::Document(d) = v else {
            return Err(QueryError::location(
                40234,
                format!("The field '{field}' must be an accumulator object"),
            ));
        };
        if d.len() != 1 {
            return Err(QueryError::location(
                40238,
                format!("The field '{field}' must specify one accumulator"),
            ));
        }
        let Some((op, arg)) = d.iter().next() else {
            return Err(QueryError::location(
                40238,
                format!("The field '{field}' must specify one accumulator"),
            ));
        };
        if !ACCUMULATORS.contains(&op.as_str()) {
            return Err(QueryError::location(
                15952,
                format!("unknown group operator '{op}'"),
            ));
        }
        let (expr, extra) = match (op.as_str(), arg) {
            ("$count", Bson::Document(a)) if a.is_empty() => (Bson::Int32(1), None),
            ("$count", _) => {
                return Err(QueryError::location(
                    40208,
                    "$count takes no arguments, i.e. $count:{}",
                ));
            }
            ("$firstN" | "$lastN" | "$maxN" | "$minN", Bson::Document(a)) => (
                a.get("input").cloned().unwrap_or(Bson::Null),
                Some(a.get("n").cloned().unwrap_or(Bson::Null)),
            ),
            ("$top" | "$bottom" | "$topN" | "$bottomN", Bson::Document(a)) => {
                let mut extra = Document::new();
                extra.insert("sortBy", a.get("sortBy").cloned().unwrap_or(Bson::Null));
                extra.insert("n", a.get("n").cloned().unwrap_or(Bson::Int32(1)));
                (
                    a.get("output").cloned().unwrap_or(Bson::Null),
                    Some(Bson::Document(extra)),
                )
            }
            ("$accumulator", _) => {
                crate::js::accumulator::AccumulatorSpec::parse(arg)?;
                (arg.clone(), None)
            }
            _ => (arg.clone(), None),
        };
        out.push(Accumulator {
            field: field.clone(),
            op: op.clone(),
            expr,
            extra,
        });
    }
    Ok(out)
}

/// The values one accumulator collected for one group: each value (None = missing) with the
/// document it came from (kept only for `$top`/`$bottom`, which sort by other fields).
type Collected = Vec<(Option<Bson>, Document)>;

/// Bookkeeping per group besides its accumulators (key copies, map and vector slots).
const GROUP_OVERHEAD_BYTES: usize = 64;

/// What one accumulator holds for one group while documents arrive. `$sum`, `$count`, `$avg`,
/// `$first`, `$last`, `$min`, `$max` and `$addToSet` reduce as they go (with the same rules as
/// `finish`, so types and overflow behave alike); the others collect their values and are
/// reduced by `finish`.
enum Accumulating {
    Sum(Num),
    Avg(Num, u64),
    /// `None` until the first document arrived; then its value (None = missing).
    First(Option<Option<Bson>>),
    Last(Option<Bson>),
    /// The smallest (or, when `true`, largest) non-null value so far.
    Extreme(Option<Bson>, bool),
    /// Distinct values with the position of their first arrival, and their total size.
    /// `$addToSet`: collation key -> (arrival order, the value as first seen).
    Set(BTreeMap<Ordered, (usize, Bson)>, usize),
    /// The values and their total size.
    Collect(Collected, usize),
    /// `$accumulator`: its spec and the group's JavaScript state.
    Js(
        Box<crate::js::accumulator::AccumulatorSpec>,
        crate::js::accumulator::AccumulatorState,
    ),
}

impl Accumulating {
    fn new(acc: &Accumulator) -> Accumulating {
        match acc.op.as_str() {
            "$sum" | "$count" => Accumulating::Sum(Num::I32(0)),
            "$avg" => Accumulating::Avg(Num::I32(0), 0),
            "$first" => Accumulating::First(None),
            "$last" => Accumulating::Last(None),
            "$min" => Accumulating::Extreme(None, false),
            "$max" => Accumulating::Extreme(None, true),
            "$addToSet" => Accumulating::Set(BTreeMap::new(), 0),
            "$accumulator" => match crate::js::accumulator::AccumulatorSpec::parse(&acc.expr) {
                Ok(spec) => Accumulating::Js(Box::new(spec), Default::default()),
                // Checked when the stage was parsed; cannot fail here.
                Err(_) => Accumulating::Collect(Vec::new(), 0),
            },
            _ => Accumulating::Collect(Vec::new(), 0),
        }
    }

    /// Adds one document's value; returns what the state grew by and what it gave back.
    fn add(
        &mut self,
        acc: &Accumulator,
        v: Option<Bson>,
        source: Option<&Document>,
        limits: &Limits,
        collation: Option<&Collation>,
    ) -> Result<(Size, Size)> {
        let size = |v: &Option<Bson>| v.as_ref().map(held_value).unwrap_or_default();
        let nothing = (Size::default(), Size::default());
        Ok(match self {
            Accumulating::Sum(total) => {
                if let Some(n) = v.as_ref().and_then(Num::from_bson) {
                    *total = add_nums(*total, n);
                }
                nothing
            }
            Accumulating::Avg(total, count) => {
                if let Some(n) = v.as_ref().and_then(Num::from_bson) {
                    *total = add_nums(*total, n);
                    *count += 1;
                }
                nothing
            }
            Accumulating::First(first) => {
                if first.is_some() {
                    return Ok(nothing);
                }
                let grew = size(&v);
                *first = Some(v);
                (grew, Size::default())
            }
            Accumulating::Last(last) => {
                let sizes = (size(&v), size(last));
                *last = v;
                sizes
            }
            Accumulating::Extreme(best, want_max) => {
                let Some(v) = v.filter(|v| !matches!(v, Bson::Null | Bson::Undefined)) else {
                    return Ok(nothing);
                };
                let better = match best {
                    None => true,
                    Some(b) => {
                        let o = compare_with(&v, b, collation);
                        (*want_max && o.is_gt()) || (!*want_max && o.is_lt())
                    }
                };
                if !better {
                    return Ok(nothing);
                }
                let sizes = (held_value(&v), size(best));
                *best = Some(v);
                sizes
            }
            Accumulating::Set(set, bytes) => {
                let Some(v) = v else { return Ok(nothing) };
                let key = Ordered(key_of(collation, &v));
                if set.contains_key(&key) {
                    return Ok(nothing);
                }
                let adding = held_value(&v);
                limits.check_array(&acc.op, set.len(), *bytes, adding.bson)?;
                *bytes += adding.bson;
                let next = set.len();
                set.insert(key, (next, v));
                (adding, Size::default())
            }
            // Fed by `Grouper::add` directly (it needs the whole document).
            Accumulating::Js(..) => nothing,
            Accumulating::Collect(values, bytes) => {
                let kept = source.map(document_sizes).unwrap_or_default();
                let adding = size(&v) + kept;
                if acc.op == "$push" && v.is_some() {
                    limits.check_array(&acc.op, values.len(), *bytes, adding.bson)?;
                }
                *bytes += adding.bson;
                values.push((v, source.cloned().unwrap_or_default()));
                (adding, Size::default())
            }
        })
    }

    fn finish(self, acc: &Accumulator, vars: &Variables) -> Result<Bson> {
        Ok(match self {
            Accumulating::Sum(total) => total.to_bson(),
            Accumulating::Avg(total, count) => average(total, count),
            Accumulating::First(first) => first.flatten().unwrap_or(Bson::Null),
            Accumulating::Last(last) => last.unwrap_or(Bson::Null),
            Accumulating::Extreme(best, _) => best.unwrap_or(Bson::Null),
            Accumulating::Set(set, _) => {
                let mut items: Vec<(usize, Bson)> = set.into_values().collect();
                items.sort_by_key(|(i, _)| *i);
                Bson::Array(items.into_iter().map(|(_, v)| v).collect())
            }
            Accumulating::Collect(values, _) => finish(acc, values, vars)?,
            Accumulating::Js(spec, state) => state.finish(&spec)?,
        })
    }
}

/// `$top`/`$bottom` and their N forms: they keep each source document, sorting by its fields.
fn sorts_by_other_fields(op: &str) -> bool {
    matches!(op, "$top" | "$bottom" | "$topN" | "$bottomN")
}

/// Groups arriving documents by key, running the accumulators, within the `$group` budget.
pub struct Grouper<'a, 'l> {
    accs: &'a [Accumulator],
    /// Per accumulator: whether it keeps the source document (`$top`/`$bottom` sort by it).
    keep_docs: Vec<bool>,
    index: BTreeMap<Ordered, usize>,
    groups: Vec<(Bson, Vec<Accumulating>)>,
    budget: Budget,
    vars: &'a Variables,
    limits: &'a Limits<'l>,
}

impl<'a, 'l> Grouper<'a, 'l> {
    pub fn new(accs: &'a [Accumulator], vars: &'a Variables, limits: &'a Limits<'l>) -> Self {
        Grouper {
            accs,
            keep_docs: accs
                .iter()
                .map(|acc| sorts_by_other_fields(&acc.op))
                .collect(),
            index: BTreeMap::new(),
            groups: Vec::new(),
            budget: limits.budget(Budgeted::Group),
            vars,
            limits,
        }
    }

    /// Adds `doc` to the group of `key`.
    pub fn add(&mut self, key: Bson, doc: &Document) -> Result<()> {
        let slot = self.slot(key)?;
        let states = &mut self.groups[slot].1;
        for ((acc, keep_doc), state) in self.accs.iter().zip(&self.keep_docs).zip(states.iter_mut())
        {
            if let Accumulating::Js(spec, js) = state {
                js.add(spec, doc, self.vars)?;
                continue;
            }
            let v = evaluate_optional(&acc.expr, doc, self.vars)?;
            let (grew, shrank) = state.add(
                acc,
                v,
                keep_doc.then_some(doc),
                self.limits,
                self.vars.collation(),
            )?;
            self.budget.release(shrank);
            self.budget.add(grew)?;
        }
        Ok(())
    }

    /// Whether every accumulator reduces from its argument's value alone (no `$top`/`$bottom`,
    /// which sort by other fields of the document, and no `$accumulator`, whose JavaScript sees
    /// the whole document): then `add_values` may be used instead of `add`.
    pub fn reads_only_arguments(accs: &[Accumulator]) -> bool {
        accs.iter()
            .all(|acc| !sorts_by_other_fields(&acc.op) && acc.op != "$accumulator")
    }

    /// Adds one document, given as the group key and each accumulator's argument already
    /// evaluated (None = missing), in `accs`' order. Only for accumulators that
    /// `reads_only_arguments` admits.
    pub fn add_values(
        &mut self,
        key: Bson,
        values: impl IntoIterator<Item = Option<Bson>>,
    ) -> Result<()> {
        let slot = self.slot(key)?;
        let states = &mut self.groups[slot].1;
        for ((acc, state), v) in self.accs.iter().zip(states.iter_mut()).zip(values) {
            let (grew, shrank) = state.add(acc, v, None, self.limits, self.vars.collation())?;
            self.budget.release(shrank);
            self.budget.add(grew)?;
        }
        Ok(())
    }

    /// The slot of `key`'s group, made (and its size accounted) on the key's first arrival.
    fn slot(&mut self, key: Bson) -> Result<usize> {
        self.limits.tick()?;
        // Under a collation, "a" and "A" may be one group: the index holds collation keys and
        // the group keeps the first key it saw, as mongod does.
        let (key, original) = match self.vars.collation() {
            Some(c) => (Ordered(key_of(Some(c), &key)), Some(key)),
            None => (Ordered(key), None),
        };
        let slot = match self.index.get(&key) {
            Some(slot) => *slot,
            None => {
                // mongod counts a key once; this engine holds a second copy in the index.
                let k = held_value(&key.0);
                self.budget.add(Size {
                    bson: k.bson + GROUP_OVERHEAD_BYTES,
                    held: 2 * k.held + GROUP_OVERHEAD_BYTES,
                })?;
                self.groups.push((
                    original.unwrap_or_else(|| key.0.clone()),
                    self.accs.iter().map(Accumulating::new).collect(),
                ));
                self.index.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        Ok(slot)
    }

    /// The groups in the order their first document arrived: `{_id: key, field: value...}`.
    pub fn finish(self) -> Result<Vec<Document>> {
        let mut out = Vec::with_capacity(self.groups.len());
        for (key, states) in self.groups {
            self.limits.tick()?;
            let mut d = Document::new();
            d.insert("_id", key);
            for (acc, state) in self.accs.iter().zip(states) {
                d.insert(acc.field.clone(), state.finish(acc, self.vars)?);
            }
            out.push(d);
        }
        Ok(out)
    }
}

/// Groups documents by `id_expr` and computes the accumulators. The documents may be owned or
/// borrowed: only `$top`/`$bottom` keep a copy of each (they sort by other fields).
pub fn group<D: Borrow<Document>>(
    docs: impl IntoIterator<Item = D>,
    id_expr: &Bson,
    accs: &[Accumulator],
    vars: &Variables,
    limits: &Limits,
) -> Result<Vec<Document>> {
    let mut grouper = Grouper::new(accs, vars, limits);
    for doc in docs {
        let doc = doc.borrow();
        let key = evaluate_optional(id_expr, doc, vars)?.unwrap_or(Bson::Null);
        grouper.add(key, doc)?;
    }
    grouper.finish()
}

fn n_of(acc: &Accumulator, vars: &Variables) -> Result<usize> {
    let raw = match &acc.extra {
        Some(Bson::Document(d)) => d.get("n").cloned().unwrap_or(Bson::Int32(1)),
        Some(other) => other.clone(),
        None => Bson::Int32(1),
    };
    let v = crate::expr::evaluate(&raw, &Document::new(), vars)?;
    match crate::number::integral_i64(&v) {
        Some(n) if n > 0 => Ok(n as usize),
        _ => Err(QueryError::location(
            5787902,
            format!("{}: 'n' must be a positive integer", acc.op),
        )),
    }
}

/// Reduces the collected values of one accumulator.
pub fn finish(
    acc: &Accumulator,
    vals: Vec<(Option<Bson>, Document)>,
    vars: &Variables,
) -> Result<Bson> {
    let present = || vals.iter().filter_map(|(v, _)| v.clone());
    Ok(match acc.op.as_str() {
        "$sum" | "$count" => sum_values(present().collect::<Vec<_>>().iter()),
        "$avg" => avg_values(present().collect::<Vec<_>>().iter()),
        "$stdDevPop" => std_dev(present().collect::<Vec<_>>().iter(), false),
        "$stdDevSamp" => std_dev(present().collect::<Vec<_>>().iter(), true),
        "$min" | "$max" => {
            let want_max = acc.op == "$max";
            present()
                .filter(|v| !matches!(v, Bson::Null | Bson::Undefined))
                .reduce(|a, b| {
                    let o = compare(&b, &a);
                    if (want_max && o.is_gt()) || (!want_max && o.is_lt()) {
                        b
                    } else {
                        a
                    }
                })
                .unwrap_or(Bson::Null)
        }
        "$first" => vals
            .first()
            .and_then(|(v, _)| v.clone())
            .unwrap_or(Bson::Null),
        "$last" => vals
            .last()
            .and_then(|(v, _)| v.clone())
            .unwrap_or(Bson::Null),
        "$push" => Bson::Array(present().collect()),
        "$addToSet" => {
            let mut set: Vec<Bson> = Vec::new();
            for v in present() {
                if !set.iter().any(|x| equal(x, &v)) {
                    set.push(v);
                }
            }
            Bson::Array(set)
        }
        "$mergeObjects" => {
            let mut out = Document::new();
            for v in present() {
                match v {
                    Bson::Document(d) => out.extend(d),
                    Bson::Null | Bson::Undefined => {}
                    other => {
                        return Err(QueryError::location(
                            40400,
                            format!(
                                "$mergeObjects requires object inputs, but input {} is of type {}",
                                crate::fmt::short(&other),
                                crate::value::type_alias(&other)
                            ),
                        ));
                    }
                }
            }
            Bson::Document(out)
        }
        "$firstN" | "$lastN" => {
            let n = n_of(acc, vars)?;
            let all: Vec<Bson> = vals
                .iter()
                .map(|(v, _)| v.clone().unwrap_or(Bson::Null))
                .collect();
            let out: Vec<Bson> = if acc.op == "$firstN" {
                all.into_iter().take(n).collect()
            } else {
                let skip = all.len().saturating_sub(n);
                all.into_iter().skip(skip).collect()
            };
            Bson::Array(out)
        }
        "$maxN" | "$minN" => {
            let n = n_of(acc, vars)?;
            let mut all: Vec<Bson> = present()
                .filter(|v| !matches!(v, Bson::Null | Bson::Undefined))
                .collect();
            all.sort_by(compare);
            if acc.op == "$maxN" {
                all.reverse();
            }
            all.truncate(n);
            Bson::Array(all)
        }
        _ => {
            // $top, $bottom, $topN, $bottomN: order the documents by sortBy.
            let Some(Bson::Document(extra)) = &acc.extra else {
                return Err(QueryError::location(
                    5788005,
                    format!("{} requires sortBy and output", acc.op),
                ));
            };
            let Some(Bson::Document(sort_by)) = extra.get("sortBy") else {
                return Err(QueryError::location(
                    5788005,
                    format!("{} requires a sortBy document", acc.op),
                ));
            };
            let spec = crate::sort::SortSpec::parse(sort_by)?;
            let mut items: Vec<(Option<Bson>, Document)> = vals;
            items.sort_by(|a, b| spec.compare(&a.1, &b.1));
            if acc.op.starts_with("$bottom") {
                items.reverse();
            }
            let single = !acc.op.ends_with('N');
            let n = if single { 1 } else { n_of(acc, vars)? };
            let picked: Vec<Bson> = items
                .into_iter()
                .take(n)
                .map(|(v, _)| v.unwrap_or(Bson::Null))
                .collect();
            if single {
                picked.into_iter().next().unwrap_or(Bson::Null)
            } else {
                Bson::Array(picked)
            }
        }
    })
}

/// `$bucket`: documents into [boundary_i, boundary_i+1) buckets, others into `default`.
pub fn bucket(
    docs: Vec<Document>,
    spec: &Document,
    vars: &Variables,
    limits: &Limits,
) -> Result<Vec<Document>> {
    let group_by = spec.get("groupBy").ok_or_else(|| {
        QueryError::location(40198, "$bucket requires 'groupBy' and 'boundaries'")
    })?;
    let Some(Bson::Array(bounds)) = spec.get("boundaries") else {
        return Err(QueryError::location(
            40198,
            "$bucket requires 'groupBy' and 'boundaries'",
        ));
    };
    if bounds.len() < 2 {
        return Err(QueryError::location(
            40192,
            "$bucket 'boundaries' must have at least 2 values",
        ));
    }
    for w in bounds.windows(2) {
        if crate::value::type_order(&w[0]) != crate::value::type_order(&w[1]) {
            return Err(QueryError::location(
                40193,
                "$bucket 'boundaries' must all be of the same type",
            ));
        }
        if !compare(&w[0], &w[1]).is_lt() {
            return Err(QueryError::location(
                40194,
                "$bucket 'boundaries' must be sorted in ascending order",
            ));
        }
    }
    let default = spec.get("default");
    let output = match spec.get("output") {
        Some(Bson::Document(o)) => parse_accumulators(o)?,
        Some(_) => {
            return Err(QueryError::location(
                40196,
                "$bucket 'output' must be an object",
            ));
        }
        None => vec![Accumulator {
            field: "count".into(),
            op: "$sum".into(),
            expr: Bson::Int32(1),
            extra: None,
        }],
    };
    // Group on the bucket key, evaluating the outputs against the original document.
    let mut grouper = Grouper::new(&output, vars, limits);
    for doc in &docs {
        let v = evaluate_optional(group_by, doc, vars)?.unwrap_or(Bson::Null);
        let pos = bounds.windows(2).position(|w| {
            crate::value::type_order(&v) == crate::value::type_order(&w[0])
                && !compare(&v, &w[0]).is_lt()
                && compare(&v, &w[1]).is_lt()
        });
        let key = match (pos, default) {
            (Some(i), _) => bounds[i].clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => {
                return Err(QueryError::location(
                    40066,
                    format!(
                        "$switch could not find a matching branch for an input, and no default was specified: $bucket value {} is outside the boundaries",
                        crate::fmt::short(&v)
                    ),
                ));
            }
        };
        grouper.add(key, doc)?;
    }
    let mut groups = grouper.finish()?;
    // Buckets come out in boundary order, the default bucket last.
    let id = |d: &Document| d.get("_id").cloned().unwrap_or(Bson::Null);
    groups.sort_by(|a, b| {
        let is_default = |k: &Bson| !bounds.iter().any(|x| equal(x, k));
        let (a, b) = (id(a), id(b));
        is_default(&a)
            .cmp(&is_default(&b))
            .then_with(|| compare(&a, &b))
    });
    Ok(groups)
}

/// `$bucketAuto`: sorts by `groupBy` and cuts into `buckets` groups of about equal size.
pub fn bucket_auto(
    docs: Vec<Document>,
    spec: &Document,
    vars: &Variables,
    limits: &Limits,
) -> Result<Vec<Document>> {
    let group_by = spec.get("groupBy").ok_or_else(|| {
        QueryError::location(40246, "$bucketAuto requires 'groupBy' and 'buckets'")
    })?;
    let n = spec
        .get("buckets")
        .and_then(crate::number::integral_i64)
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            QueryError::location(40243, "$bucketAuto 'buckets' must be a positive integer")
        })? as usize;
    let output = match spec.get("output") {
        Some(Bson::Document(o)) => parse_accumulators(o)?,
        _ => vec![Accumulator {
            field: "count".into(),
            op: "$sum".into(),
            expr: Bson::Int32(1),
            extra: None,
        }],
    };
    // mongod sorts the documents by key with its external sorter: the sort budget applies.
    let mut budget = limits.budget(Budgeted::Sort);
    let mut keyed = Vec::with_capacity(docs.len());
    for doc in docs {
        limits.tick()?;
        let k = evaluate_optional(group_by, &doc, vars)?.unwrap_or(Bson::Null);
        // The document is moved, only its key is new.
        budget.add(Size::bson_only(document_size(&doc)) + held_value(&k))?;
        keyed.push((k, doc));
    }
    let keyed = limits.sort_by(keyed, |a, b| compare(&a.0, &b.0))?;
    let per = keyed.len().div_ceil(n).max(1);
    let mut buckets: Vec<Vec<(Bson, Document)>> = Vec::new();
    let mut current: Vec<(Bson, Document)> = Vec::new();
    for item in keyed {
        // Equal values stay in one bucket even if it grows past its share.
        if current.len() >= per && current.last().is_some_and(|(k, _)| !equal(k, &item.0)) {
            buckets.push(std::mem::take(&mut current));
        }
        current.push(item);
    }
    if !current.is_empty() {
        buckets.push(current);
    }
    let mut out = Vec::new();
    for i in 0..buckets.len() {
        let members = &buckets[i];
        let min = members
            .first()
            .map(|(k, _)| k.clone())
            .unwrap_or(Bson::Null);
        let max = match buckets.get(i + 1).and_then(|b| b.first()) {
            Some((k, _)) => k.clone(),
            None => members.last().map(|(k, _)| k.clone()).unwrap_or(Bson::Null),
        };
        let mut d = Document::new();
        let mut id = Document::new();
        id.insert("min", min);
        id.insert("max", max);
        d.insert("_id", id);
        let mut grouper = Grouper::new(&output, vars, limits);
        for (_, m) in members {
            grouper.add(Bson::Null, m)?;
        }
        for group in grouper.finish()? {
            d.extend(group.into_iter().filter(|(k, _)| k != "_id"));
        }
        out.push(d);
    }
    Ok(out)
}
