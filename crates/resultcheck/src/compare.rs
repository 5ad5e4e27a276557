//! The comparison itself: columns first, then rows (documents, elements) in order, as a bag or
//! as a set, and every difference named.

use std::collections::HashMap;

use crate::data::{Data, plural};
use crate::options::{Options, Order};
use crate::value::{FieldDifference, Value, record_differences};
use crate::verdict::{Difference, Verdict};

/// Pairs of leftover rows compared one by one after hashing, at most: beyond this a failing
/// check reports the leftovers as missing and extra instead of spending minutes on pairs.
const PAIRWISE_BUDGET: usize = 4_000_000;

/// Compares `actual` against `expected` under `options`.
pub fn check(expected: Data, actual: Data, options: &Options) -> Verdict {
    let expected = expected.normalized();
    let actual = actual.normalized();
    match (expected, actual) {
        (
            Data::Table {
                columns: expected_columns,
                rows: expected_rows,
            },
            Data::Table { columns, rows },
        ) => check_tables(expected_columns, expected_rows, columns, rows, options),
        (Data::Single(expected), Data::Single(actual)) => check_single(expected, actual, options),
        (expected @ Data::Single(_), actual) | (expected, actual @ Data::Single(_)) => {
            Verdict::failed(
                vec![Difference::Shape {
                    actual: actual.describe(),
                    expected: expected.describe(),
                }],
                options.order,
            )
        }
        (expected, actual) => {
            let noun = noun_of(&expected, &actual);
            let expected = items(expected);
            let actual = items(actual);
            check_items(expected, actual, noun, options, Vec::new())
        }
    }
}

fn noun_of(expected: &Data, actual: &Data) -> &'static str {
    match (expected, actual) {
        (Data::Documents(_), _) | (_, Data::Documents(_)) => "document",
        (Data::Table { .. }, _) | (_, Data::Table { .. }) => "row",
        _ => "element",
    }
}

/// Rows, documents or elements as one list of values (rows become records).
fn items(data: Data) -> Vec<Value> {
    match data {
        Data::Table { columns, rows } => rows
            .into_iter()
            .map(|row| Value::Record(columns.iter().cloned().zip(row).collect()))
            .collect(),
        Data::Documents(docs) => docs.into_iter().map(Value::Record).collect(),
        Data::Elements(items) => items,
        Data::Single(value) => vec![value],
    }
}

fn check_single(expected: Value, actual: Value, options: &Options) -> Verdict {
    match (&expected, &actual) {
        (Value::Record(e), Value::Record(a)) => {
            let fields = record_differences(e, a, options, false);
            if fields.is_empty() {
                Verdict::passed("the value matches".into(), options.order)
            } else {
                Verdict::failed(
                    fields.into_iter().map(Difference::Field).collect(),
                    options.order,
                )
            }
        }
        (Value::List(e) | Value::Bag(e), Value::List(a) | Value::Bag(a)) => {
            check_items(e.clone(), a.clone(), "element", options, Vec::new())
        }
        _ if expected.matches(&actual, options) => {
            Verdict::passed("the value matches".into(), options.order)
        }
        _ => Verdict::failed(
            vec![Difference::Different {
                noun: "value",
                position: None,
                actual,
                expected,
            }],
            options.order,
        ),
    }
}

