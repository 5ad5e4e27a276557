//! %%mql end to end: mongosh syntax → mongosh crate → the official `mongodb` driver → the embedded
//! engine (or a real MongoDB with MONGODB_URI set), one test per helper family.

mod mql_support;

use bson::Bson;
use dbkernel::result::QueryResult;
use dbkernel::session::variables::{Scalar, SharedVariables, Variable};
use mql_support::*;

async fn cell(
    db: &str,
    body: &str,
) -> (
    std::sync::Arc<dyn dbkernel::engine::Engine>,
    SharedVariables,
    String,
) {
    let engine = open().await;
    let vars = SharedVariables::default();
    let source = format!("%%mql\nuse {db}\n{body}");
    (engine, vars, source)
}

#[tokio::test]
async fn insert_find_and_find_one() {
    let db = unique_db("crud");
    let (e, v, src) = cell(&db, "db.users.insertOne({ _id: 1, name: 'Ada', tags: ['math'] })\ndb.users.insertMany([{ _id: 2, name: 'Grace' }, { _id: 3, name: 'Edsger' }])\ndb.users.findOne({ _id: 2 })\ndb.users.find({ _id: { $gte: 2 } }).sort({ _id: -1 }).limit(5).skip(0)").await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(text.contains("insertedId: 1"), "{text}");
    assert!(text.contains("insertedIds: { '0': 2, '1': 3 }"), "{text}");
    assert!(text.contains("{ _id: 2, name: 'Grace' }"), "{text}");
    let QueryResult::Documents(docs) = ran.last() else {
        panic!("documents expected")
    };
    assert_eq!(docs.total, 2);
    assert_eq!(docs.documents[0].get("_id"), Some(&Bson::Int32(3)));
}

#[tokio::test]
async fn updates_replace_and_deletes() {
    let db = unique_db("upd");
    let (e, v, src) = cell(
        &db,
        "db.c.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }, { _id: 3, n: 3 }])\n\
        db.c.updateOne({ _id: 1 }, { $inc: { n: 10 } })\n\
        db.c.updateMany({ n: { $lt: 5 } }, { $set: { small: true } })\n\
        db.c.updateOne({ _id: 9 }, { $set: { n: 9 } }, { upsert: true })\n\
        db.c.replaceOne({ _id: 2 }, { n: 20 })\n\
        db.c.deleteOne({ _id: 3 })\n\
        db.c.deleteMany({ n: { $gte: 9 } })\n\
        db.c.countDocuments()",
    )
    .await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("matchedCount: 1,\n  modifiedCount: 1")
            || text.contains("matchedCount: 1, modifiedCount: 1"),
        "{text}"
    );
    assert!(text.contains("matchedCount: 2"), "{text}");
    assert!(
        text.contains("insertedId: 9") && text.contains("upsertedCount: 1"),
        "{text}"
    );
    assert!(text.contains("deletedCount: 1"), "{text}");
    assert!(text.contains("deletedCount: 3"), "{text}");
    assert!(text.trim_end().ends_with('0'), "{text}");
}

#[tokio::test]
async fn find_one_and_modify_family() {
    let db = unique_db("fam");
    let (e, v, src) = cell(&db, "db.q.insertMany([{ _id: 1, state: 'new', p: 2 }, { _id: 2, state: 'new', p: 1 }])\n\
        db.q.findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { p: 1 }, returnDocument: 'after' })\n\
        db.q.findOneAndReplace({ _id: 1 }, { state: 'replaced' })\n\
        db.q.findOneAndDelete({ state: 'replaced' })\n\
        db.q.find({}, { _id: 1, state: 1 }).toArray()").await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(text.contains("{ _id: 2, state: 'taken', p: 1 }"), "{text}");
    assert!(
        text.contains("{ _id: 1, state: 'new', p: 2 }"),
        "pre-image by default: {text}"
    );
    assert!(text.contains("{ _id: 1, state: 'replaced' }"), "{text}");
    assert!(
        text.trim_end().ends_with("[ { _id: 2, state: 'taken' } ]"),
        "{text}"
    );
}

