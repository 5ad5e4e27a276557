//! Reading locations out of documents: GeoJSON objects and legacy coordinate pairs.
//!
//! mongod stores two kinds of location. GeoJSON (`{type: "Point", coordinates: [lng, lat]}` and
//! the other six types) lives on the sphere and is what `2dsphere` indexes and `$geometry`
//! queries use; a legacy pair (`[x, y]` or `{x: .., y: ..}`, the first two numbers) is a point
//! on a flat plane for `2d` indexes and `$box`/`$center`/`$polygon`, and also a point on the
//! sphere for `$centerSphere`/`$nearSphere`. Validation follows mongod's GeoJSON parser
//! (`geoparser.cpp`): the message is what `Can't extract geo keys` (16755) reports after it.

use bson::{Bson, Document};
use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

/// A location found in a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// A GeoJSON object (longitude, latitude in degrees).
    GeoJson(Geometry<f64>),
    /// A legacy coordinate pair.
    Legacy(Coord<f64>),
}

impl Location {
    /// The location as a geometry in (x, y) = (longitude, latitude) degrees.
    pub fn geometry(&self) -> Geometry<f64> {
        match self {
            Location::GeoJson(g) => g.clone(),
            Location::Legacy(c) => Geometry::Point(Point::from(*c)),
        }
    }

    /// The point, when the location is one.
    pub fn point(&self) -> Option<Coord<f64>> {
        match self {
            Location::Legacy(c) => Some(*c),
            Location::GeoJson(Geometry::Point(p)) => Some(p.0),
            Location::GeoJson(_) => None,
        }
    }
}

