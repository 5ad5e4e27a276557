//! Unit tests of the expression language, one group per operator family.

use super::*;
use bson::doc;

fn ev(e: Bson, d: Document) -> Bson {
    evaluate(&e, &d, &Variables::new()).expect("expression evaluates")
}

fn ev_err(e: Bson) -> QueryError {
    evaluate(&e, &doc! {}, &Variables::new()).expect_err("expression fails")
}

#[test]
fn field_paths_and_variables() {
    let d = doc! {"a": {"b": 2}, "arr": [{"x": 1}, {"x": 2}, 3]};
    assert_eq!(ev(Bson::String("$a.b".into()), d.clone()), Bson::Int32(2));
    assert_eq!(
        ev(Bson::String("$arr.x".into()), d.clone()),
        bson::bson!([1, 2])
    );
    assert_eq!(
        ev(Bson::String("$$ROOT.a.b".into()), d.clone()),
        Bson::Int32(2)
    );
    assert_eq!(
        evaluate_optional(&Bson::String("$nope".into()), &d, &Variables::new()).expect("ok"),
        None
    );
    assert_eq!(ev_err(Bson::String("$$undefinedVar".into())).code, 17276);
}

#[test]
fn arithmetic_keeps_narrow_types() {
    assert_eq!(ev(bson::bson!({"$add": [1, 2]}), doc! {}), Bson::Int32(3));
    assert_eq!(
        ev(bson::bson!({"$add": [i32::MAX, 1]}), doc! {}),
        Bson::Int64(i64::from(i32::MAX) + 1)
    );
    assert_eq!(
        ev(bson::bson!({"$add": [1, 2.5]}), doc! {}),
        Bson::Double(3.5)
    );
    assert_eq!(
        ev(bson::bson!({"$multiply": [2, 3]}), doc! {}),
        Bson::Int32(6)
    );
    assert_eq!(
        ev(bson::bson!({"$divide": [7, 2]}), doc! {}),
        Bson::Double(3.5)
    );
    assert_eq!(ev(bson::bson!({"$mod": [7, 3]}), doc! {}), Bson::Int32(1));
    assert_eq!(ev(bson::bson!({"$add": [1, null]}), doc! {}), Bson::Null);
    assert_eq!(
        ev(bson::bson!({"$round": [2.5]}), doc! {}),
        Bson::Double(2.0)
    );
    assert_eq!(
        ev(bson::bson!({"$round": [1.23456, 2]}), doc! {}),
        Bson::Double(1.23)
    );
    assert_eq!(
        ev(bson::bson!({"$pow": [2, 10]}), doc! {}),
        Bson::Int32(1024)
    );
    assert_eq!(ev_err(bson::bson!({"$divide": [1, 0]})).code, 2);
    assert_eq!(ev_err(bson::bson!({"$add": ["a", 1]})).code, 16554);
}

#[test]
fn comparison_and_logic() {
    assert_eq!(
        ev(bson::bson!({"$eq": ["$a", 1.0]}), doc! {"a": 1}),
        Bson::Boolean(true)
    );
    assert_eq!(
        ev(bson::bson!({"$eq": ["$missing", null]}), doc! {}),
        Bson::Boolean(false)
    );
    assert_eq!(
        ev(bson::bson!({"$gt": ["a", 1]}), doc! {}),
        Bson::Boolean(true)
    );
    assert_eq!(ev(bson::bson!({"$cmp": [1, 2]}), doc! {}), Bson::Int32(-1));
    assert_eq!(
        ev(bson::bson!({"$and": [1, "x"]}), doc! {}),
        Bson::Boolean(true)
    );
    assert_eq!(
        ev(bson::bson!({"$or": [0, null]}), doc! {}),
        Bson::Boolean(false)
    );
    assert_eq!(
        ev(
            bson::bson!({"$cond": {"if": true, "then": 1, "else": 2}}),
            doc! {}
        ),
        Bson::Int32(1)
    );
    assert_eq!(
        ev(bson::bson!({"$ifNull": ["$x", "d"]}), doc! {}),
        Bson::String("d".into())
    );
    assert_eq!(
        ev(
            bson::bson!({"$switch": {"branches": [{"case": false, "then": 1}], "default": 9}}),
            doc! {}
        ),
        Bson::Int32(9)
    );
    assert_eq!(
        ev_err(bson::bson!({"$switch": {"branches": []}})).code,
        40066
    );
}

