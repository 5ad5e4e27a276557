//! %%mql cells that need JavaScript, end to end on the embedded engine (or MONGODB_URI): which
//! cells go to the QuickJS runtime, what they print, and what they leave for the next cell.

mod mql_support;

use dbkernel::session::variables::{SharedVariables, Variable};
use mql_support::*;

#[tokio::test]
async fn subset_cells_keep_their_output_and_javascript_cells_share_their_variables() {
    let engine = open().await;
    let vars = SharedVariables::default();
    let db = unique_db("js");
    // A subset cell: its output is the subset's (a documents result with its count footer).
    let ran = run(&engine, &vars, &format!("%%mql\nuse {db}\ndb.c.insertMany([{{ _id: 1, v: 2 }}, {{ _id: 2, v: 3 }}])\nconst wanted = {{ v: {{ $gt: 2 }} }}\ndb.c.find()")).await;
    ran.ok();
    assert!(ran.text().contains("(2 documents)"), "{}", ran.text());
    // A loop runs in JavaScript, reads the subset's `wanted` and prints to stdout.
    let ran = run(&engine, &vars, "%%mql\nconst seen = []\nfor (const d of db.c.find(wanted)) { seen.push(d._id); print(`id ${d._id}`) }\nfunction double(x) { return 2 * x }").await;
    ran.ok();
    assert_eq!(ran.sink.stdout, "id 2\n");
    // The array is a plain value for the subset; the function sends the cell to JavaScript.
    let ran = run(
        &engine,
        &vars,
        "%%mql\ndb.c.countDocuments({ _id: { $in: seen } })",
    )
    .await;
    ran.ok();
    assert_eq!(ran.text(), "1");
    let ran = run(
        &engine,
        &vars,
        "%%mql --out doubled\ndouble(db.c.countDocuments())",
    )
    .await;
    ran.ok();
    assert_eq!(ran.text(), "4");
    assert!(matches!(
        vars.lock().get("doubled"),
        Some(Variable::Bson(bson::Bson::Int32(4)))
    ));
}

#[tokio::test]
async fn a_syntax_error_keeps_the_subset_message_and_a_javascript_one_names_the_line() {
    let engine = open().await;
    let vars = SharedVariables::default();
    // Not JavaScript either: the subset parser's message, with its position.
    let ran = run(&engine, &vars, "%%mql\ndb.users.find({ name: 'x' age: 3 })").await;
    let error = ran.err();
    assert!(error.evalue.contains("expected ',' or '}'"), "{error:?}");
    // JavaScript the subset does not run, with a syntax error: QuickJS's message, on line 3.
    let ran = run(
        &engine,
        &vars,
        "%%mql\nfor (let i = 0; i < 2; i++) {\n  let = = 1\n}",
    )
    .await;
    let error = ran.err();
    assert_eq!(error.ename, "SyntaxError", "{error:?}");
    assert!(
        error.detail.iter().any(|d| d.starts_with("at line 3")),
        "{error:?}"
    );
}

/// mongosh prints a cursor's first 20 documents and `Type "it" for more`. A cell the subset runs
/// reads the whole result and shows it up to the display limit; `it` after it runs the find again
/// from the documents shown, 20 at a time; a cursor a JavaScript cell leaves is continued by `it`.
#[tokio::test]
async fn it_continues_a_subset_find_after_its_shown_documents_and_a_javascript_cursor() {
    let engine = open().await;
    let vars = SharedVariables::default();
    let db = unique_db("it");
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql --limit 5\nuse {db}\nfor (let i = 0; i < 30; i++) db.c.insertOne({{ _id: i }})\nvoid 0"),
    )
    .await;
    ran.ok();
    let ran = run(&engine, &vars, "%%mql --limit 5\ndb.c.find()").await;
    ran.ok();
    assert!(
        ran.text().contains("(shown 5 of 30 documents)"),
        "{}",
        ran.text()
    );
    // `it` shows the next batch of 20 after the shown documents (the find runs again from
    // there), then the rest; then there is nothing to continue.
    let ran = run(&engine, &vars, "%%mql\nit").await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 5")
            && text.contains("_id: 24")
            && !text.contains("_id: 25")
            && !text.contains("_id: 4 ")
            && text.contains("Type \"it\" for more"),
        "{text}"
    );
    let ran = run(&engine, &vars, "%%mql\nit").await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 25") && text.contains("_id: 29") && !text.contains("Type \"it\""),
        "{text}"
    );
    let ran = run(&engine, &vars, "%%mql\nit").await;
    let error = ran.err();
    assert!(
        error.evalue.contains("'it' has no cursor to continue"),
        "{error:?}"
    );
    // A JavaScript cell's cursor: 20 documents, then `it` shows the next 10.
    let js_cursor = "%%mql\nfor (const t of []) {}\ndb.c.find().sort({ _id: 1 })";
    let ran = run(&engine, &vars, js_cursor).await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 19")
            && !text.contains("_id: 20")
            && text.contains("Type \"it\" for more"),
        "{text}"
    );
    let ran = run(&engine, &vars, "%%mql\nit").await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 20") && text.contains("_id: 29") && !text.contains("Type \"it\""),
        "{text}"
    );
    // `it` continues the last cursor shown: after a shell cell's documents, not the older one.
    run(&engine, &vars, js_cursor).await.ok();
    run(&engine, &vars, "%%mql --limit 5\ndb.c.find()")
        .await
        .ok();
    run(
        &engine,
        &vars,
        "%%mql\nprint('a JavaScript cell in between')",
    )
    .await
    .ok();
    let ran = run(&engine, &vars, "%%mql\nit").await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 5") && !text.contains("_id: 0 }"),
        "{text}"
    );
}

