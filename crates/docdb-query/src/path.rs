//! Dotted field paths ("a.b.0.c") over documents.
//!
//! Two readings exist in MongoDB and both are needed: a *strict* one (`get_path`, used by
//! expressions, updates and projections) where a numeric component indexes an array and nothing
//! else fans out, and the *implicit array traversal* of queries and index keys (`values_at_path`),
//! where a path crossing an array continues into each element. Writes (`set_path`, `remove_path`)
//! follow the strict reading and create missing parents, as `$set` does.

use crate::error::{QueryError, Result};
use bson::{Bson, Document};

/// Parses a path component as an array index (digits only, as MongoDB requires).
pub fn array_index(component: &str) -> Option<usize> {
    if component.is_empty() || !component.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    component.parse().ok()
}

/// Documents up to this many fields are searched in order instead of through their hash
/// table: comparing a few short names is cheaper than hashing the name (SipHash) once, and
/// stored documents are mostly this small.
const LINEAR_LOOKUP_FIELDS: usize = 16;

/// The value of field `name` of `doc` (one component, no dots).
#[inline]
pub fn field<'a>(doc: &'a Document, name: &str) -> Option<&'a Bson> {
    if doc.len() <= LINEAR_LOOKUP_FIELDS {
        doc.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
    } else {
        doc.get(name)
    }
}

/// Strict lookup: documents by field name, arrays only by numeric component.
pub fn get_path<'a>(doc: &'a Document, path: &str) -> Option<&'a Bson> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut current = field(doc, first)?;
    for part in parts {
        current = step(current, part)?;
    }
    Some(current)
}

/// Lookup through documents only (arrays stop the path), as `$unwind` and `$group` paths read.
pub fn get_path_no_index<'a>(doc: &'a Document, path: &str) -> Option<&'a Bson> {
    let mut parts = path.split('.');
    let mut current = field(doc, parts.next()?)?;
    for part in parts {
        current = match current {
            Bson::Document(d) => field(d, part)?,
            _ => return None,
        };
    }
    Some(current)
}

/// One strict step from a value into its child named `part`.
pub fn step<'a>(value: &'a Bson, part: &str) -> Option<&'a Bson> {
    match value {
        Bson::Document(d) => field(d, part),
        Bson::Array(a) => a.get(array_index(part)?),
        _ => None,
    }
}

/// Every value reachable with implicit array traversal. Arrays met at the end of the path are
/// returned whole (callers decide whether to look inside them); arrays met before the end are
/// crossed: each document element continues the path, and a numeric component also indexes.
pub fn values_at_path(doc: &Document, path: &str) -> Vec<Bson> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    collect_from_doc(doc, &parts, &mut out);
    out
}

fn collect_from_doc(doc: &Document, parts: &[&str], out: &mut Vec<Bson>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if let Some(v) = field(doc, first) {
        collect_from_value(v, rest, out);
    }
}

fn collect_from_value(v: &Bson, rest: &[&str], out: &mut Vec<Bson>) {
    if rest.is_empty() {
        out.push(v.clone());
        return;
    }
    match v {
        Bson::Document(d) => collect_from_doc(d, rest, out),
        Bson::Array(items) => {
            if let Some(i) = array_index(rest[0])
                && let Some(item) = items.get(i)
            {
                collect_from_value(item, &rest[1..], out);
            }
            for item in items {
                if let Bson::Document(d) = item {
                    collect_from_doc(d, rest, out);
                }
            }
        }
        _ => {}
    }
}

/// Writes `value` at `path`, creating missing documents on the way. A numeric component on an
/// array sets that element (padding with nulls). Crossing a scalar is error 28, like `$set`.
pub fn set_path(doc: &mut Document, path: &str, value: Bson) -> Result<()> {
    let parts: Vec<&str> = path.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(QueryError::empty_field_name(format!(
            "The update path '{path}' contains an empty field name, which is not allowed."
        )));
    }
    set_in_doc(doc, &parts, value, path)
}

fn set_in_doc(doc: &mut Document, parts: &[&str], value: Bson, full: &str) -> Result<()> {
    let Some((first, rest)) = parts.split_first() else {
        return Ok(());
    };
    if rest.is_empty() {
        doc.insert(*first, value);
        return Ok(());
    }
    if !doc.contains_key(*first) {
        doc.insert(*first, Bson::Document(Document::new()));
    }
    match doc.get_mut(*first) {
        Some(child) => set_in_value(child, rest, value, full),
        None => Ok(()),
    }
}

