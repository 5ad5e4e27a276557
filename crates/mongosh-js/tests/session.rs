//! The JavaScript session against a fake server: what a script sends, prints and leaves.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bson::{Bson, Document, doc};
use mongosh::{Operation, Output, Reply, Request};
use mongosh_js::{
    ErrorKind, Global, Host, HostError, Job, Last, Limits, Outcome, Session, SessionCall, Stream,
};

/// Answers writes with `ok: 1, n`, serves `docs` to any cursor, and records commands and
/// printed text.
#[derive(Clone, Default)]
struct Fake {
    commands: Arc<Mutex<Vec<Document>>>,
    printed: Arc<Mutex<String>>,
    docs: Vec<Document>,
    served: Arc<Mutex<usize>>,
    /// Session calls and the operations run in a session, in order.
    sessions: Arc<Mutex<Vec<String>>>,
}

impl Host for Fake {
    fn run(&mut self, operation: Operation) -> Result<Output, HostError> {
        let mut replies = Vec::new();
        for request in &operation.requests {
            self.commands.lock().unwrap().push(request.command.clone());
            let n = request.operation_count().unwrap_or(0) as i32;
            let reply = match &request.kind {
                mongosh::RequestKind::Command => Reply::command(doc! {"ok": 1, "n": n}),
                mongosh::RequestKind::Cursor { .. } => {
                    Reply::cursor(self.docs.clone(), self.docs.len() as u64)
                }
            };
            replies.push(reply);
        }
        operation
            .finish(replies)
            .map_err(|e| HostError::other(e.to_string()))
    }

    fn open_cursor(&mut self, request: Request) -> Result<u64, HostError> {
        self.commands.lock().unwrap().push(request.command);
        *self.served.lock().unwrap() = 0;
        Ok(7)
    }

    fn fetch(&mut self, cursor: u64, max: usize) -> Result<(Vec<Document>, bool), HostError> {
        assert_eq!(cursor, 7);
        let mut served = self.served.lock().unwrap();
        let batch: Vec<Document> = self
            .docs
            .iter()
            .skip(*served)
            .take(max.min(3))
            .cloned()
            .collect();
        *served += batch.len();
        Ok((batch, *served >= self.docs.len()))
    }

    fn close_cursor(&mut self, _cursor: u64) {}

    fn print(&mut self, stream: Stream, text: String) {
        if stream == Stream::Out {
            self.printed.lock().unwrap().push_str(&text);
        }
    }

    fn run_in_session(&mut self, session: u64, operation: Operation) -> Result<Output, HostError> {
        let name = operation.requests[0]
            .command
            .keys()
            .next()
            .cloned()
            .unwrap_or_default();
        self.sessions
            .lock()
            .unwrap()
            .push(format!("run in {session}: {name}"));
        self.run(operation)
    }

    fn session(&mut self, call: SessionCall) -> Result<Bson, HostError> {
        let answer = match &call {
            SessionCall::Start(_) => Bson::Document(doc! {
                "handle": 1.0,
                "id": { "id": bson::Binary { subtype: bson::spec::BinarySubtype::Uuid, bytes: vec![7; 16] } },
            }),
            SessionCall::Times(_) => Bson::Document(doc! { "inTransaction": false }),
            _ => Bson::Null,
        };
        self.sessions.lock().unwrap().push(format!("{call:?}"));
        Ok(answer)
    }
}

