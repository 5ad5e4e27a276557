//! Which %%mql cells run in JavaScript: a cell the subset runs keeps the subset (and its exact
//! output); a cell goes to JavaScript when the subset refuses it for needing JavaScript, when it
//! prints (`print`, `printjson`, `forEach(printjson)`: printed per value as mongosh prints), or
//! when it names something only JavaScript holds (a function a previous cell defined, `it` after
//! a JavaScript cursor).

use bson::Bson;

use crate::engine::mql::SessionState;

/// Whether a cell the subset parsed must run in JavaScript instead.
pub fn wants_javascript(script: &mongosh::Script, source: &str, state: &SessionState) -> bool {
    let scanned = mongosh_js::source::scan(source);
    // `print`/`printjson` (also as `forEach(printjson)`, which the subset shows as one result)
    // print each value as mongosh does only in JavaScript.
    if scanned
        .identifiers
        .iter()
        .any(|name| state.js.opaque.contains(name) || name == "print" || name == "printjson")
    {
        return true;
    }
    // `db.getMongo()` (its `startSession()`, `getDB()`) exists only in JavaScript's shell API.
    if scanned.text.contains(".getMongo(") {
        return true;
    }
    // A cell whose value is a user's `NumberInt(3)`/`Double(2)`: mongosh prints the js-bson
    // wrapper (`Int32(3)`), which only JavaScript keeps apart from a plain number.
    if let Some(mongosh::ast::Statement {
        kind: mongosh::StatementKind::Expr(expr),
        ..
    }) = script.statements.last()
        && let mongosh::ast::ExprKind::Call { callee, .. } = &expr.kind
        && let mongosh::ast::ExprKind::Ident(name) = &callee.kind
        && matches!(name.as_str(), "NumberInt" | "Int32" | "Double")
    {
        return true;
    }
    // The session's variables, copied only once a statement of the cell declares one (a cell's
    // later statements may read it): the variables may hold large arrays.
    let mut declared: Option<mongosh::Env> = None;
    let mut db = state.db.clone();
    for statement in &script.statements {
        if let mongosh::StatementKind::Directive { command, .. } = &statement.kind
            && command == "it"
        {
            return state.js.has_cursor || state.js.resume.is_some();
        }
        // A statement reading a kernel variable is not planned twice (it may be a large table);
        // the ones after it can still say JavaScript.
        if !statement.kernel_variables().is_empty() {
            continue;
        }
        let env = declared.as_ref().unwrap_or(&state.env);
        match mongosh::plan(statement, env, &db) {
            Ok(mongosh::Step::Use { db: next, .. }) => db = next,
            Ok(mongosh::Step::Assign { name, value, .. }) => declared
                .get_or_insert_with(|| state.env.clone())
                .set(&name, value),
            Ok(mongosh::Step::Run(operation)) => {
                // `const c = db.c.find()` holds a cursor in mongosh (a later cell `c` prints its
                // first batch and `it` continues it), not the array the subset would bind.
                if operation.bind.is_some() && holds_cursor(&operation) {
                    return true;
                }
                if let Some(name) = operation.bind {
                    declared
                        .get_or_insert_with(|| state.env.clone())
                        .set(&name, Bson::Null);
                }
            }
            Err(error) => {
                return error.kind == mongosh::PlanErrorKind::Unsupported
                    && !error.message.contains("are not supported in this kernel")
                    && !error.message.starts_with("'it'");
            }
        }
    }
    false
}

/// A find or aggregate left as a cursor (not `toArray()`, a count or an explain).
fn holds_cursor(operation: &mongosh::Operation) -> bool {
    matches!(operation.shape, mongosh::ResultShape::Documents)
        && operation.requests.len() == 1
        && operation.requests[0]
            .command
            .keys()
            .next()
            .is_some_and(|name| name == "find" || name == "aggregate")
}