fn set_in_value(target: &mut Bson, parts: &[&str], value: Bson, full: &str) -> Result<()> {
    match target {
        Bson::Document(d) => set_in_doc(d, parts, value, full),
        Bson::Array(items) => {
            let Some(idx) = array_index(parts[0]) else {
                return Err(QueryError::path_not_viable(format!(
                    "Cannot create field '{}' in element {{{}: {:?}}}: the path '{full}' crosses an array with a non-numeric field name",
                    parts[0],
                    parts[0],
                    Bson::Array(items.clone())
                )));
            };
            if idx > 1_500_000 {
                return Err(QueryError::bad_value(format!(
                    "can't set array index {idx} in path '{full}': it is too far past the end of the array"
                )));
            }
            while items.len() <= idx {
                items.push(Bson::Null);
            }
            if parts.len() == 1 {
                items[idx] = value;
                return Ok(());
            }
            if matches!(items[idx], Bson::Null) {
                items[idx] = Bson::Document(Document::new());
            }
            set_in_value(&mut items[idx], &parts[1..], value, full)
        }
        other => Err(QueryError::path_not_viable(format!(
            "Cannot create field '{}' in element {{{}}} while setting '{full}'",
            parts[0],
            crate::fmt::short(other)
        ))),
    }
}

/// Writes `value` at `path`, replacing any non-document value met on the way (arrays included)
/// by a new document. This is how `$unwind`'s `includeArrayIndex` and `$group` outputs set
/// dotted fields; it cannot fail.
pub fn set_path_overwrite(doc: &mut Document, path: &str, value: Bson) {
    match path.split_once('.') {
        None => {
            doc.insert(path, value);
        }
        Some((first, rest)) => {
            if !matches!(doc.get(first), Some(Bson::Document(_))) {
                doc.insert(first, Document::new());
            }
            if let Some(Bson::Document(child)) = doc.get_mut(first) {
                set_path_overwrite(child, rest, value);
            }
        }
    }
}

/// Mutable strict lookup.
pub fn get_path_mut<'a>(doc: &'a mut Document, path: &str) -> Option<&'a mut Bson> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut current = doc.get_mut(first)?;
    for part in parts {
        current = match current {
            Bson::Document(d) => d.get_mut(part)?,
            Bson::Array(a) => a.get_mut(array_index(part)?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Removes the value at `path` (strict reading). An array element is replaced by null, as
/// `$unset` does, so the positions of the other elements do not move.
pub fn remove_path(doc: &mut Document, path: &str) -> Option<Bson> {
    match path.rsplit_once('.') {
        None => doc.remove(path),
        Some((parent, last)) => match get_path_mut(doc, parent)? {
            Bson::Document(d) => d.remove(last),
            Bson::Array(items) => {
                let slot = items.get_mut(array_index(last)?)?;
                Some(std::mem::replace(slot, Bson::Null))
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn strict_lookup_indexes_arrays() {
        let d = doc! {"a": [{"b": 1}, {"b": 2}], "c": {"d": 3}};
        assert_eq!(get_path(&d, "a.1.b"), Some(&Bson::Int32(2)));
        assert_eq!(get_path(&d, "c.d"), Some(&Bson::Int32(3)));
        assert_eq!(get_path(&d, "a.b"), None);
    }

    #[test]
    fn implicit_traversal_crosses_arrays() {
        let d = doc! {"a": [{"b": 1}, {"b": [2, 3]}, 4]};
        assert_eq!(
            values_at_path(&d, "a.b"),
            vec![
                Bson::Int32(1),
                Bson::Array(vec![Bson::Int32(2), Bson::Int32(3)])
            ]
        );
        assert_eq!(values_at_path(&d, "a.0.b"), vec![Bson::Int32(1)]);
    }

    #[test]
    fn set_creates_parents_and_pads_arrays() {
        let mut d = doc! {"a": [1]};
        set_path(&mut d, "x.y", Bson::Int32(1)).expect("set");
        set_path(&mut d, "a.2", Bson::Int32(3)).expect("set");
        assert_eq!(d, doc! {"a": [1, null, 3], "x": {"y": 1}});
    }

    #[test]
    fn set_through_scalar_fails_with_28() {
        let mut d = doc! {"a": 1};
        let e = set_path(&mut d, "a.b", Bson::Int32(1)).expect_err("scalar parent");
        assert_eq!(e.code, 28);
    }

    #[test]
    fn remove_nulls_array_slots() {
        let mut d = doc! {"a": [1, 2], "b": {"c": 1, "d": 2}};
        assert_eq!(remove_path(&mut d, "a.0"), Some(Bson::Int32(1)));
        assert_eq!(remove_path(&mut d, "b.c"), Some(Bson::Int32(1)));
        assert_eq!(d, doc! {"a": [null, 2], "b": {"d": 2}});
    }
}
