//! Index bounds: which key intervals a filter allows on one field.
//!
//! The planner only ever needs a *superset* of the matching keys, because the
//! full filter is re-applied to every fetched document. So each operator we
//! cannot bound (`$ne`, `$regex`, `$elemMatch`, arrays...) simply leaves the
//! field unconstrained, and range operators are bracketed by type the way
//! MongoDB brackets them (`$gt: 5` scans numbers only: `(5, inf.0]`).

use std::cmp::Ordering;

use bson::{Bson, Document, oid::ObjectId};
use docdb_query::value::compare;

use crate::index::shell_value;

/// One interval of key values, in value space.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub low: Bson,
    pub low_inclusive: bool,
    pub high: Bson,
    pub high_inclusive: bool,
}

impl Interval {
    pub fn point(v: Bson) -> Interval {
        Interval {
            low: v.clone(),
            low_inclusive: true,
            high: v,
            high_inclusive: true,
        }
    }

    pub fn full() -> Interval {
        Interval {
            low: Bson::MinKey,
            low_inclusive: true,
            high: Bson::MaxKey,
            high_inclusive: true,
        }
    }

    pub fn is_point(&self) -> bool {
        self.low_inclusive
            && self.high_inclusive
            && compare(&self.low, &self.high) == Ordering::Equal
    }

    pub fn is_full(&self) -> bool {
        matches!(self.low, Bson::MinKey) && matches!(self.high, Bson::MaxKey)
    }

    /// True when `v` lies inside the interval.
    pub fn contains(&self, v: &Bson) -> bool {
        let lo = compare(v, &self.low);
        let hi = compare(v, &self.high);
        let above = lo == Ordering::Greater || (lo == Ordering::Equal && self.low_inclusive);
        let below = hi == Ordering::Less || (hi == Ordering::Equal && self.high_inclusive);
        above && below
    }

    /// True when every value of `self` is inside `other`.
    pub fn within(&self, other: &Interval) -> bool {
        let lo = compare(&self.low, &other.low);
        let hi = compare(&self.high, &other.high);
        let low_ok = lo == Ordering::Greater
            || (lo == Ordering::Equal && (other.low_inclusive || !self.low_inclusive));
        let high_ok = hi == Ordering::Less
            || (hi == Ordering::Equal && (other.high_inclusive || !self.high_inclusive));
        low_ok && high_ok
    }

    /// The intersection, `None` when empty.
    fn intersect(&self, other: &Interval) -> Option<Interval> {
        let (low, low_inclusive) = match compare(&self.low, &other.low) {
            Ordering::Greater => (self.low.clone(), self.low_inclusive),
            Ordering::Less => (other.low.clone(), other.low_inclusive),
            Ordering::Equal => (self.low.clone(), self.low_inclusive && other.low_inclusive),
        };
        let (high, high_inclusive) = match compare(&self.high, &other.high) {
            Ordering::Less => (self.high.clone(), self.high_inclusive),
            Ordering::Greater => (other.high.clone(), other.high_inclusive),
            Ordering::Equal => (
                self.high.clone(),
                self.high_inclusive && other.high_inclusive,
            ),
        };
        match compare(&low, &high) {
            Ordering::Greater => None,
            Ordering::Equal if !(low_inclusive && high_inclusive) => None,
            _ => Some(Interval {
                low,
                low_inclusive,
                high,
                high_inclusive,
            }),
        }
    }

    /// MongoDB's explain rendering: `[1, 1]`, `(5, inf.0]`; `reversed` shows
    /// the interval high-to-low, as for descending index fields.
    pub fn render(&self, reversed: bool) -> String {
        if reversed {
            format!(
                "{}{}, {}{}",
                if self.high_inclusive { "[" } else { "(" },
                bound_value(&self.high),
                bound_value(&self.low),
                if self.low_inclusive { "]" } else { ")" },
            )
        } else {
            format!(
                "{}{}, {}{}",
                if self.low_inclusive { "[" } else { "(" },
                bound_value(&self.low),
                bound_value(&self.high),
                if self.high_inclusive { "]" } else { ")" },
            )
        }
    }
}

