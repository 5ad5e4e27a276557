//! Printing BSON the way mongosh prints it.
//!
//! mongosh shows results through Node's `util.inspect` with BSON-aware
//! custom printers (`ObjectId('…')`, `ISODate('…')`, `Long('…')`). Users copy
//! those outputs into tutorials and compare them with what they see, so this
//! module reproduces the algorithm rather than approximating it: the same
//! "fits in 80 columns" test, the same rule that at most three inner levels
//! are joined onto one line, the same grouping of long arrays into columns
//! (see `layout.rs`). Leaf rules (numbers, quoting) live in `text.rs`.

mod layout;
pub mod shown;
mod text;

use bson::{Bson, spec::BinarySubtype};

pub use layout::Options;
pub use text::{js_number, quote};

use crate::value::{builtin, dates};

/// Format a value as mongosh prints a result: in full, as mongosh 2.x prints what the server
/// returned (no `[Object]` below depth 6, no `... n more items`, no cut strings). What bounds a
/// result is the number of documents a cursor shows, which is the caller's business.
pub fn format(value: &Bson) -> String {
    format_with(value, &Options::full())
}

/// Format documents of a cursor as mongosh does: the same as [`format`].
pub fn format_documents(value: &Bson) -> String {
    format(value)
}

/// Format with explicit options. A top-level string prints bare (as mongosh
/// prints a string result) unless it holds control characters.
pub fn format_with(value: &Bson, options: &Options) -> String {
    if let Bson::String(s) = value {
        let has_control = s.chars().any(|c| {
            let code = c as u32;
            (code < 0x20 && c != '\t' && c != '\n') || (0x7f..=0x9f).contains(&code)
        });
        if !has_control {
            return s.clone();
        }
    }
    layout::format(value, options)
}

/// One line for a table cell: nested values on a single line, strings bare
/// at the top level, cut to `max_chars` characters with `…`.
pub fn format_compact(value: &Bson) -> String {
    format_compact_width(value, 60)
}

