//! Index specifications: parsing `createIndexes` entries and echoing them in
//! `listIndexes`.
//!
//! The spec is kept apart from the entries (see `index/mod.rs`) because it is
//! what persistence saves and what `listIndexes` shows, while the entries are
//! always rebuilt from the documents.

use bson::{Bson, Document, doc};

use crate::error::{CommandError, Result, codes};

/// The text-index part of a spec: which fields are searched, with weights.
#[derive(Debug, Clone, PartialEq)]
pub struct TextSpec {
    /// `(path, weight)`; the path `$**` means every string field.
    pub weights: Vec<(String, f64)>,
    pub default_language: String,
    pub language_override: String,
}

/// One index as the user declared it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    pub name: String,
    /// The key pattern as shown by `listIndexes` (`{_fts: "text", _ftsx: 1}`
    /// for text indexes, as MongoDB shows it).
    pub key: Document,
    /// The non-text fields with their direction (`true` = descending).
    pub fields: Vec<(String, bool)>,
    pub unique: bool,
    pub sparse: bool,
    pub partial_filter: Option<Document>,
    pub expire_after_seconds: Option<i64>,
    pub hidden: bool,
    pub text: Option<TextSpec>,
    /// A hashed, `2dsphere` or `2d` field, or a wildcard key (see `index/special.rs`).
    pub special: Option<crate::index::special::Special>,
    /// The index's collation: string keys are stored as its sort keys (None: binary).
    pub collation: Option<std::sync::Arc<docdb_query::collation::Collation>>,
    /// The index version given (`v: 1` or `2`), shown back; 2 when not given.
    pub version: i32,
    /// Options mongod keeps and lists exactly as given (same value, same BSON type), in the
    /// order given: `background`, `storageEngine`, `expireAfterSeconds`, geo parameters...
    /// See [`KEPT_AS_GIVEN`].
    pub kept: Document,
}

/// The index options mongod 7.0 accepts that change nothing in this engine, or whose value
/// it shows verbatim; `listIndexes` lists them as they were given. (`background` has been a
/// no-op since 4.2; `dropDups` since 3.0; the geo and text versions only describe keys this
/// engine refuses or builds itself.)
const KEPT_AS_GIVEN: &[&str] = &[
    "background",
    "storageEngine",
    "expireAfterSeconds",
    "dropDups",
    "bits",
    "min",
    "max",
    "bucketSize",
    "2dsphereIndexVersion",
    "coarsestIndexedLevel",
    "finestIndexedLevel",
    // The projection of a wildcard (`$**`) key, listed as given.
    "wildcardProjection",
];

/// The options this engine reads itself (shown normalized, as mongod shows them).
const UNDERSTOOD: &[&str] = &[
    "key",
    "name",
    "v",
    "ns",
    "unique",
    "sparse",
    "hidden",
    "partialFilterExpression",
    "collation",
    "weights",
    "default_language",
    "language_override",
    "textIndexVersion",
];

/// Options mongod honours that this engine does not implement: refused, never ignored.
const NOT_IMPLEMENTED: &[&str] = &[
    "columnstoreProjection",
    "columnstoreCompressor",
    "prepareUnique",
    "clustered",
];

/// Refuses an option mongod does not know (InvalidIndexSpecificationOption, 197, as
/// index_key_validate.cpp words it) or one it honours that is not implemented here.
fn check_option_names(spec: &Document) -> Result<()> {
    for name in spec.keys() {
        if NOT_IMPLEMENTED.contains(&name.as_str()) {
            return Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                format!("the index option '{name}' is not supported by the embedded engine"),
            ));
        }
        if !KEPT_AS_GIVEN.contains(&name.as_str()) && !UNDERSTOOD.contains(&name.as_str()) {
            return Err(CommandError::new(
                codes::INVALID_INDEX_SPEC_OPTION,
                format!(
                    "The field '{name}' is not valid for an index specification. Specification: {}",
                    crate::index::shell_value(&Bson::Document(spec.clone()))
                ),
            ));
        }
    }
    Ok(())
}

fn parse_version(spec: &Document) -> Result<i32> {
    match spec.get("v") {
        None => Ok(2),
        Some(v) => match number(v) {
            Some(n) if n == 1.0 || n == 2.0 => Ok(n as i32),
            Some(n) => Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                format!("Invalid index specification {spec}; cannot create an index with v={n}"),
            )),
            None => Err(CommandError::type_mismatch(format!(
                "The field 'v' of an index specification must be a number, found {v}"
            ))),
        },
    }
}

