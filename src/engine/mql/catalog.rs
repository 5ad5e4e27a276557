//! The `%%mql` engine's catalog for completion and inspection ([`crate::catalog::MongoCatalog`]):
//! database names, the current database's collections with field paths sampled from their
//! first documents (nested paths, through arrays of documents), their indexes and estimated
//! counts. Read through the engine's driver client, which is a pool: the commands are plain reads
//! outside any session, so the user's cell state (`use DB`, `const` values) is untouched. The
//! current database is read from the session state once the running cell releases it.

use std::time::Duration;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;

use super::MqlEngine;
use crate::catalog::{MongoCatalog, MongoCollection};

/// Collections of the current database that are sampled; names beyond are still listed.
const SAMPLED_COLLECTIONS: usize = 100;
/// Documents per collection whose fields are collected.
const SAMPLE: i64 = 50;
/// Field paths kept per collection, and how deep they go.
const MAX_FIELDS: usize = 300;
const MAX_DEPTH: usize = 6;
const SESSION_WAIT: Duration = Duration::from_secs(10);

pub async fn read(engine: &MqlEngine) -> Result<MongoCatalog, String> {
    let database = tokio::time::timeout(SESSION_WAIT, engine.state.lock())
        .await
        .map_err(|_| crate::catalog::SESSION_BUSY.to_string())?
        .db
        .clone();
    let client = &engine.server.client;
    // A user without listDatabases rights still gets the current database's collections.
    let mut databases = client.list_database_names().await.unwrap_or_default();
    if !databases.contains(&database) {
        databases.push(database.clone());
    }
    let db = client.database(&database);
    let mut names = db
        .list_collection_names()
        .await
        .map_err(|e| e.to_string())?;
    names.sort();
    let mut collections = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        if name.starts_with("system.") {
            continue;
        }
        let collection = db.collection::<Document>(&name);
        let mut entry = MongoCollection {
            name,
            ..Default::default()
        };
        if i < SAMPLED_COLLECTIONS {
            entry.count = collection.estimated_document_count().await.ok();
            if let Ok(cursor) = collection.find(doc! {}).limit(SAMPLE).await {
                let documents: Vec<Document> = cursor.try_collect().await.unwrap_or_default();
                entry.sampled = documents.len();
                for document in &documents {
                    collect_fields(document, "", 0, &mut entry.fields);
                }
            }
            if let Ok(cursor) = collection.list_indexes().await {
                let indexes: Vec<mongodb::IndexModel> =
                    cursor.try_collect().await.unwrap_or_default();
                entry.indexes = indexes
                    .iter()
                    .map(|index| {
                        let name = index
                            .options
                            .as_ref()
                            .and_then(|o| o.name.clone())
                            .unwrap_or_default();
                        (name, shell_document(&index.keys))
                    })
                    .collect();
            }
        }
        collections.push(entry);
    }
    Ok(MongoCatalog {
        database,
        databases,
        collections,
    })
}

/// Adds the paths of `document` under `prefix` with the types seen.
fn collect_fields(
    document: &Document,
    prefix: &str,
    depth: usize,
    fields: &mut Vec<(String, Vec<String>)>,
) {
    for (key, value) in document {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        note(fields, &path, type_name(value));
        if depth + 1 >= MAX_DEPTH {
            continue;
        }
        match value {
            Bson::Document(inner) => collect_fields(inner, &path, depth + 1, fields),
            // `items.sku` reaches into an array of documents, as queries do.
            Bson::Array(items) => {
                for item in items.iter().take(20) {
                    if let Bson::Document(inner) = item {
                        collect_fields(inner, &path, depth + 1, fields);
                    }
                }
            }
            _ => {}
        }
    }
}

fn note(fields: &mut Vec<(String, Vec<String>)>, path: &str, kind: &str) {
    if let Some((_, kinds)) = fields.iter_mut().find(|(p, _)| p == path) {
        if !kinds.iter().any(|k| k == kind) {
            kinds.push(kind.to_string());
        }
    } else if fields.len() < MAX_FIELDS {
        fields.push((path.to_string(), vec![kind.to_string()]));
    }
}

/// The `$type` alias of a value, as MongoDB names it.
fn type_name(value: &Bson) -> &'static str {
    match value {
        Bson::Double(_) => "double",
        Bson::String(_) => "string",
        Bson::Document(_) => "object",
        Bson::Array(_) => "array",
        Bson::Binary(_) => "binData",
        Bson::ObjectId(_) => "objectId",
        Bson::Boolean(_) => "bool",
        Bson::DateTime(_) => "date",
        Bson::Null => "null",
        Bson::RegularExpression(_) => "regex",
        Bson::Int32(_) => "int",
        Bson::Timestamp(_) => "timestamp",
        Bson::Int64(_) => "long",
        Bson::Decimal128(_) => "decimal",
        Bson::MinKey => "minKey",
        Bson::MaxKey => "maxKey",
        Bson::JavaScriptCode(_) | Bson::JavaScriptCodeWithScope(_) => "javascript",
        Bson::Symbol(_) => "symbol",
        Bson::Undefined => "undefined",
        Bson::DbPointer(_) => "dbPointer",
    }
}

/// A key pattern as mongosh prints it: `{ email: 1, 'a.b': -1 }`.
fn shell_document(document: &Document) -> String {
    let parts: Vec<String> = document
        .iter()
        .map(|(key, value)| {
            let plain = key
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
            let key = if plain {
                key.clone()
            } else {
                format!("'{key}'")
            };
            let value = match value {
                Bson::String(s) => format!("'{s}'"),
                Bson::Int32(n) => n.to_string(),
                Bson::Int64(n) => n.to_string(),
                Bson::Double(x) => x.to_string(),
                other => other.to_string(),
            };
            format!("{key}: {value}")
        })
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_paths_and_array_documents_are_collected_with_their_types() {
        let mut fields = Vec::new();
        let document =
            doc! {"name": "a", "address": {"city": "Oslo"}, "items": [{"sku": "x"}, {"sku": 1}]};
        collect_fields(&document, "", 0, &mut fields);
        let paths: Vec<&str> = fields.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["name", "address", "address.city", "items", "items.sku"]
        );
        assert_eq!(fields[4].1, ["string", "int"]);
    }

    #[test]
    fn key_patterns_print_as_mongosh_does() {
        assert_eq!(
            shell_document(&doc! {"email": 1, "a.b": -1}),
            "{ email: 1, 'a.b': -1 }"
        );
    }
}
