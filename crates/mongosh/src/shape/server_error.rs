//! Server errors, printed the way mongosh prints them:
//! `MongoServerError[DuplicateKey]: E11000 duplicate key error ...`, followed
//! by `Additional information: { ... }` when the server sent `errInfo`
//! (document validation failures explain themselves there).

use bson::{Bson, Document};

/// A command the server refused (`ok: 0`) or a write error inside a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError {
    /// The error class mongosh names (`MongoServerError`, `MongoBulkWriteError`).
    pub name: String,
    /// The server's numeric code.
    pub code: i32,
    /// The server's code name; filled from a table when the reply lacks it.
    pub code_name: Option<String>,
    /// The message.
    pub errmsg: String,
    /// Extra detail (validation failures).
    pub err_info: Option<Document>,
    /// For a write split in batches or with write errors: what was written before it stopped.
    pub bulk: Option<Box<BulkWriteFailure>>,
}

/// What mongosh prints under a `MongoBulkWriteError`: the partial result and every write error.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkWriteFailure {
    /// `insertedCount`, `matchedCount`, ... over the batches that were sent.
    pub result: Document,
    /// The write errors, each `index` being the position in the user's array.
    pub write_errors: Vec<Document>,
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)?;
        if let Some(name) = &self.code_name {
            write!(f, "[{name}]")?;
        }
        write!(f, ": {}", self.errmsg)?;
        if let Some(info) = &self.err_info {
            write!(
                f,
                "\nAdditional information: {}",
                crate::inspect::format(&Bson::Document(info.clone()))
            )?;
        }
        if let Some(bulk) = &self.bulk {
            write!(
                f,
                "\nResult: BulkWriteResult {}",
                crate::inspect::format(&Bson::Document(bulk.result.clone()))
            )?;
            if !bulk.write_errors.is_empty() {
                let errors = bulk
                    .write_errors
                    .iter()
                    .cloned()
                    .map(Bson::Document)
                    .collect();
                write!(
                    f,
                    "\nWrite Errors: {}",
                    crate::inspect::format(&Bson::Array(errors))
                )?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

fn int_field(doc: &Document, key: &str) -> Option<i64> {
    match doc.get(key)? {
        Bson::Int32(i) => Some(i64::from(*i)),
        Bson::Int64(i) => Some(*i),
        Bson::Double(d) => Some(*d as i64),
        _ => None,
    }
}

fn from_error_document(name: &str, doc: &Document) -> ServerError {
    let code = int_field(doc, "code").unwrap_or(0) as i32;
    let code_name = match doc.get("codeName") {
        Some(Bson::String(s)) => Some(s.clone()),
        _ => code_name_for(code).map(str::to_string),
    };
    let errmsg = match doc.get("errmsg") {
        Some(Bson::String(s)) => s.clone(),
        _ => "command failed".to_string(),
    };
    let err_info = match doc.get("errInfo") {
        Some(Bson::Document(d)) => Some(d.clone()),
        _ => None,
    };
    ServerError {
        name: name.to_string(),
        code,
        code_name,
        errmsg,
        err_info,
        bulk: None,
    }
}

impl ServerError {
    /// A `MongoBulkWriteError` from one entry of a reply's `writeErrors`.
    pub fn from_write_error(entry: &Document) -> ServerError {
        from_error_document("MongoBulkWriteError", entry)
    }

    /// The error in a reply, if any: `ok: 0`, then the first `writeErrors`
    /// entry, then `writeConcernError`.
    pub fn from_reply(reply: &Document) -> Option<ServerError> {
        let ok = match reply.get("ok") {
            Some(Bson::Double(d)) => *d != 0.0,
            Some(Bson::Int32(i)) => *i != 0,
            Some(Bson::Int64(i)) => *i != 0,
            Some(Bson::Boolean(b)) => *b,
            _ => true,
        };
        if !ok {
            return Some(from_error_document("MongoServerError", reply));
        }
        if let Some(Bson::Array(errors)) = reply.get("writeErrors")
            && let Some(Bson::Document(first)) = errors.first()
        {
            return Some(from_error_document("MongoServerError", first));
        }
        if let Some(Bson::Document(wce)) = reply.get("writeConcernError") {
            return Some(from_error_document("MongoWriteConcernError", wce));
        }
        None
    }
}

/// Names for common codes, for replies (or driver errors) without `codeName`.
pub fn code_name_for(code: i32) -> Option<&'static str> {
    Some(match code {
        1 => "InternalError",
        2 => "BadValue",
        4 => "NoSuchKey",
        9 => "FailedToParse",
        11 => "UserNotFound",
        13 => "Unauthorized",
        14 => "TypeMismatch",
        18 => "AuthenticationFailed",
        20 => "IllegalOperation",
        26 => "NamespaceNotFound",
        27 => "IndexNotFound",
        28 => "PathNotViable",
        40 => "ConflictingUpdateOperators",
        43 => "CursorNotFound",
        48 => "NamespaceExists",
        50 => "MaxTimeMSExpired",
        52 => "DollarPrefixedFieldName",
        59 => "CommandNotFound",
        61 => "ShardKeyNotFound",
        66 => "ImmutableField",
        67 => "CannotCreateIndex",
        68 => "IndexAlreadyExists",
        72 => "InvalidOptions",
        73 => "InvalidNamespace",
        85 => "IndexOptionsConflict",
        86 => "IndexKeySpecsConflict",
        96 => "OperationFailed",
        112 => "WriteConflict",
        115 => "CommandNotSupported",
        121 => "DocumentValidationFailure",
        166 => "CommandNotSupportedOnView",
        11000 => "DuplicateKey",
        11600 => "InterruptedAtShutdown",
        11601 => "Interrupted",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn duplicate_key_prints_like_mongosh() {
        let reply = doc! {
            "n": 0, "ok": 1,
            "writeErrors": [{ "index": 0, "code": 11000, "errmsg": "E11000 duplicate key error collection: test.users index: _id_ dup key: { _id: 1 }" }],
        };
        let err = ServerError::from_reply(&reply).unwrap();
        assert_eq!(
            err.to_string(),
            "MongoServerError[DuplicateKey]: E11000 duplicate key error collection: test.users index: _id_ dup key: { _id: 1 }"
        );
    }

    #[test]
    fn validation_failure_adds_additional_information() {
        let reply = doc! { "ok": 0, "code": 121, "codeName": "DocumentValidationFailure", "errmsg": "Document failed validation", "errInfo": { "failingDocumentId": 1 } };
        let err = ServerError::from_reply(&reply).unwrap();
        assert_eq!(
            err.to_string(),
            "MongoServerError[DocumentValidationFailure]: Document failed validation\nAdditional information: { failingDocumentId: 1 }"
        );
        assert!(ServerError::from_reply(&doc! { "ok": 1.0 }).is_none());
    }
}
