//! The geospatial query operators: `$geoWithin` (`$within`), `$geoIntersects`, `$near`,
//! `$nearSphere`, parsed once and matched against each value a path reaches.
//!
//! Geometry goes through the `geo` crate: containment and intersection of GeoJSON shapes
//! are computed on (longitude, latitude) coordinates, and closest points of lines and
//! polygons. Spherical distances are the angle between unit vectors as S2 computes it
//! (`atan2(|a x b|, a . b)`), times mongod's Earth radius (`kRadiusOfEarthInMeters`,
//! 6378.1 km), so they agree with mongod to the last digit (the haversine formula differs
//! in the tenth). Legacy shapes (`$box`,
//! `$polygon`, `$center`) are flat and match legacy coordinate pairs only, as in mongod.

use bson::{Bson, Document};
use geo::{
    Closest, ClosestPoint, Contains, Coord, Distance, Euclidean, Geometry, Intersects, Point,
    Polygon, Rect, Within,
};

use super::shape::{Location, geojson, legacy_pair, location};
use crate::error::{QueryError, Result};

/// mongod's Earth radius in metres (`geometry/geoconstants.h`).
pub const EARTH_RADIUS_METERS: f64 = 6_378_100.0;

/// A parsed geospatial predicate.
#[derive(Debug, Clone)]
pub enum GeoQuery {
    Within(Region),
    Intersects(Geometry<f64>),
    Near(NearQuery),
}

/// The region of a `$geoWithin`.
#[derive(Debug, Clone)]
pub enum Region {
    /// `$geometry`: a GeoJSON Polygon or MultiPolygon on the sphere.
    Sphere(Geometry<f64>),
    /// `$box`: flat, bounds included.
    Box(Rect<f64>),
    /// `$polygon`: flat, edges included.
    Polygon(Polygon<f64>),
    /// `$center`: a flat disc (centre, radius).
    Center(Coord<f64>, f64),
    /// `$centerSphere`: a spherical cap (centre, radius in radians).
    CenterSphere(Coord<f64>, f64),
}

