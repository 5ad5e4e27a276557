//! Unit tests of updates, one group per operator family.

use super::*;
use bson::{bson, doc};

fn ctx() -> UpdateContext {
    UpdateContext {
        is_insert: false,
        positional: None,
        now: bson::DateTime::from_millis(1000),
        vars: None,
    }
}

fn up(spec: Bson, d: Document) -> Document {
    let mut d = d;
    Update::parse(&spec, None)
        .expect("valid update")
        .apply(&mut d, &ctx())
        .expect("applies");
    d
}

fn up_err(spec: Bson, d: Document) -> QueryError {
    let mut d = d;
    match Update::parse(&spec, None) {
        Err(e) => e,
        Ok(u) => u.apply(&mut d, &ctx()).expect_err("update fails"),
    }
}

#[test]
fn set_unset_and_change_detection() {
    assert_eq!(
        up(bson!({"$set": {"a.b": 1}}), doc! {"_id": 1}),
        doc! {"_id": 1, "a": {"b": 1}}
    );
    assert_eq!(
        up(bson!({"$unset": {"a": ""}}), doc! {"_id": 1, "a": 1}),
        doc! {"_id": 1}
    );
    let mut d = doc! {"_id": 1, "a": 1};
    let u = Update::parse(&bson!({"$set": {"a": 1}}), None).expect("valid");
    assert!(!u.apply(&mut d, &ctx()).expect("applies"));
}

#[test]
fn arithmetic_and_min_max() {
    assert_eq!(
        up(bson!({"$inc": {"a": 2, "b": 1}}), doc! {"a": 1}),
        doc! {"a": 3, "b": 1}
    );
    assert_eq!(
        up(bson!({"$mul": {"a": 2.5}}), doc! {"a": 2}),
        doc! {"a": 5.0}
    );
    assert_eq!(up(bson!({"$mul": {"z": 2}}), doc! {}), doc! {"z": 0});
    assert_eq!(
        up(
            bson!({"$min": {"a": 0}, "$max": {"b": 9}}),
            doc! {"a": 1, "b": 2}
        ),
        doc! {"a": 0, "b": 9}
    );
    assert_eq!(up_err(bson!({"$inc": {"a": 1}}), doc! {"a": "x"}).code, 14);
    assert_eq!(up_err(bson!({"$inc": {"a": "x"}}), doc! {}).code, 14);
}

#[test]
fn rename_and_current_date() {
    assert_eq!(
        up(bson!({"$rename": {"a": "b.c"}}), doc! {"a": 1}),
        doc! {"b": {"c": 1}}
    );
    assert_eq!(
        up(bson!({"$currentDate": {"t": true}}), doc! {}),
        doc! {"t": bson::DateTime::from_millis(1000)}
    );
}

#[test]
fn array_operators() {
    assert_eq!(
        up(bson!({"$push": {"a": 3}}), doc! {"a": [1]}),
        doc! {"a": [1, 3]}
    );
    assert_eq!(
        up(
            bson!({"$push": {"a": {"$each": [5, 0, 3], "$sort": 1, "$slice": -2}}}),
            doc! {"a": [4]}
        ),
        doc! {"a": [4, 5]}
    );
    assert_eq!(
        up(
            bson!({"$push": {"a": {"$each": [9], "$position": 0}}}),
            doc! {"a": [1]}
        ),
        doc! {"a": [9, 1]}
    );
    assert_eq!(
        up(
            bson!({"$addToSet": {"a": {"$each": [1, 2]}}}),
            doc! {"a": [1]}
        ),
        doc! {"a": [1, 2]}
    );
    assert_eq!(
        up(bson!({"$pop": {"a": -1}}), doc! {"a": [1, 2]}),
        doc! {"a": [2]}
    );
    assert_eq!(
        up(bson!({"$pull": {"a": {"$gt": 1}}}), doc! {"a": [1, 2, 3]}),
        doc! {"a": [1]}
    );
    assert_eq!(
        up(
            bson!({"$pull": {"a": {"x": 1}}}),
            doc! {"a": [{"x": 1, "y": 2}, {"x": 2}]}
        ),
        doc! {"a": [{"x": 2}]}
    );
    assert_eq!(
        up(bson!({"$pullAll": {"a": [1, 3]}}), doc! {"a": [1, 2, 3]}),
        doc! {"a": [2]}
    );
    assert_eq!(up_err(bson!({"$push": {"a": 1}}), doc! {"a": 1}).code, 2);
}

