//! Text index entries: one `(term, record)` entry per distinct term of a document.
//!
//! Terms are the tokens `docdb_query::text` makes from the indexed fields with the index's
//! default rules (lowercased, English stop words dropped, stemmed), kept in the index's
//! ordered set like any key, so inserts, updates and deletes maintain them on the same path
//! as every other index. A `$text` search with those rules reads the entries of its terms to
//! find the documents that can match (a document matches only if it holds one positive term)
//! and scores only those, with the same scoring as before; a case-sensitive or non-English
//! search tokenizes differently and still scores every document.

use std::collections::BTreeSet;

use bson::{Bson, Document};
use docdb_query::text::TextSearch;

use crate::index::{Index, IndexEntry, KeyPart, TextSpec};

/// The entries' keys of `doc`: its distinct terms.
pub fn keys(spec: &TextSpec, doc: &Document) -> Vec<Vec<KeyPart>> {
    let mut terms = docdb_query::text::document_terms(doc, &spec.weights);
    terms.sort();
    terms.dedup();
    terms
        .into_iter()
        .map(|t| vec![KeyPart::new(Bson::String(t), false)])
        .collect()
}

/// The records that hold one of the search's positive terms (in record order), or `None`
/// when the search tokenizes unlike the index and every document must be scored. `keys`
/// counts the entries read.
pub fn candidates(index: &Index, search: &TextSearch, keys: &mut u64) -> Option<BTreeSet<u64>> {
    if search.case_sensitive || !search.stems() {
        return None;
    }
    let mut records = BTreeSet::new();
    for term in &search.terms {
        let key = vec![KeyPart::new(Bson::String(term.clone()), false)];
        let low = IndexEntry::new(key.clone(), 0);
        let high = IndexEntry::new(key, u64::MAX);
        for entry in index.entries.range(low..=high) {
            *keys += 1;
            records.insert(entry.record);
        }
    }
    Some(records)
}

/// True when a `$text` filter is answered from the entries (see [`candidates`]).
pub fn uses_entries(filter: &Document) -> bool {
    docdb_query::matcher::Filter::parse(filter)
        .ok()
        .and_then(|f| f.text_search().map(|s| !s.case_sensitive && s.stems()))
        .unwrap_or(false)
}