fn bound_value(v: &Bson) -> String {
    match v {
        Bson::MinKey => "MinKey".into(),
        Bson::MaxKey => "MaxKey".into(),
        Bson::Double(d) if d.is_infinite() => {
            if *d > 0.0 {
                "inf.0".into()
            } else {
                "-inf.0".into()
            }
        }
        Bson::Double(d) if d.fract() == 0.0 => format!("{}.0", *d as i64),
        other => shell_value(other),
    }
}

/// The lowest and highest values of `v`'s type bracket.
fn bracket(v: &Bson) -> (Bson, bool, Bson, bool) {
    match v {
        Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_) => (
            Bson::Double(f64::NEG_INFINITY),
            true,
            Bson::Double(f64::INFINITY),
            true,
        ),
        Bson::String(_) | Bson::Symbol(_) => (
            Bson::String(String::new()),
            true,
            Bson::Document(Document::new()),
            false,
        ),
        Bson::DateTime(_) => (
            Bson::DateTime(bson::DateTime::from_millis(i64::MIN)),
            true,
            Bson::DateTime(bson::DateTime::from_millis(i64::MAX)),
            true,
        ),
        Bson::ObjectId(_) => (
            Bson::ObjectId(ObjectId::from_bytes([0; 12])),
            true,
            Bson::ObjectId(ObjectId::from_bytes([0xff; 12])),
            true,
        ),
        Bson::Boolean(_) => (Bson::Boolean(false), true, Bson::Boolean(true), true),
        _ => (Bson::MinKey, true, Bson::MaxKey, true),
    }
}

/// True for values whose equality keys are exact (arrays and regexes match
/// in ways a single point interval cannot describe).
fn pointable(v: &Bson) -> bool {
    !matches!(
        v,
        Bson::Array(_) | Bson::RegularExpression(_) | Bson::MinKey | Bson::MaxKey | Bson::Undefined
    )
}

/// The intervals `filter` allows for `path` (`None`: unconstrained).
/// `multikey` disables intersecting two range ends, which is wrong for
/// arrays (`{a: {$gt: 5, $lt: 10}}` matches `a: [1, 20]`).
pub fn field_intervals(filter: &Document, path: &str, multikey: bool) -> Option<Vec<Interval>> {
    let mut result: Option<Vec<Interval>> = None;
    let add = |ivs: Vec<Interval>, result: &mut Option<Vec<Interval>>| {
        *result = Some(match result.take() {
            None => ivs,
            Some(prev) => intersect_lists(&prev, &ivs, multikey),
        });
    };
    for (key, cond) in filter {
        if key == path {
            if let Some(ivs) = condition_intervals(cond, multikey) {
                add(ivs, &mut result);
            }
        } else if key == "$and"
            && let Bson::Array(items) = cond
        {
            for item in items {
                if let Bson::Document(sub) = item
                    && let Some(ivs) = field_intervals(sub, path, multikey)
                {
                    add(ivs, &mut result);
                }
            }
        }
    }
    result
}

fn intersect_lists(a: &[Interval], b: &[Interval], multikey: bool) -> Vec<Interval> {
    if multikey {
        // Keep the more selective-looking side without intersecting.
        return if a.iter().all(Interval::is_point) {
            a.to_vec()
        } else {
            b.to_vec()
        };
    }
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if let Some(i) = x.intersect(y) {
                out.push(i);
            }
        }
    }
    out
}

