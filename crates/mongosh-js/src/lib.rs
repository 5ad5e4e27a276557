//! mongosh's JavaScript environment on QuickJS: the shell API as native bindings; no I/O.
//!
//! A [`Session`] owns one QuickJS runtime and context on a thread of its own (QuickJS values
//! cannot cross threads), for the life of a kernel session: variables, functions and classes a
//! cell defines are there for the next cell. A cell is a [`Job`]; while it runs, every shell call
//! the script makes (`db.users.insertOne(...)`, a cursor's next batch, `print`) is planned here
//! with the `mongosh` crate and handed to the job's [`Host`], which does the I/O (the kernel
//! sends commands through the driver) and answers while the script waits.
//!
//! The kernel stops a script with [`Session::interrupt`] (QuickJS's interrupt handler ends it
//! within milliseconds, also inside `while (true) {}`), and the heap is capped by
//! [`Limits::memory`], so a runaway script ends with a clear error and the session stays usable.

mod convert;
mod printjson;
mod session;
mod shell;
pub mod source;

use bson::{Bson, Document};
use mongosh::{Operation, Output, Request};

pub use session::Session;

/// Which output stream printed text goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// The kernel's half of a running cell: sends what the script asks for and answers.
/// Every method blocks the script until it returns.
pub trait Host: Send {
    /// Sends a planned operation's requests and shapes the replies (`insertOne`, `countDocuments`).
    fn run(&mut self, operation: Operation) -> Result<Output, HostError>;
    /// Opens the cursor of a `find`/`aggregate` request; returns a handle for [`Host::fetch`].
    fn open_cursor(&mut self, request: Request) -> Result<u64, HostError>;
    /// Up to `max` more documents of a cursor, and whether it is exhausted.
    fn fetch(&mut self, cursor: u64, max: usize) -> Result<(Vec<Document>, bool), HostError>;
    /// Closes a cursor not read to its end.
    fn close_cursor(&mut self, cursor: u64);
    /// Text the script printed.
    fn print(&mut self, stream: Stream, text: String);
    /// [`Host::run`] inside an explicit session (`session.getDatabase(...)`): every command
    /// carries the session's `lsid` (and its transaction's fields).
    fn run_in_session(&mut self, session: u64, operation: Operation) -> Result<Output, HostError> {
        let _ = (session, operation);
        Err(HostError::other("explicit sessions are not available here"))
    }
    /// [`Host::open_cursor`] inside an explicit session.
    fn open_cursor_in_session(&mut self, session: u64, request: Request) -> Result<u64, HostError> {
        let _ = (session, request);
        Err(HostError::other("explicit sessions are not available here"))
    }
    /// Starts, ends and drives explicit sessions and their transactions.
    fn session(&mut self, call: SessionCall) -> Result<Bson, HostError> {
        let _ = call;
        Err(HostError::other("explicit sessions are not available here"))
    }
}

/// What a script asks of an explicit session (`db.getMongo().startSession()`), as the driver's
/// `ClientSession` does it. A session is named by the handle [`SessionCall::Start`] answered.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionCall {
    /// `startSession(options)`: answers `{ handle, id }` (`id` is the `lsid`, `{ id: UUID }`).
    Start(Document),
    /// `endSession()`.
    End(u64),
    /// `startTransaction(options)`.
    StartTransaction(u64, Document),
    /// `commitTransaction()`.
    Commit(u64),
    /// `abortTransaction()`.
    Abort(u64),
    /// `{ clusterTime, operationTime, inTransaction }` as the session knows them now.
    Times(u64),
    /// `advanceClusterTime({ clusterTime, signature })`.
    AdvanceClusterTime(u64, Document),
    /// `advanceOperationTime(Timestamp)`.
    AdvanceOperationTime(u64, Bson),
}

