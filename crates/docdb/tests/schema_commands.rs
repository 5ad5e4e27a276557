//! The commands behind mongosh's schema browsing (`show dbs`, `show users`, `show roles`,
//! `db.coll.stats()`, `db.coll.latencyStats()`, `db.currentOp()`, `getCmdLineOpts`), with
//! mongod's reply shapes and error codes (MongoDB manual: `$collStats`, `$currentOp`,
//! `usersInfo`, `rolesInfo`, `listDatabases`, `getCmdLineOpts`).

mod common;

use bson::{Bson, Document, doc};
use common::{err_code, find_all, ok};
use docdb::Engine;

fn aggregate(e: &Engine, db: &str, coll: Bson, pipeline: Vec<Document>) -> Vec<Document> {
    find_all(
        e,
        db,
        doc! {"aggregate": coll, "pipeline": pipeline, "cursor": {}},
    )
}

#[test]
fn coll_stats_reports_storage_count_and_latency() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", (0..4).map(|i| doc! {"_id": i}).collect());
    ok(
        &e,
        "d",
        doc! {"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}]},
    );
    find_all(&e, "d", doc! {"find": "c"});
    let out = aggregate(
        &e,
        "d",
        "c".into(),
        vec![doc! {"$collStats": {"storageStats": {"scale": 1}, "count": {}, "latencyStats": {}}}],
    );
    assert_eq!(out.len(), 1);
    let stats = &out[0];
    assert_eq!(stats.get_str("ns").unwrap(), "d.c");
    assert_eq!(stats.get_i64("count").unwrap(), 4);
    let storage = stats.get_document("storageStats").unwrap();
    assert_eq!(storage.get_i64("count").unwrap(), 4);
    assert_eq!(storage.get_i32("nindexes").unwrap(), 2);
    let sizes = storage.get_document("indexSizes").unwrap();
    assert_eq!(sizes.keys().collect::<Vec<_>>(), vec!["_id_", "a_1"]);
    assert_eq!(
        storage.get_i64("totalSize").unwrap(),
        storage.get_i64("size").unwrap() + storage.get_i64("totalIndexSize").unwrap()
    );
    let reads = stats
        .get_document("latencyStats")
        .and_then(|l| l.get_document("reads"))
        .unwrap();
    assert_eq!(reads.get_i64("ops").unwrap(), 1, "{stats}");
    let writes = stats
        .get_document("latencyStats")
        .and_then(|l| l.get_document("writes"))
        .unwrap();
    assert_eq!(writes.get_i64("ops").unwrap(), 1, "{stats}");
}

#[test]
fn coll_stats_scale_divides_sizes_and_later_stages_run() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", vec![doc! {"_id": 1, "s": "x".repeat(3000)}]);
    let out = aggregate(
        &e,
        "d",
        "c".into(),
        vec![
            doc! {"$collStats": {"storageStats": {"scale": 1024}}},
            doc! {"$project": {"_id": 0, "kib": "$storageStats.size", "scale": "$storageStats.scaleFactor"}},
        ],
    );
    assert_eq!(out, vec![doc! {"kib": 2_i64, "scale": 1024_i64}]);
}

#[test]
fn coll_stats_refuses_what_it_cannot_answer_with_mongods_codes() {
    let e = Engine::in_memory();
    common::insert(&e, "d", "c", vec![doc! {"_id": 1}]);
    let agg = |pipeline: Vec<Document>, coll: Bson| {
        err_code(
            &e,
            "d",
            doc! {"aggregate": coll, "pipeline": pipeline, "cursor": {}},
        )
    };
    assert_eq!(
        agg(vec![doc! {"$collStats": {"bogus": {}}}], "c".into()),
        40415
    );
    assert_eq!(
        agg(
            vec![doc! {"$collStats": {"storageStats": {"scale": 0}}}],
            "c".into()
        ),
        51024
    );
    assert_eq!(
        agg(
            vec![doc! {"$collStats": {"storageStats": {}}}],
            "missing".into()
        ),
        26
    );
    assert_eq!(
        agg(
            vec![doc! {"$match": {}}, doc! {"$collStats": {}}],
            "c".into()
        ),
        40602
    );
    assert_eq!(
        agg(
            vec![doc! {"$collStats": {"latencyStats": {"histograms": true}}}],
            "c".into()
        ),
        2
    );
}

