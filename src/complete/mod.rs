//! Completion and inspection: what the text before the cursor asks for, answered from the
//! schema cache ([`crate::catalog::cache`]) and the session's names, never by running anything
//! on a user's connection.
//!
//! [`context`] finds where the cursor is (a magic line, a `{{ }}` or `:name` variable, the body
//! of which language on which connection); [`magic`] completes magic lines (magics, connection
//! names, options), [`sql`], [`mql`] and [`redis`] complete bodies from their catalogs, and
//! [`inspect`] answers Shift+Tab. Everything works on byte offsets into the cell; the kernel's
//! request handlers turn them into Unicode code points.

pub mod context;
pub mod inspect;
pub mod magic;
pub mod mql;
pub mod redis;
pub mod sql;
pub mod words;

use crate::catalog::cache::Cache;
use crate::engine::Language;
use context::Place;

/// What a completion request gets: where the replaced text starts and the candidates.
#[derive(Debug, Default)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub text: String,
    /// What JupyterLab shows beside the name: `table`, `column`, `collection`, `command`...
    pub kind: &'static str,
    /// A signature or type shown with the candidate, where there is one.
    pub detail: Option<String>,
}

impl Candidate {
    pub fn new(text: impl Into<String>, kind: &'static str) -> Self {
        Candidate {
            text: text.into(),
            kind,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        if !detail.is_empty() {
            self.detail = Some(detail);
        }
        self
    }
}

/// Most candidates a reply carries; a frontend shows a few dozen anyway.
const MAX_CANDIDATES: usize = 500;

/// Completes at byte offset `cursor` of `code`.
pub async fn complete(cache: &Cache, code: &str, cursor: usize) -> Completion {
    let mut completion = match context::place(code, cursor) {
        Place::MagicLine { line_start } => magic::complete(cache, code, line_start, cursor),
        Place::Variable { start } => {
            let typed = &code[start..cursor];
            Completion {
                start,
                candidates: variables(cache, typed),
            }
        }
        Place::Body {
            language,
            connection,
            body_start,
        } => {
            let entry = cache.connection_for(language, connection.as_deref());
            let catalog = match &entry {
                Some(e) => cache.catalog_for(e).await,
                None => None,
            };
            let name = entry.as_ref().map(|e| e.name.as_str());
            match language {
                Language::Sql => sql::complete(catalog.as_deref(), code, body_start, cursor),
                Language::Mql => mql::complete(catalog.as_deref(), code, body_start, cursor),
                Language::Redis => {
                    redis::complete(cache, name, catalog.as_deref(), code, cursor).await
                }
            }
        }
    };
    dedup(&mut completion.candidates);
    completion.candidates.truncate(MAX_CANDIDATES);
    completion
}

/// Kernel variables whose names start with `typed`.
pub fn variables(cache: &Cache, typed: &str) -> Vec<Candidate> {
    cache
        .variables()
        .into_iter()
        .filter(|v| v.name.starts_with(typed))
        .map(|v| {
            Candidate::new(v.name, "variable").with_detail(format!("{} {}", v.kind, v.summary))
        })
        .collect()
}

pub(crate) fn dedup(candidates: &mut Vec<Candidate>) {
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| seen.insert(c.text.clone()));
}

/// Whether `candidate` completes `typed`: case-insensitively where the language folds case.
pub fn fits(candidate: &str, typed: &str, fold_case: bool) -> bool {
    if fold_case {
        candidate.len() >= typed.len()
            && candidate.is_char_boundary(typed.len())
            && candidate[..typed.len()].eq_ignore_ascii_case(typed)
    } else {
        candidate.starts_with(typed)
    }
}

/// The start of the word ending at `cursor` (letters, digits and the extra characters).
pub fn word_start(code: &str, cursor: usize, extra: &[char]) -> usize {
    code[..cursor]
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || extra.contains(c)))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0)
}

/// The end of the word starting at or before `cursor`.
pub fn word_end(code: &str, cursor: usize, extra: &[char]) -> usize {
    code[cursor..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || extra.contains(c)))
        .map(|(i, _)| cursor + i)
        .unwrap_or(code.len())
}
