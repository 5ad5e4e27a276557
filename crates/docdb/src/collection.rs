//! One collection: its documents, its indexes and its options.
//!
//! Documents are stored once, as raw BSON in the record store (`records.rs`), keyed by a
//! record id that only grows, so iteration is insertion order (MongoDB's natural order for an
//! unsorted find) and an update keeps its document's place. Every index is
//! maintained on each write; all checks (keys, unique constraints) run before
//! anything changes, so a failed write leaves the collection untouched.

use std::sync::Arc;

use docdb_query::collation::Collation;

use bson::{Bson, Document, doc};

use crate::error::{CommandError, Result, codes};
use crate::index::spec::same_key;
use crate::index::{Index, IndexSpec, KeyPart};
use crate::records::Records;
use crate::validation::Validator;

/// A collection's documents and indexes.
pub struct Collection {
    pub uuid: bson::Uuid,
    /// Options as `create` received them (shown by `listCollections`).
    pub options: Document,
    pub validator: Option<Validator>,
    /// The default collation (`create`'s `collation` option) of operations and indexes that do
    /// not name their own; None is the simple, binary collation.
    pub collation: Option<Arc<Collation>>,
    /// The documents, as raw BSON by record id (see `records.rs`); written only through
    /// `insert`, `replace` and `remove`, which keep the indexes in step.
    pub records: Records,
    /// `indexes[0]` is always `_id_`.
    pub indexes: Vec<Index>,
    /// A capped collection's budgets and running data size (see `capped.rs`).
    pub capped: Option<crate::capped::Capped>,
}