fn check_tables(
    expected_columns: Vec<String>,
    expected_rows: Vec<Vec<Value>>,
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    options: &Options,
) -> Verdict {
    let skip = |name: &str| options.ignore_id && name == "_id";
    let mut used = vec![false; columns.len()];
    let mut mapping = Vec::new();
    let mut differences = Vec::new();
    for (index, name) in expected_columns.iter().enumerate() {
        if skip(name) {
            continue;
        }
        let key = options.name_key(name);
        match (0..columns.len()).find(|&i| !used[i] && options.name_key(&columns[i]) == key) {
            Some(i) => {
                used[i] = true;
                mapping.push((index, i));
            }
            None => differences.push(Difference::MissingColumn(name.clone())),
        }
    }
    if !options.extra_columns {
        for (i, name) in columns.iter().enumerate() {
            if !used[i] && !skip(name) {
                differences.push(Difference::UnexpectedColumn(name.clone()));
            }
        }
    }
    if !differences.is_empty() {
        // Rows cannot be compared under different columns; say so before anything else.
        return Verdict::failed(differences, options.order);
    }
    if options.column_order {
        let mut in_result: Vec<(usize, usize)> = mapping.clone();
        in_result.sort_by_key(|(_, actual)| *actual);
        if in_result
            .iter()
            .map(|(e, _)| *e)
            .ne(mapping.iter().map(|(e, _)| *e))
        {
            differences.push(Difference::ColumnOrder {
                actual: in_result.iter().map(|(_, a)| columns[*a].clone()).collect(),
                expected: mapping
                    .iter()
                    .map(|(e, _)| expected_columns[*e].clone())
                    .collect(),
            });
        }
    }
    // Both sides become records under the expected names, so a row's fields line up.
    let names: Vec<String> = mapping
        .iter()
        .map(|(e, _)| expected_columns[*e].clone())
        .collect();
    let expected: Vec<Value> = expected_rows
        .into_iter()
        .map(|row| {
            Value::Record(
                mapping
                    .iter()
                    .map(|(e, _)| row.get(*e).cloned().unwrap_or(Value::Null))
                    .zip(names.iter())
                    .map(|(v, n)| (n.clone(), v))
                    .collect(),
            )
        })
        .collect();
    let actual: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            Value::Record(
                mapping
                    .iter()
                    .map(|(_, a)| row.get(*a).cloned().unwrap_or(Value::Null))
                    .zip(names.iter())
                    .map(|(v, n)| (n.clone(), v))
                    .collect(),
            )
        })
        .collect();
    check_items(expected, actual, "row", options, differences)
}

fn item_key(item: &Value, options: &Options) -> String {
    let mut key = String::new();
    match item {
        Value::Record(fields) if options.ignore_id => {
            let kept: Vec<(String, Value)> =
                fields.iter().filter(|(n, _)| n != "_id").cloned().collect();
            Value::Record(kept).key(options, &mut key);
        }
        other => other.key(options, &mut key),
    }
    key
}

fn item_matches(expected: &Value, actual: &Value, options: &Options) -> bool {
    match (expected, actual) {
        (Value::Record(e), Value::Record(a)) => record_differences(e, a, options, false).is_empty(),
        _ => expected.matches(actual, options),
    }
}

fn check_items(
    mut expected: Vec<Value>,
    mut actual: Vec<Value>,
    noun: &'static str,
    options: &Options,
    mut differences: Vec<Difference>,
) -> Verdict {
    if options.order == Order::Set {
        dedup(&mut expected, options);
        dedup(&mut actual, options);
    }
    let count = expected.len();
    match options.order {
        Order::Ordered => ordered(&expected, &actual, noun, options, &mut differences),
        Order::Unordered | Order::Set => {
            unordered(expected, actual, noun, options, &mut differences)
        }
    }
    if differences.is_empty() {
        let verb = if count == 1 { "matches" } else { "match" };
        Verdict::passed(format!("{} {verb}", plural(count, noun)), options.order)
    } else {
        Verdict::failed(differences, options.order)
    }
}

fn dedup(items: &mut Vec<Value>, options: &Options) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item_key(item, options)));
}

fn ordered(
    expected: &[Value],
    actual: &[Value],
    noun: &'static str,
    options: &Options,
    differences: &mut Vec<Difference>,
) {
    let first_wrong = expected
        .iter()
        .zip(actual)
        .position(|(e, a)| !item_matches(e, a, options));
    if first_wrong.is_none() && expected.len() == actual.len() {
        return;
    }
    // The right items in the wrong order is one finding, not a cascade of wrong rows.
    let mut as_bag = Vec::new();
    let mut bag_options = options.clone();
    bag_options.order = Order::Unordered;
    unordered(
        expected.to_vec(),
        actual.to_vec(),
        noun,
        &bag_options,
        &mut as_bag,
    );
    if as_bag.is_empty() {
        differences.push(Difference::OutOfOrder {
            noun,
            position: first_wrong.unwrap_or(0) + 1,
        });
        return;
    }
    for (index, (e, a)) in expected.iter().zip(actual).enumerate() {
        if item_matches(e, a, options) {
            continue;
        }
        differences.push(match (e, a) {
            (Value::Record(ef), Value::Record(af)) => Difference::Wrong {
                noun,
                label: format!("{noun} {}", index + 1),
                fields: record_differences(ef, af, options, false),
            },
            _ => Difference::Different {
                noun,
                position: Some(index + 1),
                actual: a.clone(),
                expected: e.clone(),
            },
        });
    }
    for (index, item) in expected.iter().enumerate().skip(actual.len()) {
        differences.push(Difference::Missing {
            noun,
            position: Some(index + 1),
            item: item.clone(),
        });
    }
    for (index, item) in actual.iter().enumerate().skip(expected.len()) {
        differences.push(Difference::Extra {
            noun,
            position: Some(index + 1),
            item: item.clone(),
        });
    }
}

