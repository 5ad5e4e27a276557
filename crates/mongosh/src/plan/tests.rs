//! Each helper plans to the command mongosh sends.

use bson::{Bson, Document, doc};

use super::{Step, plan};
use crate::env::{Binding, Env, Handle};
use crate::operation::{Keep, Operation, Output, RequestKind, ResultShape};

fn step(src: &str, env: &Env) -> Step {
    let script = crate::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
    plan(&script.statements[0], env, "test").unwrap_or_else(|e| panic!("{}", e.render(src)))
}

fn op(src: &str) -> Operation {
    match step(src, &Env::new()) {
        Step::Run(op) => op,
        other => panic!("{src}: {other:?}"),
    }
}

fn command(src: &str) -> Document {
    let op = op(src);
    assert_eq!(op.requests.len(), 1, "{src}");
    op.requests[0].command.clone()
}

fn plan_error(src: &str) -> String {
    let script = crate::parse(src).unwrap();
    plan(&script.statements[0], &Env::new(), "test")
        .unwrap_err()
        .to_string()
}

#[test]
fn find_with_chained_modifiers() {
    let op = op(
        "db.users.find({ age: { $gt: 30 } }, { name: 1 }).sort({ age: -1 }).skip(5).limit(10).hint({ age: 1 }).collation({ locale: 'en' }).batchSize(3).maxTimeMS(100).comment('c').pretty()",
    );
    assert_eq!(
        op.requests[0].command,
        doc! {
            "find": "users", "filter": { "age": { "$gt": 30 } }, "projection": { "name": 1 },
            "sort": { "age": -1 }, "skip": 5, "limit": 10, "hint": { "age": 1 },
            "collation": { "locale": "en" }, "batchSize": 3, "maxTimeMS": 100, "comment": "c",
        }
    );
    assert_eq!(
        op.requests[0].kind,
        RequestKind::Cursor {
            keep: Keep::Display
        }
    );
    assert_eq!(op.shape, ResultShape::Documents);
    assert_eq!(op.requests[0].db, "test");
}

#[test]
fn collection_access_forms() {
    assert_eq!(
        command("db['order items'].find()").get_str("find").unwrap(),
        "order items"
    );
    assert_eq!(
        command("db.getCollection('users').find()")
            .get_str("find")
            .unwrap(),
        "users"
    );
    assert_eq!(command("db.a.b.find()").get_str("find").unwrap(), "a.b");
    let op = op("db.getSiblingDB('shop').orders.find()");
    assert_eq!(op.requests[0].db, "shop");
}

#[test]
fn find_one_and_cursor_terminals() {
    let op1 = op("db.users.findOne({ name: 'x' })");
    assert_eq!(
        op1.requests[0].command,
        doc! { "find": "users", "filter": { "name": "x" }, "limit": 1, "singleBatch": true }
    );
    assert_eq!(op1.shape, ResultShape::FirstOrNull);
    let count = op("db.users.find({ a: 1 }).count()");
    assert_eq!(
        count.requests[0].command,
        doc! { "count": "users", "query": { "a": 1 } }
    );
    assert_eq!(count.requests[0].kind, RequestKind::Command);
    assert!(count.warnings[0].starts_with("DeprecationWarning"));
    assert_eq!(
        command("db.users.find().skip(2).limit(3).size()"),
        doc! { "count": "users", "query": {}, "skip": 2, "limit": 3 }
    );
    assert_eq!(
        op("db.users.find().toArray()").shape,
        ResultShape::DocumentArray
    );
    assert_eq!(
        op("db.users.find().itcount()").requests[0].kind,
        RequestKind::Cursor {
            keep: Keep::CountOnly
        }
    );
    assert_eq!(
        op("db.users.find().forEach(printjson)").shape,
        ResultShape::Documents
    );
}

#[test]
fn explain_in_both_positions() {
    assert_eq!(
        command("db.users.find({ a: 1 }).explain('executionStats')"),
        doc! { "explain": { "find": "users", "filter": { "a": 1 } }, "verbosity": "executionStats" }
    );
    assert_eq!(
        command("db.users.explain().find({ a: 1 }).sort({ b: 1 })"),
        doc! { "explain": { "find": "users", "filter": { "a": 1 }, "sort": { "b": 1 } }, "verbosity": "queryPlanner" }
    );
    assert_eq!(
        command("db.users.explain('executionStats').aggregate([{ $match: { a: 1 } }])"),
        doc! { "explain": { "aggregate": "users", "pipeline": [{ "$match": { "a": 1 } }], "cursor": {} }, "verbosity": "executionStats" }
    );
    assert_eq!(op("db.users.explain().count({})").shape, ResultShape::Raw);
}