/// A `$near`/`$nearSphere`/`$geoNear` origin with its distance limits.
#[derive(Debug, Clone, PartialEq)]
pub struct NearQuery {
    pub point: Coord<f64>,
    /// The origin was GeoJSON: distances in metres on the sphere (needs a 2dsphere index).
    pub geojson: bool,
    /// Spherical distances (`$nearSphere`, `spherical: true`, or any GeoJSON origin).
    pub spherical: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl NearQuery {
    /// A `$geoNear` stage's origin (`near`) with its options.
    pub fn from_geo_near(
        near: &Bson,
        spherical: bool,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<NearQuery> {
        let (point, geojson) = near_point(near, "$geoNear")?;
        Ok(NearQuery {
            point,
            geojson,
            spherical: spherical || geojson,
            min,
            max,
        })
    }

    /// The distance from the origin to a location, in the query's unit (metres for a
    /// GeoJSON origin, radians for a legacy spherical one, plane units for a flat one);
    /// `None` when the location cannot be measured this way (GeoJSON under a flat query).
    pub fn distance(&self, loc: &Location) -> Option<f64> {
        if !self.spherical {
            return match loc {
                Location::Legacy(c) => {
                    Some(Euclidean.distance(Point::from(self.point), Point::from(*c)))
                }
                Location::GeoJson(_) => None,
            };
        }
        let target = match loc.point() {
            Some(p) => p,
            // A line or polygon is as far as its closest point (inside: distance 0).
            None => match loc.geometry().closest_point(&Point::from(self.point)) {
                Closest::Intersection(p) | Closest::SinglePoint(p) => p.0,
                Closest::Indeterminate => return None,
            },
        };
        let radius = if self.geojson {
            EARTH_RADIUS_METERS
        } else {
            1.0
        };
        Some(angle(self.point, target) * radius)
    }

    /// True when `d` lies within `[min, max]`.
    pub fn in_range(&self, d: f64) -> bool {
        self.min.is_none_or(|m| d >= m) && self.max.is_none_or(|m| d <= m)
    }
}

/// The angle in radians between two (longitude, latitude) points, as S2 measures it.
pub fn angle(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let unit = |c: Coord<f64>| {
        let (phi, theta) = (
            c.y * (std::f64::consts::PI / 180.0),
            c.x * (std::f64::consts::PI / 180.0),
        );
        [phi.cos() * theta.cos(), phi.cos() * theta.sin(), phi.sin()]
    };
    let (p, q) = (unit(a), unit(b));
    let cross = [
        p[1] * q[2] - p[2] * q[1],
        p[2] * q[0] - p[0] * q[2],
        p[0] * q[1] - p[1] * q[0],
    ];
    let norm = (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]).sqrt();
    let dot = p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
    norm.atan2(dot)
}

/// Reads an origin: a GeoJSON point (`true`) or a legacy pair (`false`).
fn near_point(v: &Bson, op: &str) -> Result<(Coord<f64>, bool)> {
    if let Bson::Document(d) = v
        && super::shape::is_geojson(d)
    {
        return match geojson(d) {
            Ok(Geometry::Point(p)) => Ok((p.0, true)),
            Ok(_) => Err(QueryError::bad_value(format!(
                "{op} requires a point, given {v}"
            ))),
            Err(e) => Err(QueryError::bad_value(e)),
        };
    }
    match legacy_pair(v) {
        Some(c) => Ok((c, false)),
        None => Err(QueryError::bad_value(format!(
            "invalid argument in geo near query: {v}"
        ))),
    }
}

fn distance_value(name: &str, v: &Bson) -> Result<f64> {
    let d = match v {
        Bson::Int32(i) => f64::from(*i),
        Bson::Int64(i) => *i as f64,
        Bson::Double(d) => *d,
        _ => {
            return Err(QueryError::bad_value(format!("{name} must be a number")));
        }
    };
    if d < 0.0 || d.is_nan() {
        return Err(QueryError::bad_value(format!(
            "{name} must be non-negative"
        )));
    }
    Ok(d)
}

/// Parses an operator document holding `$near` or `$nearSphere` (with `$maxDistance`,
/// `$minDistance` beside it for legacy pairs, or inside with `$geometry`).
pub fn parse_near(ops: &Document) -> Result<NearQuery> {
    let mut query: Option<NearQuery> = None;
    let mut min = None;
    let mut max = None;
    for (op, arg) in ops {
        match op.as_str() {
            "$near" | "$nearSphere" => {
                let spherical = op == "$nearSphere";
                let inner = match arg {
                    Bson::Document(d) if d.contains_key("$geometry") => Some(d),
                    _ => None,
                };
                let q = match inner {
                    Some(d) => {
                        let mut q = NearQuery {
                            point: near_point(d.get("$geometry").unwrap_or(&Bson::Null), op)?.0,
                            geojson: true,
                            spherical: true,
                            min: None,
                            max: None,
                        };
                        for (k, v) in d {
                            match k.as_str() {
                                "$geometry" => {}
                                "$maxDistance" => q.max = Some(distance_value(k, v)?),
                                "$minDistance" => q.min = Some(distance_value(k, v)?),
                                other => {
                                    return Err(QueryError::bad_value(format!(
                                        "invalid argument in geo near query: {other}"
                                    )));
                                }
                            }
                        }
                        q
                    }
                    None => {
                        let (point, geojson) = near_point(arg, op)?;
                        NearQuery {
                            point,
                            geojson,
                            spherical: spherical || geojson,
                            min: None,
                            max: None,
                        }
                    }
                };
                if query.is_some() {
                    return Err(QueryError::bad_value("Too many geoNear expressions"));
                }
                query = Some(q);
            }
            "$maxDistance" => max = Some(distance_value(op, arg)?),
            "$minDistance" => min = Some(distance_value(op, arg)?),
            other => {
                return Err(QueryError::bad_value(format!(
                    "invalid argument in geo near query: {other}"
                )));
            }
        }
    }
    let Some(mut q) = query else {
        return Err(QueryError::bad_value(
            "$maxDistance needs $near or $nearSphere",
        ));
    };
    if max.is_some() {
        q.max = max;
    }
    if min.is_some() {
        q.min = min;
    }
    Ok(q)
}

/// Parses the argument of `$geoWithin`/`$within` or `$geoIntersects`.
pub fn parse(op: &str, arg: &Bson) -> Result<GeoQuery> {
    let Bson::Document(spec) = arg else {
        return Err(QueryError::bad_value(format!(
            "{op} takes an object, found {arg}"
        )));
    };
    let Some((shape, value)) = spec.iter().next() else {
        return Err(QueryError::bad_value(format!("{op} needs a shape")));
    };
    if op == "$geoIntersects" {
        if shape != "$geometry" {
            return Err(QueryError::bad_value(format!(
                "$geoIntersects only supports $geometry, found {shape}"
            )));
        }
        return Ok(GeoQuery::Intersects(geometry_argument(value)?));
    }
    let region = match shape.as_str() {
        "$geometry" => match geometry_argument(value)? {
            g @ (Geometry::Polygon(_) | Geometry::MultiPolygon(_)) => Region::Sphere(g),
            _ => {
                return Err(QueryError::bad_value(format!(
                    "$geoWithin not supported with provided geometry: {{ $geometry: {value} }}"
                )));
            }
        },
        "$box" => {
            let corners = pairs(value, "$box")?;
            let [a, b] = corners.as_slice() else {
                return Err(QueryError::bad_value("$box needs exactly two points"));
            };
            Region::Box(Rect::new(*a, *b))
        }
        "$polygon" => {
            let points = pairs(value, "$polygon")?;
            if points.len() < 3 {
                return Err(QueryError::bad_value("Polygon must have at least 3 points"));
            }
            Region::Polygon(Polygon::new(points.into(), vec![]))
        }
        "$center" | "$centerSphere" => {
            let Bson::Array(items) = value else {
                return Err(QueryError::bad_value(format!(
                    "{shape} needs [center, radius]"
                )));
            };
            let (Some(center), Some(radius)) = (items.first().and_then(legacy_pair), items.get(1))
            else {
                return Err(QueryError::bad_value(format!(
                    "{shape} needs [center, radius]"
                )));
            };
            let radius = distance_value("radius", radius)?;
            if shape == "$center" {
                Region::Center(center, radius)
            } else {
                Region::CenterSphere(center, radius)
            }
        }
        other => {
            return Err(QueryError::bad_value(format!(
                "unknown geo specifier: {other}"
            )));
        }
    };
    Ok(GeoQuery::Within(region))
}

fn geometry_argument(v: &Bson) -> Result<Geometry<f64>> {
    match v {
        Bson::Document(d) => geojson(d).map_err(QueryError::bad_value),
        other => Err(QueryError::bad_value(format!(
            "$geometry takes a GeoJSON object, found {other}"
        ))),
    }
}

fn pairs(v: &Bson, shape: &str) -> Result<Vec<Coord<f64>>> {
    let Bson::Array(items) = v else {
        return Err(QueryError::bad_value(format!(
            "{shape} needs an array of points"
        )));
    };
    items
        .iter()
        .map(|p| {
            legacy_pair(p).ok_or_else(|| {
                QueryError::bad_value(format!("{shape}: point must be [x, y], found {p}"))
            })
        })
        .collect()
}

impl GeoQuery {
    /// True when the value at a path (a location, or an array of locations) matches.
    pub fn matches_value(&self, v: &Bson) -> bool {
        match location(v) {
            Ok(Some(loc)) => self.matches_location(&loc),
            // An array of locations matches when one of them does.
            _ => match v {
                Bson::Array(items) => items.iter().any(|item| match location(item) {
                    Ok(Some(loc)) => self.matches_location(&loc),
                    _ => false,
                }),
                _ => false,
            },
        }
    }

