//! No acknowledged write is lost across a restart, a crash or a torn write.

mod common;

use std::path::PathBuf;

use bson::doc;
use common::{find_all, ok};
use docdb::Engine;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("docdb-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn writes_survive_dropping_the_engine_without_shutdown() {
    let dir = temp_dir("reopen");
    {
        let e = Engine::open_dir(&dir).unwrap();
        ok(
            &e,
            "d",
            doc! {"insert": "c", "documents": [{"_id": 1, "a": 1}, {"_id": 2, "a": 2}, {"_id": 3}]},
        );
        ok(
            &e,
            "d",
            doc! {"update": "c", "updates": [{"q": {"_id": 1}, "u": {"$set": {"a": 10}}}]},
        );
        ok(
            &e,
            "d",
            doc! {"delete": "c", "deletes": [{"q": {"_id": 2}, "limit": 1}]},
        );
        ok(
            &e,
            "d",
            doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1", "unique": true}]},
        );
        ok(
            &e,
            "d",
            doc! {"create": "v", "validator": {"x": {"$exists": true}}},
        );
        // No shutdown: the engine is simply dropped, as in a crash.
    }
    let e = Engine::open_dir(&dir).unwrap();
    let docs = find_all(&e, "d", doc! {"find": "c"});
    assert_eq!(docs, vec![doc! {"_id": 1, "a": 10}, doc! {"_id": 3}]);
    let idx = find_all(&e, "d", doc! {"listIndexes": "c"});
    assert_eq!(idx.len(), 2);
    let r = e.execute(
        "d",
        doc! {"insert": "c", "documents": [{"_id": 4, "a": 10}]},
    );
    assert!(
        r.get_array("writeErrors").is_ok(),
        "unique index restored: {r}"
    );
    let r = e.execute("d", doc! {"insert": "v", "documents": [{"_id": 1}]});
    assert!(
        r.get_array("writeErrors").is_ok(),
        "validator restored: {r}"
    );
    // A second generation (after the compaction at open) also survives.
    ok(
        &e,
        "d",
        doc! {"insert": "c", "documents": [{"_id": 5, "a": 5}]},
    );
    drop(e);
    let e = Engine::open_dir(&dir).unwrap();
    assert_eq!(find_all(&e, "d", doc! {"find": "c"}).len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn torn_final_record_is_ignored() {
    let dir = temp_dir("torn");
    {
        let e = Engine::open_dir(&dir).unwrap();
        ok(&e, "d", doc! {"insert": "c", "documents": [{"_id": 1}]});
        ok(
            &e,
            "d",
            doc! {"insert": "c", "documents": [{"_id": 2, "pad": "x".repeat(100)}]},
        );
    }
    // Cut the last record in half, as a crash mid-append would.
    let log = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("oplog.")
        })
        .expect("an operation log");
    let len = std::fs::metadata(&log).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(len - 40)
        .unwrap();
    let e = Engine::open_dir(&dir).expect("a torn record does not prevent opening");
    let docs = find_all(&e, "d", doc! {"find": "c"});
    assert_eq!(docs, vec![doc! {"_id": 1}]);
    ok(&e, "d", doc! {"insert": "c", "documents": [{"_id": 3}]});
    drop(e);
    let e = Engine::open_dir(&dir).unwrap();
    assert_eq!(find_all(&e, "d", doc! {"find": "c"}).len(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn drops_and_renames_are_durable() {
    let dir = temp_dir("ddl");
    {
        let e = Engine::open_dir(&dir).unwrap();
        ok(&e, "d", doc! {"insert": "a", "documents": [{"_id": 1}]});
        ok(&e, "d", doc! {"insert": "b", "documents": [{"_id": 1}]});
        ok(&e, "x", doc! {"insert": "y", "documents": [{"_id": 1}]});
        ok(
            &e,
            "admin",
            doc! {"renameCollection": "d.a", "to": "d.renamed"},
        );
        ok(&e, "d", doc! {"drop": "b"});
        ok(&e, "x", doc! {"dropDatabase": 1});
    }
    let e = Engine::open_dir(&dir).unwrap();
    let names: Vec<String> = find_all(&e, "d", doc! {"listCollections": 1, "nameOnly": true})
        .iter()
        .map(|d| d.get_str("name").unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["renamed".to_string()]);
    let dbs = ok(&e, "admin", doc! {"listDatabases": 1});
    // `x` was dropped; `admin` and `local` are always listed, as mongod lists them.
    let db_names: Vec<&str> = dbs
        .get_array("databases")
        .unwrap()
        .iter()
        .filter_map(|d| d.as_document()?.get_str("name").ok())
        .collect();
    assert_eq!(db_names, vec!["admin", "d", "local"]);
    let _ = std::fs::remove_dir_all(&dir);
}
