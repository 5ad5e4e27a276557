//! `$text` search: tokenizing, parsing the `$search` string, and scoring a document.
//!
//! The engine's text index stores, per document, the terms `tokenize` produces from the indexed
//! fields; a `$text` query is parsed here into terms, negated terms and phrases, and `score`
//! decides whether a document matches and how well. Tokenizing lowercases (unless
//! `$caseSensitive`), splits on anything that is not a letter or digit, drops English stop words
//! and strips common English suffixes, so "running", "runs" and "run" meet. The score follows
//! MongoDB's shape (weighted term frequency, damped for long fields) without claiming its exact
//! numbers.

use crate::error::{QueryError, Result};
use crate::path::values_at_path;
use bson::{Bson, Document};

/// Parsed parameters of a `$text` query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextSearch {
    /// The raw `$search` string.
    pub search: String,
    /// Positive terms, already tokenized (stemmed, lowercased unless case-sensitive).
    pub terms: Vec<String>,
    /// Terms written with a leading `-`.
    pub negated_terms: Vec<String>,
    /// Quoted phrases, all of which must appear (compared as text, not tokens).
    pub phrases: Vec<String>,
    /// Quoted phrases written with a leading `-`.
    pub negated_phrases: Vec<String>,
    /// `$language` (default "english"; "none" disables stop words and stemming).
    pub language: String,
    /// `$caseSensitive`.
    pub case_sensitive: bool,
    /// `$diacriticSensitive`.
    pub diacritic_sensitive: bool,
}

const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

impl TextSearch {
    /// Parses the `$text` operand `{$search, $language, $caseSensitive, $diacriticSensitive}`.
    pub fn parse(spec: &Document) -> Result<TextSearch> {
        let mut out = TextSearch {
            language: "english".into(),
            ..TextSearch::default()
        };
        let mut has_search = false;
        for (k, v) in spec {
            match (k.as_str(), v) {
                ("$search", Bson::String(s)) => {
                    out.search = s.clone();
                    has_search = true;
                }
                ("$language", Bson::String(l)) => out.language = l.to_lowercase(),
                ("$caseSensitive", Bson::Boolean(b)) => out.case_sensitive = *b,
                ("$diacriticSensitive", Bson::Boolean(b)) => out.diacritic_sensitive = *b,
                ("$search" | "$language", _) => {
                    return Err(QueryError::type_mismatch(format!(
                        "{k} must be a string, found {}",
                        crate::value::type_alias(v)
                    )));
                }
                ("$caseSensitive" | "$diacriticSensitive", _) => {
                    return Err(QueryError::type_mismatch(format!(
                        "{k} must be a boolean, found {}",
                        crate::value::type_alias(v)
                    )));
                }
                _ => {
                    return Err(QueryError::failed_to_parse(format!(
                        "Unexpected field in $text: {k}; allowed are $search, $language, $caseSensitive, $diacriticSensitive"
                    )));
                }
            }
        }
        if !has_search {
            return Err(QueryError::failed_to_parse(
                "$text requires a $search string",
            ));
        }
        if !matches!(out.language.as_str(), "english" | "en" | "none") {
            return Err(QueryError::bad_value(format!(
                "language override unsupported: {} (the embedded engine supports \"english\" and \"none\")",
                out.language
            )));
        }
        out.split_search();
        Ok(out)
    }

    /// True unless `$language: "none"` turned stemming and stop words off.
    pub fn stems(&self) -> bool {
        self.language != "none"
    }

    fn split_search(&mut self) {
        let text = self.search.clone();
        let mut rest = text.as_str();
        let mut words = String::new();
        let mut negated_words = String::new();
        while !rest.is_empty() {
            let negated = rest.starts_with("-\"");
            let quote_start = if negated { 1 } else { 0 };
            if rest[quote_start..].starts_with('"') {
                let body = &rest[quote_start + 1..];
                let (phrase, after) = match body.find('"') {
                    Some(end) => (&body[..end], &body[end + 1..]),
                    None => (body, ""),
                };
                let phrase = if self.case_sensitive {
                    phrase.to_string()
                } else {
                    phrase.to_lowercase()
                };
                if !phrase.trim().is_empty() {
                    if negated {
                        self.negated_phrases.push(phrase);
                    } else {
                        words.push(' ');
                        words.push_str(&phrase);
                        self.phrases.push(phrase);
                    }
                }
                rest = after;
                continue;
            }
            let end = rest
                .char_indices()
                .find(|(_, c)| c.is_whitespace())
                .map_or(rest.len(), |(i, c)| i + c.len_utf8());
            let word = &rest[..end];
            if let Some(neg) = word.trim().strip_prefix('-') {
                negated_words.push(' ');
                negated_words.push_str(neg);
            } else {
                words.push(' ');
                words.push_str(word);
            }
            rest = &rest[end..];
        }
        self.terms = dedup(tokenize_with(&words, self.case_sensitive, self.stems()));
        self.negated_terms = dedup(tokenize_with(
            &negated_words,
            self.case_sensitive,
            self.stems(),
        ));
    }
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Splits text into index terms (English rules).
pub fn tokenize(text: &str, case_sensitive: bool) -> Vec<String> {
    tokenize_with(text, case_sensitive, true)
}

fn tokenize_with(text: &str, case_sensitive: bool, english: bool) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !english || !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .map(|w| {
            let w = if case_sensitive {
                w.to_string()
            } else {
                w.to_lowercase()
            };
            if english { stem(&w) } else { w }
        })
        .collect()
}

