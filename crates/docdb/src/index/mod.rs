//! Secondary indexes: one ordered set of `(key, record id)` entries per index.
//!
//! Entries are derived from documents with `docdb_query::index_keys` (one key
//! per array element for multikey paths), filtered by `sparse` and
//! `partialFilterExpression`, and kept in an `EntrySet` (sorted chunks, dense in
//! memory: `entries.rs`) ordered by MongoDB's value order (see `key.rs`), so that
//! equality and range scans are range walks. A text index stores one entry per
//! (term, document) (`text.rs`), so
//! `$text` reads only the documents that hold a searched term. Hashed, geo and
//! wildcard keys are made by `special.rs` and its siblings.

pub mod entries;
pub mod geo;
pub mod hashed;
pub mod key;
pub mod spec;
pub mod special;
pub mod text;
pub mod wildcard;

use bson::{Bson, Document};
use docdb_query::collation::key_of;
use docdb_query::matcher::Filter;

use crate::error::{CommandError, Result, codes};
pub use entries::EntrySet;
pub use key::{IndexEntry, Key, KeyPart};
pub use spec::{IndexSpec, TextSpec};

/// An index: its spec and its entries.
pub struct Index {
    pub spec: IndexSpec,
    pub entries: EntrySet,
    /// Set once any indexed document had an array on an indexed path.
    pub multikey: bool,
    partial: Option<Filter>,
    /// The key pattern handed to `index_keys` (non-text fields only).
    pub(crate) pattern: Document,
    /// How many operations used this index since it was built (`$indexStats`).
    pub accesses: Accesses,
}

/// `$indexStats`' `accesses`: operations that used an index, counted while the catalog is
/// only read (so atomically), since the index was built or the server started.
pub struct Accesses {
    ops: std::sync::atomic::AtomicU64,
    pub since: bson::DateTime,
}

impl Accesses {
    fn new() -> Accesses {
        Accesses {
            ops: std::sync::atomic::AtomicU64::new(0),
            since: bson::DateTime::now(),
        }
    }

