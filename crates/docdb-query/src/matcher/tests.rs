//! Unit tests of the matcher, one group per operator family.

use super::*;
use bson::doc;

fn m(filter: Document, d: Document) -> bool {
    Filter::parse(&filter).expect("valid filter").matches(&d)
}

#[test]
fn equality_and_implicit_array_elements() {
    assert!(m(doc! {"a": 1}, doc! {"a": 1.0}));
    assert!(m(doc! {"a": 1}, doc! {"a": [3, 1]}));
    assert!(m(doc! {"a": [1, 2]}, doc! {"a": [1, 2]}));
    assert!(m(doc! {"a": [1, 2]}, doc! {"a": [[1, 2], 3]}));
    assert!(!m(doc! {"a": [1, 2]}, doc! {"a": [2, 1]}));
    assert!(!m(doc! {"a": 1}, doc! {"a": "1"}));
}

#[test]
fn null_matches_missing_but_not_undefined() {
    assert!(m(doc! {"a": null}, doc! {"b": 1}));
    assert!(m(doc! {"a": null}, doc! {"a": null}));
    assert!(!m(doc! {"a": null}, doc! {"a": Bson::Undefined}));
    assert!(m(doc! {"a.b": null}, doc! {"a": [{"b": 1}, {"c": 1}]}));
    assert!(!m(doc! {"a.b": null}, doc! {"a": [{"b": 1}]}));
}

#[test]
fn dotted_paths_and_indexes() {
    assert!(m(doc! {"a.b": 2}, doc! {"a": [{"b": 1}, {"b": 2}]}));
    assert!(m(doc! {"a.1.b": 2}, doc! {"a": [{"b": 1}, {"b": 2}]}));
    assert!(!m(doc! {"a.0.b": 2}, doc! {"a": [{"b": 1}, {"b": 2}]}));
    assert!(m(doc! {"a.1": 5}, doc! {"a": [4, 5]}));
}

#[test]
fn comparisons_stay_in_type_bracket() {
    assert!(m(doc! {"a": {"$gt": 5}}, doc! {"a": 6}));
    assert!(!m(doc! {"a": {"$gt": 5}}, doc! {"a": "z"}));
    assert!(m(doc! {"a": {"$gt": 5, "$lt": 10}}, doc! {"a": [1, 7]}));
    assert!(m(doc! {"a": {"$gte": null}}, doc! {}));
    assert!(m(doc! {"a": {"$gt": Bson::MinKey}}, doc! {"a": "x"}));
    assert!(m(doc! {"a": {"$lt": Bson::MaxKey}}, doc! {"a": 1}));
    assert!(!m(doc! {"a": {"$lt": 0}}, doc! {"a": f64::NAN}));
    assert!(m(doc! {"a": {"$gte": f64::NAN}}, doc! {"a": f64::NAN}));
}

#[test]
fn negations_apply_to_the_whole_path() {
    assert!(!m(doc! {"a": {"$ne": 1}}, doc! {"a": [1, 2]}));
    assert!(m(doc! {"a": {"$ne": 1}}, doc! {}));
    assert!(m(doc! {"a": {"$nin": [1, 3]}}, doc! {"a": [2]}));
    assert!(m(doc! {"a": {"$not": {"$gt": 5}}}, doc! {"a": 3}));
    assert!(m(doc! {"a": {"$not": {"$gt": 5}}}, doc! {"a": "x"}));
}

#[test]
fn in_with_regexes_and_null() {
    let re = Bson::RegularExpression(bson::Regex {
        pattern: "^ab".try_into().expect("cstr"),
        options: "".try_into().expect("cstr"),
    });
    assert!(m(doc! {"a": {"$in": [re.clone(), 5]}}, doc! {"a": "abc"}));
    assert!(m(doc! {"a": {"$in": [null]}}, doc! {}));
    assert!(!m(doc! {"a": {"$in": []}}, doc! {"a": 1}));
}

#[test]
fn exists_type_size() {
    assert!(m(
        doc! {"a.b": {"$exists": true}},
        doc! {"a": [{"b": null}]}
    ));
    assert!(m(doc! {"a": {"$exists": false}}, doc! {"b": 1}));
    assert!(m(doc! {"a": {"$type": "number"}}, doc! {"a": [1]}));
    assert!(m(doc! {"a": {"$type": "array"}}, doc! {"a": [1]}));
    assert!(m(doc! {"a": {"$type": 2}}, doc! {"a": "s"}));
    assert!(m(doc! {"a": {"$size": 2}}, doc! {"a": [1, [2, 3]]}));
    assert!(!m(doc! {"a": {"$size": 2}}, doc! {"a": [[1, 2]]}));
}

