//! A leading `$group` that reads only top-level fields, fed those fields' values per document
//! instead of documents.
//!
//! When the group key and every accumulator argument is a constant or one top-level field path
//! (`"$country"`), and every accumulator reduces from its argument alone, the group needs
//! nothing of a document but a few values. A caller that stores documents as raw bytes (docdb's
//! record store) reads just those values and hands them over, so no document is built and no
//! expression is walked per input (profiled on doc_bench's `$match` + `$group`: building the
//! narrowed documents and evaluating `"$field"` against them was a quarter of the run).
//!
//! The values are exactly what evaluating the expressions against the document gives: a field
//! path yields the field's value (an array stays an array) or nothing when it is missing, a
//! constant yields itself.

use super::group::{Accumulator, Grouper};
use bson::Bson;

/// Where one expression's value comes from.
#[derive(Debug, Clone)]
enum Arg {
    /// The value of `fields[i]` (None when the document lacks it).
    Field(usize),
    /// A constant (not a string starting with `$`, not an object or array).
    Const(Bson),
}

impl Arg {
    fn parse(expr: &Bson, fields: &mut Vec<String>) -> Option<Arg> {
        match expr {
            Bson::String(s) if s.starts_with("$$") => None,
            Bson::String(s) if s.starts_with('$') => {
                let name = &s[1..];
                // Dotted paths walk arrays and empty names are errors: both stay with the
                // general evaluator.
                if name.is_empty() || name.contains('.') {
                    return None;
                }
                let i = match fields.iter().position(|f| f == name) {
                    Some(i) => i,
                    None => {
                        fields.push(name.to_string());
                        fields.len() - 1
                    }
                };
                Some(Arg::Field(i))
            }
            // Objects and arrays are evaluated element by element (operators, paths inside).
            Bson::Document(_) | Bson::Array(_) => None,
            other => Some(Arg::Const(other.clone())),
        }
    }

    /// The value for one document; a field read by no later expression is moved out.
    fn value(&self, values: &mut [Option<Bson>], last_use: bool) -> Option<Bson> {
        match self {
            Arg::Field(i) if last_use => values.get_mut(*i).and_then(Option::take),
            Arg::Field(i) => values.get(*i).cloned().flatten(),
            Arg::Const(c) => Some(c.clone()),
        }
    }
}

/// A `$group` stage in the field-only shape (see the module note).
#[derive(Debug, Clone)]
pub struct FieldGroup {
    /// The top-level fields the group reads, in the order `add` expects their values.
    pub fields: Vec<String>,
    key: Arg,
    args: Vec<Arg>,
    /// Per expression (the key first, then each argument): whether it is the last to read its
    /// field, so that value can be moved instead of copied.
    last_use: Vec<bool>,
}

impl FieldGroup {
    /// The field-only form of `$group` with key `id` and `accs`, when it has that shape.
    pub(super) fn of(id: &Bson, accs: &[Accumulator]) -> Option<FieldGroup> {
        if !Grouper::reads_only_arguments(accs) {
            return None;
        }
        let mut fields = Vec::new();
        let key = Arg::parse(id, &mut fields)?;
        let args = accs
            .iter()
            .map(|acc| Arg::parse(&acc.expr, &mut fields))
            .collect::<Option<Vec<_>>>()?;
        let exprs: Vec<&Arg> = std::iter::once(&key).chain(&args).collect();
        let last_use = (0..exprs.len())
            .map(|at| match exprs[at] {
                Arg::Field(i) => !exprs[at + 1..]
                    .iter()
                    .any(|later| matches!(later, Arg::Field(j) if j == i)),
                Arg::Const(_) => false,
            })
            .collect();
        Some(FieldGroup {
            fields,
            key,
            args,
            last_use,
        })
    }

    /// Adds one document, given as the values of `self.fields` (None = missing); the values
    /// are consumed.
    pub(super) fn add(
        &self,
        grouper: &mut Grouper,
        values: &mut [Option<Bson>],
    ) -> crate::Result<()> {
        let key = self
            .key
            .value(values, self.last_use[0])
            .unwrap_or(Bson::Null);
        let args = self.args.iter().zip(&self.last_use[1..]);
        grouper.add_values(key, args.map(|(arg, last)| arg.value(values, *last)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::group::parse_accumulators;
    use bson::doc;

    fn shape(spec: bson::Document) -> Option<Vec<String>> {
        let accs = parse_accumulators(&spec).unwrap();
        FieldGroup::of(spec.get("_id").unwrap_or(&Bson::Null), &accs).map(|g| g.fields)
    }

    #[test]
    fn top_level_paths_and_constants_qualify() {
        assert_eq!(
            shape(doc! {"_id": "$country", "t": {"$sum": "$amount"}, "n": {"$sum": 1}}),
            Some(vec!["country".to_string(), "amount".to_string()])
        );
        assert_eq!(
            shape(doc! {"_id": null, "m": {"$max": "$a"}, "f": {"$first": "$a"}}),
            Some(vec!["a".to_string()])
        );
        assert_eq!(shape(doc! {"_id": "x", "c": {"$count": {}}}), Some(vec![]));
    }

    #[test]
    fn other_shapes_stay_with_the_evaluator() {
        for spec in [
            doc! {"_id": "$a.b"},
            doc! {"_id": {"c": "$c"}},
            doc! {"_id": ["$a"]},
            doc! {"_id": "$$ROOT"},
            doc! {"_id": null, "t": {"$sum": {"$multiply": ["$a", 2]}}},
            doc! {"_id": null, "t": {"$top": {"output": "$a", "sortBy": {"b": 1}}}},
        ] {
            assert_eq!(shape(spec.clone()), None, "{spec}");
        }
    }
}