/// An error the host answers with; thrown into the script as a JavaScript error with these
/// `name`, `message`, `code` and `codeName`.
#[derive(Debug, Clone, PartialEq)]
pub struct HostError {
    pub name: String,
    pub message: String,
    pub code: Option<i32>,
    pub code_name: Option<String>,
    /// The host's own record of the error, handed back in [`ScriptError::ticket`] when the
    /// script does not catch it, so the kernel can show it as it shows any server error.
    pub ticket: Option<usize>,
}

impl HostError {
    pub fn other(message: impl Into<String>) -> Self {
        HostError {
            name: "Error".into(),
            message: message.into(),
            code: None,
            code_name: None,
            ticket: None,
        }
    }

    /// The cell was stopped while the script waited for the server.
    pub fn interrupted() -> Self {
        HostError {
            name: "InterruptedError".into(),
            message: "the cell was stopped".into(),
            code: None,
            code_name: None,
            ticket: None,
        }
    }
}

/// A variable handed to the script before it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Global {
    Value(Bson),
    Database(String),
    Collection { db: String, name: String },
}

/// One cell to run.
pub struct Job {
    /// The cell's text, padded with empty lines so that line numbers are the cell's.
    pub source: String,
    /// The current database (`db`).
    pub db: String,
    /// Variables set outside JavaScript since the last JavaScript cell (subset cells' `const`).
    pub globals: Vec<(String, Global)>,
    /// The kernel variables the cell names with `{{name}}`.
    pub kernel_variables: Vec<(String, Bson)>,
    /// A cursor left as the last value is read to its end (`--out`), not to its first batch.
    pub keep_all: bool,
    pub host: Box<dyn Host>,
    /// Called on the JavaScript thread with the outcome.
    pub done: Box<dyn FnOnce(Outcome) + Send>,
}

/// What a cell left.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub result: Result<Last, ScriptError>,
    /// The current database after the cell (`use`, `db = db.getSiblingDB(...)`).
    pub db: String,
    /// Top-level variables with a BSON value, for later subset cells and `--out`.
    pub globals: Vec<(String, Global)>,
    /// Top-level names without a BSON value (functions, classes, cursors): a cell naming one
    /// must run in JavaScript.
    pub opaque: Vec<String>,
    /// Whether `it` has a cursor to continue.
    pub has_cursor: bool,
}

/// The value of a cell's last expression, as mongosh prints it.
#[derive(Debug, Clone, PartialEq)]
pub enum Last {
    /// `undefined`: nothing is printed.
    Nothing,
    Value(Bson),
    /// Shown as text (a function, a collection's name).
    Text(String),
    /// A value mongosh prints differently from its BSON (`Int32(3)`, a class instance, a
    /// `Map`): `text` is shown, `value` is what `--out` keeps.
    Shown {
        value: Bson,
        text: String,
    },
    /// A cursor's first batch (or its next, for `it`); `more` prints `Type "it" for more`.
    Cursor {
        documents: Vec<Document>,
        more: bool,
    },
    /// `it` with no cursor to continue.
    NoCursor,
}

/// Why a script ended without a value.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptError {
    pub kind: ErrorKind,
    /// The JavaScript error's name (`ReferenceError`, `MongoServerError`).
    pub name: String,
    pub message: String,
    /// 1-based position in the padded source, when QuickJS gave one.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The [`HostError::ticket`] of a host error the script did not catch.
    pub ticket: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A syntax error: nothing ran.
    Syntax,
    /// An exception the script threw or did not catch.
    Thrown,
    /// Stopped by [`Session::interrupt`].
    Interrupted,
    /// The heap went over [`Limits::memory`].
    OutOfMemory,
    /// The JavaScript thread is gone.
    Dead,
}

/// Bounds of a session's runtime.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of JavaScript heap.
    pub memory: usize,
    /// The write limits the server reported (`maxWriteBatchSize`...), for splitting writes.
    pub write: mongosh::WriteLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 512 * 1024 * 1024,
            write: mongosh::WriteLimits::default(),
        }
    }
}
