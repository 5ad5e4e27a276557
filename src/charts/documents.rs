//! MongoDB documents into a chart, by field path: `qty` or a dotted path into embedded
//! documents (`address.city`). Documents have no header, so an unknown field is only known at
//! the end: no document had it. The suggestion list comes from the paths of the first
//! documents (a bounded number, so a long cursor costs nothing more).

use std::collections::BTreeSet;

use bson::{Bson, Document};
use chart::{Accumulator, Request, Value};

use crate::result::{Provenance, QueryResult};

/// Documents whose paths are collected for "did you mean".
const PATH_SAMPLE: usize = 100;
/// Paths kept for suggestions.
const MAX_PATHS: usize = 500;

pub struct DocumentFeed {
    accumulator: Accumulator,
    /// Whether some document had the field, per channel (x, y, color).
    present: [bool; 3],
    documents: u64,
    paths: BTreeSet<String>,
    failed: Option<chart::ChartError>,
}

/// The value at a dotted path; `None` when a document lacks it.
fn lookup<'a>(document: &'a Document, path: &str) -> Option<&'a Bson> {
    let mut parts = path.split('.');
    let mut current = document.get(parts.next()?)?;
    for part in parts {
        current = match current {
            Bson::Document(d) => d.get(part)?,
            Bson::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

pub fn bson_value(value: &Bson) -> Value<'_> {
    match value {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Int32(i) => Value::Number(f64::from(*i)),
        Bson::Int64(i) => Value::Number(*i as f64),
        Bson::Double(d) => Value::Number(*d),
        Bson::Decimal128(d) => match d.to_string().parse::<f64>() {
            Ok(n) => Value::Number(n),
            Err(_) => Value::Text(d.to_string().into()),
        },
        Bson::String(s) => Value::Text(s.as_str().into()),
        Bson::Boolean(b) => Value::Text(if *b { "true" } else { "false" }.into()),
        Bson::DateTime(dt) => Value::Text(
            dt.try_to_rfc3339_string()
                .unwrap_or_else(|_| dt.timestamp_millis().to_string())
                .into(),
        ),
        Bson::ObjectId(id) => Value::Text(id.to_hex().into()),
        other => Value::Text(other.clone().into_relaxed_extjson().to_string().into()),
    }
}

fn collect_paths(prefix: &str, document: &Document, depth: usize, out: &mut BTreeSet<String>) {
    for (key, value) in document {
        if out.len() >= MAX_PATHS {
            return;
        }
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if let (Bson::Document(inner), true) = (value, depth < 3) {
            collect_paths(&path, inner, depth + 1, out);
        }
        out.insert(path);
    }
}

impl DocumentFeed {
    pub fn new(request: Request) -> DocumentFeed {
        DocumentFeed {
            accumulator: Accumulator::new(request),
            present: [false; 3],
            documents: 0,
            paths: BTreeSet::new(),
            failed: None,
        }
    }

    pub fn push(&mut self, document: &Document) {
        if self.failed.is_some() {
            return;
        }
        self.documents += 1;
        if self.documents <= PATH_SAMPLE as u64 {
            collect_paths("", document, 0, &mut self.paths);
        }
        let request = self.accumulator.request();
        let names = [
            Some(request.x.clone()),
            request.y.clone(),
            request.color.clone(),
        ];
        let mut values: [Option<Value<'_>>; 3] = [None, None, None];
        for (i, name) in names.iter().enumerate() {
            if let Some(name) = name {
                let found = lookup(document, name);
                self.present[i] |= found.is_some();
                values[i] = Some(found.map_or(Value::Null, bson_value));
            }
        }
        let [x, y, color] = values;
        if let Err(e) = self.accumulator.push(x.unwrap_or(Value::Null), y, color) {
            self.failed = Some(e);
        }
    }

    pub fn finish(self, provenance: Provenance) -> Result<QueryResult, crate::engine::EngineError> {
        if let Some(e) = self.failed {
            return Err(super::error(e));
        }
        let request = self.accumulator.request();
        let names = [Some(&request.x), request.y.as_ref(), request.color.as_ref()];
        for (i, role) in ["x", "y", "color"].iter().enumerate() {
            if let Some(name) = names[i]
                && !self.present[i]
                && self.documents > 0
            {
                let known: Vec<String> = self.paths.iter().cloned().collect();
                return Err(super::error(chart::error::unknown_column(
                    role, name, &known, "field",
                )));
            }
        }
        if self.documents == 0 {
            return Err(crate::engine::EngineError::usage(
                "--chart: the query returned no documents; nothing was drawn",
            ));
        }
        super::finish(self.accumulator, provenance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn dotted_paths_reach_into_embedded_documents() {
        let d = doc! {"a": {"b": 3}, "list": [1, 2]};
        assert_eq!(lookup(&d, "a.b"), Some(&Bson::Int32(3)));
        assert_eq!(lookup(&d, "list.1"), Some(&Bson::Int32(2)));
        assert_eq!(lookup(&d, "a.c"), None);
    }

    #[test]
    fn unknown_field_suggests_a_dotted_path() {
        let words: Vec<String> = ["bar", "x=adress.city"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut feed = DocumentFeed::new(Request::parse(&words).unwrap());
        feed.push(&doc! {"address": {"city": "Paris"}});
        let e = feed.finish(Provenance::default()).unwrap_err();
        assert!(
            e.evalue.contains("did you mean 'address.city'?"),
            "{}",
            e.evalue
        );
    }
}
