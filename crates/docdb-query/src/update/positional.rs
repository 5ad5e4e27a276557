//! Positional update paths: `a.$.b` (the element the query matched), `a.$[].b` (every element)
//! and `a.$[id].b` (elements matching the array filter `id`), expanded into concrete paths
//! against one document before an operator runs.

use crate::error::{QueryError, Result};
use crate::matcher::Filter;
use bson::{Bson, Document};

/// A parsed `arrayFilters` entry: the identifier and its filter over `{id: element}`.
#[derive(Debug, Clone)]
pub struct ArrayFilter {
    pub id: String,
    filter: Filter,
}

impl ArrayFilter {
    /// This filter with string comparisons under `collation`.
    pub fn with_collation(
        mut self,
        collation: Option<std::sync::Arc<crate::collation::Collation>>,
    ) -> ArrayFilter {
        self.filter = self.filter.with_collation(collation);
        self
    }

    /// Parses one `arrayFilters` document; all its keys must share one identifier.
    pub fn parse(spec: &Document) -> Result<ArrayFilter> {
        let mut id: Option<String> = None;
        for key in spec.keys() {
            let this = key.split('.').next().unwrap_or("").to_string();
            if key.starts_with('$') {
                // Logical operators at the top ($and/$or) name their identifier inside.
                continue;
            }
            if !this.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                || !this.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(QueryError::bad_value(format!(
                    "The array filter identifier '{this}' must begin with a lowercase letter and contain only letters and digits"
                )));
            }
            match &id {
                Some(existing) if existing != &this => {
                    return Err(QueryError::failed_to_parse(format!(
                        "Error parsing array filter :: caused by :: Expected a single top-level field name, found '{existing}' and '{this}'"
                    )));
                }
                _ => id = Some(this),
            }
        }
        let Some(id) = id else {
            return Err(QueryError::failed_to_parse(
                "Cannot use an expression without a top-level field name in arrayFilters",
            ));
        };
        Ok(ArrayFilter {
            id,
            filter: Filter::parse_without_javascript(spec)?,
        })
    }

    fn matches(&self, element: &Bson) -> bool {
        let mut d = Document::new();
        d.insert(self.id.clone(), element.clone());
        self.filter.matches(&d)
    }
}

/// True when the path has any positional component.
pub fn is_positional(path: &str) -> bool {
    path.split('.')
        .any(|p| p == "$" || (p.starts_with("$[") && p.ends_with(']')))
}

/// Identifiers `$[id]` used by a path.
pub fn identifiers(path: &str) -> Vec<String> {
    path.split('.')
        .filter_map(|p| p.strip_prefix("$[").and_then(|r| r.strip_suffix(']')))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect()
}

/// Expands a path into the concrete paths it designates in `doc`.
pub fn expand(
    doc: &Document,
    path: &str,
    positional: Option<usize>,
    filters: &[ArrayFilter],
) -> Result<Vec<String>> {
    if !is_positional(path) {
        return Ok(vec![path.to_string()]);
    }
    let parts: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    expand_from(
        Some(&Bson::Document(doc.clone())),
        &parts,
        String::new(),
        positional,
        filters,
        path,
        &mut out,
    )?;
    Ok(out)
}

fn expand_from(
    current: Option<&Bson>,
    parts: &[&str],
    prefix: String,
    positional: Option<usize>,
    filters: &[ArrayFilter],
    full: &str,
    out: &mut Vec<String>,
) -> Result<()> {
    let Some((first, rest)) = parts.split_first() else {
        out.push(prefix);
        return Ok(());
    };
    let join = |p: &str| {
        if prefix.is_empty() {
            p.to_string()
        } else {
            format!("{prefix}.{p}")
        }
    };
    if *first == "$" {
        let Some(i) = positional else {
            return Err(QueryError::bad_value(
                "The positional operator did not find the match needed from the query.",
            ));
        };
        let next = current.and_then(|c| crate::path::step(c, &i.to_string()));
        return expand_from(
            next,
            rest,
            join(&i.to_string()),
            positional,
            filters,
            full,
            out,
        );
    }
    if let Some(id) = first.strip_prefix("$[").and_then(|r| r.strip_suffix(']')) {
        let items = match current {
            Some(Bson::Array(items)) => items,
            Some(other) => {
                return Err(QueryError::bad_value(format!(
                    "Cannot apply array updates to non-array element {prefix}: {}",
                    crate::fmt::short(other)
                )));
            }
            None => {
                return Err(QueryError::bad_value(format!(
                    "The path '{prefix}' must exist in the document in order to apply array updates."
                )));
            }
        };
        let filter = if id.is_empty() {
            None
        } else {
            Some(filters.iter().find(|f| f.id == id).ok_or_else(|| {
                QueryError::bad_value(format!(
                    "No array filter found for identifier '{id}' in path '{full}'"
                ))
            })?)
        };
        for (i, item) in items.iter().enumerate() {
            if filter.is_none_or(|f| f.matches(item)) {
                expand_from(
                    Some(item),
                    rest,
                    join(&i.to_string()),
                    positional,
                    filters,
                    full,
                    out,
                )?;
            }
        }
        return Ok(());
    }
    let next = current.and_then(|c| crate::path::step(c, first));
    expand_from(next, rest, join(first), positional, filters, full, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn expands_all_and_filtered_elements() {
        let d = doc! {"a": [{"b": 1}, {"b": 5}]};
        assert_eq!(
            expand(&d, "a.$[].b", None, &[]).expect("expand"),
            vec!["a.0.b", "a.1.b"]
        );
        let f = ArrayFilter::parse(&doc! {"x.b": {"$gt": 2}}).expect("filter");
        assert_eq!(
            expand(&d, "a.$[x].b", None, &[f]).expect("expand"),
            vec!["a.1.b"]
        );
        assert_eq!(
            expand(&d, "a.$.b", Some(0), &[]).expect("expand"),
            vec!["a.0.b"]
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let d = doc! {"a": 1};
        assert!(expand(&d, "a.$", None, &[]).is_err());
        assert!(expand(&d, "a.$[]", None, &[]).is_err());
        assert!(expand(&doc! {"a": [1]}, "a.$[y]", None, &[]).is_err());
    }
}
