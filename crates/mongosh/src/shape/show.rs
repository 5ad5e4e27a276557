//! `show dbs` and `show collections` text, laid out like mongosh's
//! `text-table` output: columns separated by two spaces, sizes right-aligned,
//! trailing spaces trimmed, `system.*` collections last.

use bson::{Bson, Document};

/// numeral.js `'0.00 ib'` (or `'0 ib'` up to 1000 bytes), as mongosh formats sizes.
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if bytes <= 1000.0 {
        format!("{} {}", value.round(), UNITS[unit])
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

fn table(rows: &[(String, String)], right_align_second: bool) -> String {
    let width = rows
        .iter()
        .map(|(a, _)| a.chars().count())
        .max()
        .unwrap_or(0);
    let width2 = rows
        .iter()
        .map(|(_, b)| b.chars().count())
        .max()
        .unwrap_or(0);
    rows.iter()
        .map(|(a, b)| {
            let pad = " ".repeat(width - a.chars().count());
            let line = if right_align_second {
                format!("{a}{pad}  {}{b}", " ".repeat(width2 - b.chars().count()))
            } else {
                format!("{a}{pad}  {b}")
            };
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `show dbs` table from a `listDatabases` reply.
pub fn databases(reply: &Document) -> String {
    let rows: Vec<(String, String)> = match reply.get("databases") {
        Some(Bson::Array(dbs)) => dbs
            .iter()
            .filter_map(|d| d.as_document())
            .map(|d| {
                let name = d.get_str("name").unwrap_or("").to_string();
                let size = d
                    .get("sizeOnDisk")
                    .and_then(crate::value::as_f64)
                    .unwrap_or(0.0);
                (name, format_bytes(size))
            })
            .collect(),
        _ => Vec::new(),
    };
    table(&rows, true)
}

fn sorted_collections(docs: &[Document]) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = docs
        .iter()
        .map(|d| {
            let name = d.get_str("name").unwrap_or("").to_string();
            let badge = match d.get_str("type").unwrap_or("collection") {
                "view" => "[view]",
                "timeseries" => "[time-series]",
                _ => "",
            };
            (name, badge.to_string())
        })
        .collect();
    // Sorted by name (case-insensitively first, as localeCompare does), system.* last.
    rows.sort_by(|(a, _), (b, _)| {
        let system = |n: &str| n.starts_with("system.") || n.starts_with("enxcol_.");
        (system(a), a.to_lowercase(), a).cmp(&(system(b), b.to_lowercase(), b))
    });
    rows
}

/// The `show collections` listing from `listCollections` documents.
pub fn collections(docs: &[Document]) -> String {
    table(&sorted_collections(docs), false)
}

/// `db.getCollectionNames()`: the sorted names.
pub fn collection_names(docs: &[Document]) -> Bson {
    let mut names: Vec<String> = docs
        .iter()
        .filter_map(|d| d.get_str("name").ok().map(str::to_string))
        .collect();
    names.sort();
    Bson::Array(names.into_iter().map(Bson::String).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn show_dbs_table() {
        let reply = doc! { "databases": [
            { "name": "admin", "sizeOnDisk": 40960_i64 },
            { "name": "config", "sizeOnDisk": 61440_i64 },
            { "name": "local", "sizeOnDisk": 73728_i64 },
            { "name": "shop", "sizeOnDisk": 8192_i64 },
        ], "ok": 1 };
        assert_eq!(
            databases(&reply),
            "admin   40.00 KiB\nconfig  60.00 KiB\nlocal   72.00 KiB\nshop     8.00 KiB"
        );
        assert_eq!(format_bytes(500.0), "500 B");
    }

    #[test]
    fn show_collections_sorts_and_badges() {
        let docs = vec![
            doc! { "name": "system.views", "type": "collection" },
            doc! { "name": "orders", "type": "collection" },
            doc! { "name": "active", "type": "view" },
        ];
        assert_eq!(
            collections(&docs),
            "active        [view]\norders\nsystem.views"
        );
    }
}
