//! Exact-output tests for the printer. Expected strings are what mongosh
//! (Node's util.inspect with mongosh's BSON printers) prints for these values.

use bson::{Bson, doc, oid::ObjectId};

use super::*;

fn oid() -> ObjectId {
    ObjectId::parse_str("65a1b2c3d4e5f60718293a4b").unwrap()
}

#[test]
fn short_documents_stay_on_one_line() {
    assert_eq!(format(&Bson::Document(doc! { "a": 1 })), "{ a: 1 }");
    assert_eq!(
        format(&Bson::Array(vec![Bson::Int32(1), Bson::Int32(2)])),
        "[ 1, 2 ]"
    );
    assert_eq!(format(&Bson::Document(doc! {})), "{}");
    assert_eq!(format(&Bson::Array(vec![])), "[]");
    assert_eq!(
        format(&Bson::Document(
            doc! { "acknowledged": true, "deletedCount": 1 }
        )),
        "{ acknowledged: true, deletedCount: 1 }"
    );
}

#[test]
fn insert_one_result_breaks_like_mongosh() {
    let value = Bson::Document(doc! { "acknowledged": true, "insertedId": oid() });
    assert_eq!(
        format(&value),
        "{\n  acknowledged: true,\n  insertedId: ObjectId('65a1b2c3d4e5f60718293a4b')\n}"
    );
}

#[test]
fn update_result_breaks_like_mongosh() {
    let value = Bson::Document(doc! {
        "acknowledged": true, "insertedId": Bson::Null, "matchedCount": 1,
        "modifiedCount": 1, "upsertedCount": 0,
    });
    assert_eq!(
        format(&value),
        "{\n  acknowledged: true,\n  insertedId: null,\n  matchedCount: 1,\n  modifiedCount: 1,\n  upsertedCount: 0\n}"
    );
}

#[test]
fn get_indexes_output() {
    let value = Bson::Array(vec![Bson::Document(
        doc! { "v": 2, "key": { "_id": 1 }, "name": "_id_" },
    )]);
    assert_eq!(
        format(&value),
        "[ { v: 2, key: { _id: 1 }, name: '_id_' } ]"
    );
}

#[test]
fn at_most_three_inner_levels_join_one_line() {
    let value = Bson::Document(doc! { "a": { "b": { "c": { "d": 1 } } } });
    assert_eq!(format(&value), "{\n  a: { b: { c: { d: 1 } } }\n}");
    let value = Bson::Document(doc! { "a": { "b": { "c": 1 } } });
    assert_eq!(format(&value), "{ a: { b: { c: 1 } } }");
}

#[test]
fn dollar_keys_are_quoted() {
    let value = Bson::Document(doc! { "name": { "$eq": "x" }, "size.uom": "cm" });
    assert_eq!(format(&value), "{ name: { '$eq': 'x' }, 'size.uom': 'cm' }");
}

#[test]
fn long_number_arrays_group_into_columns() {
    let value = Bson::Array((0..26).map(Bson::Int32).collect());
    assert_eq!(
        format(&value),
        "[\n   0,  1,  2,  3,  4,  5,  6,  7,\n   8,  9, 10, 11, 12, 13, 14, 15,\n  16, 17, 18, 19, 20, 21, 22, 23,\n  24, 25\n]"
    );
}

#[test]
fn node_limits_say_how_many_more_items() {
    let value = Bson::Array((0..101).map(|_| Bson::Int32(1)).collect());
    let text = format_with(&value, &Options::default());
    assert!(text.ends_with("... 1 more item\n]"), "{text}");
}

#[test]
fn node_depth_limit_prints_placeholders() {
    let value = Bson::Document(
        doc! { "a": { "b": { "c": { "d": { "e": { "f": { "g": { "h": 1 } } } } } } } },
    );
    assert!(format_with(&value, &Options::default()).contains("[Object]"));
}

