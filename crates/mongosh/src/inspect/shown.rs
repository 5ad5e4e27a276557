//! Values a JavaScript shell prints but BSON cannot hold: a user's `Int32(3)`/`Double(2)` (which
//! print with their constructor, unlike the plain numbers the server returns), instances of a
//! script's own class (`P { x: 1 }`), `Map` and `Set`. The shell's printing conversion encodes
//! them as marker documents that only the printer reads; they are never sent or kept.

use bson::{Bson, Document, doc};

const MARKER: &str = "$dbkernel.shown";

/// What a marker document stands for.
pub enum Shown<'a> {
    /// Printed as the text itself (`Int32(3)`).
    Leaf(&'a str),
    /// `Name { fields }`.
    Class(&'a str, &'a Document),
    /// `Map(n) { key => value, … }`, entries as `[key, value]` arrays.
    Map(&'a [Bson]),
    /// `Set(n) { item, … }`.
    Set(&'a [Bson]),
}

pub fn leaf(text: String) -> Bson {
    Bson::Document(doc! { MARKER: "leaf", "text": text })
}

pub fn class(name: String, fields: Document) -> Bson {
    Bson::Document(doc! { MARKER: "class", "name": name, "fields": fields })
}

pub fn map(entries: Vec<(Bson, Bson)>) -> Bson {
    let entries: Vec<Bson> = entries
        .into_iter()
        .map(|(k, v)| Bson::Array(vec![k, v]))
        .collect();
    Bson::Document(doc! { MARKER: "map", "entries": entries })
}

pub fn set(items: Vec<Bson>) -> Bson {
    Bson::Document(doc! { MARKER: "set", "items": items })
}

/// The marker a document is, if it is one.
pub fn read(document: &Document) -> Option<Shown<'_>> {
    let Some(Bson::String(kind)) = document.get(MARKER) else {
        return None;
    };
    Some(match kind.as_str() {
        "leaf" => Shown::Leaf(document.get_str("text").ok()?),
        "class" => Shown::Class(
            document.get_str("name").ok()?,
            document.get_document("fields").ok()?,
        ),
        "map" => Shown::Map(document.get_array("entries").ok()?),
        "set" => Shown::Set(document.get_array("items").ok()?),
        _ => return None,
    })
}