fn condition_intervals(cond: &Bson, multikey: bool) -> Option<Vec<Interval>> {
    let ops = match cond {
        Bson::Document(d) if d.keys().next().is_some_and(|k| k.starts_with('$')) => d,
        other => return pointable(other).then(|| vec![Interval::point(other.clone())]),
    };
    let mut result: Option<Vec<Interval>> = None;
    for (op, v) in ops {
        let ivs = match op.as_str() {
            "$eq" if pointable(v) => Some(vec![Interval::point(v.clone())]),
            "$in" => match v {
                Bson::Array(items) if items.iter().all(pointable) => {
                    let mut points: Vec<Bson> = items.clone();
                    points.sort_by(compare);
                    points.dedup_by(|a, b| compare(a, b) == Ordering::Equal);
                    Some(points.into_iter().map(Interval::point).collect())
                }
                _ => None,
            },
            "$gt" | "$gte" if pointable(v) && !matches!(v, Bson::Document(_) | Bson::Null) => {
                let (_, _, high, high_inclusive) = bracket(v);
                Some(vec![Interval {
                    low: v.clone(),
                    low_inclusive: op == "$gte",
                    high,
                    high_inclusive,
                }])
            }
            "$lt" | "$lte" if pointable(v) && !matches!(v, Bson::Document(_) | Bson::Null) => {
                let (low, low_inclusive, _, _) = bracket(v);
                Some(vec![Interval {
                    low,
                    low_inclusive,
                    high: v.clone(),
                    high_inclusive: op == "$lte",
                }])
            }
            _ => None,
        };
        if let Some(ivs) = ivs {
            result = Some(match result.take() {
                None => ivs,
                Some(prev) => intersect_lists(&prev, &ivs, multikey),
            });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn equality_and_in_give_points() {
        let f = doc! {"a": 5, "b": {"$in": [3, 1, 3]}};
        assert_eq!(
            field_intervals(&f, "a", false),
            Some(vec![Interval::point(Bson::Int32(5))])
        );
        let b = field_intervals(&f, "b", false).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].render(false), "[1, 1]");
        assert_eq!(field_intervals(&f, "c", false), None);
    }

    #[test]
    fn ranges_are_type_bracketed_and_intersected() {
        let f = doc! {"a": {"$gt": 5}};
        assert_eq!(
            field_intervals(&f, "a", false).unwrap()[0].render(false),
            "(5, inf.0]"
        );
        let f = doc! {"a": {"$gt": 5, "$lte": 9}};
        assert_eq!(
            field_intervals(&f, "a", false).unwrap()[0].render(false),
            "(5, 9]"
        );
        let f = doc! {"a": {"$gte": "m"}};
        assert_eq!(
            field_intervals(&f, "a", false).unwrap()[0].render(false),
            "[\"m\", {})"
        );
    }

    #[test]
    fn multikey_ranges_are_not_intersected() {
        let f = doc! {"a": {"$gt": 5, "$lt": 10}};
        let ivs = field_intervals(&f, "a", true).unwrap();
        assert!(ivs[0].contains(&Bson::Int32(20)) || ivs[0].contains(&Bson::Int32(1)));
    }

    #[test]
    fn unboundable_operators_leave_the_field_free() {
        assert_eq!(field_intervals(&doc! {"a": {"$ne": 1}}, "a", false), None);
        assert_eq!(field_intervals(&doc! {"a": [1, 2]}, "a", false), None);
    }

    #[test]
    fn and_clauses_contribute_bounds() {
        let f = doc! {"$and": [{"a": {"$gte": 1}}, {"a": {"$lt": 3}}]};
        assert_eq!(
            field_intervals(&f, "a", false).unwrap()[0].render(false),
            "[1, 3)"
        );
    }

    #[test]
    fn contains_and_within_respect_inclusivity() {
        let i = Interval {
            low: Bson::Int32(1),
            low_inclusive: false,
            high: Bson::Int32(5),
            high_inclusive: true,
        };
        assert!(!i.contains(&Bson::Int32(1)));
        assert!(i.contains(&Bson::Int32(5)));
        assert!(Interval::point(Bson::Int32(3)).within(&i));
        assert!(!Interval::full().within(&i));
    }
}