#[tokio::test]
async fn bulk_write_counts_every_kind() {
    let db = unique_db("bulk");
    let (e, v, src) = cell(&db, "db.b.bulkWrite([\n  { insertOne: { document: { _id: 1 } } },\n  { insertOne: { document: { _id: 2 } } },\n  { updateOne: { filter: { _id: 1 }, update: { $set: { x: 1 } } } },\n  { deleteOne: { filter: { _id: 2 } } }\n])").await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    for needle in [
        "insertedCount: 2",
        "matchedCount: 1",
        "modifiedCount: 1",
        "deletedCount: 1",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[tokio::test]
async fn aggregate_count_distinct_and_estimates() {
    let db = unique_db("agg");
    let (e, v, src) = cell(
        &db,
        "db.o.insertMany([{ c: 'a', n: 1 }, { c: 'a', n: 2 }, { c: 'b', n: 5 }])\n\
        db.o.aggregate([{ $group: { _id: '$c', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }])\n\
        db.o.countDocuments({ c: 'a' })\n\
        db.o.estimatedDocumentCount()\n\
        db.o.distinct('c')\n\
        db.o.find({ c: 'a' }).count()",
    )
    .await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("{ _id: 'a', total: 3 }") && text.contains("{ _id: 'b', total: 5 }"),
        "{text}"
    );
    assert!(text.contains("[ 'a', 'b' ]"), "{text}");
    let values: Vec<&QueryResult> = ran
        .sink
        .results
        .iter()
        .filter(|r| matches!(r, QueryResult::Value(_)))
        .collect();
    let numbers: Vec<String> = values
        .iter()
        .map(|r| {
            if let QueryResult::Value(v) = r {
                v.text.clone()
            } else {
                String::new()
            }
        })
        .collect();
    assert!(
        numbers.contains(&"2".to_string()) && numbers.contains(&"3".to_string()),
        "{numbers:?}"
    );
}

#[tokio::test]
async fn indexes_create_list_drop_and_unique_violation() {
    let db = unique_db("idx");
    let (e, v, src) = cell(
        &db,
        "db.i.createIndex({ email: 1 }, { unique: true })\n\
        db.i.createIndexes([{ a: 1 }, { b: -1 }])\n\
        db.i.getIndexes()\n\
        db.i.dropIndex('a_1')\n\
        db.i.insertOne({ email: 'x@y' })",
    )
    .await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("email_1") && text.contains("[ 'a_1', 'b_-1' ]"),
        "{text}"
    );
    assert!(text.contains("nIndexesWas: 4"), "{text}");
    let dup = run(
        &e,
        &v,
        &format!("%%mql\nuse {db}\ndb.i.insertOne({{ email: 'x@y' }})"),
    )
    .await;
    let err = dup.err();
    assert!(err.ename.contains("DuplicateKey"), "{err:?}");
    assert!(err.evalue.contains("E11000"), "{err:?}");
    let dropped = run(
        &e,
        &v,
        &format!("%%mql\nuse {db}\ndb.i.dropIndexes()\ndb.i.getIndexes()"),
    )
    .await;
    dropped.ok();
    assert!(
        dropped.text().contains("_id_") && !dropped.text().contains("email_1'"),
        "{}",
        dropped.text()
    );
}

#[tokio::test]
async fn collections_validation_rename_stats_drop() {
    let db = unique_db("coll");
    let (e, v, src) = cell(&db, "db.createCollection('m', { validator: { $jsonSchema: { bsonType: 'object', required: ['name'] } } })\n\
        db.m.insertOne({ name: 'ok' })\n\
        db.m.renameCollection('members')\n\
        show collections\n\
        db.members.stats()\n\
        db.runCommand({ ping: 1 })\n\
        db.adminCommand('ping')").await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(text.contains("ok: 1"), "{text}");
    assert!(text.contains("members"), "{text}");
    let invalid = run(
        &e,
        &v,
        &format!("%%mql\nuse {db}\ndb.members.insertOne({{ nope: 1 }})"),
    )
    .await;
    let err = invalid.err();
    assert!(err.ename.contains("DocumentValidationFailure"), "{err:?}");
    assert!(
        err.detail.join("\n").contains("Additional information"),
        "{err:?}"
    );
    let dropped = run(
        &e,
        &v,
        &format!("%%mql\nuse {db}\ndb.members.drop()\ndb.members.drop()\ndb.dropDatabase()"),
    )
    .await;
    dropped.ok();
    let text = dropped.text();
    assert!(text.contains("true") && text.contains("false"), "{text}");
}

