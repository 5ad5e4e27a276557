//! MongoDB's golden query results (`shared/conformance/mongo/golden.json`,
//! recorded by a real mongod) run against the engine, indexes included, so
//! that every planned index scan is checked against real answers.
//!
//! Comparison rules (GOLDEN.md): results are multisets, field order is
//! ignored, arrays are ordered, a plain expected number matches an int32 or
//! double of equal value, `$numberLong` only an int64, `$numberDecimal` only a
//! decimal128 with the same text.

mod common;

use std::path::PathBuf;

use bson::{Bson, Document, doc};
use docdb::Engine;
use serde_json::Value;

/// The pass count reached (539 of 540). The one failure,
/// `complex_match_swap.md#18`, depends on mongod moving a `$match` before a
/// renaming `$project`, which changes array semantics. The test fails if a
/// change makes fewer cases pass.
const MINIMUM_PASSING: usize = 539;

fn to_bson(v: &Ordered) -> Bson {
    v.to_bson()
}

/// A JSON value that keeps object keys in file order (`serde_json::Value`
/// sorts them, and field order matters for document equality).
#[derive(Debug, Clone)]
enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

/// Extended JSON wrappers: converted through `bson`'s own parser.
const WRAPPERS: &[&str] = &[
    "$oid",
    "$date",
    "$numberLong",
    "$numberInt",
    "$numberDouble",
    "$numberDecimal",
    "$binary",
    "$regularExpression",
    "$minKey",
    "$maxKey",
    "$undefined",
    "$code",
    "$timestamp",
    "$symbol",
    "$dbPointer",
    "$uuid",
];