    fn matches_location(&self, loc: &Location) -> bool {
        match self {
            GeoQuery::Near(q) => q.distance(loc).is_some_and(|d| q.in_range(d)),
            GeoQuery::Intersects(g) => loc.geometry().intersects(g),
            GeoQuery::Within(region) => match (region, loc) {
                (Region::Sphere(g), _) => loc.geometry().is_within(g),
                (Region::Box(r), Location::Legacy(c)) => r.intersects(c),
                (Region::Polygon(p), Location::Legacy(c)) => p.intersects(c),
                (Region::Center(center, r), Location::Legacy(c)) => {
                    Euclidean.distance(Point::from(*center), Point::from(*c)) <= *r
                }
                (Region::CenterSphere(center, r), _) => {
                    let cap = NearQuery {
                        point: *center,
                        geojson: false,
                        spherical: true,
                        min: None,
                        max: Some(*r),
                    };
                    all_vertices(&loc.geometry())
                        .iter()
                        .all(|c| cap.distance(&Location::Legacy(*c)).is_some_and(|d| d <= *r))
                }
                // Flat shapes hold legacy pairs only.
                _ => false,
            },
        }
    }
}

/// The vertices of a geometry (a shape is inside a cap when all of them are).
fn all_vertices(g: &Geometry<f64>) -> Vec<Coord<f64>> {
    use geo::CoordsIter;
    g.coords_iter().collect()
}

/// Keeps `Contains` in use for polygons given as regions by callers of this module.
pub fn polygon_contains(p: &Polygon<f64>, c: Coord<f64>) -> bool {
    p.contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn point(lng: f64, lat: f64) -> Bson {
        Bson::Document(doc! {"type": "Point", "coordinates": [lng, lat]})
    }

    #[test]
    fn spherical_distance_uses_mongods_earth_radius() {
        // $geoNear reference example: Sara D. Roosevelt Park is 0.9539931676365992 m away.
        let q = NearQuery::from_geo_near(&point(-73.99279, 40.719296), true, None, None).unwrap();
        let loc = location(&point(-73.9928, 40.7193)).unwrap().unwrap();
        let d = q.distance(&loc).unwrap();
        assert_eq!(d, 0.9539931676365992);
    }

    #[test]
    fn within_polygon_and_legacy_shapes() {
        let poly = parse(
            "$geoWithin",
            &Bson::Document(doc! {"$geometry": {"type": "Polygon", "coordinates": [[[0, 0], [3, 6], [6, 1], [0, 0]]]}}),
        )
        .unwrap();
        assert!(poly.matches_value(&point(3.0, 3.0)));
        assert!(!poly.matches_value(&point(5.0, 5.0)));
        let boxed = parse(
            "$geoWithin",
            &Bson::Document(doc! {"$box": [[0, 0], [100, 100]]}),
        )
        .unwrap();
        assert!(boxed.matches_value(&Bson::Array(vec![Bson::Int32(100), Bson::Int32(0)])));
        assert!(!boxed.matches_value(&point(50.0, 50.0)));
    }

    #[test]
    fn near_reads_sibling_distances() {
        let q = parse_near(&doc! {"$near": [1, 1], "$maxDistance": 2}).unwrap();
        assert_eq!(q.max, Some(2.0));
        assert!(!q.spherical && !q.geojson);
        assert!(parse_near(&doc! {"$near": {"$geometry": {"type": "Point", "coordinates": [0, 0]}, "$maxDistance": -1}}).is_err());
    }
}