fn unordered(
    expected: Vec<Value>,
    actual: Vec<Value>,
    noun: &'static str,
    options: &Options,
    differences: &mut Vec<Difference>,
) {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, item) in actual.iter().enumerate().rev() {
        by_key
            .entry(item_key(item, options))
            .or_default()
            .push(index);
    }
    let mut used = vec![false; actual.len()];
    let mut missing = Vec::new();
    for item in expected {
        let slot = by_key
            .get_mut(&item_key(&item, options))
            .and_then(|indices| indices.pop());
        match slot {
            Some(index) if item_matches(&item, &actual[index], options) => used[index] = true,
            Some(index) => {
                // Same key, different value under the rules: give the row back and keep looking.
                by_key
                    .entry(item_key(&actual[index], options))
                    .or_default()
                    .push(index);
                missing.push(item);
            }
            None => missing.push(item),
        }
    }
    let mut extra: Vec<usize> = (0..actual.len()).filter(|i| !used[*i]).collect();
    // Values equal under the rules but keyed apart (an untyped `t` and a boolean) meet here.
    if missing.len().saturating_mul(extra.len()) <= PAIRWISE_BUDGET {
        missing.retain(|item| {
            match extra
                .iter()
                .position(|&i| item_matches(item, &actual[i], options))
            {
                Some(at) => {
                    extra.remove(at);
                    false
                }
                None => true,
            }
        });
    }
    // A missing and an extra row that agree on some fields are most likely one row with wrong
    // values: say which values, named by a field they share.
    if missing.len().saturating_mul(extra.len()) <= PAIRWISE_BUDGET {
        let mut still_missing = Vec::new();
        let lone = missing.len() == 1 && extra.len() == 1;
        for item in missing {
            let Value::Record(expected_fields) = &item else {
                still_missing.push(item);
                continue;
            };
            let best = extra
                .iter()
                .enumerate()
                .filter_map(|(at, &i)| match &actual[i] {
                    Value::Record(actual_fields) => {
                        let diffs =
                            record_differences(expected_fields, actual_fields, options, false);
                        let agreeing = expected_fields.len().saturating_sub(diffs.len());
                        (agreeing > 0 && agreeing * 2 >= expected_fields.len())
                            .then_some((at, agreeing, diffs))
                    }
                    _ => None,
                })
                .max_by_key(|(_, agreeing, _)| *agreeing)
                .or_else(|| {
                    // One row missing and one extra: whatever they share, they are one row
                    // with wrong values (a single-column answer off by a digit).
                    match (
                        &actual[extra.first().copied()?],
                        extra.len(),
                        still_missing.is_empty(),
                    ) {
                        (Value::Record(actual_fields), 1, true) if lone => Some((
                            0,
                            0,
                            record_differences(expected_fields, actual_fields, options, false),
                        )),
                        _ => None,
                    }
                });
            match best {
                Some((at, _, fields)) => {
                    extra.remove(at);
                    let shared = shared_label(expected_fields, &fields);
                    let label = if shared.is_empty() {
                        format!("the {noun}")
                    } else {
                        format!("the {noun} with {shared}")
                    };
                    differences.push(Difference::Wrong {
                        noun,
                        label,
                        fields,
                    });
                }
                None => still_missing.push(item),
            }
        }
        missing = still_missing;
    }
    for item in missing {
        differences.push(Difference::Missing {
            noun,
            position: None,
            item,
        });
    }
    for index in extra {
        differences.push(Difference::Extra {
            noun,
            position: None,
            item: actual[index].clone(),
        });
    }
}

/// `name = 'Grace'`: the first expected field the two rows agree on.
fn shared_label(expected: &[(String, Value)], differences: &[FieldDifference]) -> String {
    let differing = |name: &str| {
        differences.iter().any(|d| match d {
            FieldDifference::Wrong { field, .. } | FieldDifference::Missing { field, .. } => {
                field == name
            }
            FieldDifference::Unexpected { .. } => false,
        })
    };
    expected
        .iter()
        .find(|(name, _)| name != "_id" && !differing(name))
        .map(|(name, value)| format!("{name} = {value}"))
        .unwrap_or_default()
}