#[test]
fn inserts_generate_ids_client_side() {
    let op = op("db.users.insertOne({ email: 'user@example.com', name: 'John' })");
    let ResultShape::InsertOne {
        id: Bson::ObjectId(id),
    } = &op.shape
    else {
        panic!("{:?}", op.shape)
    };
    let sent = op.requests[0].command.get_array("documents").unwrap()[0]
        .as_document()
        .unwrap()
        .clone();
    assert_eq!(
        sent,
        doc! { "_id": *id, "email": "user@example.com", "name": "John" }
    );
    assert!(op.requests[0].command.get_bool("ordered").unwrap());
    let many = self::op("db.users.insertMany([{ _id: 1 }, { a: 2 }], { ordered: false })");
    let ResultShape::InsertMany { ids } = &many.shape else {
        panic!()
    };
    assert_eq!(ids[0], Bson::Int32(1));
    assert!(matches!(ids[1], Bson::ObjectId(_)));
    assert!(!many.requests[0].command.get_bool("ordered").unwrap());
}

#[test]
fn updates_replaces_and_deletes() {
    assert_eq!(
        command(
            "db.users.updateOne({ id: 1 }, { $set: { name: 'Jane' } }, { upsert: true, arrayFilters: [{ 'e.x': 1 }] })"
        ),
        doc! { "update": "users", "updates": [{ "q": { "id": 1 }, "u": { "$set": { "name": "Jane" } }, "multi": false, "upsert": true, "arrayFilters": [{ "e.x": 1 }] }], "ordered": true }
    );
    assert_eq!(
        command("db.users.updateMany({}, [{ $set: { n: 1 } }])"),
        doc! { "update": "users", "updates": [{ "q": {}, "u": [{ "$set": { "n": 1 } }], "multi": true }], "ordered": true }
    );
    assert_eq!(
        command("db.users.replaceOne({ id: 1 }, { name: 'x' })"),
        doc! { "update": "users", "updates": [{ "q": { "id": 1 }, "u": { "name": "x" }, "multi": false }], "ordered": true }
    );
    assert_eq!(
        command("db.users.deleteOne({ id: 1 })"),
        doc! { "delete": "users", "deletes": [{ "q": { "id": 1 }, "limit": 1 }], "ordered": true }
    );
    assert_eq!(
        command("db.users.deleteMany({})"),
        doc! { "delete": "users", "deletes": [{ "q": {}, "limit": 0 }], "ordered": true }
    );
    assert_eq!(op("db.users.deleteMany({})").shape, ResultShape::Delete);
}

#[test]
fn find_and_modify_returns_pre_image_by_default() {
    assert_eq!(
        command(
            "db.c.findOneAndUpdate({ a: 1 }, { $inc: { n: 1 } }, { sort: { a: 1 }, projection: { n: 1 } })"
        ),
        doc! { "findAndModify": "c", "query": { "a": 1 }, "update": { "$inc": { "n": 1 } }, "new": false, "fields": { "n": 1 }, "sort": { "a": 1 } }
    );
    assert!(command("db.c.findOneAndUpdate({}, { $set: { a: 1 } }, { returnDocument: 'after', upsert: true })").get_bool("new").unwrap());
    assert!(
        command("db.c.findOneAndReplace({}, { a: 1 }, { returnNewDocument: true })")
            .get_bool("new")
            .unwrap()
    );
    assert_eq!(
        command("db.c.findOneAndDelete({ a: 1 })"),
        doc! { "findAndModify": "c", "query": { "a": 1 }, "remove": true }
    );
}

#[test]
fn counts_and_distinct() {
    assert_eq!(
        command("db.c.countDocuments({ a: 1 }, { skip: 1, limit: 5 })"),
        doc! { "aggregate": "c", "pipeline": [{ "$match": { "a": 1 } }, { "$skip": 1 }, { "$limit": 5 }, { "$group": { "_id": 1, "n": { "$sum": 1 } } }], "cursor": {} }
    );
    assert_eq!(
        command("db.c.estimatedDocumentCount()"),
        doc! { "count": "c" }
    );
    assert_eq!(
        command("db.c.count({ a: 1 })"),
        doc! { "count": "c", "query": { "a": 1 } }
    );
    assert_eq!(
        command("db.c.distinct('a', { b: 1 })"),
        doc! { "distinct": "c", "key": "a", "query": { "b": 1 } }
    );
}

