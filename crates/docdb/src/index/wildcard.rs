//! Wildcard indexes (`{"$**": 1}`, `{"path.$**": 1}`, `wildcardProjection`).
//!
//! As in mongod, each entry is `($_path, value)`: one per leaf value of every path the index
//! covers (array elements one by one, sub-documents through their fields). A query on one
//! field path can then scan the point `$_path = path` with the field's bounds. What a
//! wildcard index cannot answer is what would need documents where the path is missing
//! (`$exists: false`, equality to null, `$ne`, `$nin`) or whole sub-documents/arrays, since
//! those have no entry of their own (see `planner/wildcard.rs`).

use bson::{Bson, Document, doc};

use crate::error::{CommandError, Result};
use crate::index::special::Special;
use crate::index::{Index, KeyPart};
use crate::planner::Interval;

/// A `wildcardProjection`: included or excluded path prefixes (and `_id` on its own).
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    paths: Vec<String>,
    include: bool,
    id: Option<bool>,
}

impl Projection {
    pub fn parse(spec: &Document) -> Result<Projection> {
        let mut paths = Vec::new();
        let mut include = None;
        let mut id = None;
        for (path, v) in spec {
            let on = match v {
                Bson::Boolean(b) => *b,
                other => match crate::index::spec::number(other) {
                    Some(n) => n != 0.0,
                    None => {
                        return Err(CommandError::failed_to_parse(format!(
                            "The 'wildcardProjection' value of '{path}' must be 0/1 or a boolean, found {other}"
                        )));
                    }
                },
            };
            if path == "_id" {
                id = Some(on);
                continue;
            }
            if include.is_some_and(|i| i != on) {
                return Err(CommandError::failed_to_parse(format!(
                    "Cannot do {} on field {path} in {} projection",
                    if on { "inclusion" } else { "exclusion" },
                    if on { "exclusion" } else { "inclusion" }
                )));
            }
            include = Some(on);
            paths.push(path.clone());
        }
        Ok(Projection {
            paths,
            include: include.unwrap_or(id == Some(false)),
            id,
        })
    }

    fn covers(&self, path: &str) -> bool {
        let top = path.split('.').next().unwrap_or(path);
        if top == "_id" {
            return self.id.unwrap_or(false);
        }
        let under = self
            .paths
            .iter()
            .any(|p| path == p || path.starts_with(&format!("{p}.")));
        under == self.include
    }
}

/// True when the wildcard `special` indexes `path`.
pub fn covers(special: &Special, path: &str) -> bool {
    let Special::Wildcard { prefix, projection } = special else {
        return false;
    };
    match (prefix, projection) {
        (Some(p), _) => path == p || path.starts_with(&format!("{p}.")),
        (None, Some(proj)) => proj.covers(path),
        // `$**` alone leaves `_id` out, as mongod does.
        (None, None) => path.split('.').next() != Some("_id"),
    }
}

/// The `($_path, value)` keys of `doc`, and whether an array was crossed.
pub fn keys(special: &Special, doc: &Document) -> (Vec<Vec<KeyPart>>, bool) {
    let mut out = Vec::new();
    let mut multikey = false;
    walk_document(special, doc, "", &mut out, &mut multikey);
    let mut keys: Vec<Vec<KeyPart>> = Vec::with_capacity(out.len());
    for (path, value) in out {
        let key = vec![
            KeyPart::new(Bson::String(path), false),
            KeyPart::new(value, false),
        ];
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    (keys, multikey)
}

fn walk_document(
    special: &Special,
    doc: &Document,
    base: &str,
    out: &mut Vec<(String, Bson)>,
    multikey: &mut bool,
) {
    for (k, v) in doc {
        let path = if base.is_empty() {
            k.clone()
        } else {
            format!("{base}.{k}")
        };
        walk_value(special, v, path, out, multikey, true);
    }
}

fn walk_value(
    special: &Special,
    v: &Bson,
    path: String,
    out: &mut Vec<(String, Bson)>,
    multikey: &mut bool,
    expand: bool,
) {
    match v {
        Bson::Document(d) if !d.is_empty() => walk_document(special, d, &path, out, multikey),
        Bson::Array(items) if expand && !items.is_empty() => {
            *multikey = true;
            for item in items {
                // Arrays inside arrays are indexed whole, as mongod does.
                walk_value(special, item, path.clone(), out, multikey, false);
            }
        }
        _ => {
            if covers(special, &path) {
                out.push((path, v.clone()));
            }
        }
    }
}

/// Rewrites an IXSCAN explain stage of a wildcard index as mongod shows it: the key pattern
/// `{$_path: 1, <path>: 1}` and bounds named after the queried path.
pub fn explain_ixscan(index: &Index, intervals: &[Vec<Interval>], stage: &mut Document) {
    if !matches!(index.spec.special, Some(Special::Wildcard { .. })) {
        return;
    }
    let Some(Bson::String(path)) = intervals
        .first()
        .and_then(|f| f.first())
        .map(|iv| iv.low.clone())
    else {
        return;
    };
    stage.insert("keyPattern", doc! {"$_path": 1, path.clone(): 1});
    if let Ok(bounds) = stage.get_document("indexBounds") {
        let renamed: Document = bounds
            .iter()
            .enumerate()
            .map(|(i, (k, v))| (if i == 1 { path.clone() } else { k.clone() }, v.clone()))
            .collect();
        stage.insert("indexBounds", renamed);
    }
    let multikey = if index.multikey {
        vec![Bson::String(path.clone())]
    } else {
        vec![]
    };
    stage.insert("multiKeyPaths", doc! {"$_path": [], path: multikey});
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Special {
        Special::Wildcard {
            prefix: None,
            projection: None,
        }
    }

    #[test]
    fn leaves_are_keyed_by_path() {
        let (keys, multikey) = keys(&all(), &doc! {"_id": 1, "a": {"b": 1, "c": [2, 3]}});
        let paths: Vec<String> = keys
            .iter()
            .map(|k| {
                k[0].value()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(paths, vec!["a.b", "a.c", "a.c"]);
        assert!(multikey);
    }

    #[test]
    fn projection_and_prefix_limit_paths() {
        let proj = Special::Wildcard {
            prefix: None,
            projection: Some(Projection::parse(&doc! {"a": 1}).unwrap()),
        };
        assert!(covers(&proj, "a.b"));
        assert!(!covers(&proj, "b"));
        let under = Special::Wildcard {
            prefix: Some("p".into()),
            projection: None,
        };
        assert!(covers(&under, "p.x"));
        assert!(!covers(&under, "px"));
        let excl = Special::Wildcard {
            prefix: None,
            projection: Some(Projection::parse(&doc! {"a": 0}).unwrap()),
        };
        assert!(!covers(&excl, "a.b"));
        assert!(covers(&excl, "b"));
    }
}
