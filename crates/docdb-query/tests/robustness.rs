//! Robustness: random specifications and documents must never make the crate panic or hang.
//!
//! A small deterministic generator builds BSON values of every type, operator documents from
//! the real operator names with random arguments, and documents with nested arrays; every public
//! entry point (filters, projections, sorts, updates, expressions, pipelines, schemas, index keys,
//! text search) is driven with them. Errors are fine; panics are bugs. The canonical order is
//! also checked to be a total order (antisymmetric and transitive) over the same values.
//!
//! ROBUSTNESS_ROUNDS and ROBUSTNESS_SEED run a longer or different search locally.

use bson::{Binary, Bson, Document, oid::ObjectId, spec::BinarySubtype};
use docdb_query::{
    AggContext, Catalog, Filter, Pipeline, Projection, SortSpec, Update, UpdateContext, Variables,
    evaluate,
};
use std::cmp::Ordering;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const FIELDS: &[&str] = &[
    "a", "b", "a.b", "a.0", "a.b.c", "_id", "x.1.y", "$", "a.$", "a.$[]", "a.$[i]", "", "a..b",
];

const OPERATORS: &[&str] = &[
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$and",
    "$or",
    "$nor",
    "$not",
    "$exists",
    "$type",
    "$regex",
    "$options",
    "$expr",
    "$elemMatch",
    "$size",
    "$all",
    "$mod",
    "$bitsAllSet",
    "$bitsAnyClear",
    "$jsonSchema",
    "$text",
    "$comment",
    "$set",
    "$unset",
    "$inc",
    "$mul",
    "$min",
    "$max",
    "$rename",
    "$push",
    "$each",
    "$slice",
    "$sort",
    "$position",
    "$addToSet",
    "$pop",
    "$pull",
    "$pullAll",
    "$currentDate",
    "$bit",
    "$setOnInsert",
    "$add",
    "$subtract",
    "$multiply",
    "$divide",
    "$concat",
    "$substrCP",
    "$toUpper",
    "$split",
    "$map",
    "$filter",
    "$reduce",
    "$cond",
    "$ifNull",
    "$switch",
    "$let",
    "$literal",
    "$dateToString",
    "$dateFromString",
    "$dateAdd",
    "$dateDiff",
    "$dateTrunc",
    "$year",
    "$week",
    "$arrayElemAt",
    "$range",
    "$zip",
    "$convert",
    "$toInt",
    "$toDate",
    "$sum",
    "$avg",
    "$first",
    "$push",
    "$match",
    "$project",
    "$group",
    "$unwind",
    "$lookup",
    "$facet",
    "$bucket",
    "$bucketAuto",
    "$sortByCount",
    "$replaceRoot",
    "$count",
    "$limit",
    "$skip",
    "$sample",
    "$setWindowFields",
    "$graphLookup",
    "$unionWith",
    "$redact",
    "$out",
    "$merge",
    "$meta",
    "$round",
    "$pow",
    "$sqrt",
    "$log",
    "$mergeObjects",
    "$getField",
    "$objectToArray",
    "$arrayToObject",
    "$regexFindAll",
    "$trim",
    "$indexOfCP",
    "$strcasecmp",
    "$sin",
    "$firstN",
    "$bsonSize",
    "$foo",
];

const WORDS: &[&str] = &[
    "$a",
    "$$ROOT",
    "$$x",
    "$$NOW",
    "a",
    "b",
    "textScore",
    "unbounded",
    "current",
    "day",
    "%Y-%m",
    "i",
    "number",
    "string",
    "int",
];

fn value(r: &mut Rng, depth: u32) -> Bson {
    let choice = if depth > 3 { r.below(12) } else { r.below(16) };
    match choice {
        0 => Bson::Null,
        1 => Bson::Int32(r.next() as i32 % 10),
        2 => Bson::Int64([r.next() as i64, i64::MIN, i64::MAX, -1, 0][r.below(5)]),
        3 => Bson::Double([0.0, -0.0, 1.5, f64::NAN, f64::INFINITY, -3.0, 1e300][r.below(7)]),
        4 => Bson::Decimal128(
            [
                "1.0",
                "-0",
                "NaN",
                "1E-6176",
                "9.999999999999999999999999999999999E+6144",
                "-Infinity",
            ][r.below(6)]
            .parse()
            .unwrap_or_else(|_| unreachable!()),
        ),
        5 => Bson::String(r.pick(WORDS).to_string()),
        6 => Bson::Boolean(r.below(2) == 0),
        7 => Bson::DateTime(bson::DateTime::from_millis(
            r.next() as i64 % 100_000_000_000_000,
        )),
        8 => Bson::ObjectId(ObjectId::from_bytes([r.below(256) as u8; 12])),
        9 => Bson::Binary(Binary {
            subtype: BinarySubtype::Generic,
            bytes: vec![r.below(256) as u8; r.below(3)],
        }),
        10 => [Bson::MinKey, Bson::MaxKey, Bson::Undefined][r.below(3)].clone(),
        11 => Bson::RegularExpression(bson::Regex {
            pattern: ["a", "(?:)", "^b.*", "(", "\\d+"][r.below(5)]
                .try_into()
                .unwrap_or_else(|_| unreachable!()),
            options: ["", "i", "mx", "q"][r.below(4)]
                .try_into()
                .unwrap_or_else(|_| unreachable!()),
        }),
        12 | 13 => Bson::Array((0..r.below(4)).map(|_| value(r, depth + 1)).collect()),
        _ => Bson::Document(document(r, depth + 1)),
    }
}

