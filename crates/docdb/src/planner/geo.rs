//! Planning `$near`/`$nearSphere`: they need a geo index on their path, as in mongod, and
//! that index's nearest-first scan is then the only plan (`GEO_NEAR_2DSPHERE`/`GEO_NEAR_2D`).

use bson::Document;

use crate::collection::Collection;
use crate::error::{CommandError, Result};
use crate::index::special::Special;
use crate::planner::{Access, Plan};

/// mongod's NoQueryExecutionPlans.
const NO_QUERY_EXECUTION_PLANS: i32 = 291;

/// `Some(plan)` when the filter has a `$near`/`$nearSphere`; an error when no geo index can
/// answer it (a GeoJSON origin needs a 2dsphere index, a flat `$near` a 2d index).
pub fn plan_near(coll: &Collection, filter: &Document) -> Result<Option<Plan>> {
    let Some((path, near)) = docdb_query::geo::near_of(filter) else {
        return Ok(None);
    };
    let found = coll.indexes.iter().position(|index| {
        let Some(special) = &index.spec.special else {
            return false;
        };
        let on_path = special
            .position()
            .is_some_and(|p| index.spec.fields[p].0 == path);
        on_path
            && match special {
                Special::Sphere { .. } => near.spherical,
                Special::Flat { .. } => !near.geojson,
                _ => false,
            }
    });
    match found {
        Some(index) => Ok(Some(Plan {
            access: Access::GeoNear { index },
            sort_covered: false,
            rejected: vec![],
        })),
        None => Err(CommandError::new(
            NO_QUERY_EXECUTION_PLANS,
            "error processing query: planner returned error :: caused by :: unable to find index for $geoNear query",
        )),
    }
}

/// `$geoWithin`/`$geoIntersects` on a geo-indexed field: a scan of that index (its documents
/// are the ones with a location there), shown as mongod shows it, an IXSCAN of the geo index.
/// The entries carry no cells, so the scan is over the whole index and the filter decides.
pub fn within_candidates(coll: &Collection, filter: &Document) -> Vec<(i64, Access, bool)> {
    let mut out = Vec::new();
    for (path, cond) in filter {
        let bson::Bson::Document(ops) = cond else {
            continue;
        };
        let spherical = ops.contains_key("$geoIntersects")
            || matches!(ops.get("$geoWithin").or(ops.get("$within")), Some(bson::Bson::Document(d)) if d.contains_key("$geometry") || d.contains_key("$centerSphere"));
        let flat = matches!(ops.get("$geoWithin").or(ops.get("$within")), Some(bson::Bson::Document(d)) if ["$box", "$polygon", "$center", "$centerSphere"].iter().any(|k| d.contains_key(*k)));
        for (i, index) in coll.indexes.iter().enumerate() {
            let Some(special) = &index.spec.special else {
                continue;
            };
            let usable = match special {
                Special::Sphere { .. } => spherical,
                Special::Flat { .. } => flat,
                _ => false,
            };
            let on_path = special
                .position()
                .is_some_and(|p| &index.spec.fields[p].0 == path);
            if usable && on_path && !index.spec.hidden {
                let intervals = index
                    .spec
                    .fields
                    .iter()
                    .map(|_| vec![crate::planner::Interval::full()])
                    .collect();
                out.push((
                    2,
                    Access::IndexScan {
                        index: i,
                        intervals,
                        backward: false,
                    },
                    false,
                ));
            }
        }
    }
    out
}
