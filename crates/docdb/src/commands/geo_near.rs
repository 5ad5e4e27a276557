//! The `$geoNear` aggregation stage: documents nearest first, with their distance.
//!
//! It must be the first stage (40603) and needs a geo index (`IndexNotFound`, 27, with
//! mongod's messages for none and for more than one); `key` picks the indexed field. The
//! stage is turned into a `$near`/`$nearSphere` on that field plus its `query`, so it runs
//! through the planner's GEO_NEAR scan; then `distanceField` (times `distanceMultiplier`) and
//! `includeLocs` are set on each document and the rest of the pipeline runs over them.
//! Units as mongod's: metres for a GeoJSON `near`, radians for a legacy pair with
//! `spherical: true`, plane units otherwise.

use bson::{Bson, Document, doc};
use docdb_query::aggregate::OutputStage;
use docdb_query::geo::NearQuery;

use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};
use crate::exec::{SelectRequest, Selection, select};
use crate::index::special::Special;

/// The parsed stage.
struct GeoNear {
    near: Bson,
    distance_field: String,
    spherical: bool,
    max: Option<f64>,
    min: Option<f64>,
    query: Document,
    key: Option<String>,
    include_locs: Option<String>,
    multiplier: f64,
}

fn bad(code: i32, message: impl Into<String>) -> CommandError {
    CommandError::new(code, message)
}

fn number(name: &str, v: &Bson) -> Result<f64> {
    crate::index::spec::number(v)
        .ok_or_else(|| CommandError::type_mismatch(format!("$geoNear: {name} must be a number")))
}

