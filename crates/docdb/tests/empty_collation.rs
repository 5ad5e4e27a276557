//! An empty `collation: {}` on an operation is no collation, as mongod reads it (it checks
//! the document is empty before building a collator). PyMongo's test_collection.py
//! `test_helpers_with_let` sends `collation: {}` with delete_many, delete_one and
//! find_one_and_delete (their second positional argument) and expects them to succeed.

mod common;

use bson::doc;
use common::{find_all, insert, ok};
use docdb::Engine;

#[test]
fn an_empty_collation_is_none_given() {
    let e = Engine::in_memory();
    insert(
        &e,
        "d",
        "c",
        vec![doc! {"_id": 1, "s": "a"}, doc! {"_id": 2, "s": "A"}],
    );
    let found = find_all(
        &e,
        "d",
        doc! {"find": "c", "filter": {"s": "a"}, "collation": {}},
    );
    assert_eq!(
        found,
        [doc! {"_id": 1, "s": "a"}],
        "binary comparison, as with no collation"
    );
    let reply = ok(
        &e,
        "d",
        doc! {"delete": "c", "deletes": [{"q": {"s": "a"}, "limit": 0, "collation": {}}]},
    );
    assert_eq!(reply.get_i32("n").unwrap(), 1);
    assert!(!reply.contains_key("writeErrors"), "{reply}");
}
