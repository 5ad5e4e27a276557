//! Sort specifications (`{a: 1, b: -1, score: {$meta: "textScore"}}`) and document comparison.
//!
//! MongoDB sorts an array field by one of its elements: the smallest for ascending order, the
//! largest for descending; an empty array sorts as `undefined` (before null), and a missing field
//! as null. Dotted paths use implicit array traversal, so `a.b` over `[{b: 3}, {b: 1}]` sorts
//! by 1 ascending and by 3 descending. A `$meta: "textScore"` key sorts by a score the caller has
//! already stored in the named field, highest first.

use crate::collation::Collation;
use crate::error::{QueryError, Result};
use crate::path::values_at_path;
use crate::value::compare_with;
use bson::{Bson, Document};
use std::cmp::Ordering;
use std::sync::Arc;

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    path: String,
    direction: i32,
    text_score: bool,
}

/// A parsed sort specification.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortSpec {
    keys: Vec<Key>,
    fields: Vec<(String, i32)>,
    /// Strings sort under this collation (None: binary).
    collation: Option<Arc<Collation>>,
}

impl SortSpec {
    /// Parses `{field: 1|-1|{$meta: "textScore"}}`; an empty document sorts nothing.
    pub fn parse(spec: &Document) -> Result<SortSpec> {
        let mut keys = Vec::new();
        for (path, value) in spec {
            if path.is_empty() || path.split('.').any(str::is_empty) {
                return Err(QueryError::bad_value(format!(
                    "sort: invalid field path '{path}': empty field names are not allowed"
                )));
            }
            let key = match value {
                Bson::Document(d) => match d.get("$meta") {
                    Some(Bson::String(m)) if m == "textScore" || m == "searchScore" => Key {
                        path: path.clone(),
                        direction: -1,
                        text_score: true,
                    },
                    _ => {
                        return Err(QueryError::location(
                            17312,
                            format!(
                                "Illegal key in $sort specification: {path}: {}; use 1, -1 or {{$meta: \"textScore\"}}",
                                crate::fmt::short(value)
                            ),
                        ));
                    }
                },
                _ => {
                    let n = crate::number::to_f64(value);
                    let direction = match n {
                        Some(1.0) => 1,
                        Some(-1.0) => -1,
                        _ => {
                            return Err(QueryError::location(
                                15975,
                                format!(
                                    "$sort key ordering must be 1 (for ascending) or -1 (for descending); got {path}: {}",
                                    crate::fmt::short(value)
                                ),
                            ));
                        }
                    };
                    Key {
                        path: path.clone(),
                        direction,
                        text_score: false,
                    }
                }
            };
            keys.push(key);
        }
        let fields = keys.iter().map(|k| (k.path.clone(), k.direction)).collect();
        Ok(SortSpec {
            keys,
            fields,
            collation: None,
        })
    }

    /// This sort with strings ordered under `collation` (None: binary).
    pub fn with_collation(mut self, collation: Option<Arc<Collation>>) -> SortSpec {
        self.collation = collation;
        self
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Compares two documents by the keys in order.
    pub fn compare(&self, a: &Document, b: &Document) -> Ordering {
        for key in &self.keys {
            let o = if key.text_score {
                // Inside a pipeline the score travels in a hidden field; find callers store it
                // under the sort key's own name.
                let score = |d: &Document| {
                    d.get(crate::aggregate::TEXT_SCORE_FIELD)
                        .or_else(|| d.get(&key.path))
                        .and_then(crate::number::to_f64)
                        .unwrap_or(0.0)
                };
                score(b).partial_cmp(&score(a)).unwrap_or(Ordering::Equal)
            } else {
                let collation = self.collation.as_deref();
                let ka = sort_key_with(a, &key.path, key.direction, collation);
                let kb = sort_key_with(b, &key.path, key.direction, collation);
                let o = compare_with(&ka, &kb, collation);
                if key.direction < 0 { o.reverse() } else { o }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    /// The sort fields and directions (text-score keys report -1).
    pub fn fields(&self) -> &[(String, i32)] {
        &self.fields
    }

    /// Paths sorted by `$meta: "textScore"`: the caller stores each document's score there.
    pub fn text_score_fields(&self) -> Vec<&str> {
        self.keys
            .iter()
            .filter(|k| k.text_score)
            .map(|k| k.path.as_str())
            .collect()
    }
}

/// The value a document sorts by on `path`: min (ascending) or max (descending) over all values
/// reached, with arrays contributing their elements.
pub fn sort_key(doc: &Document, path: &str, direction: i32) -> Bson {
    sort_key_with(doc, path, direction, None)
}

/// `sort_key` choosing among strings under a collation.
pub fn sort_key_with(
    doc: &Document,
    path: &str,
    direction: i32,
    collation: Option<&Collation>,
) -> Bson {
    let mut candidates: Vec<Bson> = Vec::new();
    for v in values_at_path(doc, path) {
        match v {
            Bson::Array(items) if items.is_empty() => candidates.push(Bson::Undefined),
            Bson::Array(items) => candidates.extend(items),
            other => candidates.push(other),
        }
    }
    let pick = |a: Bson, b: Bson| {
        let o = compare_with(&a, &b, collation);
        if (direction >= 0 && o == Ordering::Greater) || (direction < 0 && o == Ordering::Less) {
            b
        } else {
            a
        }
    };
    candidates.into_iter().reduce(pick).unwrap_or(Bson::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn sorted(spec: Document, mut docs: Vec<Document>) -> Vec<i32> {
        let s = SortSpec::parse(&spec).expect("valid sort");
        docs.sort_by(|a, b| s.compare(a, b));
        docs.iter()
            .map(|d| d.get_i32("_id").unwrap_or(-1))
            .collect()
    }

    #[test]
    fn arrays_sort_by_min_ascending_and_max_descending() {
        let docs = vec![doc! {"_id": 1, "a": [1, 10]}, doc! {"_id": 2, "a": 5}];
        assert_eq!(sorted(doc! {"a": 1}, docs.clone()), vec![1, 2]);
        assert_eq!(sorted(doc! {"a": -1}, docs), vec![1, 2]);
    }

    #[test]
    fn missing_sorts_as_null_and_empty_array_first() {
        let docs = vec![
            doc! {"_id": 1, "a": 1},
            doc! {"_id": 2},
            doc! {"_id": 3, "a": []},
        ];
        assert_eq!(sorted(doc! {"a": 1}, docs), vec![3, 2, 1]);
    }

    #[test]
    fn compound_and_dotted_keys() {
        let docs = vec![
            doc! {"_id": 1, "a": {"b": 2}, "c": 1},
            doc! {"_id": 2, "a": {"b": 1}, "c": 2},
            doc! {"_id": 3, "a": {"b": 1}, "c": 1},
        ];
        assert_eq!(sorted(doc! {"a.b": 1, "c": -1}, docs), vec![2, 3, 1]);
    }

    #[test]
    fn text_score_sorts_highest_first() {
        let docs = vec![doc! {"_id": 1, "s": 0.5}, doc! {"_id": 2, "s": 2.0}];
        assert_eq!(sorted(doc! {"s": {"$meta": "textScore"}}, docs), vec![2, 1]);
    }

    #[test]
    fn bad_directions_are_rejected() {
        assert_eq!(
            SortSpec::parse(&doc! {"a": 2}).expect_err("bad").code,
            15975
        );
        assert!(SortSpec::parse(&doc! {"a": "up"}).is_err());
        assert!(SortSpec::parse(&doc! {"a": {"$meta": "nope"}}).is_err());
    }
}