// mongosh 2.12 (`db.d.findOne()` of this document, and the same as a literal) prints it whole.
#[test]
fn results_print_in_full_like_mongosh_2() {
    let value = Bson::Document(
        doc! { "_id": 1, "a": { "b": { "c": { "d": { "e": { "f": { "g": { "h": 1 } } } } } } } },
    );
    assert_eq!(
        format(&value),
        "{\n  _id: 1,\n  a: {\n    b: {\n      c: {\n        d: {\n          e: { f: { g: { h: 1 } } }\n        }\n      }\n    }\n  }\n}"
    );
    let long = Bson::Array((0..150).map(Bson::Int32).collect());
    let text = format(&long);
    assert!(!text.contains("more item"), "{text}");
    assert!(
        text.ends_with("  144, 145, 146, 147, 148, 149\n]"),
        "{text}"
    );
    let s = Bson::Document(doc! { "s": "x".repeat(10_005) });
    assert!(!format(&s).contains("more character"));
}

#[test]
fn bson_leaves_print_with_mongosh_constructors() {
    let cases: Vec<(Bson, &str)> = vec![
        (
            Bson::ObjectId(oid()),
            "ObjectId('65a1b2c3d4e5f60718293a4b')",
        ),
        (
            Bson::DateTime(bson::DateTime::from_millis(1_234_567_890_000)),
            "ISODate('2009-02-13T23:31:30.000Z')",
        ),
        (Bson::Int64(64), "Long('64')"),
        (Bson::Decimal128("1".parse().unwrap()), "Decimal128('1')"),
        (
            Bson::Timestamp(bson::Timestamp {
                time: 1,
                increment: 100,
            }),
            "Timestamp({ t: 1, i: 100 })",
        ),
        (Bson::MinKey, "MinKey()"),
        (Bson::MaxKey, "MaxKey()"),
        (Bson::Double(1.5), "1.5"),
        (Bson::Double(5.0), "5"),
        (Bson::Double(-0.0), "-0"),
        (Bson::Double(f64::NAN), "NaN"),
        (Bson::JavaScriptCode("abc".into()), "Code('abc')"),
        (Bson::Symbol("abc".into()), "BSONSymbol('abc')"),
        (
            Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::Uuid,
                bytes: hex::decode("0123456789abcdef0123456789abcdef").unwrap(),
            }),
            "UUID('01234567-89ab-cdef-0123-456789abcdef')",
        ),
        (
            Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::Md5,
                bytes: hex::decode("0123456789abcdef0123456789abcdef").unwrap(),
            }),
            "MD5('0123456789abcdef0123456789abcdef')",
        ),
        (
            Bson::Binary(bson::Binary {
                subtype: bson::spec::BinarySubtype::Generic,
                bytes: b"Hello, World!\n".to_vec(),
            }),
            "Binary.createFromBase64('SGVsbG8sIFdvcmxkIQo=', 0)",
        ),
        (
            Bson::Document(doc! { "$ref": "a", "$id": oid(), "$db": "db" }),
            "DBRef('a', ObjectId('65a1b2c3d4e5f60718293a4b'), 'db')",
        ),
    ];
    for (value, want) in cases {
        assert_eq!(format(&value), want);
    }
}

#[test]
fn regexes_print_as_javascript_when_possible() {
    let re = |p: &str, o: &str| {
        Bson::RegularExpression(bson::Regex {
            pattern: p.try_into().unwrap(),
            options: o.try_into().unwrap(),
        })
    };
    assert_eq!(format(&re("john", "i")), "/john/i");
    assert_eq!(format(&re("a/b", "is")), "/a\\/b/gi");
    assert_eq!(
        format(&re("(?-i)AA_", "imx")),
        "BSONRegExp('(?-i)AA_', 'imx')"
    );
}

#[test]
fn top_level_strings_print_bare() {
    assert_eq!(format(&Bson::String("a_1".into())), "a_1");
    assert_eq!(format(&Bson::String("test\n\ttest".into())), "test\n\ttest");
    assert_eq!(
        format(&Bson::String("test\u{8}fooo".into())),
        "'test\\bfooo'"
    );
    assert_eq!(
        format(&Bson::Array(vec!["a_1".into(), "b_1".into()])),
        "[ 'a_1', 'b_1' ]"
    );
}

