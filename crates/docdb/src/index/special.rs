//! Index types whose keys are not the field values themselves: `hashed`, `2dsphere`, `2d`
//! and wildcard (`$**`) keys.
//!
//! The spec keeps every key field in `IndexSpec::fields` (so scans and explain see the usual
//! shape) and records here which one is special and how. Key generation dispatches from
//! `Index::keys_for` to `hashed.rs`, `geo.rs` or `wildcard.rs`; the planner asks the same
//! modules how a special field may be bounded. Validation follows mongod 7.0's index spec
//! checks, with its codes.

use bson::{Bson, Document};
use docdb_query::collation::key_of;

use crate::error::{CommandError, Result, codes};
use crate::index::wildcard::Projection;
use crate::index::{Index, KeyPart, geo, hashed, wildcard};

/// The string values of a key pattern that name these index types.
pub const PLUGINS: &[&str] = &["hashed", "2dsphere", "2d"];

/// Which field of an index is special, and how.
#[derive(Debug, Clone, PartialEq)]
pub enum Special {
    /// `{field: "hashed"}`: the key is a 64-bit hash of the value; equality only.
    Hashed { position: usize },
    /// `{field: "2dsphere"}`: GeoJSON or legacy points on the sphere.
    Sphere { position: usize },
    /// `{field: "2d"}`: legacy pairs on a flat plane within `[min, max)`.
    Flat { position: usize, min: f64, max: f64 },
    /// `{"$**": 1}` or `{"path.$**": 1}`: one key per leaf path (`fields` is `$_path`, value).
    Wildcard {
        prefix: Option<String>,
        projection: Option<Projection>,
    },
}

impl Special {
    /// The key position of a hashed or geo field.
    pub fn position(&self) -> Option<usize> {
        match self {
            Special::Hashed { position }
            | Special::Sphere { position }
            | Special::Flat { position, .. } => Some(*position),
            Special::Wildcard { .. } => None,
        }
    }

    pub fn is_geo(&self) -> bool {
        matches!(self, Special::Sphere { .. } | Special::Flat { .. })
    }
}

fn cannot_create(message: impl Into<String>) -> CommandError {
    CommandError::new(codes::CANNOT_CREATE_INDEX, message)
}

fn number_option(spec: &Document, name: &str, default: f64) -> Result<f64> {
    match spec.get(name) {
        None => Ok(default),
        Some(v) => crate::index::spec::number(v).ok_or_else(|| {
            CommandError::type_mismatch(format!("{name} must be a number, found {v}"))
        }),
    }
}

/// Reads the special part of a key pattern. `plugins` are `(position, "hashed"|...)` of the
/// string-valued fields; a wildcard key rewrites `fields` to `($_path, value)`.
pub fn parse(
    spec: &Document,
    key: &Document,
    fields: &mut Vec<(String, bool)>,
    plugins: &[(usize, String)],
    unique: bool,
) -> Result<Option<Special>> {
    let wildcard: Vec<&String> = key
        .keys()
        .filter(|k| *k == "$**" || k.ends_with(".$**"))
        .collect();
    if spec.contains_key("wildcardProjection")
        && wildcard.first().map(|k| k.as_str()) != Some("$**")
    {
        return Err(CommandError::failed_to_parse(
            "The field 'wildcardProjection' is only allowed in an index with key pattern {\"$**\": 1}",
        ));
    }
    if let Some(path) = wildcard.first() {
        // A compound wildcard index (7.0) keeps its literal key: its ordinary fields serve
        // the planner as any index's do; its wildcard part is not used (see planner/wildcard.rs).
        if key.len() > 1 {
            return Ok(None);
        }
        if unique {
            return Err(cannot_create(
                "Index type 'wildcard' does not support the unique option",
            ));
        }
        let prefix = path.strip_suffix(".$**").map(str::to_string);
        let projection = match spec.get("wildcardProjection") {
            None => None,
            Some(Bson::Document(p)) => Some(Projection::parse(p)?),
            Some(other) => {
                return Err(CommandError::type_mismatch(format!(
                    "The field 'wildcardProjection' must be an object, found {other}"
                )));
            }
        };
        let descending = fields.first().is_some_and(|f| f.1);
        *fields = vec![("$_path".into(), false), ((*path).clone(), descending)];
        return Ok(Some(Special::Wildcard { prefix, projection }));
    }
    let Some((position, kind)) = plugins.first() else {
        return Ok(None);
    };
    let hashed = plugins.iter().filter(|(_, k)| k == "hashed").count();
    let geo = plugins.len() - hashed;
    if hashed > 1 {
        return Err(cannot_create(format!(
            "A maximum of one index field is allowed to be hashed but found {hashed} for 'key' {key}"
        )));
    }
    if hashed == 1 && geo > 0 {
        return Err(cannot_create(format!(
            "a hashed field cannot be combined with a geospatial field in one index: {key}"
        )));
    }
    if plugins.iter().filter(|(_, k)| k == "2d").count() > 0 && geo > 1 {
        return Err(CommandError::new(16800, "can't have 2 geo fields"));
    }
    if geo > 1 {
        return Err(cannot_create(
            "2dsphere indexes with more than one geo field are not supported by the embedded engine",
        ));
    }
    Ok(Some(match kind.as_str() {
        "hashed" => {
            if unique {
                return Err(CommandError::new(
                    16764,
                    "Currently hashed indexes cannot guarantee uniqueness. Use a regular index.",
                ));
            }
            Special::Hashed {
                position: *position,
            }
        }
        "2d" => {
            if *position != 0 {
                return Err(CommandError::new(16801, "2d has to be first in index"));
            }
            let min = number_option(spec, "min", -180.0)?;
            let max = number_option(spec, "max", 180.0)?;
            if min >= max {
                return Err(CommandError::new(13068, "max must be greater than min"));
            }
            Special::Flat {
                position: *position,
                min,
                max,
            }
        }
        _ => Special::Sphere {
            position: *position,
        },
    }))
}

