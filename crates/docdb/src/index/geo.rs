//! `2dsphere` and `2d` indexes: which documents they hold, and nearest-first scans.
//!
//! The index keeps one entry per document that has a location on the geo field (both kinds
//! are sparse on it, as mongod's 2dsphere v2+ and 2d are), with the other key fields as
//! usual. Its job here is to validate locations on every write with mongod's errors and to
//! give `$near`/`$nearSphere`/`$geoNear` the documents to order: a scan measures each indexed
//! location and sorts by distance, which is exact; no cell covering is kept.

use bson::{Bson, Document};
use docdb_query::geo::{Location, NearQuery, location};

use crate::error::{CommandError, Result};
use crate::index::Index;
use crate::index::special::Special;

/// The value at a dotted path, without expanding arrays (a legacy pair is an array).
pub fn value_at<'a>(doc: &'a Document, path: &str) -> Option<&'a Bson> {
    let mut current: Option<&Bson> = None;
    for part in path.split('.') {
        current = match current {
            None => doc.get(part),
            Some(Bson::Document(d)) => d.get(part),
            _ => return None,
        };
        current?;
    }
    current
}

/// The locations of `v`: one location, or an array of them.
fn locations_of(v: &Bson) -> std::result::Result<Vec<Location>, String> {
    match location(v)? {
        Some(loc) => Ok(vec![loc]),
        None => match v {
            Bson::Array(items) if !items.is_empty() => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match location(item)? {
                        Some(loc) => out.push(loc),
                        None => return Err(not_a_location(item)),
                    }
                }
                Ok(out)
            }
            other => Err(not_a_location(other)),
        },
    }
}

fn not_a_location(v: &Bson) -> String {
    format!(
        "Point must be an array or object, instead got type {}",
        docdb_query::value::type_alias(v)
    )
}

/// Checks the geo field of `doc`; `Ok(false)` when the document has no location there
/// (it is left out of the index).
pub fn check_document(special: &Special, path: &str, doc: &Document) -> Result<bool> {
    let v = match value_at(doc, path) {
        None | Some(Bson::Null) => return Ok(false),
        Some(v) => v,
    };
    let shown = crate::index::shell_value(&Bson::Document(doc.clone()));
    match special {
        Special::Flat { min, max, .. } => {
            let pairs: Vec<&Bson> = match v {
                Bson::Array(items)
                    if items
                        .first()
                        .is_some_and(|i| matches!(i, Bson::Array(_) | Bson::Document(_))) =>
                {
                    items.iter().collect()
                }
                _ => vec![v],
            };
            for pair in pairs {
                let is_geojson =
                    matches!(pair, Bson::Document(d) if docdb_query::geo::shape::is_geojson(d));
                let Some(c) = docdb_query::geo::shape::legacy_pair(pair).filter(|_| !is_geojson)
                else {
                    return Err(CommandError::new(
                        16804,
                        format!(
                            "location object expected, location array not in correct format :: caused by :: {shown}"
                        ),
                    ));
                };
                if c.x < *min || c.x >= *max || c.y < *min || c.y >= *max {
                    return Err(CommandError::new(
                        13027,
                        format!(
                            "point not in interval of [ {min}, {max} ) :: caused by :: {shown}"
                        ),
                    ));
                }
            }
            Ok(true)
        }
        _ => match locations_of(v) {
            Ok(_) => Ok(true),
            Err(why) => Err(CommandError::new(
                16755,
                format!("Can't extract geo keys: {shown}  {why}"),
            )),
        },
    }
}

/// The records of `index` whose location lies within the query's distances, nearest first,
/// with their distances. `keys` counts the entries read.
pub fn near_records(
    index: &Index,
    records: &crate::records::Records,
    near: &NearQuery,
    keys: &mut u64,
    check: &dyn Fn() -> Result<()>,
) -> Result<Vec<(u64, f64)>> {
    let Some(position) = index.spec.special.as_ref().and_then(Special::position) else {
        return Ok(Vec::new());
    };
    let path = &index.spec.fields[position].0;
    let mut found: Vec<(u64, f64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for entry in &index.entries {
        *keys += 1;
        if (*keys).is_multiple_of(512) {
            check()?;
        }
        // Compound keys repeat a record (one entry per key): measure it once.
        if !seen.insert(entry.record) {
            continue;
        }
        let Some(doc) = records.document(entry.record) else {
            continue;
        };
        if let Some(d) = distance(&doc, path, near)
            && near.in_range(d)
        {
            found.push((entry.record, d));
        }
    }
    found.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(found)
}

/// The distance from the query's origin to the nearest location of `doc` at `path`.
pub fn distance(doc: &Document, path: &str, near: &NearQuery) -> Option<f64> {
    nearest(doc, path, near).map(|(d, _)| d)
}

/// The nearest location at `path` (for `includeLocs`) and its distance.
pub fn nearest(doc: &Document, path: &str, near: &NearQuery) -> Option<(f64, Bson)> {
    let v = value_at(doc, path)?;
    let candidates: Vec<&Bson> = match location(v) {
        Ok(Some(_)) => vec![v],
        _ => match v {
            Bson::Array(items) => items.iter().collect(),
            _ => return None,
        },
    };
    candidates
        .into_iter()
        .filter_map(|c| {
            let loc = location(c).ok()??;
            Some((near.distance(&loc)?, c.clone()))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
}