impl IndexSpec {
    /// The spec of the `_id_` index every collection has.
    pub fn id_index() -> IndexSpec {
        IndexSpec {
            name: "_id_".into(),
            key: doc! {"_id": 1},
            collation: None,
            fields: vec![("_id".into(), false)],
            unique: true,
            sparse: false,
            partial_filter: None,
            expire_after_seconds: None,
            hidden: false,
            text: None,
            special: None,
            version: 2,
            kept: Document::new(),
        }
    }

    /// The name MongoDB generates for a key pattern: `a_1_b_-1`, `t_text`.
    pub fn default_name(key: &Document) -> String {
        let parts: Vec<String> = key
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Bson::Int32(i) => i.to_string(),
                    Bson::Int64(i) => i.to_string(),
                    Bson::Double(d) if d.fract() == 0.0 => format!("{}", *d as i64),
                    Bson::Double(d) => d.to_string(),
                    Bson::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{k}_{v}")
            })
            .collect();
        parts.join("_")
    }

    /// Parses one entry of `createIndexes.indexes`.
    pub fn parse(spec: &Document) -> Result<IndexSpec> {
        let key = match spec.get("key") {
            Some(Bson::Document(k)) => k.clone(),
            Some(_) => {
                return Err(CommandError::type_mismatch(
                    "The field 'key' of an index specification must be an object",
                ));
            }
            None => {
                return Err(CommandError::failed_to_parse(
                    "The 'key' field is a required property of an index specification",
                ));
            }
        };
        if key.is_empty() {
            return Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                "Index keys cannot be empty.",
            ));
        }
        check_option_names(spec)?;
        let version = parse_version(spec)?;
        let kept: Document = spec
            .iter()
            .filter(|(k, _)| KEPT_AS_GIVEN.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let name = match spec.get("name") {
            Some(Bson::String(s)) if !s.is_empty() => s.clone(),
            Some(Bson::String(_)) => {
                return Err(CommandError::new(
                    codes::CANNOT_CREATE_INDEX,
                    "index name cannot be empty",
                ));
            }
            Some(_) => {
                return Err(CommandError::type_mismatch(
                    "The field 'name' of an index specification must be a string",
                ));
            }
            None => IndexSpec::default_name(&key),
        };
        let mut fields = Vec::new();
        let mut text_fields = Vec::new();
        let mut plugins: Vec<(usize, String)> = Vec::new();
        for (path, dir) in &key {
            if path.is_empty() {
                return Err(CommandError::new(
                    codes::CANNOT_CREATE_INDEX,
                    "Index key contains an illegal field name: field name is empty",
                ));
            }
            match dir {
                Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) => {
                    let d = number(dir).unwrap_or(1.0);
                    if d == 0.0 || d.is_nan() {
                        return Err(CommandError::new(
                            codes::CANNOT_CREATE_INDEX,
                            format!(
                                "Values in the index key pattern can't be 0 or NaN: {{ {path}: {dir} }}"
                            ),
                        ));
                    }
                    fields.push((path.clone(), d < 0.0));
                }
                Bson::String(s) if s == "text" => text_fields.push(path.clone()),
                Bson::String(s) if crate::index::special::PLUGINS.contains(&s.as_str()) => {
                    plugins.push((fields.len(), s.clone()));
                    fields.push((path.clone(), false));
                }
                Bson::String(s) => {
                    return Err(CommandError::new(
                        codes::CANNOT_CREATE_INDEX,
                        format!(
                            "Unknown index plugin '{s}' in index {{ {path}: \"{s}\" }}: this engine supports 1/-1, \"text\", \"hashed\", \"2dsphere\" and \"2d\" indexes"
                        ),
                    ));
                }
                other => {
                    return Err(CommandError::new(
                        codes::CANNOT_CREATE_INDEX,
                        format!(
                            "Values in the index key pattern can only be numbers or strings, found {other} for '{path}'"
                        ),
                    ));
                }
            }
        }
        let flag = |name: &str| -> Result<bool> {
            match spec.get(name) {
                None | Some(Bson::Null) => Ok(false),
                Some(Bson::Boolean(b)) => Ok(*b),
                Some(v) => match number(v) {
                    Some(n) => Ok(n != 0.0),
                    None => Err(CommandError::type_mismatch(format!(
                        "The field '{name}' of an index specification must be a boolean, found {v}"
                    ))),
                },
            }
        };
        let unique = flag("unique")?;
        let sparse = flag("sparse")?;
        let hidden = flag("hidden")?;
        let partial_filter = match spec.get("partialFilterExpression") {
            None => None,
            Some(Bson::Document(d)) => {
                // Parse now so that a bad filter fails createIndexes, not a later insert.
                docdb_query::matcher::Filter::parse_without_javascript(d)?;
                Some(d.clone())
            }
            Some(_) => {
                return Err(CommandError::type_mismatch(
                    "partialFilterExpression must be an object",
                ));
            }
        };
        if partial_filter.is_some() && sparse {
            return Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                "cannot mix \"partialFilterExpression\" and \"sparse\" options",
            ));
        }
        let expire_after_seconds = match spec.get("expireAfterSeconds") {
            None => None,
            Some(v) => match number(v) {
                Some(n) if n >= 0.0 && n.fract() == 0.0 => Some(n as i64),
                _ => {
                    return Err(CommandError::new(
                        codes::CANNOT_CREATE_INDEX,
                        format!(
                            "TTL index 'expireAfterSeconds' option must be a non-negative whole number, found {v}"
                        ),
                    ));
                }
            },
        };
        if expire_after_seconds.is_some() && key.len() != 1 {
            return Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                "TTL indexes are single-field indexes, compound indexes do not support TTL",
            ));
        }
        let special = crate::index::special::parse(spec, &key, &mut fields, &plugins, unique)?;
        if special.is_some() && !text_fields.is_empty() {
            return Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                "a text index cannot also be hashed, geospatial or wildcard in the embedded engine",
            ));
        }
        let text = if text_fields.is_empty() {
            None
        } else {
            Some(parse_text(spec, &text_fields)?)
        };
        if text.is_some()
            && matches!(spec.get("collation"), Some(Bson::Document(c)) if c.get_str("locale").ok() != Some("simple"))
        {
            return Err(CommandError::new(
                codes::CANNOT_CREATE_INDEX,
                "Index type 'text' does not support collation",
            ));
        }
        let shown_key = match &text {
            None => key.clone(),
            Some(_) => {
                // MongoDB shows text fields folded into `_fts`/`_ftsx`, keeping
                // the other (prefix/suffix) fields in place.
                let mut k = Document::new();
                let mut folded = false;
                for (path, dir) in &key {
                    if dir.as_str() == Some("text") {
                        if !folded {
                            k.insert("_fts", "text");
                            k.insert("_ftsx", 1);
                            folded = true;
                        }
                    } else {
                        k.insert(path.clone(), dir.clone());
                    }
                }
                k
            }
        };
        Ok(IndexSpec {
            name,
            key: shown_key,
            fields,
            unique,
            sparse,
            partial_filter,
            expire_after_seconds,
            hidden,
            text,
            special,
            version,
            kept,
            collation: match spec.get("collation") {
                None => None,
                Some(Bson::Document(c)) => docdb_query::collation::Collation::parse(c)?,
                Some(other) => {
                    return Err(CommandError::type_mismatch(format!(
                        "The field 'collation' of an index specification must be an object, found {other}"
                    )));
                }
            },
        })
    }

    /// True when both specs describe the same index apart from the name.
    pub fn same_definition(&self, other: &IndexSpec) -> bool {
        same_key(&self.key, &other.key)
            && self.unique == other.unique
            && self.sparse == other.sparse
            && self.partial_filter == other.partial_filter
            && self.text == other.text
            && self.collation == other.collation
    }

    /// The document `listIndexes` returns for this index.
    pub fn to_document(&self) -> Document {
        let mut d = doc! {"v": self.version, "key": self.key.clone(), "name": self.name.clone()};
        if self.unique && self.name != "_id_" {
            d.insert("unique", true);
        }
        if self.sparse {
            d.insert("sparse", true);
        }
        if self.hidden {
            d.insert("hidden", true);
        }
        if let Some(p) = &self.partial_filter {
            d.insert("partialFilterExpression", p.clone());
        }
        for (k, v) in &self.kept {
            d.insert(k.clone(), v.clone());
        }
        // mongod lists the 2dsphere version it built (3) when none was given.
        if matches!(
            self.special,
            Some(crate::index::special::Special::Sphere { .. })
        ) && !self.kept.contains_key("2dsphereIndexVersion")
        {
            d.insert("2dsphereIndexVersion", 3);
        }
        if let Some(c) = &self.collation {
            d.insert("collation", c.spec().clone());
        }
        if let Some(t) = &self.text {
            let mut w = Document::new();
            for (path, weight) in &t.weights {
                if weight.fract() == 0.0 {
                    w.insert(path.clone(), *weight as i32);
                } else {
                    w.insert(path.clone(), *weight);
                }
            }
            d.insert("weights", w);
            d.insert("default_language", t.default_language.clone());
            d.insert("language_override", t.language_override.clone());
            d.insert("textIndexVersion", 3);
        }
        d
    }

    /// The spec as a `createIndexes` entry (what persistence saves).
    pub fn to_create_document(&self) -> Document {
        let mut d = self.to_document();
        if self.text.is_some() {
            // Rebuild the user-facing key so that `parse` round-trips.
            let mut k = Document::new();
            for (path, dir) in &self.key {
                if path == "_fts" {
                    if let Some(t) = &self.text {
                        for (p, _) in &t.weights {
                            k.insert(p.clone(), "text");
                        }
                    }
                } else if path != "_ftsx" {
                    k.insert(path.clone(), dir.clone());
                }
            }
            d.insert("key", k);
            d.remove("textIndexVersion");
        }
        if self.unique {
            d.insert("unique", true);
        }
        d
    }
}

