//! Databases and collections, and the journal of what changed.
//!
//! Every mutation of durable state goes through a method here, and each one
//! appends a small record (a BSON document) to `pending`. The engine drains
//! `pending` into the operation log while it still holds the write lock, so
//! the log's order is the order in which changes happened (see `persist`).
//! Replaying the same records through `apply_record` rebuilds the catalog.

use std::collections::BTreeMap;

use bson::{Bson, Document, doc};

use crate::collection::Collection;
use crate::error::{CommandError, Result, codes};
use crate::index::IndexSpec;

/// All databases, each a map of collection name to collection.
#[derive(Default)]
pub struct Catalog {
    pub dbs: BTreeMap<String, BTreeMap<String, Collection>>,
    /// Records of changes not yet written to the log.
    pub pending: Vec<Document>,
    /// Whether changes are journaled at all (only persistent engines need it;
    /// skipping it spares an in-memory engine a copy of every document).
    pub journal: bool,
    /// Read-only views: `(db, name)` to `{viewOn, pipeline}`.
    pub views: BTreeMap<(String, String), Document>,
}

/// How deep views may be stacked on views (MongoDB allows 20).
const MAX_VIEW_DEPTH: usize = 20;

/// The error for a write aimed at a view.
pub fn view_error(db: &str, name: &str) -> CommandError {
    CommandError {
        code: 166,
        code_name: "CommandNotSupportedOnView",
        message: format!("Namespace {db}.{name} is a view, not a collection"),
        extra: None,
    }
}

/// Checks a database name the way MongoDB does.
pub fn check_db_name(db: &str) -> Result<()> {
    if db.is_empty() || db.len() > 63 || db.contains(['/', '\\', '.', ' ', '"', '$', '\0']) {
        return Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            format!("Invalid database name: '{db}' (names are 1-63 characters without /\\. \"$)"),
        ));
    }
    Ok(())
}

/// Checks a collection name the way MongoDB does.
pub fn check_coll_name(db: &str, coll: &str) -> Result<()> {
    if coll.is_empty() || coll.contains('$') || coll.contains('\0') || coll.starts_with('.') {
        return Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            format!(
                "Invalid collection name: '{db}.{coll}' (names must be non-empty and contain no '$' or null byte)"
            ),
        ));
    }
    Ok(())
}

impl Catalog {
    pub fn get(&self, db: &str, coll: &str) -> Option<&Collection> {
        self.dbs.get(db)?.get(coll)
    }

    pub fn get_mut(&mut self, db: &str, coll: &str) -> Option<&mut Collection> {
        self.dbs.get_mut(db)?.get_mut(coll)
    }

    /// Creates a collection; 48 NamespaceExists when it is there already.
    pub fn create(&mut self, db: &str, coll: &str, options: Document) -> Result<()> {
        check_db_name(db)?;
        check_coll_name(db, coll)?;
        if self.get(db, coll).is_some() || self.is_view(db, coll) {
            return Err(CommandError::new(
                codes::NAMESPACE_EXISTS,
                format!("Collection {db}.{coll} already exists."),
            ));
        }
        let c = Collection::new(options.clone())?;
        self.dbs
            .entry(db.to_string())
            .or_default()
            .insert(coll.to_string(), c);
        self.record(|| doc! {"op": "create", "db": db, "coll": coll, "options": options});
        Ok(())
    }

    /// Journals one change (when journaling is on).
    fn record(&mut self, make: impl FnOnce() -> Document) {
        if self.journal {
            self.pending.push(make());
        }
    }

    pub fn is_view(&self, db: &str, name: &str) -> bool {
        self.views.contains_key(&(db.to_string(), name.to_string()))
    }

    /// Creates a read-only view of `view_on` through `pipeline`.
    pub fn create_view(
        &mut self,
        db: &str,
        name: &str,
        view_on: &str,
        pipeline: Vec<Bson>,
    ) -> Result<()> {
        check_db_name(db)?;
        check_coll_name(db, name)?;
        check_coll_name(db, view_on)?;
        if self.get(db, name).is_some() || self.is_view(db, name) {
            return Err(CommandError::new(
                codes::NAMESPACE_EXISTS,
                format!("Namespace {db}.{name} already exists"),
            ));
        }
        let def = doc! {"viewOn": view_on, "pipeline": pipeline.clone()};
        self.views.insert((db.to_string(), name.to_string()), def);
        self.record(|| doc! {"op": "createView", "db": db, "coll": name, "viewOn": view_on, "pipeline": pipeline});
        Ok(())
    }