#[test]
fn elem_match_forms() {
    let d = doc! {"a": [{"b": 1, "c": 2}, {"b": 2, "c": 1}]};
    assert!(m(doc! {"a": {"$elemMatch": {"b": 1, "c": 2}}}, d.clone()));
    assert!(!m(doc! {"a": {"$elemMatch": {"b": 1, "c": 1}}}, d));
    assert!(m(
        doc! {"a": {"$elemMatch": {"$gt": 1, "$lt": 3}}},
        doc! {"a": [0, 2]}
    ));
    assert!(!m(
        doc! {"a": {"$elemMatch": {"$gt": 1, "$lt": 3}}},
        doc! {"a": [0, 5]}
    ));
}

#[test]
fn all_including_elem_match() {
    assert!(m(doc! {"a": {"$all": [1, 2]}}, doc! {"a": [2, 1, 3]}));
    assert!(!m(doc! {"a": {"$all": [1, 4]}}, doc! {"a": [2, 1, 3]}));
    assert!(!m(doc! {"a": {"$all": []}}, doc! {"a": [1]}));
    assert!(m(
        doc! {"a": {"$all": [{"$elemMatch": {"b": 1}}, {"$elemMatch": {"b": 2}}]}},
        doc! {"a": [{"b": 1}, {"b": 2}]}
    ));
}

#[test]
fn logical_operators() {
    assert!(m(doc! {"$or": [{"a": 1}, {"b": 1}]}, doc! {"b": 1}));
    assert!(!m(doc! {"$nor": [{"a": 1}, {"b": 1}]}, doc! {"b": 1}));
    assert!(m(
        doc! {"$and": [{"a": 1}, {"b": 1}]},
        doc! {"a": 1, "b": 1}
    ));
}

#[test]
fn regex_and_mod() {
    assert!(m(
        doc! {"a": {"$regex": "^A", "$options": "i"}},
        doc! {"a": "abc"}
    ));
    assert!(m(doc! {"a": {"$mod": [4, 1]}}, doc! {"a": 5}));
    assert!(m(doc! {"a": {"$mod": [4, 1]}}, doc! {"a": 5.7}));
    assert!(!m(doc! {"a": {"$mod": [4, 1]}}, doc! {"a": "5"}));
}

#[test]
fn positional_index_is_reported() {
    let f = Filter::parse(&doc! {"a.b": 2}).expect("valid");
    assert_eq!(
        f.matches_positional(&doc! {"a": [{"b": 1}, {"b": 2}]}),
        (true, Some(1))
    );
    let f = Filter::parse(&doc! {"a": {"$gt": 2}}).expect("valid");
    assert_eq!(f.matches_positional(&doc! {"a": [1, 5]}), (true, Some(1)));
}

#[test]
fn parse_errors_name_the_problem() {
    let e = Filter::parse(&doc! {"a": {"$foo": 1}}).expect_err("unknown");
    assert_eq!((e.code, e.message.as_str()), (2, "unknown operator: $foo"));
    assert_eq!(Filter::parse(&doc! {"$or": []}).expect_err("empty").code, 2);
    assert_eq!(
        Filter::parse(&doc! {"a": {"$bitsAllSet": -1}})
            .expect_err("neg")
            .code,
        9
    );
    assert!(Filter::parse(&doc! {"a": {"$in": 1}}).is_err());
    assert!(Filter::parse(&doc! {"a": {"$mod": [0, 1]}}).is_err());
    assert!(Filter::parse(&doc! {"a": {"$size": -1}}).is_err());
    assert!(Filter::parse(&doc! {"a": {"$type": "nope"}}).is_err());
}

#[test]
fn equality_fields_for_upserts() {
    let f = Filter::parse(&doc! {"a": 1, "b": {"$eq": 2}, "c": {"$gt": 1}, "$and": [{"d": 3}]})
        .expect("valid");
    let fields: Vec<String> = f.equality_fields().into_iter().map(|(k, _)| k).collect();
    assert_eq!(fields, vec!["a", "b", "d"]);
}