fn string(name: &str, v: &Bson) -> Result<String> {
    match v {
        Bson::String(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(CommandError::type_mismatch(format!(
            "$geoNear requires that '{name}' option is a String"
        ))),
    }
}

fn parse(spec: &Bson) -> Result<GeoNear> {
    let Bson::Document(spec) = spec else {
        return Err(bad(
            10065,
            "invalid parameter: object expected for $geoNear",
        ));
    };
    let mut stage = GeoNear {
        near: Bson::Null,
        distance_field: String::new(),
        spherical: false,
        max: None,
        min: None,
        query: Document::new(),
        key: None,
        include_locs: None,
        multiplier: 1.0,
    };
    for (k, v) in spec {
        match k.as_str() {
            "near" => stage.near = v.clone(),
            "distanceField" => stage.distance_field = string(k, v)?,
            "spherical" => stage.spherical = docdb_query::value::is_truthy(v),
            "maxDistance" => stage.max = Some(number(k, v)?),
            "minDistance" => stage.min = Some(number(k, v)?),
            "query" => match v {
                Bson::Document(q) => stage.query = q.clone(),
                _ => {
                    return Err(CommandError::type_mismatch(
                        "$geoNear: query must be an object",
                    ));
                }
            },
            "key" => stage.key = Some(string(k, v)?),
            "includeLocs" => stage.include_locs = Some(string(k, v)?),
            "distanceMultiplier" => {
                stage.multiplier = number(k, v)?;
                if stage.multiplier < 0.0 {
                    return Err(bad(
                        codes::BAD_VALUE,
                        "distanceMultiplier must be a non-negative number",
                    ));
                }
            }
            other => {
                return Err(bad(
                    codes::BAD_VALUE,
                    format!("Unknown argument to $geoNear: {other}"),
                ));
            }
        }
    }
    if matches!(stage.near, Bson::Null) {
        return Err(bad(5860400, "$geoNear requires a 'near' argument"));
    }
    if stage.distance_field.is_empty() {
        return Err(bad(
            16606,
            "$geoNear requires a 'distanceField' option as a String",
        ));
    }
    for (name, d) in [("maxDistance", stage.max), ("minDistance", stage.min)] {
        if d.is_some_and(|d| d < 0.0) {
            return Err(bad(codes::BAD_VALUE, format!("{name} must be nonnegative")));
        }
    }
    Ok(stage)
}

/// The field `$geoNear` measures: `key`, else the only 2d index's, else the only 2dsphere's.
fn geo_field(coll: &crate::collection::Collection, ns: &str, key: Option<&str>) -> Result<String> {
    let geo_fields = |flat: bool| -> Vec<String> {
        coll.indexes
            .iter()
            .filter_map(|i| {
                let s = i.spec.special.as_ref()?;
                let is = matches!(s, Special::Flat { .. }) == flat && s.is_geo();
                let position = s.position()?;
                is.then(|| i.spec.fields[position].0.clone())
            })
            .collect()
    };
    if let Some(key) = key {
        let known = geo_fields(true)
            .into_iter()
            .chain(geo_fields(false))
            .any(|f| f == key);
        if !known {
            return Err(bad(
                codes::BAD_VALUE,
                format!(
                    "error processing query: planner returned error :: caused by :: unable to find index for $geoNear query on key '{key}'"
                ),
            ));
        }
        return Ok(key.to_string());
    }
    for (flat, name) in [(true, "2d"), (false, "2dsphere")] {
        let fields = geo_fields(flat);
        match fields.len() {
            0 => continue,
            1 => return Ok(fields[0].clone()),
            _ => {
                return Err(bad(
                    codes::INDEX_NOT_FOUND,
                    format!(
                        "There is more than one {name} index on {ns}; unsure which to use for $geoNear"
                    ),
                ));
            }
        }
    }
    Err(bad(
        codes::INDEX_NOT_FOUND,
        "$geoNear requires a 2d or 2dsphere index, but none were found",
    ))
}

/// Runs a pipeline that starts with `$geoNear`; `None` when it does not. A `$geoNear`
/// anywhere else is refused as mongod refuses it.
#[allow(clippy::type_complexity)]
pub fn run(
    ctx: &Ctx,
    coll: Option<&str>,
    stages: &[Document],
) -> Result<Option<(Vec<Document>, Option<OutputStage>, Option<Selection>)>> {
    if stages.iter().skip(1).any(|s| s.contains_key("$geoNear")) {
        return Err(bad(
            40603,
            "$geoNear is only valid as the first stage in a pipeline.",
        ));
    }
    // A `$match` cannot sort by distance (drivers' countDocuments is such a pipeline).
    let near_in_match = stages.iter().any(|s| {
        matches!(s.get("$match"), Some(Bson::Document(m)) if docdb_query::geo::near_of(m).is_some())
    });
    if near_in_match {
        return Err(bad(
            5626500,
            "$geoNear, $near, and $nearSphere are not allowed in this context, as these operators require sorting geospatial data. If you do not need sort, consider using $geoWithin instead. Check out https://dochub.mongodb.org/core/near-sort-operation and https://dochub.mongodb.org/core/nearSphere-sort-operationfor more details.",
        ));
    }
    let Some(spec) = stages.first().and_then(|s| s.get("$geoNear")) else {
        return Ok(None);
    };
    let stage = parse(spec)?;
    let near = NearQuery::from_geo_near(&stage.near, stage.spherical, stage.min, stage.max)?;
    let ns = format!("{}.{}", ctx.db, coll.unwrap_or(""));
    let produced = ctx
        .engine
        .read(|cat| -> Result<(Vec<Document>, Option<Selection>)> {
            let Some(c) = coll.and_then(|name| cat.get(ctx.db, name)) else {
                return Ok((Vec::new(), None));
            };
            let field = geo_field(c, &ns, stage.key.as_deref())?;
            let filter = near_filter(&stage, &field, &near);
            let req = SelectRequest {
                filter: Some(&filter),
                memory: super::aggregate::memory_limits(ctx)?,
                collation: c.collation.as_ref(),
                ..Default::default()
            };
            let selection = select(c, &req, &ctx.guard)?;
            let mut docs = Vec::with_capacity(selection.rows.len());
            for row in &selection.rows {
                let Some(mut doc) = c.records.document(row.record) else {
                    continue;
                };
                if let Some((d, loc)) = crate::index::geo::nearest(&doc, &field, &near) {
                    docdb_query::path::set_path_overwrite(
                        &mut doc,
                        &stage.distance_field,
                        Bson::Double(d * stage.multiplier),
                    );
                    if let Some(path) = &stage.include_locs {
                        docdb_query::path::set_path_overwrite(&mut doc, path, loc);
                    }
                }
                docs.push(doc);
            }
            Ok((docs, Some(selection)))
        })?;
    let (docs, selection) = produced;
    let (out, write) = super::aggregate::run_over(ctx, &docs, stages.get(1..).unwrap_or_default())?;
    Ok(Some((out, write, selection)))
}

/// The stage as a filter: `$near`/`$nearSphere` on the field, and the stage's `query`.
fn near_filter(stage: &GeoNear, field: &str, near: &NearQuery) -> Document {
    let op = if near.spherical {
        "$nearSphere"
    } else {
        "$near"
    };
    let mut ops = Document::new();
    if near.geojson {
        let mut inner = doc! {"$geometry": stage.near.clone()};
        if let Some(m) = near.max {
            inner.insert("$maxDistance", m);
        }
        if let Some(m) = near.min {
            inner.insert("$minDistance", m);
        }
        ops.insert(op, inner);
    } else {
        ops.insert(op, stage.near.clone());
        if let Some(m) = near.max {
            ops.insert("$maxDistance", m);
        }
        if let Some(m) = near.min {
            ops.insert("$minDistance", m);
        }
    }
    let near_clause = doc! {field: ops};
    if stage.query.is_empty() {
        near_clause
    } else {
        doc! {"$and": [near_clause, stage.query.clone()]}
    }
}
