//! Failing inputs and the exact first line the user sees (message, line, column).
//!
//! Each case is a mistake people make when pasting tutorial code: missing
//! commas, JavaScript we do not run, typos in method names, bad literals.

/// The headline of the error a cell produces (parse or plan).
fn first_error(source: &str) -> Option<String> {
    let rendered = match mongosh::parse(source) {
        Err(e) => e.render(source),
        Ok(script) => {
            let env = mongosh::Env::new();
            let error = script
                .statements
                .iter()
                .find_map(|s| mongosh::plan(s, &env, "test").err())?;
            error.render(source)
        }
    };
    rendered.lines().next().map(str::to_string)
}

const CASES: &[(&str, &str)] = &[
    (
        "db.users.find({ name: 'x'\n  , age: 3 } age: 4)",
        "SyntaxError: expected ',' or ')' after argument, found 'age' (line 2, column 14)",
    ),
    (
        "db.users.find({\n  name: 'x' age: 3 })",
        "SyntaxError: expected ',' or '}' after property value, found 'age' (line 2, column 13)",
    ),
    (
        "db.users.find({ name: 'x' }",
        "SyntaxError: expected ',' or ')' after argument, found end of input (line 1, column 28)",
    ),
    (
        "db.users.insertOne({ name: 'unterminated })",
        "SyntaxError: unterminated string: missing closing ' (line 1, column 28)",
    ),
    (
        "for (let i = 0; i < 10; i++) { db.c.insertOne({ i }) }",
        "SyntaxError: loops are not supported: this kernel runs the mongosh subset without a JavaScript engine; write the operations out, or use insertMany([...]), updateMany(...) or an aggregate pipeline instead of a loop (line 1, column 1)",
    ),
    (
        "db.users.find().forEach(doc => printjson(doc))",
        "SyntaxError: arrow functions are not supported: this kernel runs the mongosh subset without a JavaScript engine; results print by themselves, so drop .forEach(...)/.map(...) callbacks, and use an aggregate pipeline ($project, $addFields) to reshape documents (line 1, column 25)",
    ),
    (
        "db.users.find().forEach(function (doc) { print(doc.name) })",
        "SyntaxError: functions are not supported: this kernel runs the mongosh subset without a JavaScript engine; results print by themselves, so callbacks such as forEach(function ...) are not needed (line 1, column 25)",
    ),
    (
        "function f() { return 1 }",
        "SyntaxError: function declarations are not supported: this kernel runs the mongosh subset without a JavaScript engine; call the helpers directly, one statement per operation (line 1, column 1)",
    ),
    (
        "if (x) { db.c.drop() }",
        "SyntaxError: conditionals are not supported: this kernel runs the mongosh subset without a JavaScript engine; run the statements you need, or use $cond / $switch inside an aggregate pipeline (line 1, column 1)",
    ),
    (
        "const { MongoClient } = require('mongodb')",
        "SyntaxError: destructuring (const { a, b } = ...) is not supported (this kernel runs the mongosh subset without a JavaScript engine): declare one name per value, e.g. const doc = db.c.findOne() (line 1, column 7)",
    ),
    (
        "db.users.find({ a: 1 }) db.users.find()",
        "SyntaxError: unexpected 'db' after a complete statement: separate statements with ';' or a new line (line 1, column 25)",
    ),
    (
        "db.users.find({ a: 1, , b: 2 })",
        "SyntaxError: expected a property name or '}', found ',' (line 1, column 23)",
    ),
    (
        "db.users.find([1,,2])",
        "SyntaxError: empty array slot (',,'): write null for a missing value (line 1, column 18)",
    ),
    (
        "db.users.find({ a: 12n })",
        "SyntaxError: BigInt literals (123n) are not supported: use NumberLong('123') (line 1, column 20)",
    ),
    (
        "db.users.find({ a: `x ${y}` })",
        "SyntaxError: template interpolation ${...} is not supported: build the value with + or use a {{kernel variable}} (line 1, column 23)",
    ),
    (
        "db.users.find({ a: /abc })",
        "SyntaxError: unterminated regular expression: missing closing / (line 1, column 20)",
    ),
    (
        "db.users.find({ a: 1 }).",
        "SyntaxError: expected a property name after '.', found end of input (line 1, column 25)",
    ),
    (
        "db.users.find({ 'a': })",
        "SyntaxError: expected an expression, found '}' (line 1, column 22)",
    ),
    (
        "x.y = 3",
        "SyntaxError: assigning to x.y is not supported (this kernel runs the mongosh subset without a JavaScript engine): only plain names can be assigned, e.g. const doc = { ... } (line 1, column 5)",
    ),
    (
        "i++",
        "SyntaxError: '++' is not supported (this kernel runs the mongosh subset without a JavaScript engine): use $inc in an update instead (line 1, column 2)",
    ),
    (
        "db.users.find({ a: ‘x’ })",
        "SyntaxError: unexpected character '‘' (a typographic quote: use ' or \" instead) (line 1, column 20)",
    ),
    (
        "# comment",
        "SyntaxError: unexpected character '#' ('#' comments are not JavaScript: use //) (line 1, column 1)",
    ),
    (
        "db.users.fnd({})",
        "TypeError: db.users.fnd is not a function (did you mean find?) (line 1, column 10)",
    ),
    (
        "db.users.insertOne({ a: 1 }).insertedId.toString()",
        "UnsupportedError: calling a method on the result of db.users.insertOne(...).insertedId is not supported: assign the result first (const r = db.users.insertOne(...).insertedId) and use r in the next statement (line 1, column 1)",
    ),
    (
        "db.users.find({ a: ISODate('2024-13-01') })",
        "MongoshInvalidInputError: \"2024-13-01\" is not a valid ISODate (line 1, column 20)",
    ),
    (
        "db.users.find({ a: undefinedVar })",
        "ReferenceError: undefinedVar is not defined: declare it first, e.g. const undefinedVar = ... (line 1, column 20)",
    ),
    (
        "db.users.find({}, {}, {}, {})",
        "MongoshInvalidInputError: db.users.find: takes at most 3 arguments, got 4 (line 1, column 10)",
    ),
    (
        "db.users.bulkWrite([{ upsertOne: {} }])",
        "MongoshInvalidInputError: db.users.bulkWrite (upsertOne #0): unknown operation 'upsertOne': use insertOne, updateOne, updateMany, replaceOne, deleteOne or deleteMany (line 1, column 10)",
    ),
    (
        "db.users.aggregate([{ $match: {} }]).limit(1)",
        "TypeError: limit is not available on an aggregation cursor: add a $limit stage to the pipeline instead (line 1, column 38)",
    ),
    (
        "show",
        "MongoshInvalidInputError: show: say what to show: show dbs, show collections, show users, show roles, show profile or show logs (line 1, column 1)",
    ),
    (
        "it",
        "UnsupportedError: 'it' has no cursor to continue: a shell cell reads its whole result at once and shows it up to the display limit (the footer says when it shows fewer, 'shown N of M'); to see more, run the cell again with --limit N, page with .skip(N).limit(N), or keep every document with --out NAME (line 1, column 1)",
    ),
    (
        "exit",
        "UnsupportedError: 'exit' does nothing in a notebook: restart the kernel to start a fresh session (line 1, column 1)",
    ),
    (
        "db.createIndex({ a: 1 })",
        "TypeError: db.createIndex is not a function (createIndex is a collection method: call it on a collection, e.g. db.users.createIndex(...)) (line 1, column 4)",
    ),
    (
        "db.users.find().map(d => d.name)",
        "SyntaxError: arrow functions are not supported: this kernel runs the mongosh subset without a JavaScript engine; results print by themselves, so drop .forEach(...)/.map(...) callbacks, and use an aggregate pipeline ($project, $addFields) to reshape documents (line 1, column 21)",
    ),
];

#[test]
fn failing_inputs_produce_exact_messages() {
    assert!(CASES.len() >= 20);
    let mut mismatches = Vec::new();
    for (source, expected) in CASES {
        let actual = first_error(source);
        if actual.as_deref() != Some(*expected) {
            mismatches.push(format!(
                "{source:?}\n  expected: {expected}\n  actual:   {actual:?}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn caret_points_at_the_offending_token() {
    let source = "db.users.find({\n  name: 'x' age: 3 })";
    let rendered = match mongosh::parse(source) {
        Err(e) => e.render(source),
        Ok(_) => panic!("should not parse"),
    };
    assert_eq!(
        rendered,
        "SyntaxError: expected ',' or '}' after property value, found 'age' (line 2, column 13)\n    name: 'x' age: 3 })\n              ^"
    );
    let error = mongosh::parse(source).unwrap_err();
    assert_eq!(error.expected, vec![",".to_string(), "}".to_string()]);
}