#[test]
fn multiline_strings_split_when_long() {
    let value = Bson::Document(
        doc! { "text": "first line of text\nsecond line of the same text, which is long enough to wrap" },
    );
    assert_eq!(
        format(&value),
        "{\n  text: 'first line of text\\n' +\n    'second line of the same text, which is long enough to wrap'\n}"
    );
}

#[test]
fn compact_cells_are_one_line_and_cut() {
    let value = Bson::Document(doc! { "a": { "b": { "c": { "d": 1 } } } });
    assert_eq!(format_compact(&value), "{ a: { b: { c: { d: 1 } } } }");
    assert_eq!(format_compact(&Bson::String("plain".into())), "plain");
    let long = Bson::Array((0..100).map(Bson::Int32).collect());
    let cut = format_compact_width(&long, 20);
    assert_eq!(cut.chars().count(), 20);
    assert!(cut.ends_with('…'));
}

#[test]
fn function_values_print_like_node() {
    use crate::value::builtin::function_value;
    assert_eq!(format(&function_value("String")), "[Function: String]");
    assert_eq!(format(&function_value("ObjectId")), "[Function: ObjectId]");
    assert_eq!(
        format_compact(&Bson::Document(doc! { "tags": [function_value("String")] })),
        "{ tags: [ [Function: String] ] }"
    );
    // Node v20: util.inspect of the seed guide's schema sketch (with String for _id,
    // which Node knows; mongosh's ObjectId prints the same way).
    let s = || function_value("String");
    let schema = doc! {
        "_id": s(),
        "email": s(),
        "profile": { "firstName": s(), "lastName": s(), "avatar": s() },
        "addresses": [ { "type": s(), "street": s(), "city": s() } ],
        "tags": [s()],
    };
    assert_eq!(
        format(&Bson::Document(schema)),
        "{
  _id: [Function: String],
  email: [Function: String],
  profile: {
    firstName: [Function: String],
    lastName: [Function: String],
    avatar: [Function: String]
  },
  addresses: [
    {
      type: [Function: String],
      street: [Function: String],
      city: [Function: String]
    }
  ],
  tags: [ [Function: String] ]
}"
    );
}

// Printed by mongosh 2.12 (`db.p.findOne()` of this document on `dbkernel mongod`): nested
// arrays break only past three inner levels, arrays of documents one per line, more than six
// short items in aligned columns (numbers right-aligned).
#[test]
fn line_breaking_matches_mongosh_for_nested_and_grouped_arrays() {
    let value = Bson::Document(doc! {
        "_id": 1,
        "m": [[1, 2], [3, [4, [5, [6]]]], []],
        "items": [
            {"sku": "apple", "qty": 5, "price": 1.25},
            {"sku": "banana", "qty": 12, "price": 0.5},
            {"sku": "cherry", "qty": 100, "price": 10},
        ],
        "t": ["a", "bb", "ccc", "dd", "e", "ffff", "g"],
        "v": [1, 22, 333, 4444, 55555, 6, 77, 888, 9999, 10, 111, 12],
    });
    let expected = "{
  _id: 1,
  m: [
    [ 1, 2 ],
    [
      3,
      [ 4, [ 5, [ 6 ] ] ]
    ],
    []
  ],
  items: [
    { sku: 'apple', qty: 5, price: 1.25 },
    { sku: 'banana', qty: 12, price: 0.5 },
    { sku: 'cherry', qty: 100, price: 10 }
  ],
  t: [
    'a',   'bb',
    'ccc', 'dd',
    'e',   'ffff',
    'g'
  ],
  v: [
       1,    22,  333,
    4444, 55555,    6,
      77,   888, 9999,
      10,   111,   12
  ]
}";
    assert_eq!(format(&value), expected);
}