fn number(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(i) => Some(f64::from(*i)),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Double(d) => Some(*d),
        Bson::Decimal128(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

/// A legacy pair: an array or a document whose first two values are numbers.
pub fn legacy_pair(v: &Bson) -> Option<Coord<f64>> {
    let mut values: Box<dyn Iterator<Item = &Bson>> = match v {
        Bson::Array(items) => Box::new(items.iter()),
        Bson::Document(d) => Box::new(d.values()),
        _ => return None,
    };
    let x = number(values.next()?)?;
    let y = number(values.next()?)?;
    Some(Coord { x, y })
}

/// True when `d` looks like a GeoJSON object (has a string `type`), valid or not.
pub fn is_geojson(d: &Document) -> bool {
    matches!(d.get("type"), Some(Bson::String(_)))
}

/// Reads a location: GeoJSON when the value is a document with a `type`, else a legacy pair.
/// `Err` explains why a GeoJSON object is malformed; `Ok(None)` is "not a location at all".
pub fn location(v: &Bson) -> Result<Option<Location>, String> {
    if let Bson::Document(d) = v
        && is_geojson(d)
    {
        return geojson(d).map(|g| Some(Location::GeoJson(g)));
    }
    Ok(legacy_pair(v).map(Location::Legacy))
}

/// Parses and validates a GeoJSON object.
pub fn geojson(d: &Document) -> Result<Geometry<f64>, String> {
    let kind = match d.get("type") {
        Some(Bson::String(s)) => s.as_str(),
        _ => return Err("unknown GeoJSON type: {}".into()),
    };
    if let Some(crs) = d.get("crs") {
        return Err(format!(
            "the GeoJSON 'crs' member ({crs}) is not supported by the embedded engine (big polygons)"
        ));
    }
    if kind == "GeometryCollection" {
        let Some(Bson::Array(items)) = d.get("geometries") else {
            return Err("GeometryCollection geometries must be an array".into());
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let Bson::Document(g) = item else {
                return Err(format!("Element {item} of \"geometries\" is not an object"));
            };
            out.push(geojson(g)?);
        }
        return Ok(Geometry::GeometryCollection(GeometryCollection(out)));
    }
    let coordinates = match d.get("coordinates") {
        Some(Bson::Array(c)) => c,
        Some(other) => {
            return Err(format!(
                "coordinates must be an array, instead got type {}",
                crate::value::type_alias(other)
            ));
        }
        None => {
            return Err(format!(
                "{kind} must be an array or object, instead got type missing"
            ));
        }
    };
    match kind {
        "Point" => Ok(Geometry::Point(Point::from(position(coordinates)?))),
        "LineString" => Ok(Geometry::LineString(line(coordinates)?)),
        "Polygon" => Ok(Geometry::Polygon(polygon(coordinates)?)),
        "MultiPoint" => {
            let points = each(coordinates, |c| position(c).map(Point::from))?;
            if points.is_empty() {
                return Err("MultiPoint coordinates must have at least 1 element".into());
            }
            Ok(Geometry::MultiPoint(MultiPoint(points)))
        }
        "MultiLineString" => Ok(Geometry::MultiLineString(MultiLineString(each(
            coordinates,
            line,
        )?))),
        "MultiPolygon" => Ok(Geometry::MultiPolygon(MultiPolygon(each(
            coordinates,
            polygon,
        )?))),
        other => Err(format!("unknown GeoJSON type: {other}")),
    }
}

/// Parses every element of `items` (each itself an array) with `parse`.
fn each<T>(items: &[Bson], parse: impl Fn(&[Bson]) -> Result<T, String>) -> Result<Vec<T>, String> {
    items
        .iter()
        .map(|item| match item {
            Bson::Array(a) => parse(a),
            other => Err(format!(
                "coordinates must be an array, instead got type {}",
                crate::value::type_alias(other)
            )),
        })
        .collect()
}

/// One GeoJSON position: `[longitude, latitude]` within bounds.
fn position(c: &[Bson]) -> Result<Coord<f64>, String> {
    let numbers: Option<Vec<f64>> = c.iter().map(number).collect();
    let Some(numbers) = numbers else {
        return Err("Point must only contain numeric elements".into());
    };
    if numbers.len() < 2 {
        return Err("Point must contain at least two numeric elements".into());
    }
    let (lng, lat) = (numbers[0], numbers[1]);
    if !(-180.0..=180.0).contains(&lng) || !(-90.0..=90.0).contains(&lat) {
        return Err(format!(
            "longitude/latitude is out of bounds, lng: {lng} lat: {lat}"
        ));
    }
    Ok(Coord { x: lng, y: lat })
}

fn positions(c: &[Bson]) -> Result<Vec<Coord<f64>>, String> {
    each(c, position)
}

fn line(c: &[Bson]) -> Result<LineString<f64>, String> {
    let points = positions(c)?;
    if points.len() < 2 {
        return Err(format!(
            "GeoJSON LineString must have at least 2 vertices: {}",
            Bson::Array(c.to_vec())
        ));
    }
    Ok(LineString(points))
}

fn polygon(c: &[Bson]) -> Result<Polygon<f64>, String> {
    if c.is_empty() {
        return Err("Polygon has no loops.".into());
    }
    let mut rings = Vec::with_capacity(c.len());
    for ring in c {
        let Bson::Array(ring) = ring else {
            return Err("Polygon coordinates must be an array of arrays".into());
        };
        let points = positions(ring)?;
        if points.len() < 4 {
            return Err(format!(
                "Loop must have at least 3 different vertices: {}",
                Bson::Array(ring.clone())
            ));
        }
        if points.first() != points.last() {
            return Err(format!(
                "Loop is not closed, first vertex does not equal last vertex: {}",
                Bson::Array(ring.clone())
            ));
        }
        rings.push(LineString(points));
    }
    let exterior = rings.remove(0);
    Ok(Polygon::new(exterior, rings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn points_and_pairs_are_read() {
        let p = location(&Bson::Document(
            doc! {"type": "Point", "coordinates": [-73.97, 40.77]},
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            p.point(),
            Some(Coord {
                x: -73.97,
                y: 40.77
            })
        );
        let l = location(&Bson::Array(vec![Bson::Int32(1), Bson::Double(2.5)]))
            .unwrap()
            .unwrap();
        assert_eq!(l, Location::Legacy(Coord { x: 1.0, y: 2.5 }));
        assert_eq!(location(&Bson::String("x".into())).unwrap(), None);
    }

    #[test]
    fn malformed_geojson_says_why() {
        let e = geojson(&doc! {"type": "Point", "coordinates": [200, 0]}).unwrap_err();
        assert!(e.contains("out of bounds"), "{e}");
        let e =
            geojson(&doc! {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})
                .unwrap_err();
        assert!(e.contains("not closed"), "{e}");
        let e = geojson(&doc! {"type": "Point"}).unwrap_err();
        assert!(e.contains("missing"), "{e}");
    }
}
