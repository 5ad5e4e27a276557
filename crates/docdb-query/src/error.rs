//! The one error type of the crate.
//!
//! MongoDB reports failures as `{ok: 0, code, codeName, errmsg}`; the command layer (crate `docdb`)
//! copies these three fields straight into its reply, so every error here carries MongoDB's own
//! numeric code and code name. Constructors are named after the code name so call sites read like
//! the server's source.

use std::fmt;

/// A query-language failure, shaped like a MongoDB server error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// MongoDB's numeric error code (e.g. 2 for BadValue).
    pub code: i32,
    /// MongoDB's code name (e.g. "BadValue"); "Location<code>" for numbered assertions.
    pub code_name: &'static str,
    /// A message for the user: what is wrong, where, and how to fix it.
    pub message: String,
}

/// Result alias used by every module of the crate.
pub type Result<T> = std::result::Result<T, QueryError>;

impl QueryError {
    /// Builds an error with an explicit code and code name.
    pub fn new(code: i32, code_name: &'static str, message: impl Into<String>) -> Self {
        QueryError {
            code,
            code_name,
            message: message.into(),
        }
    }

    /// Code 2, BadValue: a parameter has a value the server cannot use.
    pub fn bad_value(message: impl Into<String>) -> Self {
        Self::new(2, "BadValue", message)
    }

    /// Code 9, FailedToParse: a specification is malformed.
    pub fn failed_to_parse(message: impl Into<String>) -> Self {
        Self::new(9, "FailedToParse", message)
    }

    /// Code 14, TypeMismatch: a value has the wrong BSON type.
    pub fn type_mismatch(message: impl Into<String>) -> Self {
        Self::new(14, "TypeMismatch", message)
    }

    /// Code 28, PathNotViable: an update path crosses a non-container value.
    pub fn path_not_viable(message: impl Into<String>) -> Self {
        Self::new(28, "PathNotViable", message)
    }

    /// Code 40, ConflictingUpdateOperators: two update operators touch overlapping paths.
    pub fn conflicting_update_operators(message: impl Into<String>) -> Self {
        Self::new(40, "ConflictingUpdateOperators", message)
    }

    /// Code 52, DollarPrefixedFieldName: a stored field name starts with `$`.
    pub fn dollar_prefixed_field_name(message: impl Into<String>) -> Self {
        Self::new(52, "DollarPrefixedFieldName", message)
    }

    /// Code 56, EmptyFieldName: an update path has an empty component.
    pub fn empty_field_name(message: impl Into<String>) -> Self {
        Self::new(56, "EmptyFieldName", message)
    }

    /// Code 66, ImmutableField: an update would change `_id`.
    pub fn immutable_field(message: impl Into<String>) -> Self {
        Self::new(66, "ImmutableField", message)
    }

    /// Code 72, InvalidOptions: a combination of options is not allowed.
    pub fn invalid_options(message: impl Into<String>) -> Self {
        Self::new(72, "InvalidOptions", message)
    }

    /// Code 17, TypeMismatch-like "cannot apply to a non-array" family, and every other numbered
    /// assertion the server reports as `Location<code>`.
    pub fn location(code: i32, message: impl Into<String>) -> Self {
        Self::new(code, "Location", message)
    }

    /// Code 31254/31253 family: a projection mixes inclusion and exclusion.
    pub fn projection_conflict(code: i32, message: impl Into<String>) -> Self {
        Self::new(code, "Location", message)
    }

    /// Code 2 with a "not supported" message: a feature this engine does not implement.
    pub fn not_supported(what: &str) -> Self {
        Self::not_supported_instead(what, "rewrite the query without it")
    }

    /// Code 2, "not supported", with what to write instead (a whole clause: "write ... instead").
    pub fn not_supported_instead(what: &str, instead: &str) -> Self {
        Self::bad_value(format!(
            "{what} is not supported by the embedded engine; {instead}"
        ))
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code_name, self.code, self.message)
    }
}

impl std::error::Error for QueryError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_code_and_message() {
        let e = QueryError::bad_value("unknown operator: $foo");
        assert_eq!(e.code, 2);
        assert_eq!(e.to_string(), "BadValue (2): unknown operator: $foo");
    }

    #[test]
    fn constructors_use_mongodb_codes() {
        assert_eq!(QueryError::failed_to_parse("x").code, 9);
        assert_eq!(QueryError::type_mismatch("x").code, 14);
        assert_eq!(QueryError::conflicting_update_operators("x").code, 40);
        assert_eq!(QueryError::immutable_field("x").code, 66);
        assert_eq!(QueryError::invalid_options("x").code, 72);
        assert_eq!(QueryError::location(16555, "x").code, 16555);
    }
}
