//! Command errors in MongoDB's shape.
//!
//! Every failure the engine reports becomes `{ok: 0, errmsg, code, codeName}`
//! (plus fields such as `errInfo`, `keyPattern`, `keyValue`), so one type
//! carries the code, its name, a message written for the user and any extra
//! reply fields. Codes and names follow MongoDB's `error_codes.yml`, because
//! drivers and users match on them.

use bson::{Document, doc};
use docdb_query::error::QueryError;

/// The codes the engine uses, named as in MongoDB's `error_codes.yml`.
pub mod codes {
    pub const BAD_VALUE: i32 = 2;
    pub const FAILED_TO_PARSE: i32 = 9;
    pub const TYPE_MISMATCH: i32 = 14;
    pub const ILLEGAL_OPERATION: i32 = 20;
    pub const UNAUTHORIZED: i32 = 13;
    pub const COMMAND_FAILED: i32 = 125;
    pub const NAMESPACE_NOT_FOUND: i32 = 26;
    pub const INDEX_NOT_FOUND: i32 = 27;
    pub const CURSOR_NOT_FOUND: i32 = 43;
    pub const NAMESPACE_EXISTS: i32 = 48;
    pub const MAX_TIME_MS_EXPIRED: i32 = 50;
    pub const COMMAND_NOT_FOUND: i32 = 59;
    pub const IMMUTABLE_FIELD: i32 = 66;
    pub const INVALID_OPTIONS: i32 = 72;
    pub const INVALID_NAMESPACE: i32 = 73;
    pub const INDEX_OPTIONS_CONFLICT: i32 = 85;
    pub const INDEX_KEY_SPECS_CONFLICT: i32 = 86;
    pub const NO_QUERY_EXECUTION_PLANS: i32 = 291;
    pub const DOCUMENT_VALIDATION_FAILURE: i32 = 121;
    pub const INVALID_ID_FIELD: i32 = 53;
    pub const CANNOT_CREATE_INDEX: i32 = 67;
    pub const INVALID_INDEX_SPEC_OPTION: i32 = 197;
    pub const INTERRUPTED: i32 = 11601;
    pub const DUPLICATE_KEY: i32 = 11000;
    pub const BSON_OBJECT_TOO_LARGE: i32 = 10334;
    pub const INTERNAL_ERROR: i32 = 1;
    pub const LOCATION_TEXT_INDEX_REQUIRED: i32 = 27;
}

/// The `codeName` MongoDB uses for a code; `"UnknownError"` for codes this
/// engine never emits by itself (query errors bring their own name).
pub fn code_name(code: i32) -> &'static str {
    match code {
        1 => "InternalError",
        2 => "BadValue",
        9 => "FailedToParse",
        13 => "Unauthorized",
        14 => "TypeMismatch",
        20 => "IllegalOperation",
        26 => "NamespaceNotFound",
        27 => "IndexNotFound",
        43 => "CursorNotFound",
        48 => "NamespaceExists",
        50 => "MaxTimeMSExpired",
        53 => "InvalidIdField",
        59 => "CommandNotFound",
        66 => "ImmutableField",
        67 => "CannotCreateIndex",
        72 => "InvalidOptions",
        73 => "InvalidNamespace",
        85 => "IndexOptionsConflict",
        86 => "IndexKeySpecsConflict",
        121 => "DocumentValidationFailure",
        125 => "CommandFailed",
        167 => "OptionNotSupportedOnView",
        197 => "InvalidIndexSpecificationOption",
        291 => "NoQueryExecutionPlans",
        10334 => "BSONObjectTooLarge",
        11000 => "DuplicateKey",
        11601 => "Interrupted",
        _ => "UnknownError",
    }
}

/// One failed command (or one failed write inside a batch).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandError {
    pub code: i32,
    pub code_name: &'static str,
    pub message: String,
    /// Extra reply fields: `errInfo`, `keyPattern`, `keyValue`... (boxed:
    /// errors travel through every `Result`, so they are kept small).
    pub extra: Option<Box<Document>>,
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, CommandError>;

impl CommandError {
    /// An error with a known code; the name comes from [`code_name`].
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        CommandError {
            code,
            code_name: code_name(code),
            message: message.into(),
            extra: None,
        }
    }

    pub fn bad_value(message: impl Into<String>) -> Self {
        Self::new(codes::BAD_VALUE, message)
    }

    pub fn type_mismatch(message: impl Into<String>) -> Self {
        Self::new(codes::TYPE_MISMATCH, message)
    }

    pub fn failed_to_parse(message: impl Into<String>) -> Self {
        Self::new(codes::FAILED_TO_PARSE, message)
    }

    /// Adds an extra reply field (builder style).
    pub fn with(mut self, key: &str, value: impl Into<bson::Bson>) -> Self {
        self.extra
            .get_or_insert_with(Box::default)
            .insert(key, value.into());
        self
    }

    /// The reply a failed command sends: `{ok: 0, errmsg, code, codeName, ...}`.
    pub fn to_reply(&self) -> Document {
        let mut reply = doc! {
            "ok": 0.0,
            "errmsg": self.message.clone(),
            "code": self.code,
            "codeName": self.code_name,
        };
        for (k, v) in self.extra.iter().flat_map(|d| d.iter()) {
            reply.insert(k.clone(), v.clone());
        }
        reply
    }

    /// The entry of a `writeErrors` array: `{index, code, errmsg, ...}`.
    pub fn to_write_error(&self, index: usize) -> Document {
        let mut entry = doc! {
            "index": index as i32,
            "code": self.code,
            "codeName": self.code_name,
            "errmsg": self.message.clone(),
        };
        for (k, v) in self.extra.iter().flat_map(|d| d.iter()) {
            entry.insert(k.clone(), v.clone());
        }
        entry
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code_name, self.code, self.message)
    }
}

impl std::error::Error for CommandError {}

impl From<QueryError> for CommandError {
    fn from(e: QueryError) -> Self {
        CommandError {
            code: e.code,
            code_name: e.code_name,
            message: e.message,
            extra: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_has_mongodb_error_shape() {
        let e = CommandError::new(codes::COMMAND_NOT_FOUND, "no such command: 'x'");
        let r = e.to_reply();
        assert_eq!(r.get_f64("ok").ok(), Some(0.0));
        assert_eq!(r.get_i32("code").ok(), Some(59));
        assert_eq!(r.get_str("codeName").ok(), Some("CommandNotFound"));
    }

    #[test]
    fn write_error_carries_index_and_extra_fields() {
        let e = CommandError::new(codes::DUPLICATE_KEY, "dup").with("keyValue", doc! {"a": 1});
        let w = e.to_write_error(3);
        assert_eq!(w.get_i32("index").ok(), Some(3));
        assert!(w.get_document("keyValue").is_ok());
    }
}
