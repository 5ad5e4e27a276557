//! The mongosh subset that tutorials use, as a pure library.
//!
//! A `%%mql` cell goes through four stages, each in its own module:
//!
//! 1. **Parse** ([`parse`]): a hand-written lexer and Pratt parser turn the
//!    cell into a [`Script`] of [`Statement`]s, each with a source [`Span`].
//!    Syntax errors are [`ParseError`]s that render with a caret.
//! 2. **Plan** ([`plan`]): each statement becomes a [`Step`] — switch
//!    database, assign a variable, or run an [`Operation`]: the database
//!    commands mongosh would send ([`Request`]s) and how to shape the replies.
//!    Literals become BSON exactly as mongosh's js-bson would make them.
//! 3. **Run** (the kernel, not this crate): send each request through the
//!    driver, drain cursors, and collect one [`Reply`] per request.
//! 4. **Shape and print** ([`Operation::finish`], [`inspect`]): replies become
//!    mongosh's result shapes ([`Output`]), printed like mongosh's
//!    `util.inspect`; server failures become [`ServerError`]s printed as
//!    `MongoServerError[DuplicateKey]: ...`.
//!
//! No I/O, no async, no JavaScript engine: loops, functions and callbacks
//! are refused with an explanation of what to write instead.
//!
//! ```
//! use mongosh::{Env, Output, Reply, Step};
//!
//! let script = mongosh::parse("use shop\ndb.users.countDocuments({ age: { $gt: 30 } })").unwrap();
//! let env = Env::new();
//! let mut db = "test".to_string();
//! for statement in &script.statements {
//!     match mongosh::plan(statement, &env, &db).unwrap() {
//!         Step::Use { db: name, message } => {
//!             assert_eq!(message, "switched to db shop");
//!             db = name;
//!         }
//!         Step::Run(op) => {
//!             assert_eq!(op.requests[0].db, "shop");
//!             // The kernel would send op.requests; here we fake the server's answer.
//!             let reply = Reply::cursor(vec![bson::doc! { "_id": 1, "n": 7 }], 1);
//!             assert_eq!(op.finish(vec![reply]).unwrap(), Output::Value(bson::Bson::Int32(7)));
//!         }
//!         Step::Assign { .. } => unreachable!(),
//!     }
//! }
//! ```

pub mod ast;
mod env;
mod error;
pub mod inspect;
mod lexer;
mod operation;
mod parser;
mod plan;
pub mod shape;
mod span;
mod suggest;
pub mod value;

pub use ast::{Expr, ExprKind, Script, Statement, StatementKind};
pub use env::{Binding, Env, Handle};
pub use error::{ParseError, PlanError, PlanErrorKind};
pub use operation::{
    BulkBatch, BulkKind, CursorReply, Keep, Operation, Output, Reply, Request, RequestKind,
    ResultShape,
};
pub use parser::parse;
pub use plan::{
    COLLECTION_METHODS, DATABASE_METHODS, Step, WriteLimits, default_index_name, plan,
    plan_with_limits, validate_db_name,
};
pub use shape::{ServerError, ShapeError};
pub use span::Span;
