//! Index key generation: the keys a document contributes to an index with a given key pattern.
//!
//! A field reached through an array, or holding an array, makes the index *multikey*: the
//! document gets one key per element (an empty array indexes as `undefined`, a missing field as
//! null). Only one field of a compound key may do so per document; two would need the cross
//! product of unrelated arrays, which MongoDB refuses with error 171 ("cannot index parallel
//! arrays"). Values are returned as they are; hashing (`"hashed"`) and tokenizing (`"text"`) are
//! left to the caller, which knows its index type.

use crate::error::{QueryError, Result};
use crate::path::array_index;
use crate::value::equal;
use bson::{Bson, Document};

/// The keys of `doc` for `key_pattern`, one `Vec<Bson>` (one value per pattern field) per key.
pub fn index_keys(doc: &Document, key_pattern: &Document) -> Result<Vec<Vec<Bson>>> {
    if key_pattern.is_empty() {
        return Err(QueryError::bad_value(
            "Index keys cannot be an empty object.",
        ));
    }
    let mut per_field: Vec<Vec<Bson>> = Vec::with_capacity(key_pattern.len());
    let mut array_fields: Vec<&str> = Vec::new();
    for path in key_pattern.keys() {
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(QueryError::bad_value(format!(
                "Index key contains an illegal field name: '{path}'"
            )));
        }
        let parts: Vec<&str> = path.split('.').collect();
        let mut values = Vec::new();
        let mut crossed = false;
        collect(
            &Bson::Document(doc.clone()),
            &parts,
            &mut values,
            &mut crossed,
            true,
        );
        if crossed {
            array_fields.push(path);
        }
        let mut unique: Vec<Bson> = Vec::new();
        for v in values {
            if !unique.iter().any(|u| equal(u, &v) && u == &v) {
                unique.push(v);
            }
        }
        if unique.is_empty() {
            unique.push(Bson::Null);
        }
        per_field.push(unique);
    }
    if array_fields.len() > 1 {
        let names: Vec<String> = array_fields.iter().map(|f| format!("[{f}]")).collect();
        return Err(QueryError::new(
            171,
            "CannotIndexParallelArrays",
            format!("cannot index parallel arrays {}", names.join(" ")),
        ));
    }
    let mut keys: Vec<Vec<Bson>> = vec![Vec::new()];
    for values in per_field {
        let mut next = Vec::with_capacity(keys.len() * values.len());
        for k in &keys {
            for v in &values {
                let mut key = k.clone();
                key.push(v.clone());
                next.push(key);
            }
        }
        keys = next;
    }
    Ok(keys)
}

/// Collects key values along `parts`, noting whether an array was crossed or expanded.
fn collect(v: &Bson, parts: &[&str], out: &mut Vec<Bson>, crossed: &mut bool, top: bool) {
    let Some((first, rest)) = parts.split_first() else {
        match v {
            Bson::Array(items) if !top => {
                *crossed = true;
                if items.is_empty() {
                    out.push(Bson::Undefined);
                } else {
                    out.extend(items.iter().cloned());
                }
            }
            other => out.push(other.clone()),
        }
        return;
    };
    match v {
        Bson::Document(d) => match d.get(*first) {
            Some(child) => collect(child, rest, out, crossed, false),
            None => out.push(Bson::Null),
        },
        Bson::Array(items) => {
            *crossed = true;
            if let Some(i) = array_index(first)
                && let Some(item) = items.get(i)
            {
                collect(item, rest, out, crossed, false);
                return;
            }
            if items.is_empty() {
                out.push(Bson::Undefined);
            }
            for item in items {
                match item {
                    Bson::Document(_) => collect(item, parts, out, crossed, false),
                    _ => out.push(Bson::Null),
                }
            }
        }
        _ => out.push(Bson::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn single_and_compound_keys() {
        let keys = index_keys(&doc! {"a": 1, "b": "x"}, &doc! {"a": 1, "b": -1}).expect("keys");
        assert_eq!(keys, vec![vec![Bson::Int32(1), Bson::String("x".into())]]);
        let keys = index_keys(&doc! {}, &doc! {"a": 1}).expect("keys");
        assert_eq!(keys, vec![vec![Bson::Null]]);
    }

    #[test]
    fn arrays_are_multikey() {
        let keys =
            index_keys(&doc! {"a": [1, 2, 2], "b": 0}, &doc! {"a": 1, "b": 1}).expect("keys");
        assert_eq!(keys.len(), 2);
        let keys = index_keys(
            &doc! {"a": [{"b": 1}, {"b": 2}, {"c": 3}]},
            &doc! {"a.b": 1},
        )
        .expect("keys");
        assert_eq!(
            keys,
            vec![vec![Bson::Int32(1)], vec![Bson::Int32(2)], vec![Bson::Null]]
        );
        let keys = index_keys(&doc! {"a": []}, &doc! {"a": 1}).expect("keys");
        assert_eq!(keys, vec![vec![Bson::Undefined]]);
    }

    #[test]
    fn parallel_arrays_are_refused() {
        let e =
            index_keys(&doc! {"a": [1], "b": [2]}, &doc! {"a": 1, "b": 1}).expect_err("parallel");
        assert_eq!(e.code, 171);
        assert_eq!(e.message, "cannot index parallel arrays [a] [b]");
    }
}
