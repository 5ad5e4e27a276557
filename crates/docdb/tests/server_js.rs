//! Server-side JavaScript through the official driver: `$where`, `$function` and
//! `$accumulator` with the examples (and expected results) of MongoDB's documentation pages
//! for those operators; mongod's errors; maxTimeMS and killOp stopping a script.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bson::{Bson, Document, doc};
use docdb::Engine;
use futures_util::TryStreamExt;

/// The `$function` page's `players` collection.
fn players() -> Vec<Document> {
    vec![
        doc! {"_id": 1, "name": "Miss Cheevous", "scores": [10, 5, 10]},
        doc! {"_id": 2, "name": "Miss Ann Thrope", "scores": [10, 10, 10]},
        doc! {"_id": 3, "name": "Mrs. Eppie Delta ", "scores": [9, 8, 8]},
    ]
}

fn code(source: &str) -> Bson {
    // mongosh sends a JavaScript function as BSON Code.
    Bson::JavaScriptCode(source.to_string())
}

async fn database(name: &str, coll: &str, docs: Vec<Document>) -> mongodb::Database {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database(name);
    db.collection::<Document>(coll)
        .insert_many(docs)
        .await
        .expect("insert the documentation's documents");
    db
}

async fn all(cursor: mongodb::Cursor<Document>) -> Vec<Document> {
    cursor.try_collect().await.expect("read the cursor")
}

/// The `(code, message)` of a failed command.
fn failure<T: std::fmt::Debug>(r: mongodb::error::Result<T>) -> (i32, String) {
    match *r.expect_err("the command should fail").kind {
        mongodb::error::ErrorKind::Command(c) => (c.code, c.message),
        other => panic!("not a command error: {other:?}"),
    }
}

/// The `n` of a count reply, whatever its integer type.
fn count_of(reply: &Document) -> i64 {
    match reply.get("n") {
        Some(Bson::Int32(n)) => i64::from(*n),
        Some(Bson::Int64(n)) => *n,
        other => panic!("count reply without n: {other:?}"),
    }
}

const ANN_HASH_WHERE: &str =
    "function() { return (hex_md5(this.name) == \"15b0a220baa16331e8d80e15367677ad\") }";