#[test]
fn current_op_runs_on_admin_and_sees_itself() {
    let e = Engine::in_memory();
    let out = aggregate(
        &e,
        "admin",
        1.into(),
        vec![
            doc! {"$currentOp": {"allUsers": true, "idleConnections": false, "truncateOps": false}},
            doc! {"$match": {"command.aggregate": 1}},
        ],
    );
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].get_str("op").unwrap(), "command");
    assert!(out[0].get_i32("opid").is_ok());
    let on_test = err_code(
        &e,
        "test",
        doc! {"aggregate": 1, "pipeline": [{"$currentOp": {}}], "cursor": {}},
    );
    assert_eq!(on_test, 73);
    let unknown = err_code(
        &e,
        "admin",
        doc! {"aggregate": 1, "pipeline": [{"$currentOp": {"nope": true}}], "cursor": {}},
    );
    // mongod 7.0's DocumentSourceCurrentOp::createFromBson: FailedToParse "Unrecognized option".
    assert_eq!(unknown, 9);
}

#[test]
fn users_and_roles_without_access_control() {
    let e = Engine::in_memory();
    let users = ok(&e, "test", doc! {"usersInfo": 1});
    assert_eq!(users.get_array("users").unwrap(), &Vec::<Bson>::new());
    let roles = ok(&e, "test", doc! {"rolesInfo": 1});
    assert!(roles.get_array("roles").unwrap().is_empty());
    let builtin = ok(&e, "test", doc! {"rolesInfo": 1, "showBuiltinRoles": true});
    let names: Vec<&str> = builtin
        .get_array("roles")
        .unwrap()
        .iter()
        .filter_map(|r| r.as_document()?.get_str("role").ok())
        .collect();
    assert_eq!(
        names,
        vec!["dbAdmin", "dbOwner", "read", "readWrite", "userAdmin"]
    );
    let admin = ok(&e, "admin", doc! {"rolesInfo": 1, "showBuiltinRoles": true});
    assert!(admin.get_array("roles").unwrap().len() > names.len());
    assert_eq!(
        err_code(&e, "test", doc! {"rolesInfo": 1, "showPrivileges": true}),
        2
    );
    assert_eq!(
        err_code(&e, "test", doc! {"usersInfo": 1, "bogus": 1}),
        40415
    );
}

#[test]
fn list_databases_shows_admin_and_local_like_mongod() {
    let e = Engine::in_memory();
    common::insert(&e, "shop", "c", vec![doc! {"_id": 1}]);
    let reply = ok(&e, "admin", doc! {"listDatabases": 1});
    let names: Vec<&str> = reply
        .get_array("databases")
        .unwrap()
        .iter()
        .filter_map(|d| d.as_document()?.get_str("name").ok())
        .collect();
    assert_eq!(names, vec!["admin", "local", "shop"]);
    let filtered = ok(
        &e,
        "admin",
        doc! {"listDatabases": 1, "nameOnly": true, "filter": {"name": "local"}},
    );
    assert_eq!(
        filtered.get_array("databases").unwrap(),
        &vec![Bson::Document(doc! {"name": "local"})]
    );
}

#[test]
fn get_cmd_line_opts_reports_what_the_server_was_started_with() {
    let e = Engine::in_memory();
    e.set_command_line(
        vec![
            "dbkernel".into(),
            "mongod".into(),
            "--port".into(),
            "27018".into(),
        ],
        doc! {"net": {"bindIp": "127.0.0.1", "port": 27018}},
    );
    let reply = ok(&e, "admin", doc! {"getCmdLineOpts": 1});
    assert_eq!(reply.get_array("argv").unwrap().len(), 4);
    assert_eq!(
        reply.get_document("parsed").unwrap(),
        &doc! {"net": {"bindIp": "127.0.0.1", "port": 27018}}
    );
}