fn run_with(
    session: &Session,
    fake: &Fake,
    source: &str,
    globals: Vec<(String, Global)>,
) -> Outcome {
    let (tx, rx) = mpsc::channel();
    session.run(Job {
        source: source.to_string(),
        db: "test".into(),
        globals,
        kernel_variables: vec![(
            "rows".into(),
            Bson::Array(vec![Bson::Document(doc! {"name": "Ada"})]),
        )],
        keep_all: false,
        host: Box::new(fake.clone()),
        done: Box::new(move |outcome| {
            let _ = tx.send(outcome);
        }),
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the cell finished")
}

fn run(session: &Session, fake: &Fake, source: &str) -> Outcome {
    run_with(session, fake, source, Vec::new())
}

fn start() -> Session {
    Session::start(Limits::default()).expect("QuickJS starts")
}

#[test]
fn a_loop_of_inserts_sends_one_insert_per_iteration_with_int32_numbers() {
    let session = start();
    let fake = Fake::default();
    let outcome = run(
        &session,
        &fake,
        "for (let i = 0; i < 3; i++) { db.items.insertOne({_id: i, half: i / 2}) }",
    );
    // A loop's value is its last statement's, which mongosh prints too.
    assert_eq!(
        outcome.result,
        Ok(Last::Value(Bson::Document(
            doc! {"acknowledged": true, "insertedId": 2}
        )))
    );
    let commands = fake.commands.lock().unwrap();
    assert_eq!(commands.len(), 3);
    assert_eq!(commands[1].get_str("insert").unwrap(), "items");
    let documents = commands[1].get_array("documents").unwrap();
    // js-bson writes 1 as an Int32 and 0.5 as a Double.
    assert_eq!(documents[0], Bson::Document(doc! {"_id": 1, "half": 0.5}));
}

#[test]
fn print_and_printjson_use_the_mongosh_printer() {
    let session = start();
    let fake = Fake::default();
    let outcome = run(
        &session,
        &fake,
        "print('a', 1, {b: [1, 2]}); printjson({_id: ObjectId('65a1b2c3d4e5f60718293a4b'), l: NumberLong(5)}); console.log(`t ${1 + 1}`)",
    );
    assert_eq!(outcome.result, Ok(Last::Nothing));
    assert_eq!(
        fake.printed.lock().unwrap().as_str(),
        "a 1 { b: [ 1, 2 ] }\n{\n  _id: ObjectId('65a1b2c3d4e5f60718293a4b'),\n  l: Long('5')\n}\nt 2\n"
    );
}

#[test]
fn cursors_are_read_lazily_and_foreach_sees_every_document() {
    let session = start();
    let docs: Vec<Document> = (0..7).map(|i| doc! {"_id": i}).collect();
    let fake = Fake {
        docs,
        ..Fake::default()
    };
    let outcome = run(
        &session,
        &fake,
        "let n = 0; db.c.find({}).sort({_id: 1}).forEach(d => { n += d._id }); n",
    );
    assert_eq!(outcome.result, Ok(Last::Value(Bson::Int32(21))));
    let commands = fake.commands.lock().unwrap();
    assert_eq!(commands[0].get_document("sort").unwrap(), &doc! {"_id": 1});
}

#[test]
fn a_cursor_as_last_value_prints_its_first_batch_and_it_continues() {
    let session = start();
    let docs: Vec<Document> = (0..25).map(|i| doc! {"_id": i}).collect();
    let fake = Fake {
        docs,
        ..Fake::default()
    };
    let outcome = run(&session, &fake, "db.c.find()");
    let Ok(Last::Cursor { documents, more }) = outcome.result else {
        panic!("{:?}", outcome.result)
    };
    assert_eq!((documents.len(), more), (20, true));
    assert!(outcome.has_cursor);
    let outcome = run(&session, &fake, "it");
    let Ok(Last::Cursor { documents, more }) = outcome.result else {
        panic!("{:?}", outcome.result)
    };
    assert_eq!(documents.first(), Some(&doc! {"_id": 20}));
    assert_eq!((documents.len(), more), (5, false));
    assert_eq!(run(&session, &fake, "it").result, Ok(Last::NoCursor));
}

#[test]
fn variables_functions_and_classes_live_across_cells() {
    let session = start();
    let fake = Fake::default();
    let first = run(
        &session,
        &fake,
        "const square = x => x * x\nclass P { constructor(x) { this.x = x } }\nconst docs = [1, 2].map(square)",
    );
    assert!(first.opaque.contains(&"square".to_string()));
    assert!(first.opaque.contains(&"P".to_string()));
    // An array stays in JavaScript (converting every array after every cell scaled with the
    // data held): a cell naming it runs there.
    assert!(first.opaque.contains(&"docs".to_string()));
    assert!(first.globals.iter().all(|(name, _)| name != "docs"));
    // Running the same cell again does not fail with a redeclaration.
    assert!(
        run(&session, &fake, "const square = x => x * x")
            .result
            .is_ok()
    );
    let outcome = run(
        &session,
        &fake,
        "const { x } = new P(square(3)); `x is ${x}`",
    );
    assert_eq!(
        outcome.result,
        Ok(Last::Value(Bson::String("x is 9".into())))
    );
    let outcome = run_with(
        &session,
        &fake,
        "limit * 2",
        vec![("limit".into(), Global::Value(Bson::Int32(21)))],
    );
    assert_eq!(outcome.result, Ok(Last::Value(Bson::Int32(42))));
}

#[test]
fn kernel_variables_are_javascript_values() {
    let session = start();
    let fake = Fake::default();
    let outcome = run(&session, &fake, "{{rows}}.length + ' ' + {{rows.0.name}}");
    assert_eq!(
        outcome.result,
        Ok(Last::Value(Bson::String("1 Ada".into())))
    );
}

#[test]
fn an_infinite_loop_stops_on_interrupt_and_the_session_stays_usable() {
    let session = Arc::new(start());
    let fake = Fake::default();
    let stopper = session.clone();
    let started = Instant::now();
    let handle = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        stopper.interrupt();
    });
    let outcome = run(&session, &fake, "while (true) {}");
    handle.join().unwrap();
    assert_eq!(outcome.result.unwrap_err().kind, ErrorKind::Interrupted);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        run(&session, &fake, "1 + 1").result,
        Ok(Last::Value(Bson::Int32(2)))
    );
}