fn parse_text(spec: &Document, text_fields: &[String]) -> Result<TextSpec> {
    let mut weights: Vec<(String, f64)> = text_fields.iter().map(|f| (f.clone(), 1.0)).collect();
    match spec.get("weights") {
        None => {}
        Some(Bson::Document(w)) => {
            for (path, v) in w {
                let Some(n) = number(v) else {
                    return Err(CommandError::type_mismatch(format!(
                        "text index weight for '{path}' must be a number, found {v}"
                    )));
                };
                if !(1.0..=99999.0).contains(&n) {
                    return Err(CommandError::bad_value(format!(
                        "text index weight for '{path}' must be in the exclusive range (0,100000) but found {n}"
                    )));
                }
                match weights.iter_mut().find(|(p, _)| p == path) {
                    Some(entry) => entry.1 = n,
                    None => weights.push((path.clone(), n)),
                }
            }
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "text index 'weights' must be an object, found {other}"
            )));
        }
    }
    let string_option = |name: &str, default: &str| -> Result<String> {
        match spec.get(name) {
            None => Ok(default.to_string()),
            Some(Bson::String(s)) => Ok(s.clone()),
            Some(v) => Err(CommandError::type_mismatch(format!(
                "text index option '{name}' must be a string, found {v}"
            ))),
        }
    };
    Ok(TextSpec {
        weights,
        default_language: string_option("default_language", "english")?,
        language_override: string_option("language_override", "language")?,
    })
}

