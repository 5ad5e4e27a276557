//! Database-level commands: listDatabases (not a cursor), dropDatabase, dbStats.
//!
//! `listDatabases` always lists `admin` and `local`, as a mongod does (it keeps its own
//! collections there), so `show dbs` looks as users know it; here they hold only what users
//! put in them, and their sizes say so.

use bson::{Bson, Document, doc};
use docdb_query::matcher::Filter;

use super::args;
use crate::engine::Ctx;
use crate::error::Result;

pub fn list_databases(ctx: &Ctx) -> Result<Document> {
    let filter = match args::opt_doc(ctx, "filter")? {
        Some(f) => Some(Filter::parse(f)?),
        None => None,
    };
    let name_only = args::opt_bool(ctx, "nameOnly")?.unwrap_or(false);
    let (dbs, total) = ctx.engine.read(|cat| {
        let mut total = 0i64;
        let mut out = Vec::new();
        let mut sizes: std::collections::BTreeMap<&str, (i64, bool)> = ["admin", "local"]
            .into_iter()
            .map(|name| (name, (0, true)))
            .collect();
        for (name, colls) in &cat.dbs {
            let size: i64 = colls.values().map(|c| c.data_size()).sum();
            sizes.insert(name, (size, colls.values().all(|c| c.is_empty())));
        }
        for (name, (size, empty)) in sizes {
            let entry = doc! {"name": name, "sizeOnDisk": size, "empty": empty};
            if filter.as_ref().is_some_and(|f| !f.matches(&entry)) {
                continue;
            }
            total += size;
            out.push(Bson::Document(if name_only {
                doc! {"name": name}
            } else {
                entry
            }));
        }
        (out, total)
    });
    let mut reply = doc! {"databases": dbs};
    if !name_only {
        reply.insert("totalSize", total);
        reply.insert("totalSizeMb", total / (1024 * 1024));
    }
    reply.insert("ok", 1.0);
    Ok(reply)
}

pub fn drop_database(ctx: &Ctx) -> Result<Document> {
    let names: Vec<String> = ctx.engine.read(|cat| {
        cat.dbs
            .get(ctx.db)
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    });
    ctx.engine.write(|cat| cat.drop_database(ctx.db))?;
    let mut cursors = ctx.engine.cursors();
    for n in names {
        cursors.kill_namespace(&ctx.ns(&n));
    }
    Ok(doc! {"dropped": ctx.db, "ok": 1.0})
}

pub fn db_stats(ctx: &Ctx) -> Result<Document> {
    Ok(ctx.engine.read(|cat| {
        let colls = cat.dbs.get(ctx.db);
        let (mut objects, mut data, mut indexes, mut index_size) = (0i64, 0i64, 0i64, 0i64);
        for c in colls.into_iter().flat_map(|m| m.values()) {
            objects += c.len() as i64;
            data += c.data_size();
            indexes += c.indexes.len() as i64;
            index_size += c
                .indexes
                .iter()
                .map(|i| i.entries.allocated_bytes() as i64)
                .sum::<i64>();
        }
        doc! {
            "db": ctx.db,
            "collections": colls.map(|m| m.len() as i64).unwrap_or(0),
            "views": 0,
            "objects": objects,
            "avgObjSize": if objects > 0 { data as f64 / objects as f64 } else { 0.0 },
            "dataSize": data,
            "storageSize": data,
            "indexes": indexes,
            "indexSize": index_size,
            "totalSize": data + index_size,
            "scaleFactor": 1,
            "ok": 1.0,
        }
    }))
}