impl Ordered {
    fn to_value(&self) -> Value {
        match self {
            Ordered::Null => Value::Null,
            Ordered::Bool(b) => Value::Bool(*b),
            Ordered::Number(n) => Value::Number(n.clone()),
            Ordered::String(s) => Value::String(s.clone()),
            Ordered::Array(a) => Value::Array(a.iter().map(Ordered::to_value).collect()),
            Ordered::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
            }
        }
    }

    fn to_bson(&self) -> Bson {
        match self {
            Ordered::Array(items) => Bson::Array(items.iter().map(Ordered::to_bson).collect()),
            Ordered::Object(fields)
                if !fields
                    .first()
                    .is_some_and(|(k, _)| WRAPPERS.contains(&k.as_str())) =>
            {
                let mut d = Document::new();
                for (k, v) in fields {
                    d.insert(k.clone(), v.to_bson());
                }
                Bson::Document(d)
            }
            other => {
                let v = other.to_value();
                Bson::try_from(v.clone())
                    .unwrap_or_else(|e| panic!("golden value is not extended JSON ({e}): {v}"))
            }
        }
    }

    fn get(&self, key: &str) -> Option<&Ordered> {
        match self {
            Ordered::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<&Vec<Ordered>> {
        match self {
            Ordered::Array(a) => Some(a),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Ordered::String(s) => Some(s),
            _ => None,
        }
    }
}

impl std::ops::Index<&str> for Ordered {
    type Output = Ordered;
    fn index(&self, key: &str) -> &Ordered {
        self.get(key).unwrap_or(&Ordered::Null)
    }
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Ordered, E> {
                Ok(Ordered::Number(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Ordered, E> {
                Ok(Ordered::Number(n.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Ordered, E> {
                serde_json::Number::from_f64(n)
                    .map(Ordered::Number)
                    .ok_or_else(|| E::custom("non-finite number"))
            }
            fn visit_str<E>(self, s: &str) -> Result<Ordered, E> {
                Ok(Ordered::String(s.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Ordered::Array(out))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Ordered>()? {
                    out.push((k, v));
                }
                Ok(Ordered::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn num(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(i) => Some(f64::from(*i)),
        Bson::Double(d) => Some(*d),
        _ => None,
    }
}

/// Golden equality (see the module comment).
fn same(expected: &Bson, actual: &Bson) -> bool {
    match (expected, actual) {
        (Bson::Int32(_) | Bson::Double(_), Bson::Int32(_) | Bson::Double(_)) => {
            let (e, a) = (
                num(expected).unwrap_or(f64::NAN),
                num(actual).unwrap_or(f64::NAN),
            );
            e == a || (e.is_nan() && a.is_nan())
        }
        (Bson::Decimal128(e), Bson::Decimal128(a)) => e.to_string() == a.to_string(),
        (Bson::Document(e), Bson::Document(a)) => {
            e.len() == a.len() && e.iter().all(|(k, v)| a.get(k).is_some_and(|x| same(v, x)))
        }
        (Bson::Array(e), Bson::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| same(x, y))
        }
        _ => expected == actual,
    }
}

fn multiset_equal(expected: &[Bson], actual: &[Bson]) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut used = vec![false; actual.len()];
    expected.iter().all(|e| {
        let found = actual
            .iter()
            .enumerate()
            .position(|(i, a)| !used[i] && same(e, a));
        found.map(|i| used[i] = true).is_some()
    })
}

fn load(e: &Engine, db: &str, coll: &str, docs: &Ordered, indexes: &Ordered) -> Result<(), String> {
    let docs: Vec<Bson> = docs.as_array().into_iter().flatten().map(to_bson).collect();
    e.execute(db, doc! {"create": coll});
    if !docs.is_empty() {
        let r = e.execute(db, doc! {"insert": coll, "documents": docs});
        if r.get_array("writeErrors").is_ok() || r.get_f64("ok").ok() != Some(1.0) {
            return Err(format!("load failed: {r}"));
        }
    }
    for (i, ix) in indexes.as_array().into_iter().flatten().enumerate() {
        let mut spec = match to_bson(&ix["options"]) {
            Bson::Document(d) => d,
            _ => Document::new(),
        };
        spec.insert("key", to_bson(&ix["key"]));
        spec.insert("name", format!("golden_{i}"));
        let r = e.execute(db, doc! {"createIndexes": coll, "indexes": [spec]});
        if r.get_f64("ok").ok() != Some(1.0) {
            return Err(format!("index {} failed: {r}", to_bson(&ix["key"])));
        }
    }
    Ok(())
}

/// Runs the command and drains its cursor.
fn run(e: &Engine, db: &str, cmd: Document) -> Result<Vec<Bson>, Document> {
    let mut cmd = cmd;
    if cmd.contains_key("aggregate") {
        cmd.insert("cursor", doc! {});
    }
    let coll = cmd
        .values()
        .next()
        .and_then(Bson::as_str)
        .unwrap_or_default()
        .to_string();
    let r = e.execute(db, cmd);
    if r.get_f64("ok").ok() != Some(1.0) {
        return Err(r);
    }
    let cursor = r.get_document("cursor").cloned().unwrap_or_default();
    let mut out = cursor.get_array("firstBatch").cloned().unwrap_or_default();
    let mut id = cursor.get_i64("id").unwrap_or(0);
    while id != 0 {
        let r = e.execute(db, doc! {"getMore": id, "collection": coll.clone()});
        let c = r.get_document("cursor").cloned().unwrap_or_default();
        out.extend(c.get_array("nextBatch").cloned().unwrap_or_default());
        id = c.get_i64("id").unwrap_or(0);
    }
    Ok(out)
}

fn run_case(case: &Ordered) -> Result<(), String> {
    let e = Engine::in_memory();
    let db = "golden";
    let coll = case["collection"].as_str().unwrap_or("c");
    load(&e, db, coll, &case["documents"], &case["indexes"])?;
    for other in case["other_collections"].as_array().into_iter().flatten() {
        load(
            &e,
            db,
            other["name"].as_str().unwrap_or(""),
            &other["documents"],
            &other["indexes"],
        )?;
    }
    for view in case["views"].as_array().into_iter().flatten() {
        let cmd = doc! {"create": view["name"].as_str().unwrap_or(""), "viewOn": view["viewOn"].as_str().unwrap_or(""),
        "pipeline": to_bson(&view["pipeline"])};
        let r = e.execute(db, cmd);
        if r.get_f64("ok").ok() != Some(1.0) {
            return Err(format!("view failed: {r}"));
        }
    }
    let Bson::Document(raw) = to_bson(&case["command"]) else {
        return Err("command is not a document".into());
    };
    // JSON objects lose their key order here: put the command name first.
    let name = ["find", "aggregate"]
        .into_iter()
        .find(|n| raw.contains_key(*n))
        .unwrap_or("find");
    let mut cmd = doc! {name: raw.get(name).cloned().unwrap_or(Bson::Null)};
    for (k, v) in raw {
        if k != name {
            cmd.insert(k, v);
        }
    }
    match (run(&e, db, cmd), case.get("expected_error")) {
        (Err(r), Some(expected)) => {
            let code = match &expected["code"] {
                Ordered::Number(n) => n.as_i64().unwrap_or(0) as i32,
                _ => 0,
            };
            if r.get_i32("code").ok() == Some(code) {
                Ok(())
            } else {
                Err(format!("expected error {code}, got {r}"))
            }
        }
        (Ok(docs), Some(expected)) => Err(format!(
            "expected error {}, got {} documents",
            to_bson(expected),
            docs.len()
        )),
        (Err(r), None) => Err(format!("failed: {r}")),
        (Ok(docs), None) => {
            let expected: Vec<Bson> = case["expected"]
                .as_array()
                .into_iter()
                .flatten()
                .map(to_bson)
                .collect();
            let ok = if matches!(case["ordered"], Ordered::Bool(true)) {
                expected.len() == docs.len() && expected.iter().zip(&docs).all(|(x, y)| same(x, y))
            } else {
                multiset_equal(&expected, &docs)
            };
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "result mismatch ({} expected, {} returned)",
                    expected.len(),
                    docs.len()
                ))
            }
        }
    }
}

#[test]
fn golden_query_results() {
    // The team's shared folder beside the repository (scripts/test.sh sets DBKERNEL_SHARED).
    let path = std::env::var("DBKERNEL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("conformance/mongo/golden.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "golden.json is missing at {} ({e}); it ships in shared/conformance/mongo/",
            path.display()
        )
    });
    let golden: Ordered = serde_json::from_str(&text).expect("golden.json is JSON");
    let cases = golden["cases"].as_array().expect("golden.json has cases");
    let mut failures = Vec::new();
    for case in cases {
        if let Err(e) = run_case(case) {
            failures.push(format!(
                "{}: {}",
                case["id"].as_str().unwrap_or("?"),
                e.chars().take(300).collect::<String>()
            ));
        }
    }
    let passed = cases.len() - failures.len();
    let rate = 100.0 * passed as f64 / cases.len().max(1) as f64;
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("golden: {passed}/{} passed ({rate:.1}%)", cases.len());
    assert!(
        passed >= MINIMUM_PASSING,
        "golden pass count fell to {passed} (was {MINIMUM_PASSING})"
    );
}