/// [`format_compact`] with an explicit width.
pub fn format_compact_width(value: &Bson, max_chars: usize) -> String {
    let full = match value {
        Bson::String(s) => s.replace('\n', "\\n"),
        other => compact(other),
    };
    if full.chars().count() <= max_chars {
        return full;
    }
    let mut cut: String = full.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn compact(value: &Bson) -> String {
    match value {
        Bson::Document(doc) if !doc.is_empty() && leaf(value).is_none() => {
            let items: Vec<String> = doc
                .iter()
                .map(|(k, v)| format!("{}: {}", text::key(k), compact(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        Bson::Array(items) if !items.is_empty() => {
            let items: Vec<String> = items.iter().map(compact).collect();
            format!("[ {} ]", items.join(", "))
        }
        Bson::String(s) => quote(s),
        other => leaf(other).unwrap_or_else(|| layout::format(other, &Options::full())),
    }
}

/// The printed form of a non-container value (or of a document that mongosh
/// shows as a single token, such as a DBRef); `None` for documents and arrays.
pub(crate) fn leaf(value: &Bson) -> Option<String> {
    if let Some(function) = builtin::function_name(value) {
        return Some(builtin::inspect(function));
    }
    Some(match value {
        Bson::Double(d) => text::inspect_number(*d),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => format!("Long('{i}')"),
        Bson::String(s) => quote(s),
        Bson::Boolean(b) => b.to_string(),
        Bson::Null => "null".to_string(),
        Bson::Undefined => "undefined".to_string(),
        Bson::ObjectId(oid) => format!("ObjectId('{}')", oid.to_hex()),
        Bson::DateTime(dt) => match dates::to_iso_string(dt.timestamp_millis()) {
            Some(iso) => format!("ISODate('{iso}')"),
            None => "Invalid Date".to_string(),
        },
        Bson::Decimal128(d) => format!("Decimal128('{d}')"),
        Bson::Timestamp(ts) => format!("Timestamp({{ t: {}, i: {} }})", ts.time, ts.increment),
        Bson::Binary(bin) => binary(bin.subtype, &bin.bytes),
        Bson::RegularExpression(re) => regex(re.pattern.as_str(), re.options.as_str()),
        Bson::JavaScriptCode(code) => format!("Code({})", quote(code)),
        Bson::JavaScriptCodeWithScope(code) => format!(
            "Code({}, {})",
            quote(&code.code),
            layout::format(&Bson::Document(code.scope.clone()), &Options::full())
        ),
        Bson::Symbol(s) => format!("BSONSymbol({})", quote(s)),
        Bson::MinKey => "MinKey()".to_string(),
        Bson::MaxKey => "MaxKey()".to_string(),
        Bson::DbPointer(_) => "DBPointer()".to_string(),
        Bson::Document(doc) => {
            if let Some(shown::Shown::Leaf(text)) = shown::read(doc) {
                return Some(text.to_string());
            }
            return dbref(doc);
        }
        Bson::Array(_) => return None,
    })
}

/// A `{ $ref, $id [, $db] }` document prints as `DBRef('coll', id, 'db')`, as
/// the driver turns it into a DBRef object.
fn dbref(doc: &bson::Document) -> Option<String> {
    let mut keys = doc.keys();
    if keys.next().map(String::as_str) != Some("$ref")
        || keys.next().map(String::as_str) != Some("$id")
    {
        return None;
    }
    let Some(Bson::String(collection)) = doc.get("$ref") else {
        return None;
    };
    let id = doc.get("$id")?;
    let id_text = layout::format(id, &Options::full());
    match doc.get("$db") {
        Some(Bson::String(db)) if doc.len() == 3 => Some(format!(
            "DBRef({}, {id_text}, {})",
            quote(collection),
            quote(db)
        )),
        None if doc.len() == 2 => Some(format!("DBRef({}, {id_text})", quote(collection))),
        _ => None,
    }
}

fn binary(subtype: BinarySubtype, bytes: &[u8]) -> String {
    use base64::Engine;
    match subtype {
        BinarySubtype::Uuid if bytes.len() == 16 => {
            let h = hex::encode(bytes);
            format!(
                "UUID('{}-{}-{}-{}-{}')",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        }
        BinarySubtype::Md5 => format!("MD5('{}')", hex::encode(bytes)),
        other => format!(
            "Binary.createFromBase64('{}', {})",
            base64::engine::general_purpose::STANDARD.encode(bytes),
            u8::from(other)
        ),
    }
}

/// BSON regexes arrive in mongosh as JavaScript RegExps when their options
/// translate (`s` becomes `g`, js-bson's quirk); otherwise as `BSONRegExp`.
fn regex(pattern: &str, options: &str) -> String {
    if options.chars().all(|c| matches!(c, 'i' | 'm' | 's')) {
        let mut flags = String::new();
        // RegExp.prototype.flags order: d g i m s u v y.
        for (bson_flag, js_flag) in [('s', 'g'), ('i', 'i'), ('m', 'm')] {
            if options.contains(bson_flag) {
                flags.push(js_flag);
            }
        }
        let source = if pattern.is_empty() {
            "(?:)".to_string()
        } else {
            escape_regex_source(pattern)
        };
        format!("/{source}/{flags}")
    } else {
        format!("BSONRegExp({}, {})", quote(pattern), quote(options))
    }
}

/// `RegExp.prototype.source`: unescaped `/` and line breaks are escaped.
fn escape_regex_source(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut escaped = false;
    let mut in_class = false;
    for c in pattern.chars() {
        match c {
            '/' if !escaped && !in_class => out.push_str("\\/"),
            '\n' if !escaped => out.push_str("\\n"),
            '\r' if !escaped => out.push_str("\\r"),
            c => out.push(c),
        }
        if !escaped {
            if c == '[' {
                in_class = true;
            } else if c == ']' {
                in_class = false;
            }
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

#[cfg(test)]
mod tests;