#[test]
fn strings() {
    assert_eq!(
        ev(bson::bson!({"$concat": ["a", "b"]}), doc! {}),
        Bson::String("ab".into())
    );
    assert_eq!(
        ev(bson::bson!({"$toUpper": "ab"}), doc! {}),
        Bson::String("AB".into())
    );
    assert_eq!(
        ev(bson::bson!({"$substrCP": ["héllo", 1, 3]}), doc! {}),
        Bson::String("éll".into())
    );
    assert_eq!(
        ev(bson::bson!({"$split": ["a,b", ","]}), doc! {}),
        bson::bson!(["a", "b"])
    );
    assert_eq!(
        ev(bson::bson!({"$trim": {"input": "  x "}}), doc! {}),
        Bson::String("x".into())
    );
    assert_eq!(
        ev(bson::bson!({"$indexOfCP": ["hello", "l"]}), doc! {}),
        Bson::Int32(2)
    );
    assert_eq!(
        ev(bson::bson!({"$strLenCP": "héllo"}), doc! {}),
        Bson::Int32(5)
    );
    assert_eq!(
        ev(
            bson::bson!({"$regexMatch": {"input": "abc", "regex": "^A", "options": "i"}}),
            doc! {}
        ),
        Bson::Boolean(true)
    );
    assert_eq!(
        ev(
            bson::bson!({"$replaceAll": {"input": "aXbX", "find": "X", "replacement": "-"}}),
            doc! {}
        ),
        Bson::String("a-b-".into())
    );
    assert_eq!(
        ev(bson::bson!({"$strcasecmp": ["AB", "ab"]}), doc! {}),
        Bson::Int32(0)
    );
}