#[test]
fn the_heap_limit_ends_a_runaway_script_with_a_clear_error() {
    let session = Session::start(Limits {
        memory: 64 * 1024 * 1024,
        ..Limits::default()
    })
    .unwrap();
    let fake = Fake::default();
    let outcome = run(
        &session,
        &fake,
        "const a = []; while (true) a.push('x'.repeat(1 << 20) + a.length)",
    );
    let error = outcome.result.unwrap_err();
    assert_eq!(error.kind, ErrorKind::OutOfMemory, "{error:?}");
    assert!(error.message.contains("heap"), "{}", error.message);
    assert_eq!(
        run(&session, &fake, "'still here'").result,
        Ok(Last::Value(Bson::String("still here".into())))
    );
}

#[test]
fn syntax_errors_carry_the_cell_line() {
    let session = start();
    let fake = Fake::default();
    let error = run(&session, &fake, "\n\nlet x = ;").result.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Syntax);
    assert_eq!(error.line, Some(3), "{error:?}");
    let thrown = run(&session, &fake, "\nnope()").result.unwrap_err();
    assert_eq!(
        (thrown.kind, thrown.name.as_str(), thrown.line),
        (ErrorKind::Thrown, "ReferenceError", Some(2))
    );
}

#[test]
fn require_and_load_are_refused_with_a_reason() {
    let session = start();
    let fake = Fake::default();
    let error = run(&session, &fake, "require('fs')").result.unwrap_err();
    assert!(
        error
            .message
            .contains("cannot read files or Node.js modules"),
        "{}",
        error.message
    );
}

