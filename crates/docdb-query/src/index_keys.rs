//! Index key generation: the keys a document contributes to an index with a given key pattern.
//!
//! This follows MongoDB's B-tree key generator. Each pattern field is followed through the
//! document until it ends, goes missing (null) or meets an array. An array met by several
//! fields is expanded once: one key per element, every field that goes through it reading the
//! same element, so `{"a.b": 1, "a.c": 1}` over `{a: [{b: 1, c: 2}, {b: 3, c: 4}]}` gives the
//! keys `(1, 2)` and `(3, 4)`. Two *different* arrays met at the same step would need the cross
//! product of unrelated arrays, which MongoDB refuses with error 171 ("cannot index parallel
//! arrays"). An empty array indexes as `undefined` where a path ends on it and as null where a
//! path goes on through it. A numeric component (`a.0.b`) picks one element instead of
//! expanding. Values are returned as they are; hashing (`"hashed"`) and tokenizing (`"text"`)
//! are left to the caller, which knows its index type.

use crate::error::{QueryError, Result};
use bson::{Bson, Document};

/// The key value of a field that is missing.
static NULL: Bson = Bson::Null;
/// The key value of a field that ends on an empty array.
static UNDEFINED: Bson = Bson::Undefined;

/// The keys of `doc` for `key_pattern`, one `Vec<Bson>` (one value per pattern field) per key.
pub fn index_keys(doc: &Document, key_pattern: &Document) -> Result<Vec<Vec<Bson>>> {
    if key_pattern.is_empty() {
        return Err(QueryError::bad_value(
            "Index keys cannot be an empty object.",
        ));
    }
    let mut split: Vec<Vec<&str>> = Vec::with_capacity(key_pattern.len());
    for path in key_pattern.keys() {
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(QueryError::bad_value(format!(
                "Index key contains an illegal field name: '{path}'"
            )));
        }
        split.push(path.split('.').collect());
    }
    let mut paths: Vec<&[&str]> = split.iter().map(Vec::as_slice).collect();
    let mut fixed: Vec<&Bson> = vec![&NULL; paths.len()];
    let positional = vec![None; paths.len()];
    let mut keys = Vec::new();
    keys_with_array(&mut paths, &mut fixed, Some(doc), &positional, &mut keys)?;
    let mut unique: Vec<Vec<Bson>> = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    Ok(unique)
}

/// Where a field that picks an array element by position (`a.0.b`) continues: the element (or
/// what lies under it), the path left after it, and whether the element is itself an array.
#[derive(Clone, Copy)]
struct Positional<'d, 'p> {
    found: Option<&'d Bson>,
    rest: &'p [&'p str],
    nested_array: bool,
}

/// Something a path step can look into: a document, or an array read as a document whose
/// field names are the element positions.
#[derive(Clone, Copy)]
enum Container<'d> {
    Document(&'d Document),
    Array(&'d [Bson]),
}

impl<'d> Container<'d> {
    fn child(self, name: &str) -> Option<&'d Bson> {
        match self {
            Container::Document(d) => d.get(name),
            Container::Array(items) => canonical_index(name).and_then(|i| items.get(i)),
        }
    }
}

/// An array position written as BSON writes array field names ("0", "12"; not "01").
fn canonical_index(name: &str) -> Option<usize> {
    let i: usize = name.parse().ok()?;
    (i.to_string() == name).then_some(i)
}

