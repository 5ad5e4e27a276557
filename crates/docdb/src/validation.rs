//! Collection validators: `validator`, `validationLevel`, `validationAction`.
//!
//! The validator is an ordinary query filter (query operators and
//! `$jsonSchema`), evaluated by `docdb_query`; the failure details come from
//! `docdb_query::schema::validation_details`, so that `errInfo.details` has
//! MongoDB's shape. The level/action rules live here because they depend on
//! the write (insert vs update, old document valid or not).

use bson::{Bson, Document, doc};
use docdb_query::matcher::Filter;

use crate::error::{CommandError, Result, codes};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Strict,
    Moderate,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Error,
    Warn,
}

/// A parsed validator with its level and action.
pub struct Validator {
    pub rule: Document,
    filter: Filter,
    pub level: Level,
    pub action: Action,
}

impl Validator {
    /// Reads `validator`/`validationLevel`/`validationAction` from collection
    /// options; `None` when there is no (or an empty) validator.
    pub fn from_options(options: &Document) -> Result<Option<Validator>> {
        let rule = match options.get("validator") {
            None => return check_level_action(options).map(|_| None),
            Some(Bson::Document(d)) if d.is_empty() => {
                return check_level_action(options).map(|_| None);
            }
            Some(Bson::Document(d)) => d.clone(),
            Some(other) => {
                return Err(CommandError::type_mismatch(format!(
                    "'validator' must be an object, found {other}"
                )));
            }
        };
        let (level, action) = check_level_action(options)?;
        docdb_query::js::function::refuse_in_validator(&rule)?;
        let filter = Filter::parse_without_javascript(&rule).map_err(|e| {
            let mut err = CommandError::from(e);
            err.message = format!(
                "Parsing of collection validator failed :: caused by :: {}",
                err.message
            );
            err
        })?;
        Ok(Some(Validator {
            rule,
            filter,
            level,
            action,
        }))
    }

    /// Checks a document about to be written. `old_valid` is `Some(valid?)`
    /// for updates (moderate level skips documents that were already invalid).
    /// A `warn` action logs and lets the write through.
    pub fn check(&self, doc: &Document, old_valid: Option<bool>) -> Result<()> {
        match self.level {
            Level::Off => return Ok(()),
            Level::Moderate if old_valid == Some(false) => return Ok(()),
            _ => {}
        }
        if self.filter.matches(doc) {
            return Ok(());
        }
        let id = doc.get("_id").cloned().unwrap_or(Bson::Null);
        if self.action == Action::Warn {
            log::warn!("Document would fail validation (validationAction: warn), _id: {id}");
            return Ok(());
        }
        let details = docdb_query::schema::validation_details(&self.rule, doc);
        Err(CommandError::new(
            codes::DOCUMENT_VALIDATION_FAILURE,
            "Document failed validation",
        )
        .with(
            "errInfo",
            doc! {"failingDocumentId": id, "details": details},
        ))
    }

    /// True when `doc` passes the rule (used for the moderate level).
    pub fn matches(&self, doc: &Document) -> bool {
        self.filter.matches(doc)
    }
}

fn check_level_action(options: &Document) -> Result<(Level, Action)> {
    let level = match options.get("validationLevel") {
        None => Level::Strict,
        Some(Bson::String(s)) => match s.as_str() {
            "strict" => Level::Strict,
            "moderate" => Level::Moderate,
            "off" => Level::Off,
            other => {
                return Err(CommandError::bad_value(format!(
                    "Enumeration value '{other}' for field 'validationLevel' is not a valid value; use strict, moderate or off"
                )));
            }
        },
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "'validationLevel' must be a string, found {other}"
            )));
        }
    };
    let action = match options.get("validationAction") {
        None => Action::Error,
        Some(Bson::String(s)) => match s.as_str() {
            "error" => Action::Error,
            "warn" => Action::Warn,
            other => {
                return Err(CommandError::bad_value(format!(
                    "Enumeration value '{other}' for field 'validationAction' is not a valid value; use error or warn"
                )));
            }
        },
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "'validationAction' must be a string, found {other}"
            )));
        }
    };
    Ok((level, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_level_is_rejected() {
        assert!(
            Validator::from_options(&doc! {"validator": {"a": 1}, "validationLevel": "loose"})
                .is_err()
        );
        assert!(Validator::from_options(&doc! {}).unwrap().is_none());
    }
}
