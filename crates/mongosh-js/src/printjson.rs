//! `printjson`'s layout: mongosh prints its arguments with `util.inspect(value, { compact:
//! false })`, every non-empty document and array one entry per line, indented by two spaces.
//! Leaves (`ObjectId('…')`, `Long('7')`, quoted strings) are the inspect printer's.

use bson::{Bson, doc};
use mongosh::inspect::shown::{self, Shown};

/// One `printjson` argument; a top-level string prints bare, as mongosh prints it.
pub fn format(value: &Bson) -> String {
    match value {
        Bson::String(s) => s.clone(),
        other => {
            let mut out = String::new();
            write(other, 0, &mut out);
            out
        }
    }
}

fn is_dbref(document: &bson::Document) -> bool {
    document.contains_key("$ref") && document.contains_key("$id")
}

fn write(value: &Bson, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    if let Bson::Document(document) = value
        && let Some(shown) = shown::read(document)
    {
        return write_shown(shown, indent, out);
    }
    match value {
        Bson::Document(document) if !document.is_empty() && !is_dbref(document) => {
            out.push_str("{\n");
            let count = document.len();
            for (index, (key, item)) in document.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&key_text(key));
                out.push_str(": ");
                write(item, indent + 1, out);
                if index + 1 < count {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
        Bson::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (index, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write(item, indent + 1, out);
                if index + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        Bson::String(s) => out.push_str(&mongosh::inspect::quote(s)),
        leaf => out.push_str(&mongosh::inspect::format(leaf)),
    }
}

/// A class instance, `Map` or `Set`: `P {`, `Map(2) {`, `Set(1) {` and one entry per line, as
/// mongosh's printjson shows them (`Map(0) {}` when empty).
fn write_shown(shown: Shown, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    let (prefix, entries): (String, Vec<String>) = match shown {
        Shown::Leaf(text) => return out.push_str(text),
        Shown::Class(name, fields) => (
            name.to_string(),
            fields
                .iter()
                .map(|(key, item)| {
                    let mut text = format!("{}: ", key_text(key));
                    write(item, indent + 1, &mut text);
                    text
                })
                .collect(),
        ),
        Shown::Map(pairs) => (
            format!("Map({})", pairs.len()),
            pairs
                .iter()
                .map(|pair| {
                    let mut text = String::new();
                    if let Bson::Array(pair) = pair
                        && pair.len() == 2
                    {
                        write(&pair[0], indent + 1, &mut text);
                        text.push_str(" => ");
                        write(&pair[1], indent + 1, &mut text);
                    }
                    text
                })
                .collect(),
        ),
        Shown::Set(items) => (
            format!("Set({})", items.len()),
            items
                .iter()
                .map(|item| {
                    let mut text = String::new();
                    write(item, indent + 1, &mut text);
                    text
                })
                .collect(),
        ),
    };
    out.push_str(&prefix);
    if entries.is_empty() {
        out.push_str(" {}");
        return;
    }
    out.push_str(" {\n");
    let count = entries.len();
    for (index, entry) in entries.into_iter().enumerate() {
        out.push_str(&pad);
        out.push_str(&entry);
        if index + 1 < count {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str(&"  ".repeat(indent));
    out.push('}');
}

/// A key as the inspect printer writes it (bare when it is an identifier, else quoted): read
/// off the printer's own output for `{ key: 1 }`.
fn key_text(key: &str) -> String {
    let text = mongosh::inspect::format(&Bson::Document(doc! { key: 1 }));
    text.strip_prefix("{ ")
        .and_then(|t| t.strip_suffix(": 1 }"))
        .map(str::to_string)
        .unwrap_or_else(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected text from mongosh 2.x: printjson({a: [1, 2, {b: 3}], s: 'x', e: {}, ea: [], 'a-b': 1}).
    #[test]
    fn documents_and_arrays_open_one_entry_per_line() {
        let value =
            Bson::Document(doc! { "a": [1, 2, {"b": 3}], "s": "x", "e": {}, "ea": [], "a-b": 1 });
        assert_eq!(
            format(&value),
            "{\n  a: [\n    1,\n    2,\n    {\n      b: 3\n    }\n  ],\n  s: 'x',\n  e: {},\n  ea: [],\n  'a-b': 1\n}"
        );
        assert_eq!(format(&Bson::String("s".into())), "s");
    }
}