/// The keys of `doc` for an index with a special field (after sparse/partial checks).
pub fn keys(index: &Index, special: &Special, doc: &Document) -> Result<Vec<Vec<KeyPart>>> {
    let collation = index.spec.collation.as_deref();
    let plain = |v: Bson| KeyPart::new(key_of(collation, &v), false);
    match special {
        Special::Wildcard { .. } => {
            let (keys, _) = wildcard::keys(special, doc);
            Ok(keys
                .into_iter()
                .map(|k| {
                    k.into_iter()
                        .map(|p| match p.value() {
                            Some(v) => plain(v.into_owned()),
                            None => p,
                        })
                        .collect()
                })
                .collect())
        }
        Special::Hashed { position } => {
            let path = &index.spec.fields[*position].0;
            hashed::refuse_arrays(doc, path)?;
            let raw = docdb_query::index_keys::index_keys(doc, &index.pattern)?;
            Ok(raw
                .into_iter()
                .map(|values| {
                    values
                        .into_iter()
                        .zip(&index.spec.fields)
                        .enumerate()
                        .map(|(i, (v, (_, desc)))| {
                            if i == *position {
                                KeyPart::new(hashed::hash(&key_of(collation, &v)), false)
                            } else {
                                KeyPart::new(key_of(collation, &v), *desc)
                            }
                        })
                        .collect()
                })
                .collect())
        }
        Special::Sphere { position } | Special::Flat { position, .. } => {
            let path = &index.spec.fields[*position].0;
            if !geo::check_document(special, path, doc)? {
                return Ok(Vec::new());
            }
            // The geo field keys the document once; the other fields as usual.
            let others: Document = index
                .pattern
                .iter()
                .filter(|(k, _)| *k != path)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let raw = if others.is_empty() {
                vec![Vec::new()]
            } else {
                docdb_query::index_keys::index_keys(doc, &others)?
            };
            let other_fields: Vec<bool> = index
                .spec
                .fields
                .iter()
                .enumerate()
                .filter(|(i, _)| i != position)
                .map(|(_, (_, desc))| *desc)
                .collect();
            Ok(raw
                .into_iter()
                .map(|values| {
                    let mut key: Vec<KeyPart> = values
                        .into_iter()
                        .zip(&other_fields)
                        .map(|(v, desc)| KeyPart::new(key_of(collation, &v), *desc))
                        .collect();
                    key.insert((*position).min(key.len()), KeyPart::new(Bson::Null, false));
                    key
                })
                .collect())
        }
    }
}

/// Whether `doc` makes the index multikey: a wildcard crossing an array, or an array on a
/// non-geo field (a legacy pair is an array but one location).
pub fn doc_is_multikey(index: &Index, special: &Special, doc: &Document) -> bool {
    match special {
        Special::Wildcard { .. } => wildcard::keys(special, doc).1,
        _ => index
            .spec
            .fields
            .iter()
            .enumerate()
            .filter(|(i, _)| !special.is_geo() || Some(*i) != special.position())
            .any(|(_, (p, _))| crate::index::path_has_array(doc, p)),
    }
}