#[tokio::test]
async fn cursor_chains_and_explain() {
    let db = unique_db("cur");
    let (e, v, src) = cell(
        &db,
        "db.k.insertMany([{ _id: 1, a: 3 }, { _id: 2, a: 1 }, { _id: 3, a: 2 }])\n\
        db.k.createIndex({ a: 1 })\n\
        db.k.find({}, { a: 1 }).sort({ a: 1 }).skip(1).limit(1).hint({ a: 1 }).pretty()\n\
        db.k.find({ a: { $gt: 1 } }).explain('executionStats')\n\
        db.k.explain('queryPlanner').aggregate([{ $match: { a: 2 } }])",
    )
    .await;
    let ran = run(&e, &v, &src).await;
    ran.ok();
    let text = ran.text();
    assert!(text.contains("{ _id: 3, a: 2 }"), "{text}");
    assert!(
        text.contains("IXSCAN") && text.contains("nReturned"),
        "{text}"
    );
    assert!(text.contains("queryPlanner"), "{text}");
}

#[tokio::test]
async fn literals_variables_and_kernel_values() {
    let db = unique_db("lit");
    let engine = open().await;
    let vars = SharedVariables::default();
    vars.lock().set("minimum", Variable::Scalar(Scalar::Int(2)));
    let body = "const when = ISODate('2024-01-15T10:00:00Z')\n\
        db.t.insertOne({ _id: ObjectId('64b7f0c2a1b2c3d4e5f60718'), d: when, big: NumberLong('9007199254740993'), dec: NumberDecimal('0.1'), i: NumberInt(7), u: UUID('3b241101-e2bb-4255-8caf-4136c566a962'), re: /ab+c/i, ts: Timestamp(1, 2), lo: MinKey, hi: MaxKey, neg: -1.5e3, nothing: null })\n\
        db.t.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }, { _id: 3, n: 3 }])\n\
        db.t.find({ n: { $gte: {{minimum}} } }, { _id: 1 })\n\
        db.t.findOne({ _id: ObjectId('64b7f0c2a1b2c3d4e5f60718') })";
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql --out found\nuse {db}\n{body}"),
    )
    .await;
    ran.ok();
    let text = ran.text();
    for needle in [
        "ISODate('2024-01-15T10:00:00.000Z')",
        "Long('9007199254740993')",
        "Decimal128('0.1')",
        "UUID('3b241101-e2bb-4255-8caf-4136c566a962')",
        "/ab+c/i",
        "Timestamp({ t: 1, i: 2 })",
        "MinKey()",
        "MaxKey()",
        "-1500",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
    assert!(
        text.contains("[ { _id: 2 }, { _id: 3 } ]")
            || (text.contains("{ _id: 2 }") && text.contains("{ _id: 3 }")),
        "{text}"
    );
    assert!(
        matches!(
            vars.lock().get("found"),
            Some(Variable::Bson(Bson::Document(_)))
        ),
        "--out keeps the last result"
    );
}

#[tokio::test]
async fn display_limit_keeps_a_few_and_counts_all() {
    let db = unique_db("lim");
    let engine = open().await;
    let vars = SharedVariables::default();
    let docs: Vec<String> = (0..300).map(|i| format!("{{ _id: {i} }}")).collect();
    let ran = run(
        &engine,
        &vars,
        &format!(
            "%%mql --limit 7\nuse {db}\ndb.many.insertMany([{}])\ndb.many.find()",
            docs.join(", ")
        ),
    )
    .await;
    ran.ok();
    let QueryResult::Documents(found) = ran.last() else {
        panic!("documents expected")
    };
    assert_eq!(found.documents.len(), 7);
    assert_eq!(found.total, 300);
    assert!(
        ran.text().contains("(shown 7 of 300 documents)"),
        "{}",
        ran.text()
    );
}