#[test]
fn arrays() {
    let d = doc! {"xs": [1, 2, 3]};
    assert_eq!(ev(bson::bson!({"$size": "$xs"}), d.clone()), Bson::Int32(3));
    assert_eq!(
        ev(
            bson::bson!({"$map": {"input": "$xs", "as": "x", "in": {"$multiply": ["$$x", 2]}}}),
            d.clone()
        ),
        bson::bson!([2, 4, 6])
    );
    assert_eq!(
        ev(
            bson::bson!({"$filter": {"input": "$xs", "cond": {"$gt": ["$$this", 1]}}}),
            d.clone()
        ),
        bson::bson!([2, 3])
    );
    assert_eq!(
        ev(
            bson::bson!({"$reduce": {"input": "$xs", "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}}}),
            d.clone()
        ),
        Bson::Int32(6)
    );
    assert_eq!(
        ev(bson::bson!({"$arrayElemAt": ["$xs", -1]}), d.clone()),
        Bson::Int32(3)
    );
    assert_eq!(
        ev(bson::bson!({"$in": [2, "$xs"]}), d.clone()),
        Bson::Boolean(true)
    );
    assert_eq!(
        ev(bson::bson!({"$range": [0, 6, 2]}), d.clone()),
        bson::bson!([0, 2, 4])
    );
    assert_eq!(
        ev(bson::bson!({"$slice": ["$xs", -2]}), d.clone()),
        bson::bson!([2, 3])
    );
    assert_eq!(ev(bson::bson!({"$sum": "$xs"}), d.clone()), Bson::Int32(6));
    assert_eq!(ev(bson::bson!({"$max": "$xs"}), d.clone()), Bson::Int32(3));
    assert_eq!(
        ev(bson::bson!({"$avg": [1, 2]}), d.clone()),
        Bson::Double(1.5)
    );
    assert_eq!(
        ev(bson::bson!({"$arrayToObject": [[["a", 1]]]}), d.clone()),
        Bson::Document(doc! {"a": 1})
    );
    assert_eq!(
        ev(bson::bson!({"$objectToArray": {"a": 1}}), d),
        bson::bson!([{"k": "a", "v": 1}])
    );
    assert_eq!(ev_err(bson::bson!({"$size": 1})).code, 17124);
}

#[test]
fn dates() {
    let d = doc! {"t": bson::DateTime::from_millis(1_657_823_668_937)};
    assert_eq!(
        ev(bson::bson!({"$year": "$t"}), d.clone()),
        Bson::Int32(2022)
    );
    assert_eq!(
        ev(bson::bson!({"$dayOfWeek": "$t"}), d.clone()),
        Bson::Int32(5)
    );
    assert_eq!(
        ev(
            bson::bson!({"$dateToString": {"format": "%Y-%m-%d %H:%M", "date": "$t"}}),
            d.clone()
        ),
        Bson::String("2022-07-14 18:34".into())
    );
    assert_eq!(
        ev(
            bson::bson!({"$hour": {"date": "$t", "timezone": "+02:00"}}),
            d
        ),
        Bson::Int32(20)
    );
}

#[test]
fn conversions_and_types() {
    assert_eq!(
        ev(bson::bson!({"$type": "$x"}), doc! {}),
        Bson::String("missing".into())
    );
    assert_eq!(ev(bson::bson!({"$toInt": "42"}), doc! {}), Bson::Int32(42));
    assert_eq!(
        ev(bson::bson!({"$toString": 1.5}), doc! {}),
        Bson::String("1.5".into())
    );
    assert_eq!(
        ev(bson::bson!({"$toBool": 0}), doc! {}),
        Bson::Boolean(false)
    );
    assert_eq!(
        ev(
            bson::bson!({"$convert": {"input": "x", "to": "int", "onError": -1}}),
            doc! {}
        ),
        Bson::Int32(-1)
    );
    assert_eq!(ev_err(bson::bson!({"$toInt": "x"})).code, 241);
}

#[test]
fn objects_let_literal() {
    assert_eq!(
        ev(
            bson::bson!({"$mergeObjects": [{"a": 1}, {"b": 2}]}),
            doc! {}
        ),
        Bson::Document(doc! {"a": 1, "b": 2})
    );
    assert_eq!(
        ev(
            bson::bson!({"$let": {"vars": {"x": 2}, "in": {"$add": ["$$x", 1]}}}),
            doc! {}
        ),
        Bson::Int32(3)
    );
    assert_eq!(
        ev(bson::bson!({"$literal": "$notAPath"}), doc! {}),
        Bson::String("$notAPath".into())
    );
    assert_eq!(
        ev(bson::bson!({"$getField": "a.b"}), doc! {"a.b": 5}),
        Bson::Int32(5)
    );
    assert_eq!(ev_err(bson::bson!({"$nope": 1})).code, 168);
    assert_eq!(ev_err(bson::bson!({"$add": [1], "$sub": 2})).code, 15983);
}

#[test]
fn decimal_arithmetic_is_exact() {
    let dec = |s: &str| Bson::Decimal128(s.parse().expect("decimal"));
    let d = doc! {"a": dec("0.1"), "b": dec("0.2"), "price": dec("19.99")};
    assert_eq!(
        ev(bson::bson!({"$add": ["$a", "$b"]}), d.clone()),
        dec("0.3")
    );
    assert_eq!(
        ev(bson::bson!({"$multiply": ["$price", 3]}), d.clone()),
        dec("59.97")
    );
    assert_eq!(
        ev(bson::bson!({"$subtract": ["$price", "$a"]}), d.clone()),
        dec("19.89")
    );
    assert_eq!(
        ev(bson::bson!({"$divide": ["$price", 2]}), d.clone()),
        dec("9.995")
    );
    assert_eq!(
        ev(bson::bson!({"$sum": ["$a", "$b", 1]}), d.clone()),
        dec("1.3")
    );
    assert_eq!(
        ev(bson::bson!({"$abs": {"$subtract": ["$a", "$price"]}}), d),
        dec("19.89")
    );
}

#[test]
fn trigonometry_sizes_and_n_operators() {
    assert_eq!(ev(bson::bson!({"$cos": 0}), doc! {}), Bson::Double(1.0));
    assert_eq!(
        ev(
            bson::bson!({"$radiansToDegrees": std::f64::consts::PI}),
            doc! {}
        ),
        Bson::Double(180.0)
    );
    assert_eq!(ev_err(bson::bson!({"$asin": 2})).code, 50989);
    assert_eq!(
        ev(bson::bson!({"$bsonSize": {"$literal": {}}}), doc! {}),
        Bson::Int32(5)
    );
    assert_eq!(
        ev(bson::bson!({"$binarySize": "abc"}), doc! {}),
        Bson::Int32(3)
    );
    assert_eq!(
        ev(
            bson::bson!({"$maxN": {"n": 2, "input": [3, null, 9, 1]}}),
            doc! {}
        ),
        bson::bson!([9, 3])
    );
    assert_eq!(
        ev(
            bson::bson!({"$lastN": {"n": 2, "input": [1, 2, 3]}}),
            doc! {}
        ),
        bson::bson!([2, 3])
    );
}
