//! Geospatial semantics: locations in documents (`shape`) and the query operators on them
//! (`query`). The engine's `2dsphere`/`2d` indexes and `$geoNear` build on these; the
//! matcher uses them for `$geoWithin`, `$geoIntersects`, `$near` and `$nearSphere`.

pub mod query;
pub mod shape;

use bson::{Bson, Document};

pub use query::{EARTH_RADIUS_METERS, GeoQuery, NearQuery, Region};
pub use shape::{Location, location};

/// The `$near`/`$nearSphere` of a filter (top level, or in a top-level `$and`) with its path.
pub fn near_of(filter: &Document) -> Option<(String, NearQuery)> {
    for (k, v) in filter {
        if k == "$and" {
            if let Bson::Array(items) = v {
                for item in items {
                    if let Bson::Document(d) = item
                        && let Some(found) = near_of(d)
                    {
                        return Some(found);
                    }
                }
            }
            continue;
        }
        if let Bson::Document(ops) = v
            && (ops.contains_key("$near") || ops.contains_key("$nearSphere"))
        {
            return query::parse_near(ops).ok().map(|q| (k.clone(), q));
        }
    }
    None
}