/// A light English suffix stripper (a small subset of Porter's rules).
fn stem(word: &str) -> String {
    let chars = word.chars().count();
    if chars <= 3 {
        return word.to_string();
    }
    for (suffix, replacement) in [
        ("ational", "ate"),
        ("ization", "ize"),
        ("fulness", "ful"),
        ("iveness", "ive"),
        ("ousness", "ous"),
        ("ement", ""),
        ("ments", ""),
        ("ment", ""),
        ("ings", ""),
        ("ing", ""),
        ("edly", ""),
        ("ies", "y"),
        ("ied", "y"),
        ("sses", "ss"),
        ("ed", ""),
        ("ly", ""),
        ("es", ""),
        ("s", ""),
    ] {
        if let Some(base) = word.strip_suffix(suffix) {
            if suffix == "s" && (base.ends_with('s') || base.ends_with('u')) {
                continue;
            }
            if base.chars().count() >= 3 {
                let mut out = format!("{base}{replacement}");
                // "running" -> "runn" -> "run": undouble a final consonant pair.
                let tail: Vec<char> = out.chars().rev().take(2).collect();
                if replacement.is_empty()
                    && tail.len() == 2
                    && tail[0] == tail[1]
                    && !matches!(tail[0], 'l' | 's' | 'z')
                    && !"aeiou".contains(tail[0])
                    && matches!(suffix, "ing" | "ed" | "ings")
                {
                    out.pop();
                } else if replacement.is_empty()
                    && matches!(suffix, "ing" | "ed" | "ings")
                    && short_syllable(&out)
                {
                    // Porter's step 1b: "baking" -> "bak" -> "bake", as mongod's stemmer.
                    out.push('e');
                }
                return out;
            }
        }
    }
    word.to_string()
}

/// True for a stem of one vowel-consonant sequence ending consonant-vowel-consonant, the
/// last not w, x or y (Porter's `m = 1` and `*o`): such stems get their "e" back.
fn short_syllable(stem: &str) -> bool {
    let chars: Vec<char> = stem.chars().collect();
    let vowel = |i: usize| {
        "aeiou".contains(chars[i]) || (chars[i] == 'y' && i > 0 && !"aeiou".contains(chars[i - 1]))
    };
    let n = chars.len();
    if n < 3 || !chars.iter().all(|c| c.is_ascii_lowercase()) {
        return false;
    }
    let cvc = !vowel(n - 3) && vowel(n - 2) && !vowel(n - 1) && !"wxy".contains(chars[n - 1]);
    // m = 1: exactly one vowel run followed by a consonant run.
    let mut runs = 0;
    let mut in_vowel = false;
    for i in 0..n {
        let v = vowel(i);
        if in_vowel && !v {
            runs += 1;
        }
        in_vowel = v;
    }
    cvc && runs == 1
}