/// Follows `parts` from `start` through documents, stopping at the first array: returns the
/// value reached (the array, if one was met) and the path left after it; `None` when missing.
fn extract_along<'d, 'p>(
    start: Container<'d>,
    parts: &'p [&'p str],
) -> (Option<&'d Bson>, &'p [&'p str]) {
    let mut current = start;
    let mut rest = parts;
    while let Some((first, tail)) = rest.split_first() {
        let Some(next) = current.child(first) else {
            return (None, &[]);
        };
        if tail.is_empty() {
            return (Some(next), tail);
        }
        match next {
            Bson::Array(_) => return (Some(next), tail),
            Bson::Document(d) => {
                current = Container::Document(d);
                rest = tail;
            }
            _ => return (None, &[]),
        }
    }
    (None, &[])
}

/// The next value of one field in `obj` (or, when `obj` lacks it, where its positional
/// element led), with the path left and whether it is an array reached by position.
fn next_element<'d, 'p>(
    obj: Option<&'d Document>,
    path: &'p [&'p str],
    positional: Option<Positional<'d, 'p>>,
) -> (Option<&'d Bson>, &'p [&'p str], bool) {
    if let Some(doc) = obj
        && path.first().is_some_and(|first| doc.contains_key(*first))
    {
        let (found, rest) = extract_along(Container::Document(doc), path);
        return (found, rest, false);
    }
    match positional {
        Some(p) => (p.found, p.rest, p.nested_array),
        None => (None, &[], false),
    }
}

/// The error for two different arrays met at the same step, named as MongoDB names them.
fn parallel_arrays(first: &str, second: &str) -> QueryError {
    QueryError::new(
        171,
        "CannotIndexParallelArrays",
        format!("cannot index parallel arrays [{first}] [{second}]"),
    )
}

/// The field name under which `path` met an array, `rest` being what is left after it.
fn array_field_name<'p>(path: &'p [&'p str], rest: &'p [&'p str]) -> &'p str {
    path.len()
        .checked_sub(rest.len() + 1)
        .and_then(|i| path.get(i))
        .copied()
        .unwrap_or("")
}

/// One step of key generation: advances every unfinished field through `obj`, then either
/// emits the key (no array met) or expands the one array the fields met, element by element.
fn keys_with_array<'d, 'p>(
    paths: &mut [&'p [&'p str]],
    fixed: &mut [&'d Bson],
    obj: Option<&'d Document>,
    positional: &[Option<Positional<'d, 'p>>],
    keys: &mut Vec<Vec<Bson>>,
) -> Result<()> {
    let mut array: Option<(&'d Bson, &'d [Bson], &'p str)> = None;
    let mut array_fields: Vec<usize> = Vec::new();
    let mut may_expand_unembedded = true;
    for i in 0..paths.len() {
        if paths[i].is_empty() {
            continue;
        }
        let (found, rest, nested_array) = next_element(obj, paths[i], positional[i]);
        let name = array_field_name(paths[i], rest);
        paths[i] = rest;
        match found {
            None => {
                fixed[i] = &NULL;
                paths[i] = &[];
            }
            Some(value @ Bson::Array(items)) => {
                array_fields.push(i);
                match array {
                    None => array = Some((value, items.as_slice(), name)),
                    Some((seen, _, seen_name)) if !std::ptr::eq(seen, value) => {
                        return Err(parallel_arrays(name, seen_name));
                    }
                    Some(_) => {}
                }
                if nested_array {
                    may_expand_unembedded = false;
                }
            }
            Some(value) => {
                fixed[i] = value;
                paths[i] = &[];
            }
        }
    }
    let Some((whole, items, _)) = array else {
        keys.push(fixed.iter().map(|v| (*v).clone()).collect());
        return Ok(());
    };
    let no_positional = vec![None; paths.len()];
    if items.is_empty() {
        return keys_for_element(
            paths,
            fixed,
            &UNDEFINED,
            whole,
            &array_fields,
            true,
            &no_positional,
            keys,
        );
    }
    // Fields that go on by position read the same element for every expanded element: look it
    // up once.
    let mut sub_positional: Vec<Option<Positional<'d, 'p>>> = no_positional.clone();
    for &i in &array_fields {
        let Some((first, _)) = paths[i].split_first() else {
            continue;
        };
        let Some(element) = Container::Array(items).child(first) else {
            continue;
        };
        let (found, rest) = extract_along(Container::Array(items), paths[i]);
        sub_positional[i] = Some(Positional {
            found,
            rest,
            nested_array: matches!(element, Bson::Array(_)),
        });
    }
    for item in items {
        keys_for_element(
            paths,
            fixed,
            item,
            whole,
            &array_fields,
            may_expand_unembedded,
            &sub_positional,
            keys,
        )?;
    }
    Ok(())
}

/// Generates the keys for one element of the expanded array: fields that ended on the array
/// take the element (or the whole array when it was reached by position inside another
/// array), the others go on inside the element.
#[allow(clippy::too_many_arguments)]
fn keys_for_element<'d, 'p>(
    paths: &[&'p [&'p str]],
    fixed: &[&'d Bson],
    element: &'d Bson,
    whole: &'d Bson,
    array_fields: &[usize],
    may_expand_unembedded: bool,
    positional: &[Option<Positional<'d, 'p>>],
    keys: &mut Vec<Vec<Bson>>,
) -> Result<()> {
    let mut paths = paths.to_vec();
    let mut fixed = fixed.to_vec();
    for &i in array_fields {
        if paths[i].is_empty() {
            fixed[i] = if may_expand_unembedded {
                element
            } else {
                whole
            };
        }
    }
    let obj = match element {
        Bson::Document(d) => Some(d),
        _ => None,
    };
    keys_with_array(&mut paths, &mut fixed, obj, positional, keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn keys(doc: Document, pattern: Document) -> Vec<Vec<Bson>> {
        index_keys(&doc, &pattern).expect("keys")
    }

    #[test]
    fn single_and_compound_keys() {
        let got = keys(doc! {"a": 1, "b": "x"}, doc! {"a": 1, "b": -1});
        assert_eq!(got, vec![vec![Bson::Int32(1), Bson::String("x".into())]]);
        assert_eq!(keys(doc! {}, doc! {"a": 1}), vec![vec![Bson::Null]]);
    }

    #[test]
    fn arrays_are_multikey() {
        assert_eq!(
            keys(doc! {"a": [1, 2, 2], "b": 0}, doc! {"a": 1, "b": 1}).len(),
            2
        );
        let got = keys(doc! {"a": [{"b": 1}, {"b": 2}, {"c": 3}]}, doc! {"a.b": 1});
        assert_eq!(
            got,
            vec![vec![Bson::Int32(1)], vec![Bson::Int32(2)], vec![Bson::Null]]
        );
        assert_eq!(
            keys(doc! {"a": []}, doc! {"a": 1}),
            vec![vec![Bson::Undefined]]
        );
    }

    #[test]
    fn paths_through_one_array_take_keys_per_element() {
        let got = keys(
            doc! {"a": [{"b": 1, "c": 2}, {"b": 3, "c": 4}]},
            doc! {"a.b": 1, "a.c": 1},
        );
        assert_eq!(
            got,
            vec![
                vec![Bson::Int32(1), Bson::Int32(2)],
                vec![Bson::Int32(3), Bson::Int32(4)],
            ]
        );
        let got = keys(
            doc! {"a": [{"b": 1}, {"c": 2}], "d": "x"},
            doc! {"a.b": 1, "d": 1, "a.c": 1},
        );
        assert_eq!(
            got,
            vec![
                vec![Bson::Int32(1), Bson::String("x".into()), Bson::Null],
                vec![Bson::Null, Bson::String("x".into()), Bson::Int32(2)],
            ]
        );
    }

    #[test]
    fn a_field_ending_on_the_shared_array_takes_each_element() {
        let got = keys(doc! {"a": [{"b": 1}, {"b": 2}]}, doc! {"a": 1, "a.b": 1});
        assert_eq!(
            got,
            vec![
                vec![Bson::Document(doc! {"b": 1}), Bson::Int32(1)],
                vec![Bson::Document(doc! {"b": 2}), Bson::Int32(2)],
            ]
        );
    }

    #[test]
    fn parallel_arrays_are_refused() {
        let e =
            index_keys(&doc! {"a": [1], "b": [2]}, &doc! {"a": 1, "b": 1}).expect_err("parallel");
        assert_eq!(e.code, 171);
        assert_eq!(e.message, "cannot index parallel arrays [b] [a]");
        // Two arrays inside each element of a shared array are parallel too.
        let e = index_keys(
            &doc! {"a": [{"b": [1, 2], "c": [3, 4]}]},
            &doc! {"a.b": 1, "a.c": 1},
        )
        .expect_err("parallel below the shared array");
        assert_eq!(e.code, 171);
        assert_eq!(e.message, "cannot index parallel arrays [c] [b]");
    }

    #[test]
    fn arrays_under_a_shared_array_expand_inside_each_element() {
        let got = keys(
            doc! {"a": [{"b": [1, 2], "c": 0}, {"b": 3, "c": 9}]},
            doc! {"a.b": 1, "a.c": 1},
        );
        assert_eq!(
            got,
            vec![
                vec![Bson::Int32(1), Bson::Int32(0)],
                vec![Bson::Int32(2), Bson::Int32(0)],
                vec![Bson::Int32(3), Bson::Int32(9)],
            ]
        );
    }

    #[test]
    fn empty_arrays_are_undefined_at_the_end_and_null_midway() {
        assert_eq!(
            keys(doc! {"a": []}, doc! {"a.b": 1}),
            vec![vec![Bson::Null]]
        );
        assert_eq!(
            keys(doc! {"a": []}, doc! {"a": 1, "a.b": 1}),
            vec![vec![Bson::Undefined, Bson::Null]]
        );
    }

    #[test]
    fn positional_components_pick_one_element() {
        let got = keys(doc! {"a": [{"b": 1}, {"b": 2}]}, doc! {"a.1.b": 1});
        assert_eq!(got, vec![vec![Bson::Int32(2)]]);
        let got = keys(doc! {"a": [5, 6]}, doc! {"a.0": 1, "a.01": 1});
        assert_eq!(got, vec![vec![Bson::Int32(5), Bson::Null]]);
        assert_eq!(
            keys(doc! {"a": [5]}, doc! {"a.3": 1}),
            vec![vec![Bson::Null]]
        );
    }

    #[test]
    fn scalars_midway_and_nested_arrays_index_as_null() {
        assert_eq!(keys(doc! {"a": 5}, doc! {"a.b": 1}), vec![vec![Bson::Null]]);
        assert_eq!(
            keys(doc! {"a": [[{"b": 1}]]}, doc! {"a.b": 1}),
            vec![vec![Bson::Null]]
        );
    }
}