#[test]
fn aggregate_forms() {
    assert_eq!(
        command("db.users.aggregate([{ $match: { active: true } }], { allowDiskUse: true })"),
        doc! { "aggregate": "users", "pipeline": [{ "$match": { "active": true } }], "cursor": {}, "allowDiskUse": true }
    );
    assert_eq!(
        command("db.users.aggregate({ $match: {} }, { $limit: 1 })"),
        doc! { "aggregate": "users", "pipeline": [{ "$match": {} }, { "$limit": 1 }], "cursor": {} }
    );
    assert_eq!(
        command("db.aggregate([{ $currentOp: {} }])")
            .get_i32("aggregate")
            .unwrap(),
        1
    );
}

#[test]
fn indexes() {
    let op =
        op("db.posts.createIndex({ title: 'text', content: 'text' }, { weights: { title: 10 } })");
    assert_eq!(
        op.shape,
        ResultShape::IndexName("title_text_content_text".into())
    );
    assert_eq!(
        op.requests[0].command,
        doc! { "createIndexes": "posts", "indexes": [{ "key": { "title": "text", "content": "text" }, "name": "title_text_content_text", "weights": { "title": 10 } }] }
    );
    assert_eq!(
        self::op("db.a.createIndex({ a: 1, b: -1 })").shape,
        ResultShape::IndexName("a_1_b_-1".into())
    );
    assert_eq!(
        self::op("db.a.createIndex({ a: 1 }, { name: 'mine', unique: true })").shape,
        ResultShape::IndexName("mine".into())
    );
    assert_eq!(
        self::op("db.a.createIndexes([{ a: 1 }, { b: 1 }])").shape,
        ResultShape::IndexNames(vec!["a_1".into(), "b_1".into()])
    );
    assert_eq!(command("db.a.getIndexes()"), doc! { "listIndexes": "a" });
    assert_eq!(
        command("db.a.dropIndex('a_1')"),
        doc! { "dropIndexes": "a", "index": "a_1" }
    );
    assert_eq!(
        command("db.a.dropIndexes()"),
        doc! { "dropIndexes": "a", "index": "*" }
    );
}

#[test]
fn collection_and_database_admin() {
    assert_eq!(op("db.a.drop()").shape, ResultShape::Drop);
    let rename = op("db.a.renameCollection('b')");
    assert_eq!(rename.requests[0].db, "admin");
    assert_eq!(
        rename.requests[0].command,
        doc! { "renameCollection": "test.a", "to": "test.b", "dropTarget": false }
    );
    // mongosh 2.x (shell-api Collection.stats): `$collStats` at scale 1, scaled client-side.
    assert_eq!(
        command("db.a.stats()"),
        doc! { "aggregate": "a", "pipeline": [{ "$collStats": { "storageStats": { "scale": 1 } } }], "cursor": {} }
    );
    assert_eq!(
        op("db.a.stats(1024)").shape,
        ResultShape::CollStats {
            ns: "test.a".into(),
            scale: 1024.0,
            index_details: false,
            field: None
        }
    );
    // shell-api Database.currentOp: the `$currentOp` stage on admin, other fields as a $match.
    let current = op("db.currentOp({ 'command.comment': 'x' })");
    assert_eq!(current.requests[0].db, "admin");
    assert_eq!(
        current.requests[0].command,
        doc! { "aggregate": 1, "pipeline": [
            { "$currentOp": { "allUsers": true, "idleConnections": false, "truncateOps": false } },
            { "$match": { "command.comment": "x" } }
        ], "cursor": {} }
    );
    assert_eq!(
        command(
            "db.createCollection('users', { validator: { $jsonSchema: { required: ['email'] } }, validationLevel: 'strict' })"
        ),
        doc! { "create": "users", "validator": { "$jsonSchema": { "required": ["email"] } }, "validationLevel": "strict" }
    );
    // The documentation's capped log collection, and mongosh's convertToCapped(size).
    assert_eq!(
        command("db.createCollection('log', { capped: true, size: 100000, max: 5000 })"),
        doc! { "create": "log", "capped": true, "size": 100000, "max": 5000 }
    );
    assert_eq!(
        command("db.log2.convertToCapped(100000)"),
        doc! { "convertToCapped": "log2", "size": 100000 }
    );
    assert_eq!(command("db.runCommand({ ping: 1 })"), doc! { "ping": 1 });
    assert_eq!(command("db.runCommand('ping')"), doc! { "ping": 1 });
    assert_eq!(
        op("db.adminCommand({ listDatabases: 1 })").requests[0].db,
        "admin"
    );
    assert_eq!(
        op("db.dropDatabase()").shape,
        ResultShape::DropDatabase("test".into())
    );
    assert_eq!(
        op("db.getCollectionNames()").shape,
        ResultShape::CollectionNames
    );
    assert_eq!(command("db.stats()"), doc! { "dbStats": 1 });
    assert_eq!(
        op("db.getName()").shape,
        ResultShape::Constant(Output::Value(Bson::String("test".into())))
    );
    assert_eq!(
        op("db").shape,
        ResultShape::Constant(Output::Value(Bson::String("test".into())))
    );
}