fn document(r: &mut Rng, depth: u32) -> Document {
    let mut d = Document::new();
    for _ in 0..r.below(4) {
        let key = if r.below(3) == 0 {
            r.pick(OPERATORS).to_string()
        } else {
            r.pick(FIELDS).to_string()
        };
        d.insert(key, value(r, depth + 1));
    }
    d
}

fn spec(r: &mut Rng, depth: u32) -> Document {
    let mut d = Document::new();
    for _ in 0..1 + r.below(3) {
        let key = if r.below(2) == 0 {
            r.pick(OPERATORS)
        } else {
            r.pick(FIELDS)
        };
        let v = if depth < 3 && r.below(2) == 0 {
            Bson::Document(spec(r, depth + 1))
        } else {
            value(r, depth + 1)
        };
        d.insert(key.to_string(), v);
    }
    d
}

/// A stage of a random kind with partly random arguments, so pipelines get past parsing.
fn stage(r: &mut Rng) -> Document {
    let v = value(r, 2);
    let w = value(r, 2);
    let s = spec(r, 2);
    let dir = if r.below(2) == 0 { 1 } else { -1 };
    match r.below(22) {
        0 => bson::doc! {"$match": s},
        1 => bson::doc! {"$project": {"a": v, "_id": r.below(2) as i32}},
        2 => {
            bson::doc! {"$group": {"_id": v, "n": {"$sum": w}, "p": {"$push": "$a"}, "m": {"$max": "$b"}}}
        }
        3 => {
            bson::doc! {"$unwind": {"path": "$a", "includeArrayIndex": "i", "preserveNullAndEmptyArrays": r.below(2) == 0}}
        }
        4 => bson::doc! {"$sort": {"a": dir, "b.c": -dir}},
        5 => bson::doc! {"$bucket": {"groupBy": "$a", "boundaries": [0, v], "default": "other"}},
        6 => bson::doc! {"$bucketAuto": {"groupBy": "$a", "buckets": v}},
        7 => {
            bson::doc! {"$setWindowFields": {"partitionBy": "$b", "sortBy": {"a": dir}, "output": {"w": {"$sum": "$a", "window": {"documents": [v, w]}}, "r": {"$rank": {}}}}}
        }
        8 => {
            bson::doc! {"$lookup": {"from": "c", "localField": "a", "foreignField": "a.b", "as": "j"}}
        }
        9 => {
            bson::doc! {"$lookup": {"from": "c", "let": {"x": v}, "pipeline": [{"$match": {"$expr": {"$eq": ["$$x", "$a"]}}}], "as": "j"}}
        }
        10 => {
            bson::doc! {"$graphLookup": {"from": "c", "startWith": v, "connectFromField": "a", "connectToField": "_id", "as": "g", "maxDepth": w}}
        }
        11 => bson::doc! {"$facet": {"f": [{"$count": "n"}], "g": [{"$sortByCount": "$a"}]}},
        12 => bson::doc! {"$replaceRoot": {"newRoot": v}},
        13 => bson::doc! {"$addFields": s},
        14 => bson::doc! {"$redact": {"$cond": [v, "$$DESCEND", "$$PRUNE"]}},
        15 => bson::doc! {"$sample": {"size": v}},
        16 => bson::doc! {"$sortByCount": v},
        17 => bson::doc! {"$unionWith": {"coll": "c", "pipeline": [{"$set": {"u": w}}]}},
        18 => bson::doc! {"$limit": v},
        19 => bson::doc! {"$set": {
            "s": {"$slice": ["$a", v.clone()]}, "s2": {"$slice": [[1, 2, 3], v.clone(), w.clone()]}, "e": {"$arrayElemAt": [[1, 2], v.clone()]},
            "r": {"$range": [v.clone(), w.clone(), 7]}, "dp": {"$dateFromParts": {"year": v.clone(), "month": w.clone(), "day": v.clone()}},
            "da": {"$dateAdd": {"startDate": "$$NOW", "unit": "month", "amount": v.clone()}},
            "dd": {"$dateDiff": {"startDate": {"$toDate": v.clone()}, "endDate": {"$toDate": w.clone()}, "unit": "week"}},
            "dt": {"$dateTrunc": {"date": "$$NOW", "unit": "day", "binSize": v.clone()}},
            "ds": {"$dateToString": {"date": {"$toDate": v.clone()}, "format": "%G-%V %j %U"}},
            "y": {"$year": {"$toDate": w.clone()}}, "i": {"$indexOfArray": [[1, 2], 2, v.clone(), w.clone()]}, "sub": {"$substrBytes": ["héllo", v.clone(), w.clone()]},
        }},
        20 => bson::doc! {"$project": {"a": {"$slice": ["$a", v]}}},
        _ => {
            bson::doc! {"$set": {"d": {"$dateTrunc": {"date": v, "unit": "week"}}, "t": {"$dateToString": {"date": w}}}}
        }
    }
}