#[tokio::test]
async fn parse_and_plan_errors_point_at_the_cell_line() {
    let engine = open().await;
    let vars = SharedVariables::default();
    let ran = run(&engine, &vars, "%%mql\ndb.c.find({ a: 1 b: 2 })").await;
    let err = ran.err();
    assert_eq!(err.ename, "MongoshSyntaxError");
    assert!(err.evalue.contains("(line 2, column 18)"), "{err:?}");
    assert!(err.detail.iter().any(|l| l.trim() == "^"), "{err:?}");
    // A plan error of the subset (a value mongosh refuses), on the cell's third line.
    let ran = run(&engine, &vars, "%%mql\n\ndb.c.insertOne(5)").await;
    let err = ran.err();
    assert!(err.evalue.contains("line 3"), "{err:?}");
    // A loop is JavaScript now (issue 21): it runs instead of being refused.
    let db = unique_db("loop");
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\nfor (let i = 0; i < 3; i++) {{ db.c.insertOne({{ i }}) }}\ndb.c.countDocuments()"),
    )
    .await;
    ran.ok();
    assert_eq!(ran.text(), "3");
}

/// A SQL-like table of `rows` rows (id, name, city), as `%%sql --out rows` would keep it.
fn table_variable(rows: usize) -> Variable {
    use dbkernel::result::{Column, Datum, TableBuilder, ValueKind};
    let column = |name: &str, kind| Column {
        name: name.into(),
        db_type: "text".into(),
        kind,
    };
    let mut builder = TableBuilder::new(
        vec![
            column("id", ValueKind::Integer),
            column("name", ValueKind::Text),
            column("city", ValueKind::Text),
        ],
        50,
        true,
    );
    for i in 0..rows {
        builder.push_row(vec![
            Datum::Int(i as i64),
            Datum::Text(format!("customer number {i:08} of the big table")),
            Datum::Text("Amsterdam".into()),
        ]);
    }
    Variable::Table(builder.finish(Default::default()))
}

#[tokio::test]
async fn a_large_insert_many_from_a_kernel_table_is_split_in_batches_and_later_cells_stay_fast() {
    let db = unique_db("bigins");
    let engine = open().await;
    let vars = SharedVariables::default();
    vars.lock().set("rows", table_variable(300_000));
    let started = std::time::Instant::now();
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\nconst r = db.t.insertMany({{{{rows}}}})\ndb.t.countDocuments()"),
    )
    .await;
    ran.ok();
    let took = started.elapsed();
    assert!(ran.text().contains("300000"), "{}", ran.text());
    // The table is converted only for the cell that reads it: a later cell does not pay for it.
    let started = std::time::Instant::now();
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\ndb.t.findOne({{ id: 7 }})"),
    )
    .await;
    ran.ok();
    let find_one = started.elapsed();
    assert!(
        ran.text().contains("customer number 00000007"),
        "{}",
        ran.text()
    );
    assert!(
        find_one < std::time::Duration::from_millis(250),
        "findOne took {find_one:?} after an insertMany of {took:?}"
    );
}

#[tokio::test]
async fn a_document_over_16_mib_is_refused_with_its_index_and_nothing_is_inserted() {
    let db = unique_db("huge");
    let engine = open().await;
    let vars = SharedVariables::default();
    vars.lock().set(
        "blob",
        Variable::Scalar(Scalar::Text("x".repeat(17 * 1024 * 1024))),
    );
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\ndb.t.insertMany([{{ _id: 0 }}, {{ _id: 1 }}, {{ _id: 2, blob: {{{{blob}}}} }}])"),
    )
    .await;
    let err = ran.err();
    assert_eq!(err.ename, "MongoshError", "{err:?}");
    assert!(
        err.evalue.contains("the document at index 2 is 17.8 MB")
            && err.evalue.contains("maxBsonObjectSize"),
        "{err:?}"
    );
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\ndb.t.countDocuments()"),
    )
    .await;
    ran.ok();
    assert!(ran.text().ends_with("\n0"), "{}", ran.text());
}

#[tokio::test]
async fn a_failed_insert_many_reports_what_was_inserted_and_the_write_errors() {
    let db = unique_db("dup");
    let engine = open().await;
    let vars = SharedVariables::default();
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\ndb.t.insertMany([{{ _id: 1 }}, {{ _id: 1 }}, {{ _id: 2 }}])"),
    )
    .await;
    let err = ran.err();
    assert_eq!(err.ename, "MongoBulkWriteError[DuplicateKey]", "{err:?}");
    assert!(err.evalue.starts_with("E11000"), "{err:?}");
    let detail = err.detail.join("\n");
    assert!(detail.contains("insertedCount: 1"), "{detail}");
    assert!(detail.contains("index: 1"), "{detail}");
}