#[test]
fn bulk_write_batches_consecutive_kinds() {
    let op = op("db.c.bulkWrite([
        { insertOne: { document: { a: 1 } } },
        { insertOne: { document: { _id: 7 } } },
        { updateOne: { filter: { a: 1 }, update: { $set: { b: 2 } }, upsert: true } },
        { deleteMany: { filter: { z: 1 } } },
        { insertOne: { document: { a: 3 } } },
    ])");
    let kinds: Vec<&str> = op
        .requests
        .iter()
        .map(|r| r.command.keys().next().unwrap().as_str())
        .collect();
    assert_eq!(kinds, ["insert", "update", "delete", "insert"]);
    let ResultShape::BulkWrite { batches } = &op.shape else {
        panic!()
    };
    assert_eq!(batches[0].indexes, vec![0, 1]);
    assert_eq!(batches[0].inserted_ids[1], Bson::Int32(7));
    assert_eq!(batches[3].indexes, vec![4]);
}

#[test]
fn directives() {
    let env = Env::new();
    assert_eq!(
        step("use shop", &env),
        Step::Use {
            db: "shop".into(),
            message: "switched to db shop".into()
        }
    );
    assert_eq!(
        step("use test", &env),
        Step::Use {
            db: "test".into(),
            message: "already on db test".into()
        }
    );
    assert_eq!(
        step("db = db.getSiblingDB('x')", &env),
        Step::Use {
            db: "x".into(),
            message: "x".into()
        }
    );
    assert_eq!(
        op("show dbs").requests[0].command,
        doc! { "listDatabases": 1, "nameOnly": false }
    );
    assert_eq!(op("show collections").shape, ResultShape::ShowCollections);
    assert_eq!(op("show tables").shape, ResultShape::ShowCollections);
}

#[test]
fn declarations_bind_values_handles_and_results() {
    let env = Env::new();
    assert_eq!(
        step("const q = { a: 1 }", &env),
        Step::Assign {
            name: "q".into(),
            value: Binding::Value(Bson::Document(doc! { "a": 1 })),
            warnings: vec![]
        }
    );
    let Step::Run(op) = step("const r = db.c.insertOne({ a: 1 })", &env) else {
        panic!()
    };
    assert_eq!((op.bind.as_deref(), op.silent), (Some("r"), true));
    let Step::Run(op) = step("const docs = db.c.find()", &env) else {
        panic!()
    };
    assert_eq!(op.requests[0].kind, RequestKind::Cursor { keep: Keep::All });
    let Step::Assign { value, .. } = step("const users = db.getCollection('users')", &env) else {
        panic!()
    };
    assert_eq!(
        value,
        Binding::Handle(Handle::Collection {
            db: "test".into(),
            name: "users".into()
        })
    );

    let mut env = Env::new();
    env.set(
        "users",
        Handle::Collection {
            db: "shop".into(),
            name: "users".into(),
        },
    );
    env.set("q", Bson::Document(doc! { "age": { "$gt": 3 } }));
    env.set_kernel_var("n", Bson::Int32(5));
    let Step::Run(op) = step("users.find(q).limit({{n}})", &env) else {
        panic!()
    };
    assert_eq!(op.requests[0].db, "shop");
    assert_eq!(
        op.requests[0].command,
        doc! { "find": "users", "filter": { "age": { "$gt": 3 } }, "limit": 5 }
    );
}

#[test]
fn print_wrappers_and_result_picks() {
    assert_eq!(
        op("printjson(db.c.findOne())").shape,
        ResultShape::FirstOrNull
    );
    assert_eq!(
        op("print('hi', 1)").shape,
        ResultShape::Constant(Output::Text("hi 1".into()))
    );
    assert_eq!(
        op("db.c.findOne()._id").shape,
        ResultShape::Pick(
            Box::new(ResultShape::FirstOrNull),
            vec![Bson::String("_id".into())]
        )
    );
    assert_eq!(
        op("1 + 1").shape,
        ResultShape::Constant(Output::Value(Bson::Int32(2)))
    );
}