/// True when two key patterns are the same: same fields in the same order
/// with equal directions (`Document`'s own `==` ignores field order, but
/// `{a: 1, b: 1}` and `{b: 1, a: 1}` are different indexes).
pub fn same_key(a: &Document, b: &Document) -> bool {
    a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((ka, va), (kb, vb))| {
            ka == kb
                && match (number(va), number(vb)) {
                    (Some(x), Some(y)) => x == y,
                    _ => va == vb,
                }
        })
}

/// A BSON number as `f64`, `None` for anything else.
pub fn number(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(i) => Some(f64::from(*i)),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Double(d) => Some(*d),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_follow_mongodb() {
        assert_eq!(IndexSpec::default_name(&doc! {"a": 1, "b": -1}), "a_1_b_-1");
        assert_eq!(IndexSpec::default_name(&doc! {"t": "text"}), "t_text");
    }

    #[test]
    fn key_patterns_compare_in_order() {
        assert!(same_key(&doc! {"a": 1, "b": -1}, &doc! {"a": 1.0, "b": -1}));
        assert!(!same_key(&doc! {"a": 1, "b": -1}, &doc! {"b": -1, "a": 1}));
    }

    #[test]
    fn parse_reads_options() {
        let s = IndexSpec::parse(&doc! {"key": {"a": 1}, "unique": true, "sparse": true}).unwrap();
        assert_eq!(s.name, "a_1");
        assert!(s.unique && s.sparse);
        assert_eq!(s.fields, vec![("a".to_string(), false)]);
    }

    #[test]
    fn parse_rejects_zero_direction_and_bad_ttl() {
        assert!(IndexSpec::parse(&doc! {"key": {"a": 0}}).is_err());
        assert!(IndexSpec::parse(&doc! {"key": {"a": 1}, "expireAfterSeconds": -1}).is_err());
        assert!(IndexSpec::parse(&doc! {"name": "x"}).is_err());
    }

    #[test]
    fn text_index_is_shown_folded_and_round_trips() {
        let s = IndexSpec::parse(
            &doc! {"key": {"title": "text", "body": "text"}, "weights": {"title": 10}},
        )
        .unwrap();
        assert_eq!(s.key, doc! {"_fts": "text", "_ftsx": 1});
        assert_eq!(s.name, "title_text_body_text");
        let t = s.text.clone().unwrap();
        assert_eq!(
            t.weights,
            vec![("title".to_string(), 10.0), ("body".to_string(), 1.0)]
        );
        let again = IndexSpec::parse(&s.to_create_document()).unwrap();
        assert_eq!(again, s);
    }
}
