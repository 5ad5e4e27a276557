//! Checked access to a helper's evaluated arguments.
//!
//! Every helper validates its arguments the same way and reports problems
//! the same way: which method, which argument, what was expected, what was
//! given. `null`/`undefined` count as "not given", as in mongosh.

use bson::{Bson, Document};

use crate::error::PlanError;
use crate::span::Span;
use crate::value::{as_f64, type_name};

/// The arguments of one call.
pub struct Args {
    /// `db.users.find` — used in messages.
    pub method: String,
    /// The evaluated arguments.
    pub values: Vec<Bson>,
    /// The call's span.
    pub span: Span,
}

impl Args {
    /// The `i`-th argument unless absent, `null` or `undefined`.
    pub fn get(&self, i: usize) -> Option<&Bson> {
        self.values
            .get(i)
            .filter(|v| !matches!(v, Bson::Null | Bson::Undefined))
    }

    /// An error about this call.
    pub fn error(&self, message: impl std::fmt::Display) -> PlanError {
        PlanError::invalid(format!("{}: {message}", self.method), self.span)
    }

    fn wrong(&self, i: usize, what: &str, got: &Bson) -> PlanError {
        self.error(format!(
            "argument {} must be {what}, got a {}",
            i + 1,
            type_name(got)
        ))
    }

    /// An optional document argument.
    pub fn doc(&self, i: usize, what: &str) -> Result<Option<Document>, PlanError> {
        match self.get(i) {
            None => Ok(None),
            Some(Bson::Document(d)) => Ok(Some(d.clone())),
            Some(other) => Err(self.wrong(i, what, other)),
        }
    }

    /// A required document argument.
    pub fn required_doc(&self, i: usize, what: &str) -> Result<Document, PlanError> {
        self.doc(i, what)?
            .ok_or_else(|| self.error(format!("argument {} ({what}) is missing", i + 1)))
    }

    /// An optional options document (empty when absent).
    pub fn options(&self, i: usize) -> Result<Document, PlanError> {
        Ok(self.doc(i, "an options object")?.unwrap_or_default())
    }

    /// A required string argument.
    pub fn string(&self, i: usize, what: &str) -> Result<String, PlanError> {
        match self.get(i) {
            Some(Bson::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.wrong(i, what, other)),
            None => Err(self.error(format!("argument {} ({what}) is missing", i + 1))),
        }
    }

    /// An optional number argument.
    pub fn number(&self, i: usize, what: &str) -> Result<Option<f64>, PlanError> {
        match self.get(i) {
            None => Ok(None),
            Some(v) => as_f64(v).map(Some).ok_or_else(|| self.wrong(i, what, v)),
        }
    }

    /// A required array-of-documents argument.
    pub fn documents(&self, i: usize, what: &str) -> Result<Vec<Document>, PlanError> {
        match self.get(i) {
            Some(Bson::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(n, item)| match item {
                    Bson::Document(d) => Ok(d.clone()),
                    other => Err(self.error(format!(
                        "{what}[{n}] must be an object, got a {}",
                        type_name(other)
                    ))),
                })
                .collect(),
            Some(other) => Err(self.wrong(i, &format!("an array ({what})"), other)),
            None => Err(self.error(format!("argument {} ({what}) is missing", i + 1))),
        }
    }

    /// Like [`Args::documents`], but moves the documents out of the arguments (the argument is
    /// `null` afterwards), so a large array is not held twice while it is planned.
    pub fn take_documents(&mut self, i: usize, what: &str) -> Result<Vec<Document>, PlanError> {
        match self.get(i) {
            Some(Bson::Array(items)) => {
                if let Some((n, other)) = items
                    .iter()
                    .enumerate()
                    .find(|(_, item)| !matches!(item, Bson::Document(_)))
                {
                    return Err(self.error(format!(
                        "{what}[{n}] must be an object, got a {}",
                        type_name(other)
                    )));
                }
            }
            _ => return self.documents(i, what),
        }
        let Bson::Array(items) = std::mem::replace(&mut self.values[i], Bson::Null) else {
            return Ok(Vec::new());
        };
        Ok(items
            .into_iter()
            .filter_map(|item| match item {
                Bson::Document(d) => Some(d),
                _ => None,
            })
            .collect())
    }

    /// Fail when more than `max` arguments were given.
    pub fn at_most(&self, max: usize) -> Result<(), PlanError> {
        if self.values.len() > max {
            return Err(self.error(format!(
                "takes at most {max} argument{}, got {}",
                if max == 1 { "" } else { "s" },
                self.values.len()
            )));
        }
        Ok(())
    }
}

/// Copy the listed option keys from `options` into `command` when present.
pub fn copy_options(command: &mut Document, options: &Document, keys: &[&str]) {
    for key in keys {
        if let Some(v) = options.get(*key)
            && !matches!(v, Bson::Null | Bson::Undefined)
        {
            command.insert(*key, v.clone());
        }
    }
}

/// A count argument (`limit`, `skip`) as the integer the server expects.
pub fn integer(value: f64) -> Bson {
    if value.fract() == 0.0 && value.abs() <= i32::MAX as f64 {
        Bson::Int32(value as i32)
    } else {
        Bson::Int64(value as i64)
    }
}
