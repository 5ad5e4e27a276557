//! `db.coll.stats()` as mongosh 2.x builds it.
//!
//! mongosh does not print a `collStats` reply: it runs
//! `[{$collStats: {storageStats: {scale: 1}}}]` and adds up the per-shard
//! `storageStats` itself (shell-api `_aggregateAndScaleCollStats`), so its
//! output has its own field order and plain JavaScript numbers
//! (`size: 49`, not `Long('49')`), sizes divided by the scale. This module
//! does the same for the one `storageStats` document a standalone server
//! returns, so the kernel prints what mongosh prints.

use bson::{Bson, Document};

/// The shaped `stats()` document of a collection `ns` from its `$collStats` output.
pub fn stats(documents: &[Document], ns: &str, scale: f64, index_details: bool) -> Document {
    let mut result = Document::new();
    result.insert("ok", 1);
    let mut counts: Vec<(&str, f64)> = Vec::new();
    let mut index_sizes: Vec<(String, f64)> = Vec::new();
    let mut object_bytes = 0.0;
    let mut max_size: f64 = 0.0;
    let mut nindexes = Bson::Int32(0);
    let mut scale_factor = false;
    for shard in documents {
        let Ok(storage) = shard.get_document("storageStats") else {
            continue;
        };
        let shard_count = storage.get("count").and_then(number).unwrap_or(0.0);
        for (field, value) in storage {
            match field.as_str() {
                "ns" | "ok" | "lastExtentSize" | "paddingFactor" => {}
                // The first shard's value is kept (mongosh's `??=`); mongosh deletes
                // indexDetails unless asked for it.
                "userFlags" | "capped" | "max" | "paddingFactorNote" | "wiredTiger"
                    if !result.contains_key(field) =>
                {
                    result.insert(field.clone(), value.clone());
                }
                "indexDetails" if index_details && !result.contains_key(field) => {
                    result.insert(field.clone(), value.clone());
                }
                "userFlags" | "capped" | "max" | "paddingFactorNote" | "wiredTiger"
                | "indexDetails" => {}
                "count" | "size" | "storageSize" | "totalIndexSize" | "totalSize"
                | "numOrphanDocs" => {
                    let n = number(value).unwrap_or(0.0);
                    match counts.iter_mut().find(|(name, _)| name == field) {
                        Some((_, total)) => *total += n,
                        None => counts.push((counted_name(field), n)),
                    }
                }
                "avgObjSize" => object_bytes += number(value).unwrap_or(0.0) * shard_count,
                "maxSize" => max_size = max_size.max(number(value).unwrap_or(0.0)),
                "indexSizes" => {
                    if let Bson::Document(sizes) = value {
                        for (name, size) in sizes {
                            let n = number(size).unwrap_or(0.0);
                            match index_sizes.iter_mut().find(|(i, _)| i == name) {
                                Some((_, total)) => *total += n,
                                None => index_sizes.push((name.clone(), n)),
                            }
                        }
                    }
                }
                "nindexes" => nindexes = value.clone(),
                "scaleFactor" => scale_factor = true,
                _ => {}
            }
        }
    }
    // A standalone server has no config.collections entry for it: not sharded.
    result.insert("sharded", false);
    let mut total_count = 0.0;
    for (field, total) in &counts {
        let shown = if matches!(
            *field,
            "size" | "storageSize" | "totalIndexSize" | "totalSize"
        ) {
            total / scale
        } else {
            *total
        };
        if *field == "count" {
            total_count = *total;
        }
        result.insert(*field, crate::value::number(shown));
    }
    let sizes: Document = index_sizes
        .into_iter()
        .map(|(name, size)| (name, crate::value::number(size / scale)))
        .collect();
    result.insert("indexSizes", sizes);
    let average = if total_count > 0.0 {
        object_bytes / total_count
    } else {
        0.0
    };
    result.insert("avgObjSize", crate::value::number(average));
    if matches!(result.get("capped"), Some(Bson::Boolean(true))) {
        result.insert("maxSize", crate::value::number(max_size / scale));
    }
    result.insert("ns", ns);
    result.insert("nindexes", nindexes);
    if scale_factor {
        result.insert("scaleFactor", crate::value::number(scale));
    }
    result.insert("ok", 1);
    result
}

fn counted_name(field: &str) -> &'static str {
    match field {
        "count" => "count",
        "size" => "size",
        "storageSize" => "storageSize",
        "totalIndexSize" => "totalIndexSize",
        "totalSize" => "totalSize",
        _ => "numOrphanDocs",
    }
}

fn number(value: &Bson) -> Option<f64> {
    crate::value::as_f64(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    // The shape mongosh 2.12 prints for db.c.stats() against `dbkernel mongod`.
    #[test]
    fn storage_stats_are_summed_and_reordered_like_mongosh() {
        let reply = doc! {
            "ns": "t.c", "host": "localhost", "localTime": bson::DateTime::from_millis(0),
            "storageStats": {
                "size": 49_i64, "count": 2_i64, "avgObjSize": 24_i64, "numOrphanDocs": 0,
                "storageSize": 49_i64, "freeStorageSize": 0, "capped": false, "nindexes": 2,
                "indexDetails": {}, "indexBuilds": [], "totalIndexSize": 128_i64,
                "totalSize": 177_i64, "indexSizes": {"_id_": 64_i64, "s_1": 64_i64},
                "scaleFactor": 1_i64,
            },
        };
        let shaped = stats(&[reply], "t.c", 1.0, false);
        let keys: Vec<&str> = shaped.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec![
                "ok",
                "capped",
                "sharded",
                "size",
                "count",
                "numOrphanDocs",
                "storageSize",
                "totalIndexSize",
                "totalSize",
                "indexSizes",
                "avgObjSize",
                "ns",
                "nindexes",
                "scaleFactor"
            ]
        );
        assert_eq!(
            crate::inspect::format(&Bson::Document(shaped)),
            "{\n  ok: 1,\n  capped: false,\n  sharded: false,\n  size: 49,\n  count: 2,\n  numOrphanDocs: 0,\n  storageSize: 49,\n  totalIndexSize: 128,\n  totalSize: 177,\n  indexSizes: { _id_: 64, s_1: 64 },\n  avgObjSize: 24,\n  ns: 't.c',\n  nindexes: 2,\n  scaleFactor: 1\n}"
        );
    }

    #[test]
    fn sizes_are_divided_by_the_scale() {
        let reply = doc! { "storageStats": { "size": 3000_i64, "count": 1_i64, "avgObjSize": 3000_i64, "scaleFactor": 1_i64 } };
        let shaped = stats(&[reply], "t.c", 1024.0, false);
        assert_eq!(shaped.get("size"), Some(&Bson::Double(3000.0 / 1024.0)));
        assert_eq!(shaped.get("scaleFactor"), Some(&Bson::Int32(1024)));
    }
}