#[tokio::test(flavor = "multi_thread")]
async fn where_finds_the_player_whose_name_hashes_to_the_documented_md5() {
    let db = database("sjs_where", "players", players()).await;
    let coll = db.collection::<Document>("players");
    let want = vec![doc! {"_id": 2, "name": "Miss Ann Thrope", "scores": [10, 10, 10]}];
    // The $function page's $where example, as a function and as a string expression.
    let got = all(coll
        .find(doc! {"$where": code(ANN_HASH_WHERE)})
        .await
        .unwrap())
    .await;
    assert_eq!(got, want);
    let got = all(coll
        .find(doc! {"$where": "hex_md5(obj.name) == '15b0a220baa16331e8d80e15367677ad'"})
        .await
        .unwrap())
    .await;
    assert_eq!(got, want);
    // ... and its $expr + $function equivalent.
    let got = all(
        coll.find(doc! {"$expr": {"$function": {
            "body": code("function(name) { return hex_md5(name) == \"15b0a220baa16331e8d80e15367677ad\"; }"),
            "args": ["$name"],
            "lang": "js",
        }}})
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(got, want);
    // With a standard operator beside it (the $where page's last example's shape).
    let got = all(coll
        .find(doc! {"_id": {"$gt": 2}, "$where": code(ANN_HASH_WHERE)})
        .await
        .unwrap())
    .await;
    assert!(got.is_empty(), "{got:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn where_runs_in_count_update_and_delete_filters() {
    let db = database("sjs_where_writes", "players", players()).await;
    let coll = db.collection::<Document>("players");
    let filter = doc! {"$where": code(ANN_HASH_WHERE)};
    // The count command (countDocuments is an aggregation, where mongod refuses $where).
    let n = db
        .run_command(doc! {"count": "players", "query": filter.clone()})
        .await
        .unwrap();
    assert_eq!(count_of(&n), 1);
    let (code_, _) = failure(coll.count_documents(filter.clone()).await);
    assert_eq!(code_, 2);
    let r = coll
        .update_many(filter.clone(), doc! {"$set": {"found": true}})
        .await
        .unwrap();
    assert_eq!((r.matched_count, r.modified_count), (1, 1));
    let found = coll.find_one(doc! {"found": true}).await.unwrap().unwrap();
    assert_eq!(found.get_i32("_id").unwrap(), 2);
    let names = coll.distinct("name", filter.clone()).await.unwrap();
    assert_eq!(names, vec![Bson::String("Miss Ann Thrope".into())]);
    let r = coll.delete_many(filter).await.unwrap();
    assert_eq!(r.deleted_count, 1);
    assert_eq!(coll.count_documents(doc! {}).await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn function_adds_the_documented_is_found_and_message_fields() {
    let db = database("sjs_function", "players", players()).await;
    let pipeline = vec![doc! {"$addFields": {
        "isFound": {"$function": {
            "body": code("function(name) {\n return hex_md5(name) == \"15b0a220baa16331e8d80e15367677ad\"\n }"),
            "args": ["$name"],
            "lang": "js",
        }},
        "message": {"$function": {
            "body": code("function(name, scores) {\n let total = Array.sum(scores);\n return `Hello ${name}.  Your total score is ${total}.`\n }"),
            "args": ["$name", "$scores"],
            "lang": "js",
        }},
    }}];
    let got = all(db
        .collection::<Document>("players")
        .aggregate(pipeline)
        .await
        .unwrap())
    .await;
    assert_eq!(
        got,
        vec![
            doc! {"_id": 1, "name": "Miss Cheevous", "scores": [10, 5, 10], "isFound": false, "message": "Hello Miss Cheevous.  Your total score is 25."},
            doc! {"_id": 2, "name": "Miss Ann Thrope", "scores": [10, 10, 10], "isFound": true, "message": "Hello Miss Ann Thrope.  Your total score is 30."},
            doc! {"_id": 3, "name": "Mrs. Eppie Delta ", "scores": [9, 8, 8], "isFound": false, "message": "Hello Mrs. Eppie Delta .  Your total score is 25."},
        ]
    );
}

/// The `$accumulator` page's "implement $avg" accumulator (init, accumulate, merge, finalize).
fn avg_accumulator() -> Document {
    doc! {"$accumulator": {
        "init": code("function() { return { count: 0, sum: 0 } }"),
        "accumulate": code("function(state, numCopies) { return { count: state.count + 1, sum: state.sum + numCopies } }"),
        "accumulateArgs": ["$copies"],
        "merge": code("function(state1, state2) { return { count: state1.count + state2.count, sum: state1.sum + state2.sum } }"),
        "finalize": code("function(state) { return (state.sum / state.count) }"),
        "lang": "js",
    }}
}

#[tokio::test(flavor = "multi_thread")]
async fn accumulator_computes_the_documented_average_copies_per_author() {
    let db = database("sjs_accumulator", "books", common::books()).await;
    let books = db.collection::<Document>("books");
    let mut got = all(books
        .aggregate(vec![
            doc! {"$group": {"_id": "$author", "avgCopies": avg_accumulator()}},
        ])
        .await
        .unwrap())
    .await;
    got.sort_by_key(|d| d.get_str("_id").unwrap_or_default().to_string());
    let want = vec![
        doc! {"_id": "Dante", "avgCopies": 1.6666666666666667},
        doc! {"_id": "Homer", "avgCopies": 10.0},
    ];
    assert_eq!(got, want);
    // The page's comparison: the same numbers as $avg.
    let mut avg = all(books
        .aggregate(vec![
            doc! {"$group": {"_id": "$author", "avgCopies": {"$avg": "$copies"}}},
        ])
        .await
        .unwrap())
    .await;
    avg.sort_by_key(|d| d.get_str("_id").unwrap_or_default().to_string());
    assert_eq!(avg, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn accumulator_init_args_vary_the_state_by_group() {
    let db = database(
        "sjs_init_args",
        "restaurants",
        vec![
            doc! {"_id": 1, "name": "Food Fury", "city": "Bettles", "cuisine": "American"},
            doc! {"_id": 2, "name": "Meal Macro", "city": "Bettles", "cuisine": "Chinese"},
            doc! {"_id": 3, "name": "Big Crisp", "city": "Bettles", "cuisine": "Latin"},
            doc! {"_id": 4, "name": "The Wrap", "city": "Onida", "cuisine": "American"},
            doc! {"_id": 5, "name": "Spice Attack", "city": "Onida", "cuisine": "Latin"},
            doc! {"_id": 6, "name": "Soup City", "city": "Onida", "cuisine": "Chinese"},
            doc! {"_id": 7, "name": "Crave", "city": "Pyote", "cuisine": "American"},
            doc! {"_id": 8, "name": "The Gala", "city": "Pyote", "cuisine": "Chinese"},
        ],
    )
    .await;
    let restaurants = |user_city: &str| {
        doc! {"$accumulator": {
            "init": code("function(city, userProfileCity) { return { max: city === userProfileCity ? 3 : 1, restaurants: [] } }"),
            "initArgs": ["$city", user_city],
            "accumulate": code("function(state, restaurantName) { if (state.restaurants.length < state.max) { state.restaurants.push(restaurantName); } return state; }"),
            "accumulateArgs": ["$name"],
            "merge": code("function(state1, state2) { return { max: state1.max, restaurants: state1.restaurants.concat(state2.restaurants).slice(0, state1.max) } }"),
            "finalize": code("function(state) { return state.restaurants }"),
            "lang": "js",
        }}
    };
    // The page lists the names per city for userProfileCity "Bettles" and "Onida". (It prints
    // them nested as {restaurants: [...]}, which its own finalize, returning the array, does
    // not produce; the names are what is compared here.)
    for (city, want) in [
        (
            "Bettles",
            [
                vec!["Food Fury", "Meal Macro", "Big Crisp"],
                vec!["The Wrap"],
                vec!["Crave"],
            ],
        ),
        (
            "Onida",
            [
                vec!["Food Fury"],
                vec!["The Wrap", "Spice Attack", "Soup City"],
                vec!["Crave"],
            ],
        ),
    ] {
        let got = all(db
            .collection::<Document>("restaurants")
            .aggregate(vec![
                doc! {"$group": {"_id": {"city": "$city"}, "restaurants": restaurants(city)}},
                doc! {"$sort": {"_id.city": 1}},
            ])
            .await
            .unwrap())
        .await;
        let names: Vec<Vec<String>> = got
            .iter()
            .map(|d| {
                d.get_array("restaurants")
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(
            names,
            want.map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .to_vec(),
            "{city}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn accumulator_works_in_bucket_output() {
    let db = database("sjs_bucket", "books", common::books()).await;
    let got = all(db
        .collection::<Document>("books")
        .aggregate(vec![doc! {"$bucket": {
            "groupBy": "$copies",
            "boundaries": [0, 5, 20],
            "output": {"avgCopies": avg_accumulator()},
        }}])
        .await
        .unwrap())
    .await;
    // Dante's books fall in [0, 5), Homer's in [5, 20): the averages of the page's example.
    assert_eq!(
        got,
        vec![
            doc! {"_id": 0, "avgCopies": 1.6666666666666667},
            doc! {"_id": 5, "avgCopies": 10.0},
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn accumulator_works_in_bucket_auto_output() {
    let db = database("sjs_bucket_auto", "books", common::books()).await;
    let got = all(db
        .collection::<Document>("books")
        .aggregate(vec![doc! {"$bucketAuto": {
            "groupBy": "$copies",
            "buckets": 2,
            "output": {"avgCopies": avg_accumulator()},
        }}])
        .await
        .unwrap())
    .await;
    // Copies 1, 2, 2 | 10, 10 (two buckets of about 5/2 documents, equal values kept together):
    // Dante's and Homer's averages again.
    assert_eq!(
        got,
        vec![
            doc! {"_id": {"min": 1, "max": 10}, "avgCopies": 1.6666666666666667},
            doc! {"_id": {"min": 10, "max": 10}, "avgCopies": 10.0},
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mongod_errors_for_misused_server_javascript() {
    let db = database("sjs_errors", "players", players()).await;
    let coll = db.collection::<Document>("players");
    let run = |cmd: Document| {
        let db = db.clone();
        async move { failure(db.run_command(cmd).await) }
    };
    // $where in an aggregation's $match, and inside $elemMatch.
    let (code_, msg) = run(
        doc! {"aggregate": "players", "pipeline": [{"$match": {"$where": "true"}}], "cursor": {}},
    )
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (2, "$where is not allowed in this context")
    );
    let (code_, msg) =
        run(doc! {"find": "players", "filter": {"scores": {"$elemMatch": {"$where": "true"}}}})
            .await;
    assert_eq!(
        (code_, msg.as_str()),
        (2, "$where can only be applied to the top-level document")
    );
    // ... and in a $lookup's pipeline.
    let (code_, msg) = run(doc! {"aggregate": "players", "pipeline": [{"$lookup": {
    "from": "players", "pipeline": [{"$match": {"$where": "true"}}], "as": "x"}}], "cursor": {}})
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (2, "$where is not allowed in this context")
    );
    // A thrown error is JSInterpreterFailure with the script's message.
    let (code_, msg) = failure(
        coll.find(doc! {"$where": code("function() { throw new Error('boom') }")})
            .await,
    );
    assert_eq!(code_, 139);
    assert!(msg.starts_with("Error: boom"), "{msg}");
    let (code_, msg) = run(doc! {"find": "players", "filter": {"$where": "function( {"}}).await;
    assert_eq!(code_, 139);
    assert!(msg.contains("SyntaxError"), "{msg}");
    // $function arguments.
    let function = |spec: Document| doc! {"aggregate": "players", "pipeline": [{"$project": {"x": {"$function": spec}}}], "cursor": {}};
    let (code_, msg) = run(function(
        doc! {"body": "function(n) { return n; }", "args": "$name", "lang": "js"},
    ))
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (31266, "The args field must be of type array")
    );
    let (code_, msg) = run(function(
        doc! {"body": "function() { return 1; }", "args": [], "lang": "python"},
    ))
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (
            31419,
            "Currently the only supported language specifier is 'js'."
        )
    );
    let (code_, msg) = run(function(
        doc! {"body": "function() { return 1; }", "args": []},
    ))
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (31418, "The lang field must be specified.")
    );
    let (code_, _) = run(function(doc! {"body": 5, "args": [], "lang": "js"})).await;
    assert_eq!(code_, 31262);
    // $accumulator arguments.
    let group = |spec: Document| doc! {"aggregate": "players", "pipeline": [{"$group": {"_id": null, "x": {"$accumulator": spec}}}], "cursor": {}};
    let (code_, msg) = run(group(doc! {"init": "function() { return 0 }", "accumulate": "function(s) { return s }", "accumulateArgs": [], "merge": "function(a, b) { return a }", "lang": "ruby"})).await;
    assert_eq!(
        (code_, msg.as_str()),
        (4544705, "$accumulator only supports lang: 'js'")
    );
    let (code_, msg) = run(group(doc! {"init": "function() { return 0 }", "accumulate": "function(s) { return s }", "merge": "function(a, b) { return a }", "lang": "js"})).await;
    assert_eq!(
        (code_, msg.as_str()),
        (
            4544710,
            "$accumulator missing required argument 'accumulateArgs'"
        )
    );
    let (code_, _) = run(group(doc! {"init": "function() { return 0 }", "accumulate": "function(s) { return s }", "accumulateArgs": "$name", "merge": "function(a, b) { return a }", "lang": "js"})).await;
    assert_eq!(code_, 4544712);
    // Not a window function; not in a validator.
    let (code_, msg) = run(
        doc! {"aggregate": "players", "pipeline": [{"$setWindowFields": {
        "sortBy": {"_id": 1}, "output": {"x": {"$accumulator": {}}}}}], "cursor": {}},
    )
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (9, "Unrecognized window function, $accumulator")
    );
    let (code_, msg) = run(
        doc! {"create": "checked", "validator": {"$expr": {"$function": {
        "body": "function() { return true; }", "args": [], "lang": "js"}}}},
    )
    .await;
    assert_eq!(
        (code_, msg.as_str()),
        (4660800, "$function cannot be used inside a validator.")
    );
    let (code_, msg) = run(doc! {"create": "checked", "validator": {"$where": "true"}}).await;
    assert_eq!(code_, 2, "{msg}");
}

#[tokio::test(flavor = "multi_thread")]
async fn max_time_ms_stops_an_endless_where() {
    let db = database("sjs_max_time", "players", players()).await;
    let started = Instant::now();
    let (code_, _) = failure(
        db.run_command(
            doc! {"find": "players", "filter": {"$where": "while (true) {}"}, "maxTimeMS": 300},
        )
        .await,
    );
    assert_eq!(code_, 50);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // The server answers JavaScript again at once.
    let n = db
        .run_command(doc! {"count": "players", "query": {"$where": "this._id == 1"}})
        .await
        .unwrap();
    assert_eq!(count_of(&n), 1);
}

#[test]
fn kill_op_stops_an_endless_function() {
    let e = Arc::new(Engine::in_memory());
    common::insert(&e, "sjs", "c", vec![doc! {"_id": 1}]);
    let runner = Arc::clone(&e);
    let handle = std::thread::spawn(move || {
        runner.execute(
            "sjs",
            doc! {"aggregate": "c", "pipeline": [{"$project": {"x": {"$function": {
            "body": "function() { while (true) {} }", "args": [], "lang": "js"}}}}],
            "cursor": {}, "comment": "endless-js"},
        )
    });
    let started = Instant::now();
    let opid = loop {
        let ops = common::ok(&e, "admin", doc! {"currentOp": 1});
        let found = ops
            .get_array("inprog")
            .unwrap()
            .iter()
            .filter_map(Bson::as_document)
            .find_map(|op| {
                let ours = op
                    .get_document("command")
                    .is_ok_and(|c| c.get_str("comment").is_ok_and(|s| s == "endless-js"));
                ours.then(|| op.get("opid").cloned()).flatten()
            });
        if let Some(opid) = found {
            break opid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the operation never showed in currentOp"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    common::ok(&e, "admin", doc! {"killOp": 1, "op": opid});
    let killed_at = Instant::now();
    let reply = handle.join().unwrap();
    assert_eq!(reply.get_i32("code").ok(), Some(11601), "{reply}");
    assert!(
        killed_at.elapsed() < Duration::from_secs(1),
        "{:?}",
        killed_at.elapsed()
    );
}

/// A measurement (run with `--run-ignored only`): a `$where` scan of 100k documents.
#[test]
#[ignore]
fn where_scan_of_100k_documents() {
    let e = Engine::in_memory();
    let docs: Vec<Document> = (0..100_000)
        .map(|i| doc! {"_id": i, "a": i % 7, "name": format!("n{i}")})
        .collect();
    for chunk in docs.chunks(10_000) {
        common::insert(&e, "sjs", "big", chunk.to_vec());
    }
    for (label, filter) in [
        ("$where string", doc! {"$where": "this.a == 3"}),
        (
            "$where function",
            doc! {"$where": code("function() { return obj.a == 3 && this.name.length > 2 }")},
        ),
        ("$expr (no JavaScript)", doc! {"$expr": {"$eq": ["$a", 3]}}),
    ] {
        let started = Instant::now();
        let r = common::ok(&e, "sjs", doc! {"count": "big", "query": filter});
        println!(
            "{label}: {} matched of 100000 in {:?}",
            r.get("n").unwrap(),
            started.elapsed()
        );
    }
}