/// `db.getMongo().startSession()` holds one driver session across cells: its database sends
/// every command with the session's lsid (seen by `$listLocalSessions`), and on a standalone
/// (the embedded engine) a transaction fails as mongod answers mongosh: IllegalOperation (20)
/// for a read, the Node.js driver's message (no code) for a write.
#[tokio::test]
async fn a_session_sends_its_lsid_and_a_standalone_refuses_its_transaction() {
    let engine = open().await;
    let vars = SharedVariables::default();
    let db = unique_db("session");
    let ran = run(
        &engine,
        &vars,
        &format!("%%mql\nuse {db}\nconst s = db.getMongo().startSession()\nconst sdb = s.getDatabase('{db}')\nsdb.c.insertOne({{ _id: 1 }})\nconst ids = db.aggregate([{{ $listLocalSessions: {{}} }}]).toArray().map(x => x._id.id.toString('hex'))\nprint(ids.includes(s.id.id.toString('hex')), sdb.c.countDocuments())"),
    )
    .await;
    ran.ok();
    assert_eq!(
        ran.sink.stdout,
        "switched to db ".to_string() + &db + "\ntrue 1\n"
    );
    // The session object prints its id, as mongosh prints it.
    let ran = run(&engine, &vars, "%%mql\ns").await;
    ran.ok();
    assert!(ran.text().starts_with("{ id: UUID('"), "{}", ran.text());
    if std::env::var("MONGODB_URI").is_ok() {
        return; // a replica set runs the transaction
    }
    // The session lives in JavaScript: a cell naming it runs there, in the next cell too.
    let ran = run(
        &engine,
        &vars,
        "%%mql\ns.startTransaction()\nsdb.c.findOne()",
    )
    .await;
    let error = ran.err();
    assert_eq!(
        error.ename, "MongoServerError[IllegalOperation]",
        "{error:?}"
    );
    assert_eq!(
        error.evalue,
        "Transaction numbers are only allowed on a replica set member or mongos"
    );
    let ran = run(
        &engine,
        &vars,
        "%%mql\ns.abortTransaction(); s.startTransaction()\ntry { sdb.c.insertOne({ _id: 2 }) } catch (e) { print(e.name, e.code, e.message) }\ns.abortTransaction()\nprint(db.c.countDocuments())",
    )
    .await;
    ran.ok();
    // `e.code` is undefined, which print shows as nothing, as mongosh does.
    assert_eq!(
        ran.sink.stdout,
        "MongoServerError  This MongoDB deployment does not support retryable writes. Please add retryWrites=false to your connection string.\n1\n"
    );
    // The Node.js driver's state machine refuses what it refuses.
    let ran = run(&engine, &vars, "%%mql\ns.abortTransaction()").await;
    let error = ran.err();
    assert_eq!(
        (error.ename.as_str(), error.evalue.as_str()),
        (
            "MongoTransactionError",
            "Cannot call abortTransaction twice"
        )
    );
    let ran = run(&engine, &vars, "%%mql\ns.endSession()\nsdb.c.findOne()").await;
    let error = ran.err();
    assert_eq!(
        (error.ename.as_str(), error.evalue.as_str()),
        (
            "MongoExpiredSessionError",
            "Use of expired sessions is not permitted"
        )
    );
}

/// `const c = db.c.find()` holds a cursor, as in mongosh: a later cell `c` prints its first batch
/// of 20 and `Type "it" for more`, and `it` continues it. A const assigned inside a block fails
/// with V8's message; a top-level const is a var in mongosh 2.x, so a later cell may assign it.
#[tokio::test]
async fn a_cursor_held_in_a_const_prints_its_first_batch_and_it_continues_it() {
    let engine = open().await;
    let vars = SharedVariables::default();
    let db = unique_db("held");
    run(
        &engine,
        &vars,
        &format!(
            "%%mql\nuse {db}\nfor (let i = 0; i < 30; i++) db.c.insertOne({{ _id: i }})\nvoid 0"
        ),
    )
    .await
    .ok();
    let ran = run(
        &engine,
        &vars,
        "%%mql\nconst held = db.c.find().sort({ _id: 1 })",
    )
    .await;
    ran.ok();
    assert_eq!(ran.text(), "");
    let ran = run(&engine, &vars, "%%mql\nheld").await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 19")
            && !text.contains("_id: 20")
            && text.contains("Type \"it\" for more"),
        "{text}"
    );
    let ran = run(&engine, &vars, "%%mql\nit").await;
    ran.ok();
    let text = ran.text();
    assert!(
        text.contains("_id: 20") && text.contains("_id: 29"),
        "{text}"
    );
    let ran = run(&engine, &vars, "%%mql\n{\n  const k = 1\n  k = 2\n}").await;
    let error = ran.err();
    assert_eq!(
        (error.ename.as_str(), error.evalue.as_str()),
        ("TypeError", "Assignment to constant variable.")
    );
}