// A session's database sends its calls through the host's session methods, with the session's
// handle; the session prints its id (`{ id: UUID(...) }`), as mongosh prints it.
#[test]
fn a_session_database_runs_its_calls_in_the_session() {
    let session = start();
    let fake = Fake::default();
    let outcome = run(
        &session,
        &fake,
        "const s = db.getMongo().startSession({ causalConsistency: false })\ns.getDatabase('bank').accounts.insertOne({ _id: 1 })\ns.startTransaction(); s.commitTransaction()\ns",
    );
    match outcome.result {
        Ok(Last::Value(Bson::Document(id))) => {
            assert!(
                matches!(id.get("id"), Some(Bson::Binary(b)) if b.bytes.len() == 16),
                "{id:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(outcome.opaque.contains(&"s".to_string()));
    let calls = fake.sessions.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            "Start(Document({\"causalConsistency\": Boolean(false)}))".to_string(),
            "run in 1: insert".to_string(),
            "StartTransaction(1, Document({}))".to_string(),
            "Commit(1)".to_string(),
        ]
    );
}

// Unknown options are refused, not ignored.
#[test]
fn start_session_refuses_an_unknown_option() {
    let session = start();
    let fake = Fake::default();
    let error = run(
        &session,
        &fake,
        "db.getMongo().startSession({ retry: true })",
    )
    .result
    .unwrap_err();
    assert_eq!(error.name, "MongoshInvalidInputError");
    assert!(
        error.message.contains("unknown option 'retry'"),
        "{}",
        error.message
    );
    assert!(fake.sessions.lock().unwrap().is_empty());
}

#[test]
fn constructors_validate_as_mongosh_does() {
    let session = start();
    let fake = Fake::default();
    let outcome = run(
        &session,
        &fake,
        "[ObjectId('65a1b2c3d4e5f60718293a4b').toString(), ISODate('2024-01-02T03:04:05Z').getTime(), NumberLong('9007199254740993'), UUID('0123456789abcdef0123456789abcdef')]",
    );
    let Ok(Last::Value(Bson::Array(items))) = outcome.result else {
        panic!("{:?}", outcome.result)
    };
    assert_eq!(items[0], Bson::String("65a1b2c3d4e5f60718293a4b".into()));
    assert_eq!(items[1], Bson::Double(1704164645000.0));
    assert_eq!(items[2], Bson::Int64(9007199254740993));
    assert!(matches!(&items[3], Bson::Binary(b) if b.bytes.len() == 16));
    let error = run(&session, &fake, "ObjectId('xyz')").result.unwrap_err();
    assert_eq!(error.name, "MongoshInvalidInputError", "{error:?}");
}

#[test]
fn a_cell_of_declarations_prints_nothing() {
    let session = start();
    let fake = Fake::default();
    assert_eq!(
        run(&session, &fake, "function f() { return 1 }").result,
        Ok(Last::Nothing)
    );
    assert_eq!(
        run(&session, &fake, "const x = f()").result,
        Ok(Last::Nothing)
    );
}

#[test]
fn printjson_opens_documents_as_mongosh_does() {
    let session = start();
    let fake = Fake::default();
    run(
        &session,
        &fake,
        "printjson({_id: 0, a: [1]}); print(undefined); printjson('s')",
    );
    assert_eq!(
        fake.printed.lock().unwrap().as_str(),
        "{\n  _id: 0,\n  a: [\n    1\n  ]\n}\n\ns\n"
    );
}

#[test]
fn a_map_is_stored_as_a_document_of_its_entries() {
    let session = start();
    let fake = Fake::default();
    run(
        &session,
        &fake,
        "db.c.insertOne({ _id: 1, m: new Map([['b', 1], ['a', [2]]]) })",
    );
    let commands = fake.commands.lock().unwrap();
    let documents = commands[0].get_array("documents").unwrap();
    assert_eq!(
        documents[0],
        Bson::Document(doc! {"_id": 1, "m": {"b": 1, "a": [2]}})
    );
}

// Expected text from mongosh 2.x (`mongosh --nodb --quiet --eval`).
#[test]
fn bson_wrappers_classes_maps_and_sets_print_as_mongosh_does() {
    let session = start();
    let fake = Fake::default();
    run(
        &session,
        &fake,
        "print(NumberInt(3)); printjson(Double(2)); printjson({a: NumberInt(3), b: Double(2), c: Long(7), e: [Int32(1)]}); class P { constructor() { this.x = 1; this.y = {z: NumberInt(2)} } }; printjson(new P()); printjson(new Map([['a', 1], ['b', {c: 2}]])); printjson(new Set([1, 'two'])); printjson({m: new Map([[1, 2]]), s: new Set()}); print(new Map([['k', Int32(3)]]))",
    );
    assert_eq!(
        fake.printed.lock().unwrap().as_str(),
        "Int32(3)\nDouble(2)\n{\n  a: Int32(3),\n  b: Double(2),\n  c: Long('7'),\n  e: [\n    Int32(1)\n  ]\n}\nP {\n  x: 1,\n  y: {\n    z: Int32(2)\n  }\n}\nMap(2) {\n  'a' => 1,\n  'b' => {\n    c: 2\n  }\n}\nSet(2) {\n  1,\n  'two'\n}\n{\n  m: Map(1) {\n    1 => 2\n  },\n  s: Set(0) {}\n}\nMap(1) { 'k' => Int32(3) }\n"
    );
    // As a cell's value: shown as mongosh prints it, kept as its BSON (an Int32 in a document).
    let outcome = run(&session, &fake, "[Long(5), new Set([Int32(1)])]");
    assert_eq!(
        outcome.result,
        Ok(Last::Shown {
            value: Bson::Array(vec![Bson::Int64(5), Bson::Document(doc! {})]),
            text: "[ Long('5'), Set(1) { Int32(1) } ]".into()
        })
    );
    let outcome = run(
        &session,
        &fake,
        "db.c.insertOne({ _id: 1, n: NumberInt(3), d: Double(2) })",
    );
    assert!(outcome.result.is_ok());
    let commands = fake.commands.lock().unwrap();
    let documents = commands[0].get_array("documents").unwrap();
    assert_eq!(
        documents[0],
        Bson::Document(doc! {"_id": 1, "n": 3, "d": 2.0})
    );
}

// mongosh awaits a cell's promised value (`f()` of an async `f` prints 5: mongosh 2.x); awaited
// promises inside functions resolve; top-level `await` (which this kernel also accepts) too.
#[test]
fn awaited_promises_resolve_and_a_promised_value_is_awaited() {
    let session = start();
    let fake = Fake::default();
    let outcome = run(
        &session,
        &fake,
        "async function f() { return await new Promise(r => r(5)) }\nf()",
    );
    assert_eq!(outcome.result, Ok(Last::Value(Bson::Int32(5))));
    let outcome = run(&session, &fake, "await f()");
    assert_eq!(outcome.result, Ok(Last::Value(Bson::Int32(5))));
    // A top-level `await` keeps the variable for the next cell, and shell calls stay synchronous.
    let outcome = run(&session, &fake, "const n = await db.c.countDocuments()");
    assert_eq!(outcome.result, Ok(Last::Nothing));
    let outcome = run(&session, &fake, "n + 1");
    assert_eq!(outcome.result, Ok(Last::Value(Bson::Int32(1))));
    // Microtasks run in order: `h` rejects before `g`'s two awaits finish.
    run(
        &session,
        &fake,
        "async function g() { const a = await new Promise(r => r(5)); const b = await Promise.all([1, Promise.resolve(2)]); return a + b[1] }\ng().then(v => print('then', v)); async function h() { throw new Error('no') }; h().catch(e => print('caught', e.message))",
    );
    assert_eq!(fake.printed.lock().unwrap().as_str(), "caught no\nthen 7\n");
    // A rejection is the cell's error, with its line; a promise nothing can settle says so.
    let outcome = run(&session, &fake, "\nawait Promise.reject(new Error('no'))");
    let error = outcome.result.unwrap_err();
    assert_eq!((error.message.as_str(), error.line), ("no", Some(2)));
    let outcome = run(&session, &fake, "await new Promise(() => {})");
    assert!(
        outcome
            .result
            .unwrap_err()
            .message
            .contains("never settles"),
    );
}

#[test]
fn an_infinite_loop_in_an_awaited_function_stops_on_interrupt() {
    let session = start();
    let fake = Fake::default();
    let (tx, rx) = mpsc::channel();
    session.run(Job {
        source: "async function spin() { await null; while (true) {} }\nawait spin()".into(),
        db: "test".into(),
        globals: Vec::new(),
        kernel_variables: Vec::new(),
        keep_all: false,
        host: Box::new(fake.clone()),
        done: Box::new(move |outcome| {
            let _ = tx.send(outcome);
        }),
    });
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    session.interrupt();
    let outcome = rx.recv_timeout(Duration::from_secs(5)).expect("stopped");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(outcome.result.unwrap_err().kind, ErrorKind::Interrupted);
    let outcome = run(&session, &fake, "1 + 1");
    assert_eq!(outcome.result, Ok(Last::Value(Bson::Int32(2))));
}