#[test]
fn positional_forms() {
    let mut d = doc! {"a": [{"b": 1}, {"b": 5}]};
    let u = Update::parse(&bson!({"$set": {"a.$.b": 9}}), None).expect("valid");
    u.apply(
        &mut d,
        &UpdateContext {
            positional: Some(1),
            ..ctx()
        },
    )
    .expect("applies");
    assert_eq!(d, doc! {"a": [{"b": 1}, {"b": 9}]});
    assert_eq!(
        up(
            bson!({"$inc": {"a.$[].b": 1}}),
            doc! {"a": [{"b": 1}, {"b": 5}]}
        ),
        doc! {"a": [{"b": 2}, {"b": 6}]}
    );
    let filters = [doc! {"x.b": {"$gt": 2}}];
    let u = Update::parse(&bson!({"$set": {"a.$[x].b": 0}}), Some(&filters)).expect("valid");
    let mut d = doc! {"a": [{"b": 1}, {"b": 5}]};
    u.apply(&mut d, &ctx()).expect("applies");
    assert_eq!(d, doc! {"a": [{"b": 1}, {"b": 0}]});
    let unused = [doc! {"y": 1}];
    assert_eq!(
        Update::parse(&bson!({"$set": {"a": 1}}), Some(&unused))
            .expect_err("unused")
            .code,
        9
    );
}

#[test]
fn replacement_keeps_id_and_rejects_changes() {
    assert_eq!(
        up(bson!({"b": 2}), doc! {"_id": 1, "a": 1}),
        doc! {"_id": 1, "b": 2}
    );
    assert_eq!(up_err(bson!({"_id": 2}), doc! {"_id": 1}).code, 66);
    assert_eq!(
        up_err(bson!({"$set": {"_id": 2}}), doc! {"_id": 1}).code,
        66
    );
}

#[test]
fn set_on_insert_only_on_insert() {
    let u = Update::parse(&bson!({"$setOnInsert": {"a": 1}}), None).expect("valid");
    let mut d = doc! {};
    u.apply(&mut d, &ctx()).expect("applies");
    assert_eq!(d, doc! {});
    u.apply(
        &mut d,
        &UpdateContext {
            is_insert: true,
            ..ctx()
        },
    )
    .expect("applies");
    assert_eq!(d, doc! {"a": 1});
}

#[test]
fn parse_errors() {
    assert_eq!(up_err(bson!({"$foo": {"a": 1}}), doc! {}).code, 9);
    assert_eq!(
        up_err(bson!({"$set": {"a": 1}, "$inc": {"a.b": 1}}), doc! {}).code,
        40
    );
    assert_eq!(up_err(bson!({"$set": 1}), doc! {}).code, 9);
    assert_eq!(up_err(bson!({"$set": {"a..b": 1}}), doc! {}).code, 56);
    assert_eq!(up_err(bson!([{"$match": {}}]), doc! {}).code, 72);
}

#[test]
fn pipeline_updates() {
    assert_eq!(
        up(
            bson!([{"$set": {"b": {"$add": ["$a", 1]}}}, {"$unset": "a"}]),
            doc! {"_id": 1, "a": 1}
        ),
        doc! {"_id": 1, "b": 2}
    );
}

#[test]
fn upsert_seed_from_equalities() {
    let seed =
        Update::upsert_seed(&doc! {"a.b": 1, "c": {"$eq": 2}, "d": {"$gt": 1}, "$and": [{"e": 3}]})
            .expect("seed");
    assert_eq!(seed, doc! {"a": {"b": 1}, "c": 2, "e": 3});
}

#[test]
fn new_fields_are_created_in_lexicographic_order() {
    let out = up(
        bson!({"$set": {"z": 1, "a.10": 1, "a.9": 2, "m": 1}}),
        doc! {"_id": 1, "a": {}},
    );
    let keys: Vec<&String> = out.keys().collect();
    assert_eq!(keys, vec!["_id", "a", "m", "z"]);
    let inner: Vec<&String> = out.get_document("a").expect("a").keys().collect();
    assert_eq!(inner, vec!["9", "10"]);
}