    /// Counts one operation that used the index.
    pub fn record(&self) {
        self.ops.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn ops(&self) -> u64 {
        self.ops.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Index {
    /// An empty index for `spec`.
    pub fn new(spec: IndexSpec) -> Result<Index> {
        let partial = match &spec.partial_filter {
            // The partial filter compares strings under the index's collation, as mongod's does.
            Some(p) => {
                Some(Filter::parse_without_javascript(p)?.with_collation(spec.collation.clone()))
            }
            None => None,
        };
        let mut pattern = Document::new();
        for (path, desc) in &spec.fields {
            pattern.insert(path.clone(), if *desc { -1 } else { 1 });
        }
        Ok(Index {
            spec,
            entries: EntrySet::new(),
            multikey: false,
            partial,
            pattern,
            accesses: Accesses::new(),
        })
    }

    pub fn is_text(&self) -> bool {
        self.spec.text.is_some()
    }

    /// The keys `doc` contributes to this index (deduplicated); empty when the
    /// document is left out (sparse, partial, text).
    pub fn keys_for(&self, doc: &Document) -> Result<Vec<Vec<KeyPart>>> {
        if self.spec.sparse && !self.spec.fields.iter().any(|(p, _)| path_exists(doc, p)) {
            return Ok(Vec::new());
        }
        if let Some(filter) = &self.partial
            && !filter.matches(doc)
        {
            return Ok(Vec::new());
        }
        if let Some(t) = &self.spec.text {
            return Ok(text::keys(t, doc));
        }
        if let Some(special) = &self.spec.special {
            return special::keys(self, special, doc);
        }
        // Fast path: one top-level field holding a scalar has exactly one key,
        // the value itself (missing counts as null). Arrays and dotted paths
        // go through the general key generator.
        if let [(path, desc)] = self.spec.fields.as_slice()
            && !path.contains('.')
        {
            let collation = self.spec.collation.as_deref();
            match doc.get(path) {
                Some(Bson::Array(_)) => {}
                Some(v) => return Ok(vec![vec![KeyPart::new(key_of(collation, v), *desc)]]),
                None => return Ok(vec![vec![KeyPart::new(Bson::Null, *desc)]]),
            }
        }
        let raw = docdb_query::index_keys::index_keys(doc, &self.pattern)?;
        let mut keys: Vec<Vec<KeyPart>> = Vec::with_capacity(raw.len());
        for values in raw {
            let key: Vec<KeyPart> = values
                .into_iter()
                .zip(self.spec.fields.iter())
                .map(|(v, (_, desc))| match self.spec.collation.as_deref() {
                    // A collated index stores each string as its sort key.
                    Some(c) => KeyPart::new(key_of(Some(c), &v), *desc),
                    None => KeyPart::new(v, *desc),
                })
                .collect();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// True when `doc` has an array on one of the indexed paths.
    pub fn doc_is_multikey(&self, doc: &Document) -> bool {
        if let Some(special) = &self.spec.special {
            return special::doc_is_multikey(self, special, doc);
        }
        self.spec.fields.iter().any(|(p, _)| path_has_array(doc, p))
    }

    /// Fails with E11000 when a unique index already holds one of `keys` for
    /// another record.
    pub fn check_unique(&self, keys: &[Vec<KeyPart>], record: u64, ns: &str) -> Result<()> {
        if !self.spec.unique {
            return Ok(());
        }
        for key in keys {
            let low = IndexEntry::new(key.clone(), 0);
            // Entries with this key are contiguous from `low`: look at the
            // first two (one of them may be the record itself).
            let clash = self
                .entries
                .range(low..)
                .take(2)
                .any(|e| e.key[..] == key[..] && e.record != record);
            if clash {
                return Err(self.duplicate_key_error(key, ns));
            }
        }
        Ok(())
    }

    /// The E11000 error for `key`, with MongoDB's message, keyPattern and keyValue.
    pub fn duplicate_key_error(&self, key: &[KeyPart], ns: &str) -> CommandError {
        let mut key_value = Document::new();
        for ((path, _), part) in self.spec.fields.iter().zip(key) {
            key_value.insert(
                path.clone(),
                part.value().map_or(Bson::Null, |v| v.into_owned()),
            );
        }
        let shown: Vec<String> = key_value
            .iter()
            .map(|(k, v)| format!("{k}: {}", shell_value(v)))
            .collect();
        // As mongod does, a collated index names its collation: the key shown is the
        // collation key of the string, not the string itself.
        let collation = match &self.spec.collation {
            Some(c) => format!(" collation: {}", c.spec()),
            None => String::new(),
        };
        CommandError::new(
            codes::DUPLICATE_KEY,
            format!(
                "E11000 duplicate key error collection: {ns} index: {}{collation} dup key: {{ {} }}",
                self.spec.name,
                shown.join(", ")
            ),
        )
        .with("keyPattern", self.spec.key.clone())
        .with("keyValue", key_value)
    }

    pub fn insert_keys(&mut self, keys: Vec<Vec<KeyPart>>, record: u64, multikey: bool) {
        self.multikey |= multikey;
        for key in keys {
            self.entries.insert(IndexEntry::new(key, record));
        }
    }

    pub fn remove_keys(&mut self, keys: Vec<Vec<KeyPart>>, record: u64) {
        for key in keys {
            self.entries.remove(&IndexEntry::new(key, record));
        }
    }
}

/// A value printed the way the shell (and E11000 messages) print it.
pub fn shell_value(v: &Bson) -> String {
    match v {
        Bson::String(s) => format!("\"{s}\""),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => i.to_string(),
        Bson::Double(d) if d.fract() == 0.0 && d.is_finite() => format!("{d:.1}"),
        Bson::Double(d) => d.to_string(),
        Bson::ObjectId(o) => format!("ObjectId('{o}')"),
        Bson::Null => "null".into(),
        Bson::Boolean(b) => b.to_string(),
        Bson::Document(d) => {
            let parts: Vec<String> = d
                .iter()
                .map(|(k, v)| format!("{k}: {}", shell_value(v)))
                .collect();
            if parts.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", parts.join(", "))
            }
        }
        Bson::Array(a) => {
            let parts: Vec<String> = a.iter().map(shell_value).collect();
            format!("[ {} ]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// True when the dotted `path` reaches a value in `doc` (through arrays).
pub fn path_exists(doc: &Document, path: &str) -> bool {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    match (doc.get(head), rest) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(v), Some(rest)) => value_has_path(v, rest),
    }
}

fn value_has_path(v: &Bson, path: &str) -> bool {
    match v {
        Bson::Document(d) => path_exists(d, path),
        Bson::Array(items) => {
            let (head, _) = path.split_once('.').unwrap_or((path, ""));
            if let Ok(i) = head.parse::<usize>()
                && let Some(item) = items.get(i)
            {
                return match path.split_once('.') {
                    Some((_, rest)) => value_has_path(item, rest),
                    None => true,
                };
            }
            items.iter().any(|item| value_has_path(item, path))
        }
        _ => false,
    }
}

/// True when an array appears anywhere along the dotted `path`.
pub fn path_has_array(doc: &Document, path: &str) -> bool {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    match doc.get(head) {
        None => false,
        Some(Bson::Array(_)) => true,
        Some(Bson::Document(d)) => rest.is_some_and(|r| path_has_array(d, r)),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn paths_are_found_through_arrays() {
        let d = doc! {"a": [{"b": 1}, {"c": 2}], "x": {"y": null}};
        assert!(path_exists(&d, "a.b"));
        assert!(path_exists(&d, "x.y"));
        assert!(!path_exists(&d, "a.z"));
        assert!(path_has_array(&d, "a.b"));
        assert!(!path_has_array(&d, "x.y"));
    }

    #[test]
    fn shell_values_look_like_mongodb_messages() {
        assert_eq!(shell_value(&Bson::String("x".into())), "\"x\"");
        assert_eq!(shell_value(&Bson::Document(doc! {"a": 1})), "{ a: 1 }");
    }
}