#[test]
fn plan_errors_name_the_problem() {
    assert_eq!(
        plan_error("db.users.fnd({})"),
        "TypeError: db.users.fnd is not a function (did you mean find?)"
    );
    assert_eq!(
        plan_error("db.users.find().srot({ a: 1 })"),
        "TypeError: db.users.find(...).srot is not a function (did you mean sort?)"
    );
    assert_eq!(
        plan_error("db.getColection('x')"),
        "TypeError: db.getColection is not a function (did you mean getCollection?)"
    );
    assert_eq!(
        plan_error("db.users.updateOne({}, { name: 'x' })"),
        "MongoshInvalidInputError: db.users.updateOne: the update must use update operators, e.g. { $set: { status: 'done' } } (to replace the whole document use replaceOne)"
    );
    assert_eq!(
        plan_error("db.users.replaceOne({}, { $set: { a: 1 } })"),
        "MongoshInvalidInputError: db.users.replaceOne: the replacement document must not contain update operators such as $set: use updateOne for that"
    );
    assert_eq!(
        plan_error("db.users.insertOne([1])"),
        "MongoshInvalidInputError: db.users.insertOne: argument 1 must be the document to insert, got a array"
    );
    assert_eq!(
        plan_error("show tabels"),
        "MongoshInvalidInputError: show: 'show tabels' is not a valid show command (did you mean show tables?)"
    );
    assert_eq!(
        plan_error("use"),
        "MongoshInvalidInputError: use: say which database, e.g. use shop"
    );
    assert_eq!(
        plan_error("use a.b"),
        "MongoshInvalidInputError: use: database names cannot contain '.'"
    );
    assert_eq!(
        plan_error("db.users.aggregate([]).sort({ a: 1 })"),
        "TypeError: sort is not available on an aggregation cursor: add a $sort stage to the pipeline instead"
    );
    assert!(
        plan_error("sh.status()").starts_with("UnsupportedError: sharding and replica-set helpers")
    );
}

#[test]
fn schema_sketches_bind_and_print_like_mongosh() {
    use crate::value::builtin::function_value;
    let mut env = Env::new();
    let Step::Assign {
        name,
        value,
        warnings,
    } = step(
        "const userSchema = { _id: ObjectId, email: String, tags: [String] }",
        &env,
    )
    else {
        panic!("a const prints nothing: it is an assignment")
    };
    assert_eq!((name.as_str(), warnings.len()), ("userSchema", 0));
    let expected = Bson::Document(doc! {
        "_id": function_value("ObjectId"),
        "email": function_value("String"),
        "tags": [function_value("String")],
    });
    assert_eq!(value, Binding::Value(expected.clone()));
    env.set("userSchema", value);
    let printed = |src: &str, env: &Env| match step(src, env) {
        Step::Run(op) => {
            assert!(op.requests.is_empty(), "{src} sends nothing");
            op.finish(vec![]).unwrap()
        }
        other => panic!("{src}: {other:?}"),
    };
    assert_eq!(printed("userSchema", &env), Output::Value(expected));
    assert_eq!(
        printed("userSchema.email", &env),
        Output::Value(function_value("String"))
    );
    assert_eq!(
        crate::inspect::format(&printed("print(userSchema)", &env).to_bson()),
        "{\n  _id: [Function: ObjectId],\n  email: [Function: String],\n  tags: [ [Function: String] ]\n}"
    );
}

#[test]
fn function_values_are_not_sent_to_the_server() {
    assert_eq!(
        plan_error("db.users.insertOne({ name: 'Ann', email: String })"),
        "TypeError: field 'email' holds String, a type name, not a value: write a value instead, e.g. email: 'text'. \
         (mongosh would silently leave the field out of the 'insert' command, at documents.0.email; \
         this kernel stops so the command sent is the one you wrote)"
    );
    // The dangerous case: dropping the field would turn this into "delete everything".
    assert!(
        plan_error("db.users.deleteMany({ status: Boolean })")
            .starts_with("TypeError: field 'status' holds Boolean, a type name, not a value: write a value instead, e.g. status: true.")
    );
    assert!(
        plan_error("db.posts.find({ tags: [Date] })").starts_with(
            "TypeError: an element of field 'tags' holds Date, a type name, not a value: write a value instead, e.g. tags: [new Date()]."
        )
    );
    // Through a variable, and inside a pipeline.
    let mut env = Env::new();
    env.set(
        "schema",
        Bson::Document(doc! { "_id": crate::value::builtin::function_value("ObjectId") }),
    );
    let script = crate::parse("db.users.aggregate([{ $match: schema }])").unwrap();
    let error = plan(&script.statements[0], &env, "test").unwrap_err();
    assert!(
        error.to_string().contains("field '_id' holds ObjectId")
            && error.to_string().contains("at pipeline.0.$match._id"),
        "{error}"
    );
}
