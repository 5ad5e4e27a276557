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
/// reads the whole result and shows it up to the display limit, so `it` after it has nothing to
/// continue and says what to do instead; a cursor a JavaScript cell leaves is continued by `it`.
#[tokio::test]
async fn it_after_a_subset_find_says_what_to_do_and_continues_a_javascript_cursor() {
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
    let ran = run(&engine, &vars, "%%mql\nit").await;
    let error = ran.err();
    assert!(
        error.evalue.contains("'it' has no cursor to continue")
            && error.evalue.contains("--limit N"),
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
    assert!(
        ran.err().evalue.contains("'it' has no cursor to continue"),
        "{:?}",
        ran.err()
    );
}