    /// For a view: the underlying collection and the full pipeline (views on
    /// views are unfolded). `None` for anything that is not a view.
    pub fn resolve_view(&self, db: &str, name: &str) -> Result<Option<(String, Vec<Document>)>> {
        let mut current = name.to_string();
        let mut stages: Vec<Document> = Vec::new();
        let mut depth = 0;
        while let Some(def) = self.views.get(&(db.to_string(), current.clone())) {
            depth += 1;
            if depth > MAX_VIEW_DEPTH {
                return Err(CommandError::new(
                    codes::INVALID_OPTIONS,
                    format!(
                        "View depth too deep or view cycle detected for {db}.{name}; maximum depth is {MAX_VIEW_DEPTH}"
                    ),
                ));
            }
            let mut own: Vec<Document> = def
                .get_array("pipeline")
                .map(|a| a.iter().filter_map(|s| s.as_document().cloned()).collect())
                .unwrap_or_default();
            own.extend(stages);
            stages = own;
            current = def.get_str("viewOn").unwrap_or_default().to_string();
        }
        Ok((depth > 0).then_some((current, stages)))
    }

    /// The collection, created with default options when missing (writes
    /// and createIndexes create collections implicitly).
    pub fn ensure(&mut self, db: &str, coll: &str) -> Result<&mut Collection> {
        if self.is_view(db, coll) {
            return Err(view_error(db, coll));
        }
        if self.get(db, coll).is_none() {
            self.create(db, coll, Document::new())?;
        }
        self.get_mut(db, coll).ok_or_else(|| {
            CommandError::new(
                codes::INTERNAL_ERROR,
                format!("collection {db}.{coll} vanished"),
            )
        })
    }

    /// Drops a collection (or view); `false` when it did not exist.
    pub fn drop_collection(&mut self, db: &str, coll: &str) -> bool {
        let removed = self.dbs.get_mut(db).and_then(|d| d.remove(coll)).is_some()
            | self
                .views
                .remove(&(db.to_string(), coll.to_string()))
                .is_some();
        if removed {
            if self.dbs.get(db).is_some_and(BTreeMap::is_empty) {
                self.dbs.remove(db);
            }
            self.record(|| doc! {"op": "drop", "db": db, "coll": coll});
        }
        removed
    }

    pub fn drop_database(&mut self, db: &str) -> bool {
        let before = self.views.len();
        self.views.retain(|(d, _), _| d != db);
        let removed = self.dbs.remove(db).is_some() | (self.views.len() != before);
        if removed {
            self.record(|| doc! {"op": "dropDatabase", "db": db});
        }
        removed
    }