/// Every collection holds the same one document.
struct NoColls(Document);

impl Catalog for NoColls {
    fn scan(
        &self,
        _db: &str,
        _coll: &str,
    ) -> docdb_query::Result<Vec<std::borrow::Cow<'_, Document>>> {
        Ok(vec![std::borrow::Cow::Borrowed(&self.0)])
    }
}

fn exercise(r: &mut Rng) {
    let docs: Vec<Document> = (0..3).map(|_| document(r, 0)).collect();
    let s = spec(r, 0);
    let slice =
        bson::doc! {"a": {"$slice": value(r, 3)}, "b": {"$slice": [value(r, 3), value(r, 3)]}};
    if let Ok(p) = Projection::parse(&slice) {
        for d in &docs {
            let _ = p.apply(d, None, None);
        }
    }
    if let Ok(f) = Filter::parse(&s) {
        for d in &docs {
            let _ = f.matches(d);
            let _ = f.matches_positional(d);
        }
        let _ = f.equality_fields();
    }
    let _ = Update::upsert_seed(&s);
    if let Ok(p) = Projection::parse(&s) {
        for d in &docs {
            let _ = p.apply(d, Some(r.below(3)), Some(1.0));
        }
    }
    if let Ok(p) = Projection::parse_aggregation(&s) {
        for d in &docs {
            let _ = p.apply(d, None, None);
        }
    }
    if let Ok(sort) = SortSpec::parse(&s) {
        let mut sorted = docs.clone();
        sorted.sort_by(|a, b| sort.compare(a, b));
    }
    let filters = [spec(r, 1)];
    for u in [
        Bson::Document(s.clone()),
        Bson::Array(vec![Bson::Document(spec(r, 1))]),
    ] {
        if let Ok(update) = Update::parse(
            &u,
            if r.below(2) == 0 {
                Some(&filters[..])
            } else {
                None
            },
        ) {
            for d in &docs {
                let mut d = d.clone();
                let ctx = UpdateContext {
                    is_insert: r.below(2) == 0,
                    positional: Some(r.below(3)),
                    now: bson::DateTime::from_millis(0),
                    vars: None,
                };
                let _ = update.apply(&mut d, &ctx);
            }
        }
    }
    let e = value(r, 0);
    for d in &docs {
        let _ = evaluate(&Bson::Document(s.clone()), d, &Variables::new());
        let _ = evaluate(&e, d, &Variables::new());
        let _ = docdb_query::index_keys::index_keys(d, &s);
        let _ = docdb_query::schema::validation_details(&s, d);
    }
    let stages: Vec<Document> = (0..1 + r.below(3)).map(|_| stage(r)).collect();
    if let Ok(p) = Pipeline::parse(&stages) {
        let ctx = AggContext {
            db: "t".into(),
            catalog: &NoColls(bson::doc! {"_id": 1, "a": [1, {"b": 2}]}),
            vars: Document::new(),
            now: bson::DateTime::from_millis(0),
            limits: &Default::default(),
        };
        let _ = p.run(docs.clone(), &ctx);
    }
    if let Ok(t) = docdb_query::TextSearch::parse(&s) {
        for d in &docs {
            let _ = docdb_query::text::score(d, &[("a".into(), 1.0), ("$**".into(), 2.0)], &t);
        }
    }
}

#[test]
fn random_specifications_never_panic() {
    let mut r = Rng(std::env::var("ROBUSTNESS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15));
    let rounds: usize = std::env::var("ROBUSTNESS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    for round in 0..rounds {
        let seed = r.next();
        let outcome = std::panic::catch_unwind(|| exercise(&mut Rng(seed | 1)));
        assert!(outcome.is_ok(), "round {round} (seed {seed:#x}) panicked");
    }
}

#[test]
fn canonical_order_is_a_total_order() {
    let mut r = Rng(42);
    let values: Vec<Bson> = (0..300).map(|_| value(&mut r, 1)).collect();
    for a in &values {
        assert_eq!(
            docdb_query::value::compare(a, a),
            Ordering::Equal,
            "{a:?} must equal itself"
        );
        for b in &values {
            let ab = docdb_query::value::compare(a, b);
            assert_eq!(
                ab,
                docdb_query::value::compare(b, a).reverse(),
                "antisymmetry: {a:?} vs {b:?}"
            );
        }
    }
    for a in values.iter().take(60) {
        for b in values.iter().take(60) {
            for c in values.iter().take(60) {
                let (ab, bc) = (
                    docdb_query::value::compare(a, b),
                    docdb_query::value::compare(b, c),
                );
                if ab != Ordering::Greater && bc != Ordering::Greater {
                    assert_ne!(
                        docdb_query::value::compare(a, c),
                        Ordering::Greater,
                        "transitivity: {a:?} <= {b:?} <= {c:?}"
                    );
                }
            }
        }
    }
}
