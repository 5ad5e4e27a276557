//! Literal forms → BSON, checked against what mongosh stores.

use bson::{Bson, doc, spec::BinarySubtype};

use crate::ast::StatementKind;
use crate::env::Env;
use crate::value::Evaluator;

fn eval_with(src: &str, env: &Env) -> Bson {
    let script = crate::parse(src).unwrap();
    let StatementKind::Expr(expr) = &script.statements[0].kind else {
        panic!("not an expression: {src}")
    };
    Evaluator::new(env)
        .eval(expr)
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn eval(src: &str) -> Bson {
    eval_with(src, &Env::new())
}

fn eval_err(src: &str) -> String {
    let script = crate::parse(src).unwrap();
    let StatementKind::Expr(expr) = &script.statements[0].kind else {
        panic!()
    };
    Evaluator::new(&Env::new())
        .eval(expr)
        .unwrap_err()
        .to_string()
}

#[test]
fn numbers_become_int32_or_double_never_int64() {
    assert_eq!(eval("1"), Bson::Int32(1));
    assert_eq!(eval("1.0"), Bson::Int32(1));
    assert_eq!(eval("-5"), Bson::Int32(-5));
    assert_eq!(eval("1.5"), Bson::Double(1.5));
    assert_eq!(eval("2147483648"), Bson::Double(2147483648.0));
    assert_eq!(eval("-2147483648"), Bson::Int32(i32::MIN));
    assert_eq!(eval("1e3"), Bson::Int32(1000));
    assert_eq!(eval("0x1F"), Bson::Int32(31));
    assert_eq!(eval("-0"), Bson::Double(-0.0));
    assert!(matches!(eval("NaN"), Bson::Double(d) if d.is_nan()));
    assert_eq!(eval("-Infinity"), Bson::Double(f64::NEG_INFINITY));
    assert_eq!(eval("2 * 3 + 1"), Bson::Int32(7));
    assert_eq!(eval("7 / 2"), Bson::Double(3.5));
    assert_eq!(eval("2 ** 10"), Bson::Int32(1024));
}

#[test]
fn strings_and_templates() {
    assert_eq!(eval(r#"'it\'s'"#), Bson::String("it's".into()));
    assert_eq!(eval(r#""a\tb""#), Bson::String("a\tb".into()));
    assert_eq!(eval("`multi\nline`"), Bson::String("multi\nline".into()));
    assert_eq!(eval("'user' + 1"), Bson::String("user1".into()));
}

#[test]
fn objects_with_all_key_forms() {
    let value = eval(
        r#"{ name: 'x', "size.uom": 'cm', $set: 1, 'a b': 2, 3: 'three', [ 'comp' + 'uted' ]: true, trailing: 1, }"#,
    );
    assert_eq!(
        value,
        Bson::Document(
            doc! { "3": "three", "name": "x", "size.uom": "cm", "$set": 1, "a b": 2, "computed": true, "trailing": 1 }
        )
    );
    assert_eq!(
        eval("{ ...{ a: 1, b: 2 }, b: 3 }"),
        Bson::Document(doc! { "a": 1, "b": 3 })
    );
    assert_eq!(
        eval("[1, 'a', [true, null], ...[2, 3],]"),
        Bson::Array(vec![
            1.into(),
            "a".into(),
            Bson::Array(vec![true.into(), Bson::Null]),
            2.into(),
            3.into()
        ])
    );
}

#[test]
fn undefined_becomes_null() {
    assert_eq!(
        eval("{ a: undefined }"),
        Bson::Document(doc! { "a": Bson::Null })
    );
}

#[test]
fn object_ids() {
    let Bson::ObjectId(oid) = eval("ObjectId('65a1b2c3d4e5f60718293a4b')") else {
        panic!()
    };
    assert_eq!(oid.to_hex(), "65a1b2c3d4e5f60718293a4b");
    assert_eq!(
        eval("new ObjectId('65a1b2c3d4e5f60718293a4b')"),
        Bson::ObjectId(oid)
    );
    assert!(matches!(eval("ObjectId()"), Bson::ObjectId(_)));
    let Bson::ObjectId(from_time) = eval("ObjectId(1700000000)") else {
        panic!()
    };
    assert_eq!(from_time.timestamp().timestamp_millis(), 1_700_000_000_000);
    assert_eq!(
        eval("ObjectId('65a1b2c3d4e5f60718293a4b').toString()"),
        Bson::String("65a1b2c3d4e5f60718293a4b".into())
    );
    assert!(matches!(
        eval("ObjectId('65a1b2c3d4e5f60718293a4b').getTimestamp()"),
        Bson::DateTime(_)
    ));
}

#[test]
fn dates_in_every_form() {
    let ms = |b: Bson| match b {
        Bson::DateTime(d) => d.timestamp_millis(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ms(eval("ISODate('2024-01-15')")), 1_705_276_800_000);
    assert_eq!(
        ms(eval("ISODate('2024-01-15T10:30:00Z')")),
        1_705_314_600_000
    );
    assert_eq!(
        ms(eval("ISODate('2024-01-15T10:30:00')")),
        1_705_314_600_000
    );
    assert_eq!(
        ms(eval("ISODate('2024-01-15T12:30:00+02:00')")),
        1_705_314_600_000
    );
    assert_eq!(
        ms(eval("ISODate('2024-01-15T10:30:00.250Z')")),
        1_705_314_600_250
    );
    assert_eq!(ms(eval("new Date('2024-01-15')")), 1_705_276_800_000);
    assert_eq!(ms(eval("new Date(1705276800000)")), 1_705_276_800_000);
    assert_eq!(ms(eval("new Date(2024, 0, 15)")), 1_705_276_800_000);
    assert_eq!(ms(eval("new Date(2024, 0, 15, 10, 30)")), 1_705_314_600_000);
    assert!(matches!(eval("new Date()"), Bson::DateTime(_)));
    assert!(matches!(eval("ISODate()"), Bson::DateTime(_)));
    assert!(matches!(eval("Date()"), Bson::String(s) if s.contains("GMT+0000")));
    assert!(matches!(eval("Date.now()"), Bson::Double(_)));
    assert_eq!(
        eval("new Date('2024-01-15').getTime()"),
        Bson::Double(1_705_276_800_000.0)
    );
    assert_eq!(
        eval("ISODate('2024-01-15').toISOString()"),
        Bson::String("2024-01-15T00:00:00.000Z".into())
    );
}

#[test]
fn numeric_wrappers() {
    assert_eq!(eval("NumberInt(5)"), Bson::Int32(5));
    assert_eq!(eval("NumberInt('42')"), Bson::Int32(42));
    assert_eq!(
        eval("NumberLong('9007199254740993')"),
        Bson::Int64(9_007_199_254_740_993)
    );
    assert_eq!(eval("NumberLong(5)"), Bson::Int64(5));
    assert_eq!(eval("Long('64')"), Bson::Int64(64));
    assert_eq!(
        eval("NumberDecimal('9.99')"),
        Bson::Decimal128("9.99".parse().unwrap())
    );
    assert_eq!(
        eval("Decimal128('1.5')"),
        Bson::Decimal128("1.5".parse().unwrap())
    );
    assert_eq!(eval("Int32(7)"), Bson::Int32(7));
    assert_eq!(eval("Double(7)"), Bson::Double(7.0));
}

#[test]
fn number_long_with_a_number_warns() {
    let script = crate::parse("NumberLong(5)").unwrap();
    let StatementKind::Expr(expr) = &script.statements[0].kind else {
        panic!()
    };
    let env = Env::new();
    let mut evaluator = Evaluator::new(&env);
    evaluator.eval(expr).unwrap();
    assert_eq!(
        evaluator.warnings,
        vec![
            "NumberLong: specifying a number as argument is deprecated and may lead to loss of precision, pass a string instead"
        ]
    );
}

#[test]
fn binary_values() {
    let bin = |b: Bson| match b {
        Bson::Binary(b) => (b.subtype, b.bytes),
        other => panic!("{other:?}"),
    };
    let (sub, bytes) = bin(eval("UUID('01234567-89ab-cdef-0123-456789abcdef')"));
    assert_eq!(sub, BinarySubtype::Uuid);
    assert_eq!(hex::encode(bytes), "0123456789abcdef0123456789abcdef");
    assert_eq!(bin(eval("UUID()")).1.len(), 16);
    assert_eq!(
        bin(eval("BinData(0, 'SGVsbG8=')")),
        (BinarySubtype::Generic, b"Hello".to_vec())
    );
    assert_eq!(
        bin(eval("HexData(0, '48656c6c6f')")),
        (BinarySubtype::Generic, b"Hello".to_vec())
    );
    assert_eq!(
        bin(eval("MD5('0123456789abcdef0123456789abcdef')")).0,
        BinarySubtype::Md5
    );
    assert_eq!(
        bin(eval("Binary.createFromBase64('SGVsbG8=', 0)")).1,
        b"Hello".to_vec()
    );
}

#[test]
fn timestamps_min_max_and_others() {
    let ts = |t, i| {
        Bson::Timestamp(bson::Timestamp {
            time: t,
            increment: i,
        })
    };
    assert_eq!(eval("Timestamp(1, 100)"), ts(1, 100));
    assert_eq!(eval("Timestamp({ t: 1, i: 100 })"), ts(1, 100));
    assert_eq!(eval("new Timestamp()"), ts(0, 0));
    assert_eq!(eval("MinKey"), Bson::MinKey);
    assert_eq!(eval("MinKey()"), Bson::MinKey);
    assert_eq!(eval("MaxKey"), Bson::MaxKey);
    assert_eq!(eval("new MaxKey()"), Bson::MaxKey);
    assert_eq!(
        eval("Code('function() {}')"),
        Bson::JavaScriptCode("function() {}".into())
    );
    assert_eq!(eval("true && false"), Bson::Boolean(false));
    assert_eq!(eval("null ?? 3"), Bson::Int32(3));
    assert_eq!(eval("1 < 2 ? 'yes' : 'no'"), Bson::String("yes".into()));
    assert_eq!(eval("Math.floor(7 / 2)"), Bson::Int32(3));
}

#[test]
fn regex_literals_map_flags_like_js_bson() {
    let re = |b: Bson| match b {
        Bson::RegularExpression(r) => (
            r.pattern.as_str().to_string(),
            r.options.as_str().to_string(),
        ),
        other => panic!("{other:?}"),
    };
    assert_eq!(re(eval("/john/i")), ("john".into(), "i".into()));
    assert_eq!(re(eval("/^a\\/b$/gmi")), ("^a\\/b$".into(), "ims".into()));
    assert_eq!(re(eval("/x/u")), ("x".into(), "".into()));
    assert_eq!(re(eval("new RegExp('^J', 'i')")), ("^J".into(), "i".into()));
    assert_eq!(re(eval("BSONRegExp('a', 'xi')")), ("a".into(), "ix".into()));
}

#[test]
fn variables_and_kernel_variables() {
    let mut env = Env::new();
    env.set("q", Bson::Document(doc! { "a": { "b": [10, 20] } }));
    env.set_kernel_var("limit", Bson::Int32(5));
    env.set_kernel_var("who", Bson::String("it's; drop".into()));
    assert_eq!(eval_with("q.a.b[1]", &env), Bson::Int32(20));
    assert_eq!(eval_with("q.a.b.length", &env), Bson::Int32(2));
    assert_eq!(
        eval_with("{ n: {{limit}}, name: {{ who }} }", &env),
        Bson::Document(doc! { "n": 5, "name": "it's; drop" })
    );
}

#[test]
fn evaluation_errors_explain_themselves() {
    assert_eq!(
        eval_err("ISODate('yesterday')"),
        "MongoshInvalidInputError: \"yesterday\" is not a valid ISODate"
    );
    assert_eq!(
        eval_err("foo"),
        "ReferenceError: foo is not defined: declare it first, e.g. const foo = ..."
    );
    assert_eq!(
        eval_err("{{missing}}"),
        "ReferenceError: kernel variable {{missing}} is not set: define it first, e.g. %set missing = 5"
    );
    assert_eq!(
        eval_err("ObjectId('123')"),
        "MongoshInvalidInputError: ObjectId('123'): an ObjectId is 24 hexadecimal characters, e.g. ObjectId('65a1b2c3d4e5f60718293a4b')"
    );
}

#[test]
fn bare_constructor_names_are_function_values() {
    use crate::value::builtin::{function_name, function_value};
    for name in [
        "ObjectId", "String", "Number", "Date", "Array", "ISODate", "Map",
    ] {
        assert_eq!(function_name(&eval(name)), Some(name));
    }
    assert_eq!(
        eval("{ _id: ObjectId, tags: [String] }"),
        Bson::Document(doc! {
            "_id": function_value("ObjectId"),
            "tags": [function_value("String")],
        })
    );
    // MinKey/MaxKey have toBSON() in mongosh: their bare names are values.
    assert_eq!(eval("MinKey"), Bson::MinKey);
}

#[test]
fn function_values_behave_like_javascript_functions() {
    assert_eq!(eval("typeof String"), Bson::String("function".into()));
    assert_eq!(eval("String.name"), Bson::String("String".into()));
    assert_eq!(
        eval("'' + Number"),
        Bson::String("function Number() { [native code] }".into())
    );
    assert_eq!(eval("String === String"), Bson::Boolean(true));
    assert_eq!(eval("String === Number"), Bson::Boolean(false));
    assert_eq!(eval("String ? 1 : 2"), Bson::Int32(1));

    // A variable holding a function can be called; a shadowing value cannot.
    let mut env = Env::new();
    env.set("S", crate::value::builtin::function_value("String"));
    assert_eq!(eval_with("S(5)", &env), Bson::String("5".into()));
    let Bson::ObjectId(_) = eval_with("O()", &{
        let mut env = Env::new();
        env.set("O", crate::value::builtin::function_value("ObjectId"));
        env
    }) else {
        panic!("O() should make an ObjectId")
    };
    env.set("String", Bson::Int32(1));
    let script = crate::parse("String(5)").unwrap();
    let StatementKind::Expr(expr) = &script.statements[0].kind else {
        panic!()
    };
    assert_eq!(
        Evaluator::new(&env).eval(expr).unwrap_err().to_string(),
        "TypeError: String is not a function"
    );
}

#[test]
fn built_ins_without_an_evaluator_explain_themselves() {
    assert_eq!(
        eval_err("new Map()"),
        "UnsupportedError: Map(...) is a JavaScript built-in that this kernel does not call; it can only be used as a value here"
    );
    assert_eq!(
        eval_err("Double(String)"),
        "MongoshInvalidInputError: Double: argument 1 must be a number, got a function"
    );
}
