//! Collection validators: levels, actions, $jsonSchema details, bypass.

mod common;

use bson::doc;
use common::{find_all, ok};
use docdb::Engine;

fn write_error(reply: &bson::Document) -> Option<bson::Document> {
    reply
        .get_array("writeErrors")
        .ok()
        .and_then(|a| a.first())
        .and_then(|b| b.as_document().cloned())
}

#[test]
fn strict_error_rejects_invalid_inserts_with_details() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "c", "validator": {"$jsonSchema": {"bsonType": "object", "required": ["name"],
        "properties": {"name": {"bsonType": "string"}}}}},
    );
    let r = ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 1, "name": 5}]},
    );
    let we = write_error(&r).expect("validation error");
    assert_eq!(we.get_i32("code").unwrap(), 121);
    assert_eq!(we.get_str("errmsg").unwrap(), "Document failed validation");
    let info = we.get_document("errInfo").unwrap();
    assert_eq!(info.get_i32("failingDocumentId").unwrap(), 1);
    assert!(
        info.get_document("details").is_ok(),
        "details present: {info}"
    );
    ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 2, "name": "ok"}]},
    );
    assert_eq!(find_all(&e, "d", doc! {"find": "c"}).len(), 1);
}

#[test]
fn bypass_document_validation_skips_the_validator() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "c", "validator": {"a": {"$gt": 0}}},
    );
    let r = ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 1, "a": -1}], "bypassDocumentValidation": true},
    );
    assert!(write_error(&r).is_none(), "{r}");
}

#[test]
fn warn_action_lets_invalid_documents_through() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "c", "validator": {"a": {"$gt": 0}}, "validationAction": "warn"},
    );
    let r = ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 1, "a": -1}]},
    );
    assert!(write_error(&r).is_none());
}

#[test]
fn moderate_level_spares_documents_that_were_already_invalid() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 1, "a": -1}, {"_id": 2, "a": 1}]},
    );
    ok(
        &e,
        "d",
        doc! {"collMod": "c", "validator": {"a": {"$gt": 0}}, "validationLevel": "moderate"},
    );
    // Already invalid: may stay invalid.
    let r = ok(
        &e,
        "d",
        doc! {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"a": -2}}}]},
    );
    assert!(write_error(&r).is_none(), "{r}");
    // Valid documents must stay valid.
    let r = ok(
        &e,
        "d",
        doc! {"update": "c", "updates": [{"q": {"_id": 2}, "u": {"$set": {"a": -5}}}]},
    );
    assert_eq!(write_error(&r).unwrap().get_i32("code").unwrap(), 121);
    // Strict would refuse both.
    ok(&e, "d", doc! {"collMod": "c", "validationLevel": "strict"});
    let r = ok(
        &e,
        "d",
        doc! {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"a": -3}}}]},
    );
    assert_eq!(write_error(&r).unwrap().get_i32("code").unwrap(), 121);
}

#[test]
fn listcollections_shows_the_validator_options() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "c", "validator": {"a": {"$exists": true}}, "validationLevel": "moderate"},
    );
    let colls = find_all(
        &e,
        "d",
        doc! {"listCollections": 1, "filter": {"name": "c"}},
    );
    let opts = colls[0].get_document("options").unwrap();
    assert_eq!(opts.get_str("validationLevel").unwrap(), "moderate");
    assert!(opts.get_document("validator").is_ok());
}

#[test]
fn find_and_modify_reports_validation_failure_as_command_error() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "c", "validator": {"a": {"$gt": 0}}},
    );
    ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 1, "a": 1}]},
    );
    let r = e.execute(
        "d",
        doc! {"findAndModify": "c", "query": {"_id": 1}, "update": {"$set": {"a": -1}}},
    );
    assert_eq!(r.get_i32("code").unwrap(), 121, "{r}");
    assert!(
        r.get_document("errInfo")
            .unwrap()
            .get_document("details")
            .is_ok()
    );
}