impl Collection {
    /// An empty collection with its `_id_` index.
    pub fn new(mut options: Document) -> Result<Collection> {
        let validator = Validator::from_options(&options)?;
        // mongod keeps (and lists) the resolved collation, and drops `{locale: "simple"}`.
        let collation = match options.get("collation") {
            None => None,
            Some(Bson::Document(spec)) => Collation::parse(spec)?,
            Some(other) => {
                return Err(CommandError::type_mismatch(format!(
                    "BSON field 'create.collation' is the wrong type '{}', expected type 'object'",
                    docdb_query::value::type_alias(other)
                )));
            }
        };
        match &collation {
            Some(c) => {
                options.insert("collation", c.spec().clone());
            }
            None => {
                options.remove("collation");
            }
        }
        // The `_id_` index has the collection's default collation, as in mongod.
        let mut id_index = IndexSpec::id_index();
        id_index.collation = collation.clone();
        let capped = crate::capped::Capped::from_options(&options);
        Ok(Collection {
            uuid: bson::Uuid::new(),
            options,
            validator,
            collation,
            records: Records::default(),
            indexes: vec![Index::new(id_index)?],
            capped,
        })
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record holding `_id == id`, through the `_id_` index.
    pub fn find_id(&self, id: &Bson) -> Option<u64> {
        let idx = self.indexes.first()?;
        let key = vec![KeyPart::new(
            docdb_query::collation::key_of(idx.spec.collation.as_deref(), id),
            false,
        )];
        let low = crate::index::IndexEntry::new(key.clone(), 0);
        let high = crate::index::IndexEntry::new(key, u64::MAX);
        idx.entries.range(low..=high).next().map(|e| e.record)
    }

    /// Keys of `doc` for every index, in index order.
    fn all_keys(&self, doc: &Document) -> Result<Vec<Vec<Vec<KeyPart>>>> {
        self.indexes.iter().map(|i| i.keys_for(doc)).collect()
    }

    /// Inserts a document (which must already carry `_id`); returns its record id.
    pub fn insert(&mut self, ns: &str, doc: Document) -> Result<u64> {
        let keys = self.all_keys(&doc)?;
        let record = self.records.next_record();
        for (index, k) in self.indexes.iter().zip(&keys) {
            index.check_unique(k, record, ns)?;
        }
        let stored = self.records.insert(&doc)?;
        debug_assert_eq!(stored, record);
        for (index, k) in self.indexes.iter_mut().zip(keys) {
            let multikey = index.doc_is_multikey(&doc);
            index.insert_keys(k, record, multikey);
        }
        if let Some(c) = &mut self.capped {
            c.bytes += crate::capped::doc_size(&doc);
        }
        Ok(record)
    }

    /// Replaces the document at `record`, keeping its place.
    pub fn replace(&mut self, ns: &str, record: u64, doc: Document) -> Result<()> {
        let Some(old) = self.records.document(record) else {
            return Err(CommandError::new(
                codes::INTERNAL_ERROR,
                format!("record {record} vanished during an update"),
            ));
        };
        let old_keys = self.all_keys(&old)?;
        let new_keys = self.all_keys(&doc)?;
        for (index, k) in self.indexes.iter().zip(&new_keys) {
            index.check_unique(k, record, ns)?;
        }
        self.records.replace(record, &doc)?;
        for ((index, old), new) in self.indexes.iter_mut().zip(old_keys).zip(new_keys) {
            if old != new {
                index.remove_keys(old, record);
                let multikey = index.doc_is_multikey(&doc);
                index.insert_keys(new, record, multikey);
            }
        }
        if let Some(c) = &mut self.capped {
            c.bytes += crate::capped::doc_size(&doc) - crate::capped::doc_size(&old);
        }
        Ok(())
    }

    /// Removes the document at `record`.
    pub fn remove(&mut self, record: u64) -> Option<Document> {
        let doc = self.records.remove(record)?;
        if let Some(c) = &mut self.capped {
            c.bytes -= crate::capped::doc_size(&doc);
        }
        for index in &mut self.indexes {
            // Keys were computable at insert time, so they are now too.
            if let Ok(keys) = index.keys_for(&doc) {
                index.remove_keys(keys, record);
            }
        }
        Some(doc)
    }

    /// Builds a new index over the existing documents. Returns `false` when an
    /// identical index already exists.
    pub fn create_index(&mut self, ns: &str, spec: IndexSpec) -> Result<bool> {
        for existing in &self.indexes {
            if existing.spec.name == spec.name {
                if existing.spec.same_definition(&spec) {
                    return Ok(false);
                }
                return Err(CommandError::new(
                    codes::INDEX_KEY_SPECS_CONFLICT,
                    format!(
                        "An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: {}, existing index: {}",
                        spec.to_document(),
                        existing.spec.to_document()
                    ),
                ));
            }
            // The same key with another collation is another index (mongod allows both).
            if same_key(&existing.spec.key, &spec.key)
                && existing.spec.partial_filter == spec.partial_filter
                && existing.spec.collation == spec.collation
            {
                if existing.spec.same_definition(&spec) {
                    return Err(CommandError::new(
                        codes::INDEX_OPTIONS_CONFLICT,
                        format!(
                            "Index already exists with a different name: {}",
                            existing.spec.name
                        ),
                    ));
                }
                return Err(CommandError::new(
                    codes::INDEX_OPTIONS_CONFLICT,
                    format!(
                        "An equivalent index already exists with the same name but different options. Requested index: {}, existing index: {}",
                        spec.to_document(),
                        existing.spec.to_document()
                    ),
                ));
            }
            if existing.is_text() && spec.text.is_some() {
                return Err(CommandError::new(
                    codes::INDEX_OPTIONS_CONFLICT,
                    format!(
                        "Expected only one text index per collection; found existing text index '{}'",
                        existing.spec.name
                    ),
                ));
            }
        }
        let mut index = Index::new(spec)?;
        for (record, doc) in self.records.documents() {
            let keys = index.keys_for(&doc)?;
            index.check_unique(&keys, record, ns)?;
            let multikey = index.doc_is_multikey(&doc);
            index.insert_keys(keys, record, multikey);
        }
        self.indexes.push(index);
        Ok(true)
    }

    /// Drops the index called `name` (never `_id_`).
    pub fn drop_index(&mut self, name: &str) -> Result<()> {
        if name == "_id_" {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                "cannot drop _id index",
            ));
        }
        match self.indexes.iter().position(|i| i.spec.name == name) {
            Some(pos) => {
                self.indexes.remove(pos);
                Ok(())
            }
            None => Err(CommandError::new(
                codes::INDEX_NOT_FOUND,
                format!("index not found with name [{name}]"),
            )),
        }
    }

    /// The index a hint names (by name or key pattern).
    pub fn index_for_hint(&self, hint: &Bson) -> Result<Option<usize>> {
        let found = match hint {
            Bson::String(name) => self.indexes.iter().position(|i| &i.spec.name == name),
            Bson::Document(d) if d.get("$natural").is_some() => return Ok(None),
            Bson::Document(d) => self.indexes.iter().position(|i| {
                same_key(&i.spec.key, d)
                    || (i.is_text() && d.values().any(|v| v.as_str() == Some("text")))
            }),
            other => {
                return Err(CommandError::failed_to_parse(format!(
                    "hint must be a string or an object, found {other}"
                )));
            }
        };
        match found {
            Some(i) => Ok(Some(i)),
            None => Err(CommandError::bad_value(format!(
                "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index (hint: {hint})"
            ))),
        }
    }

    /// The document listCollections' `idIndex` shows.
    pub fn id_index_document() -> Document {
        doc! {"v": 2, "key": {"_id": 1}, "name": "_id_"}
    }

    /// The total BSON size of all documents (for collStats/dbStats).
    pub fn data_size(&self) -> i64 {
        self.records.data_bytes() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coll() -> Collection {
        Collection::new(Document::new()).unwrap()
    }

    #[test]
    fn duplicate_ids_are_rejected_and_leave_no_trace() {
        let mut c = coll();
        c.insert("d.c", doc! {"_id": 1, "a": 1}).unwrap();
        let err = c.insert("d.c", doc! {"_id": 1, "a": 2}).unwrap_err();
        assert_eq!(err.code, 11000);
        assert!(
            err.message.contains("index: _id_ dup key: { _id: 1 }"),
            "{}",
            err.message
        );
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn unique_index_build_fails_on_existing_duplicates() {
        let mut c = coll();
        c.insert("d.c", doc! {"_id": 1, "a": 1}).unwrap();
        c.insert("d.c", doc! {"_id": 2, "a": 1}).unwrap();
        let spec = IndexSpec::parse(&doc! {"key": {"a": 1}, "unique": true}).unwrap();
        assert_eq!(c.create_index("d.c", spec).unwrap_err().code, 11000);
        assert_eq!(c.indexes.len(), 1);
    }

    #[test]
    fn replace_keeps_position_and_updates_indexes() {
        let mut c = coll();
        let r1 = c.insert("d.c", doc! {"_id": 1, "a": 1}).unwrap();
        c.insert("d.c", doc! {"_id": 2, "a": 2}).unwrap();
        c.create_index(
            "d.c",
            IndexSpec::parse(&doc! {"key": {"a": 1}, "unique": true}).unwrap(),
        )
        .unwrap();
        assert_eq!(
            c.replace("d.c", r1, doc! {"_id": 1, "a": 2})
                .unwrap_err()
                .code,
            11000
        );
        c.replace("d.c", r1, doc! {"_id": 1, "a": 3}).unwrap();
        let (_, first) = c.records.documents().next().unwrap();
        assert_eq!(first.get_i32("a").unwrap(), 3);
        assert_eq!(c.indexes[1].entries.len(), 2);
    }

    #[test]
    fn remove_clears_index_entries() {
        let mut c = coll();
        let r = c.insert("d.c", doc! {"_id": 1}).unwrap();
        assert_eq!(c.find_id(&Bson::Int32(1)), Some(r));
        c.remove(r);
        assert_eq!(c.find_id(&Bson::Int32(1)), None);
        assert!(c.indexes[0].entries.is_empty());
    }
}
