use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bson::{Bson, doc, oid::ObjectId};

use super::*;
use crate::Filter;

#[test]
fn where_reads_this_and_obj_in_every_form_the_docs_show() {
    let d = doc! {"credits": 5, "debits": 5};
    let other = doc! {"credits": 7, "debits": 5};
    for code in [
        "this.credits == this.debits",
        "obj.credits == obj.debits",
        "function() { return (this.credits == this.debits) }",
        "function() { return obj.credits == obj.debits; }",
    ] {
        assert!(run_predicate(code, &d).expect(code), "{code}");
        assert!(!run_predicate(code, &other).expect(code), "{code}");
    }
}

#[test]
fn where_statements_without_return_match_nothing() {
    let d = doc! {"a": 1};
    assert!(
        !run_predicate(
            "var arr = []; for (var i = 0; i < 10; ++i) {arr.push(0);}",
            &d
        )
        .unwrap()
    );
}

#[test]
fn bson_types_cross_into_javascript_and_back() {
    let oid = ObjectId::parse_str("5f1e7d1c9b1e8a3c4d5e6f70").unwrap();
    let when = bson::DateTime::from_millis(1_600_000_000_123);
    let d = doc! {"id": oid, "n": 9_007_199_254_740_993_i64, "when": when, "dec": "1.5".parse::<bson::Decimal128>().unwrap()};
    assert!(
        run_predicate(
            "this.id.str == '5f1e7d1c9b1e8a3c4d5e6f70' && this.id instanceof ObjectId",
            &d
        )
        .unwrap()
    );
    assert!(run_predicate("this.n instanceof NumberLong && this.n.toString() == 'NumberLong(\"9007199254740993\")'", &d).unwrap());
    assert!(
        run_predicate(
            "this.when instanceof Date && this.when.getTime() == 1600000000123",
            &d
        )
        .unwrap()
    );
    assert!(run_predicate("this.dec.toString() == 'NumberDecimal(\"1.5\")'", &d).unwrap());
    let back = call("function(x) { return x; }", &[Bson::Document(d.clone())]).unwrap();
    assert_eq!(back, Bson::Document(d));
    // JavaScript numbers come back as doubles, as mongod writes them.
    assert_eq!(
        call(
            "function(a, b) { return a + b; }",
            &[Bson::Int32(2), Bson::Int32(3)]
        )
        .unwrap(),
        Bson::Double(5.0)
    );
    assert_eq!(
        call("function() { return NumberInt(4); }", &[]).unwrap(),
        Bson::Int32(4)
    );
    assert_eq!(
        call("function() { return NumberLong('12'); }", &[]).unwrap(),
        Bson::Int64(12)
    );
}

#[test]
fn hex_md5_and_array_sum_are_globals() {
    // The $function documentation's hash of "Miss Ann Thrope".
    let r = call(
        "function(n) { return hex_md5(n); }",
        &[Bson::String("Miss Ann Thrope".into())],
    )
    .unwrap();
    assert_eq!(r, Bson::String("15b0a220baa16331e8d80e15367677ad".into()));
    let r = call(
        "function(s) { return Array.sum(s); }",
        &[Bson::Array(vec![10.into(), 5.into(), 10.into()])],
    )
    .unwrap();
    assert_eq!(r, Bson::Double(25.0));
}

#[test]
fn thrown_errors_are_js_interpreter_failures_with_the_message() {
    let e = run_predicate("throw new Error('boom')", &doc! {}).unwrap_err();
    assert_eq!((e.code, e.code_name), (139, "JSInterpreterFailure"));
    assert!(e.message.starts_with("Error: boom"), "{}", e.message);
    let e = call("function() { return undefinedName + 1; }", &[]).unwrap_err();
    assert!(e.message.starts_with("ReferenceError:"), "{}", e.message);
}

#[test]
fn syntax_errors_are_reported_when_the_filter_is_parsed() {
    let e = Filter::parse_allowing_javascript(&doc! {"$where": "function( {"}).unwrap_err();
    assert_eq!(e.code, 139, "{}", e.message);
    assert!(e.message.starts_with("SyntaxError"), "{}", e.message);
}

#[test]
fn where_is_refused_outside_commands_that_run_javascript() {
    let e = Filter::parse_without_javascript(&doc! {"$where": "true"}).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (2, "$where is not allowed in this context")
    );
    let e = Filter::parse_allowing_javascript(&doc! {"a": {"$elemMatch": {"$where": "true"}}})
        .unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (2, "$where can only be applied to the top-level document")
    );
    let e = Filter::parse_allowing_javascript(&doc! {"$where": 5}).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (2, "$where got bad type"));
}

#[test]
fn an_endless_loop_stops_at_the_function_time_limit() {
    let scope = OperationScope::enter(Arc::new(|| Ok(())), Duration::from_millis(200));
    let started = Instant::now();
    let e = run_predicate("while (true) {}", &doc! {}).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (11601, "JavaScript execution interrupted")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // The rest of the operation fails at once (a scan does not wait the limit per document)...
    let started = Instant::now();
    assert_eq!(run_predicate("true", &doc! {}).unwrap_err().code, 11601);
    assert!(started.elapsed() < Duration::from_millis(100));
    drop(scope);
    // ... and the next operation runs normally.
    let _scope = OperationScope::enter(Arc::new(|| Ok(())), DEFAULT_FN_TIMEOUT);
    assert!(run_predicate("true", &doc! {}).unwrap());
}

#[test]
fn the_operations_check_interrupts_a_running_script() {
    let killed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&killed);
    let check: InterruptCheck = Arc::new(move || {
        if flag.load(Ordering::Relaxed) {
            Err(QueryError::new(
                11601,
                "Interrupted",
                "operation was interrupted",
            ))
        } else {
            Ok(())
        }
    });
    let _scope = OperationScope::enter(check, DEFAULT_FN_TIMEOUT);
    let setter = Arc::clone(&killed);
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        setter.store(true, Ordering::Relaxed);
    });
    let started = Instant::now();
    let e = run_predicate("function() { sleep(100000); return true; }", &doc! {}).unwrap_err();
    t.join().unwrap();
    assert_eq!(
        (e.code, e.message.as_str()),
        (11601, "operation was interrupted")
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn running_out_of_heap_is_out_of_memory_and_the_engine_recovers() {
    let scope = OperationScope::enter(Arc::new(|| Ok(())), DEFAULT_FN_TIMEOUT);
    let e = run_predicate(
        "var a = []; while (true) { a.push(new Array(100000).fill(1.5)); }",
        &doc! {},
    )
    .unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (139, "Out of memory"));
    drop(scope);
    let _scope = OperationScope::enter(Arc::new(|| Ok(())), DEFAULT_FN_TIMEOUT);
    assert!(run_predicate("this.a == 1", &doc! {"a": 1}).unwrap());
}

#[test]
fn globals_do_not_leak_from_one_operation_to_the_next() {
    {
        let _scope = OperationScope::enter(Arc::new(|| Ok(())), DEFAULT_FN_TIMEOUT);
        assert!(run_predicate("function() { leaked = 1; return true; }", &doc! {}).unwrap());
        assert!(run_predicate("typeof leaked == 'number'", &doc! {}).unwrap());
    }
    let _scope = OperationScope::enter(Arc::new(|| Ok(())), DEFAULT_FN_TIMEOUT);
    assert!(run_predicate("typeof leaked == 'undefined'", &doc! {}).unwrap());
}