    /// Moves a collection to another namespace (the target must be free).
    pub fn rename(&mut self, from: (&str, &str), to: (&str, &str)) -> Result<()> {
        check_db_name(to.0)?;
        check_coll_name(to.0, to.1)?;
        let Some(c) = self.dbs.get_mut(from.0).and_then(|d| d.remove(from.1)) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("Source collection {}.{} does not exist", from.0, from.1),
            ));
        };
        if self.dbs.get(from.0).is_some_and(BTreeMap::is_empty) {
            self.dbs.remove(from.0);
        }
        self.dbs
            .entry(to.0.to_string())
            .or_default()
            .insert(to.1.to_string(), c);
        self.record(
            || doc! {"op": "rename", "fromDb": from.0, "from": from.1, "toDb": to.0, "to": to.1},
        );
        Ok(())
    }

    /// Inserts a document (which carries `_id`).
    pub fn insert(&mut self, db: &str, coll: &str, doc: Document) -> Result<u64> {
        let ns = format!("{db}.{coll}");
        let copy = self.journal.then(|| doc.clone());
        let c = self.ensure(db, coll)?;
        crate::capped::check_fits(c.capped.as_ref(), &doc)?;
        let capped = c.capped.is_some();
        let record = c.insert(&ns, doc)?;
        if let Some(doc) = copy {
            self.pending
                .push(doc! {"op": "put", "db": db, "coll": coll, "doc": doc});
        }
        if capped {
            crate::capped::evict(self, db, coll);
        }
        Ok(record)
    }

    /// Replaces the document at `record`.
    pub fn replace(&mut self, db: &str, coll: &str, record: u64, doc: Document) -> Result<()> {
        let ns = format!("{db}.{coll}");
        let copy = self.journal.then(|| doc.clone());
        let Some(c) = self.get_mut(db, coll) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("ns {ns} does not exist"),
            ));
        };
        let old_id = c
            .records
            .get(record)
            .and_then(|d| d.get("_id").ok().flatten())
            .and_then(|id| Bson::try_from(id).ok());
        c.replace(&ns, record, doc)?;
        let Some(doc) = copy else { return Ok(()) };
        if let Some(old_id) = old_id.filter(|old| Some(old) != doc.get("_id")) {
            // Only possible through internal callers; keep the log exact anyway.
            self.record(|| doc! {"op": "del", "db": db, "coll": coll, "id": old_id});
        }
        self.record(|| doc! {"op": "put", "db": db, "coll": coll, "doc": doc});
        Ok(())
    }

    /// Removes the document at `record`.
    pub fn remove(&mut self, db: &str, coll: &str, record: u64) -> Option<Document> {
        let removed = self.get_mut(db, coll)?.remove(record)?;
        let id = removed.get("_id").cloned().unwrap_or(Bson::Null);
        self.record(|| doc! {"op": "del", "db": db, "coll": coll, "id": id});
        Some(removed)
    }

    pub fn create_index(&mut self, db: &str, coll: &str, spec: IndexSpec) -> Result<bool> {
        let ns = format!("{db}.{coll}");
        let create_doc = spec.to_create_document();
        let created = self.ensure(db, coll)?.create_index(&ns, spec)?;
        if created {
            self.record(|| doc! {"op": "createIndex", "db": db, "coll": coll, "spec": create_doc});
        }
        Ok(created)
    }

    pub fn drop_index(&mut self, db: &str, coll: &str, name: &str) -> Result<()> {
        let Some(c) = self.get_mut(db, coll) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("ns not found {db}.{coll}"),
            ));
        };
        c.drop_index(name)?;
        self.record(|| doc! {"op": "dropIndex", "db": db, "coll": coll, "name": name});
        Ok(())
    }

    /// Replaces a collection's options (validator, level, action).
    pub fn set_options(&mut self, db: &str, coll: &str, options: Document) -> Result<()> {
        let Some(c) = self.get_mut(db, coll) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("ns does not exist: {db}.{coll}"),
            ));
        };
        c.validator = crate::validation::Validator::from_options(&options)?;
        c.options = options.clone();
        crate::capped::refresh(c);
        self.record(|| doc! {"op": "setOptions", "db": db, "coll": coll, "options": options});
        Ok(())
    }

    /// Changes a TTL index's `expireAfterSeconds`; returns the old value.
    pub fn set_index_ttl(
        &mut self,
        db: &str,
        coll: &str,
        name: &str,
        seconds: i64,
    ) -> Result<Option<i64>> {
        let Some(c) = self.get_mut(db, coll) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("ns does not exist: {db}.{coll}"),
            ));
        };
        let Some(index) = c.indexes.iter_mut().find(|i| i.spec.name == name) else {
            return Err(CommandError::new(
                codes::INDEX_NOT_FOUND,
                format!("cannot find index {name} for ns {db}.{coll}"),
            ));
        };
        let old = index.spec.expire_after_seconds.replace(seconds);
        self.record(
            || doc! {"op": "setIndexTtl", "db": db, "coll": coll, "name": name, "seconds": seconds},
        );
        Ok(old)
    }

    /// Re-applies one journal record (persistence replay). Records are
    /// applied without validation: they describe writes that were accepted.
    pub fn apply_record(&mut self, rec: &Document) -> Result<()> {
        let s = |k: &str| -> Result<String> {
            rec.get_str(k).map(str::to_string).map_err(|_| {
                CommandError::failed_to_parse(format!("log record lacks string field '{k}': {rec}"))
            })
        };
        let op = s("op")?;
        match op.as_str() {
            "create" => {
                let options = rec.get_document("options").cloned().unwrap_or_default();
                let (db, coll) = (s("db")?, s("coll")?);
                if self.get(&db, &coll).is_none() {
                    self.create(&db, &coll, options)?;
                }
            }
            "createView" => {
                let pipeline = rec.get_array("pipeline").cloned().unwrap_or_default();
                self.create_view(&s("db")?, &s("coll")?, &s("viewOn")?, pipeline)?;
            }
            "drop" => {
                self.drop_collection(&s("db")?, &s("coll")?);
            }
            "dropDatabase" => {
                self.drop_database(&s("db")?);
            }
            "rename" => {
                self.rename((&s("fromDb")?, &s("from")?), (&s("toDb")?, &s("to")?))?;
            }
            "put" => {
                let (db, coll) = (s("db")?, s("coll")?);
                let doc = rec
                    .get_document("doc")
                    .map_err(|_| {
                        CommandError::failed_to_parse(format!("put record without doc: {rec}"))
                    })?
                    .clone();
                let id = doc.get("_id").cloned().unwrap_or(Bson::Null);
                let existing = self.get(&db, &coll).and_then(|c| c.find_id(&id));
                match existing {
                    Some(record) => self.replace(&db, &coll, record, doc)?,
                    None => {
                        self.insert(&db, &coll, doc)?;
                    }
                }
            }
            "del" => {
                let (db, coll) = (s("db")?, s("coll")?);
                let id = rec.get("id").cloned().unwrap_or(Bson::Null);
                if let Some(record) = self.get(&db, &coll).and_then(|c| c.find_id(&id)) {
                    self.remove(&db, &coll, record);
                }
            }
            "createIndex" => {
                let spec = IndexSpec::parse(rec.get_document("spec").map_err(|_| {
                    CommandError::failed_to_parse(format!("createIndex record without spec: {rec}"))
                })?)?;
                self.create_index(&s("db")?, &s("coll")?, spec)?;
            }
            "dropIndex" => self.drop_index(&s("db")?, &s("coll")?, &s("name")?)?,
            "setOptions" => {
                let options = rec.get_document("options").cloned().unwrap_or_default();
                self.set_options(&s("db")?, &s("coll")?, options)?;
            }
            "setIndexTtl" => {
                let seconds = rec
                    .get("seconds")
                    .and_then(crate::index::spec::number)
                    .unwrap_or(0.0) as i64;
                self.set_index_ttl(&s("db")?, &s("coll")?, &s("name")?, seconds)?;
            }
            other => {
                return Err(CommandError::failed_to_parse(format!(
                    "unknown log record op '{other}'"
                )));
            }
        }
        Ok(())
    }

    /// The records that rebuild the whole catalog (for a snapshot).
    pub fn snapshot_records(&self) -> Vec<Document> {
        let mut out = Vec::new();
        for ((db, name), def) in &self.views {
            out.push(doc! {"op": "createView", "db": db, "coll": name, "viewOn": def.get("viewOn").cloned().unwrap_or(Bson::Null),
                "pipeline": def.get("pipeline").cloned().unwrap_or(Bson::Array(vec![]))});
        }
        for (db, colls) in &self.dbs {
            for (name, c) in colls {
                out.push(
                    doc! {"op": "create", "db": db, "coll": name, "options": c.options.clone()},
                );
                for index in c.indexes.iter().skip(1) {
                    out.push(doc! {"op": "createIndex", "db": db, "coll": name, "spec": index.spec.to_create_document()});
                }
                for (_, d) in c.records.documents() {
                    out.push(doc! {"op": "put", "db": db, "coll": name, "doc": d});
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaying_the_journal_rebuilds_the_catalog() {
        let mut a = Catalog {
            journal: true,
            ..Default::default()
        };
        a.insert("d", "c", doc! {"_id": 1, "x": 1}).unwrap();
        a.insert("d", "c", doc! {"_id": 2, "x": 2}).unwrap();
        let r = a.get("d", "c").unwrap().find_id(&Bson::Int32(1)).unwrap();
        a.replace("d", "c", r, doc! {"_id": 1, "x": 10}).unwrap();
        let r2 = a.get("d", "c").unwrap().find_id(&Bson::Int32(2)).unwrap();
        a.remove("d", "c", r2);
        a.create_index("d", "c", IndexSpec::parse(&doc! {"key": {"x": 1}}).unwrap())
            .unwrap();
        a.rename(("d", "c"), ("e", "f")).unwrap();
        assert!(!a.pending.is_empty());
        let mut b = Catalog::default();
        for rec in a.pending.clone() {
            b.apply_record(&rec).unwrap();
        }
        let c = b.get("e", "f").unwrap();
        assert_eq!(
            c.records.documents().map(|(_, d)| d).collect::<Vec<_>>(),
            vec![doc! {"_id": 1, "x": 10}]
        );
        assert_eq!(c.indexes.len(), 2);
        assert!(b.get("d", "c").is_none());
    }

    #[test]
    fn names_are_checked() {
        assert!(check_db_name("a.b").is_err());
        assert!(check_coll_name("d", "").is_err());
        assert!(check_coll_name("d", "a$b").is_err());
        let mut c = Catalog::default();
        c.create("d", "c", Document::new()).unwrap();
        assert_eq!(c.create("d", "c", Document::new()).unwrap_err().code, 48);
    }
}