/// Strings found at `path` (arrays of strings included); `$**` means every string field.
fn field_texts(doc: &Document, path: &str) -> Vec<String> {
    fn strings_of(v: &Bson, out: &mut Vec<String>, deep: bool) {
        match v {
            Bson::String(s) => out.push(s.clone()),
            Bson::Array(items) => items.iter().for_each(|i| strings_of(i, out, deep)),
            Bson::Document(d) if deep => d.values().for_each(|i| strings_of(i, out, deep)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if path == "$**" {
        doc.values().for_each(|v| strings_of(v, &mut out, true));
    } else {
        for v in values_at_path(doc, path) {
            strings_of(&v, &mut out, false);
        }
    }
    out
}

/// The terms a text index stores for `doc`: every token of the weighted fields under the
/// default rules (case-insensitive, English), as `score` tokenizes for such a search.
pub fn document_terms(doc: &Document, fields_with_weights: &[(String, f64)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, _) in fields_with_weights {
        for text in field_texts(doc, path) {
            out.extend(tokenize_with(&text, false, true));
        }
    }
    out
}

/// Scores `doc` against `search` over the weighted fields; None when it does not match.
pub fn score(
    doc: &Document,
    fields_with_weights: &[(String, f64)],
    search: &TextSearch,
) -> Option<f64> {
    let english = search.stems();
    let mut total = 0.0;
    let mut all_tokens: Vec<String> = Vec::new();
    let mut all_text = String::new();
    for (path, weight) in fields_with_weights {
        for text in field_texts(doc, path) {
            let tokens = tokenize_with(&text, search.case_sensitive, english);
            if !tokens.is_empty() {
                let n = tokens.len() as f64;
                for term in &search.terms {
                    let count = tokens.iter().filter(|t| *t == term).count();
                    if count > 0 {
                        let freq: f64 = (1..=count).map(|k| 1.0 / k as f64).sum();
                        total += weight * freq * (0.5 + 0.5 * count as f64 / n);
                    }
                }
            }
            all_tokens.extend(tokens);
            all_text.push_str(&if search.case_sensitive {
                text
            } else {
                text.to_lowercase()
            });
            all_text.push('\n');
        }
    }
    if search.negated_terms.iter().any(|t| all_tokens.contains(t)) {
        return None;
    }
    if search
        .negated_phrases
        .iter()
        .any(|p| all_text.contains(p.as_str()))
    {
        return None;
    }
    if !search.phrases.iter().all(|p| all_text.contains(p.as_str())) {
        return None;
    }
    // Phrase words are also terms, so a document holding every phrase holds a term too; a
    // search made only of stop words matches nothing, as in MongoDB.
    if !search.terms.iter().any(|t| all_tokens.contains(t)) {
        return None;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn search(s: &str) -> TextSearch {
        TextSearch::parse(&doc! {"$search": s}).expect("valid $text")
    }

    #[test]
    fn tokenizer_lowercases_stems_and_drops_stop_words() {
        assert_eq!(
            tokenize("The Running dogs, and cats!", false),
            vec!["run", "dog", "cat"]
        );
        assert_eq!(tokenize("Runs", true), vec!["Run"]);
    }

    #[test]
    fn short_stems_get_their_e_back() {
        // MongoDB's $text example: "bake" finds "Baking a cake" and "baking".
        assert_eq!(
            tokenize("baking bake hoped running shopping opened", false),
            vec!["bake", "bake", "hope", "run", "shop", "open"]
        );
    }

    #[test]
    fn search_string_parts() {
        let s = search("coffee -tea \"iced latte\" -\"hot chocolate\"");
        assert_eq!(s.terms, vec!["coffee", "iced", "latte"]);
        assert_eq!(s.negated_terms, vec!["tea"]);
        assert_eq!(s.phrases, vec!["iced latte"]);
        assert_eq!(s.negated_phrases, vec!["hot chocolate"]);
    }

    #[test]
    fn scoring_and_matching() {
        let fields = vec![("body".to_string(), 1.0)];
        let d = doc! {"body": "Coffee shops serve coffee"};
        let s = search("coffee");
        assert!(score(&d, &fields, &s).is_some_and(|x| x > 0.0));
        assert!(score(&d, &fields, &search("tea")).is_none());
        assert!(score(&d, &fields, &search("coffee -shop")).is_none());
        assert!(score(&d, &fields, &search("\"serve coffee\"")).is_some());
        assert!(score(&d, &fields, &search("\"coffee serve\"")).is_none());
        let heavier = vec![("body".to_string(), 10.0)];
        assert!(score(&d, &heavier, &s) > score(&d, &fields, &s));
    }

    #[test]
    fn multibyte_whitespace_does_not_split_characters() {
        let s = search("caf\u{e9}\u{3000}-th\u{e9}\u{3000}\"x\u{3000}y\"");
        assert_eq!(s.terms, vec!["caf\u{e9}", "x", "y"]);
        assert_eq!(s.negated_terms, vec!["th\u{e9}"]);
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(TextSearch::parse(&doc! {}).is_err());
        assert!(TextSearch::parse(&doc! {"$search": 1}).is_err());
        assert!(TextSearch::parse(&doc! {"$search": "x", "$foo": 1}).is_err());
        assert!(TextSearch::parse(&doc! {"$search": "x", "$language": "klingon"}).is_err());
    }
}