#[tokio::test]
async fn a_refused_port_fails_at_connect_and_says_the_server_was_not_reached() {
    let options = dbkernel::engine::registry::OpenOptions {
        connect_timeout: std::time::Duration::from_secs(2),
    };
    let started = std::time::Instant::now();
    let err =
        dbkernel::engine::registry::open("mongodb://127.0.0.1:1/?directConnection=true", &options)
            .await
            .err()
            .expect("nothing listens on port 1");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.ename, "MongoConnectionError", "{err:?}");
    assert_eq!(
        err.evalue,
        "could not reach MongoDB at 127.0.0.1:1 within 2 s: connection refused — is mongod running?",
        "{err:?}"
    );
    assert!(!format!("{err:?}").contains("Topology"), "{err:?}");
}

#[tokio::test]
async fn a_listener_that_never_answers_fails_within_the_connect_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = dbkernel::engine::registry::OpenOptions {
        connect_timeout: std::time::Duration::from_secs(1),
    };
    let started = std::time::Instant::now();
    let err = dbkernel::engine::registry::open(
        &format!("mongodb://127.0.0.1:{port}/?directConnection=true"),
        &options,
    )
    .await
    .err()
    .expect("a silent listener is not a server");
    let took = started.elapsed();
    drop(listener);
    assert!(took < std::time::Duration::from_millis(2500), "{took:?}");
    assert_eq!(err.ename, "MongoConnectionError", "{err:?}");
    assert!(
        err.evalue.starts_with(&format!(
            "could not reach MongoDB at 127.0.0.1:{port} within 1 s: "
        )),
        "{err:?}"
    );
}

#[tokio::test]
async fn stopping_a_slow_aggregate_kills_it_within_a_second_and_the_next_count_works() {
    use std::time::{Duration, Instant};
    let db = unique_db("slowagg");
    let engine = open().await;
    let vars = SharedVariables::default();
    vars.lock().set("rows", table_variable(4_000));
    run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\ndb.t.insertMany({{{{rows}}}})"),
    )
    .await
    .ok();
    // Every document looks up every other one: 16 million comparisons, far more than a second.
    let slow = format!(
        "%%mql\nuse {db}\ndb.t.aggregate([{{ $lookup: {{ from: 't', let: {{ i: '$id' }}, pipeline: [{{ $match: {{ $expr: {{ $lt: ['$id', '$$i'] }} }} }}, {{ $count: 'n' }}], as: 'below' }} }}, {{ $group: {{ _id: '$city', n: {{ $sum: 1 }} }} }}])"
    );
    let cancel = tokio_util::sync::CancellationToken::new();
    let stopper = cancel.clone();
    let cancelled_at = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stopper.cancel();
        Instant::now()
    });
    let ran = run_with_cancel(&engine, &vars, &slow, cancel).await;
    let returned = Instant::now();
    let cancelled_at = cancelled_at.await.expect("stopper");
    assert!(
        ran.result.as_ref().err().is_some_and(|e| e.is_interrupt()),
        "the aggregate finished before the stop: {:?}",
        ran.result
    );
    let stop_took = returned.duration_since(cancelled_at);
    assert!(
        stop_took < Duration::from_secs(1),
        "the stop took {stop_took:?}"
    );
    // The server let go of the aggregate: the next command answers at once.
    let started = Instant::now();
    let ran = tokio::time::timeout(
        Duration::from_secs(5),
        run(
            &engine,
            &vars,
            &format!("%%mql\nuse {db}\ndb.t.countDocuments()"),
        ),
    )
    .await
    .expect("countDocuments after the stop answered within 5 s");
    ran.ok();
    assert!(ran.text().ends_with("4000"), "{}", ran.text());
    let count_took = started.elapsed();
    assert!(
        count_took < Duration::from_secs(1),
        "countDocuments after the stop took {count_took:?}"
    );
    // And the aggregate is no longer running there (killOp is seen at its next check).
    let mut running = String::new();
    for _ in 0..20 {
        let ran = run(
            &engine,
            &vars,
            &format!(
                "%%mql\nuse {db}\ndb.adminCommand({{ currentOp: 1, ns: '{db}.t' }}).inprog.length"
            ),
        )
        .await;
        running = ran.ok().text();
        if running.ends_with("\n0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        running.ends_with("\n0"),
        "still running 2 s after the stop: {running}"
    );
}
