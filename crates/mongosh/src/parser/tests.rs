//! Statement splitting, automatic semicolons and directives.

use super::parse;
use crate::ast::{ExprKind, StatementKind};

fn kinds(src: &str) -> Vec<StatementKind> {
    parse(src)
        .unwrap()
        .statements
        .into_iter()
        .map(|s| s.kind)
        .collect()
}

#[test]
fn newlines_and_semicolons_separate_statements() {
    assert_eq!(
        parse("db.a.find()\ndb.b.find()").unwrap().statements.len(),
        2
    );
    assert_eq!(
        parse("db.a.find(); db.b.find();").unwrap().statements.len(),
        2
    );
    assert_eq!(parse(";;\n\n").unwrap().statements.len(), 0);
}

#[test]
fn chained_calls_on_new_lines_stay_one_statement() {
    let src = "db.users.find({ age: { $gt: 30 } })\n  .sort({ age: -1 })\n  .limit(5)";
    let script = parse(src).unwrap();
    assert_eq!(script.statements.len(), 1);
    assert_eq!(script.statements[0].span.start, 0);
    assert_eq!(script.statements[0].span.end, src.len());
}

#[test]
fn open_brackets_and_trailing_operators_continue() {
    assert_eq!(
        parse("db.c.insertOne({\n  a: 1,\n  b: [\n 1,\n 2\n ]\n})")
            .unwrap()
            .statements
            .len(),
        1
    );
    assert_eq!(parse("const x = 1 +\n 2").unwrap().statements.len(), 1);
    assert_eq!(parse("db.c\n  .find()").unwrap().statements.len(), 1);
}

#[test]
fn comments_are_ignored() {
    let src = "// header\ndb.a.find() // trailing\n/* block\n comment */ db.b.find()";
    assert_eq!(parse(src).unwrap().statements.len(), 2);
}

#[test]
fn statement_spans_have_lines_and_columns() {
    let script = parse("use shop\n  db.orders.find()").unwrap();
    let second = &script.statements[1];
    assert_eq!((second.span.line, second.span.column), (2, 3));
}

#[test]
fn directives_take_the_raw_line() {
    assert_eq!(
        kinds("use my-db\nshow dbs;\nshow collections // all"),
        vec![
            StatementKind::Directive {
                command: "use".into(),
                args: vec!["my-db".into()]
            },
            StatementKind::Directive {
                command: "show".into(),
                args: vec!["dbs".into()]
            },
            StatementKind::Directive {
                command: "show".into(),
                args: vec!["collections".into()]
            },
        ]
    );
    // `use` followed by a call or assignment is JavaScript, not a directive.
    assert!(matches!(kinds("use = 3")[0], StatementKind::Assign { .. }));
}

#[test]
fn declarations_split_per_declarator() {
    let k = kinds("const a = 1, b = 'x'\nlet c\nvar d = a");
    assert_eq!(k.len(), 4);
    assert!(matches!(&k[0], StatementKind::Declare { name, .. } if name == "a"));
    assert!(
        matches!(&k[2], StatementKind::Declare { value, .. } if value.kind == ExprKind::Undefined)
    );
}

#[test]
fn await_is_accepted_and_ignored() {
    assert_eq!(parse("await db.c.find()").unwrap().statements.len(), 1);
}

#[test]
fn new_is_parsed_with_and_without_arguments() {
    let k = kinds("new Date\nnew Date('2024-01-01')\nnew bson.ObjectId()");
    assert!(
        k.iter()
            .all(|s| matches!(s, StatementKind::Expr(e) if matches!(e.kind, ExprKind::New { .. })))
    );
}

#[test]
fn scripts_list_the_kernel_variables_they_read() {
    let script = crate::parse(
        "const q = { a: {{limit}}, b: [{{rows.0.name}}] }\ndb.c.insertMany({{rows}}).x\nuse shop\ndb.c.find({ $or: [{ n: -{{limit}} }] }, {{ projection }})",
    )
    .unwrap();
    assert_eq!(
        script.kernel_variables(),
        vec!["limit", "rows", "projection"]
    );
}
