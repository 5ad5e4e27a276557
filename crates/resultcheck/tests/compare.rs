//! The checker alone: shapes, empty results, large bags, the cap on listed differences.

use resultcheck::{Data, Options, Order, Value, check, inline};

fn texts(items: &[&str]) -> Data {
    Data::Elements(items.iter().map(|t| Value::Text(t.to_string())).collect())
}

#[test]
fn an_empty_result_against_expected_rows_lists_them_missing() {
    let expected = inline::parse_table("n\n1\n2", 1).unwrap();
    let actual = Data::Table {
        columns: vec!["n".into()],
        rows: vec![],
    };
    let verdict = check(expected, actual, &Options::new(Order::Unordered));
    assert_eq!(verdict.summary, "2 missing rows");
    assert_eq!(
        verdict.lines(20),
        [
            "missing row (expected, not in the result): n = 1",
            "missing row (expected, not in the result): n = 2"
        ]
    );
}

#[test]
fn a_header_only_expectation_means_no_rows() {
    let expected = inline::parse_table("n", 1).unwrap();
    let actual = Data::Table {
        columns: vec!["n".into()],
        rows: vec![vec![Value::from_i64(7)]],
    };
    let verdict = check(expected, actual, &Options::new(Order::Unordered));
    assert_eq!(
        verdict.lines(20),
        ["extra row (in the result, not expected): n = 7"]
    );
}

#[test]
fn different_shapes_are_named() {
    let verdict = check(
        Data::Single(Value::from_i64(3)),
        texts(&["a"]),
        &Options::new(Order::Ordered),
    );
    assert_eq!(
        verdict.lines(20),
        ["the result is a list of 1 element; the expectation is the value 3"]
    );
}

#[test]
fn a_hundred_thousand_rows_compare_by_hash_and_the_listing_is_capped() {
    let rows = |offset: i64| Data::Table {
        columns: vec!["id".into()],
        rows: (0..100_000)
            .rev()
            .map(|i| vec![Value::from_i64(i + offset)])
            .collect(),
    };
    let started = std::time::Instant::now();
    assert!(check(rows(0), rows(0), &Options::new(Order::Unordered)).passed);
    let verdict = check(rows(0), rows(50_000), &Options::new(Order::Unordered));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    assert_eq!(verdict.summary, "50000 missing rows, 50000 extra rows");
    let lines = verdict.lines(20);
    assert_eq!(lines.len(), 21);
    assert_eq!(lines[20], "… and 99980 more differences");
}

#[test]
fn set_mode_ignores_duplicates_and_bag_mode_counts_them() {
    let expected = texts(&["a", "b"]);
    let actual = texts(&["b", "a", "a"]);
    assert!(check(expected.clone(), actual.clone(), &Options::new(Order::Set)).passed);
    let bag = check(expected, actual, &Options::new(Order::Unordered));
    assert_eq!(
        bag.lines(20),
        ["extra element (in the result, not expected): 'a'"]
    );
}
