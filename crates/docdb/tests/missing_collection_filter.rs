//! A find parses its filter before it looks for the collection, as mongod does (its canonical
//! query is built first): a bad filter, or a `$where` that does not compile, is an error on a
//! collection that does not exist, never an empty result that hides the mistake.

mod common;

use bson::doc;
use common::err_code;
use docdb::Engine;

#[test]
fn a_bad_filter_on_a_missing_collection_is_an_error() {
    let e = Engine::in_memory();
    // mongod: BadValue (2) "unknown top level operator: $foo. If you have a field name that
    // starts with a '$' symbol, consider using $getField or $setField."
    assert_eq!(
        err_code(&e, "d", doc! {"find": "nosuch", "filter": {"$foo": 1}}),
        2
    );
    // mongod compiles a $where when it parses the filter: JSInterpreterFailure (139).
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"find": "nosuch", "filter": {"$where": "this.a >"}}
        ),
        139
    );
}
