//! Collations: locale-aware string comparison, as mongod does it with ICU, through ICU4X's
//! collator and its compiled CLDR data (never hand-rolled).
//!
//! `Collation::parse` reads a `collation` document with mongod's rules and error codes: the
//! supported locales (`locales`), the options (strength 1-5, caseLevel, caseFirst,
//! numericOrdering, alternate/maxVariable, normalization, backwards, version) and their invalid
//! combinations. `{locale: "simple"}` is `None`: plain binary comparison, the default.
//!
//! A collation compares strings (`compare`) and gives each string a *sort key* (`key`): a string
//! whose byte order is the collation's order, so that maps, group keys, `distinct` and index
//! entries can use the ordinary BSON order on keys (`key_of`) and still group "a" with "A" at
//! strength 2. Only string values are collated; field names, regexes and other types never are.

mod backwards;
mod locales;

use crate::error::{QueryError, Result};
use bson::{Bson, Document, doc};
use icu_collator::options::{AlternateHandling, CaseLevel, CollatorOptions, MaxVariable, Strength};
use icu_collator::preferences::{CollationCaseFirst, CollationNumericOrdering};
use icu_collator::{Collator, CollatorPreferences};
use icu_locale_core::Locale;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// The ICU version mongod 7.0 reports in a resolved collation's `version`.
pub const ICU_VERSION: &str = "57.1";

/// A parsed, resolved collation (shared: catalogs, indexes and commands hold `Arc`s).
pub struct Collation {
    spec: Document,
    collator: Collator,
}

impl fmt::Debug for Collation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Collation({})", self.spec)
    }
}

impl PartialEq for Collation {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

/// What the user asked for, before the locale's defaults fill the rest.
#[derive(Default)]
struct Requested {
    case_level: Option<bool>,
    case_first: Option<String>,
    strength: Option<i64>,
    numeric_ordering: Option<bool>,
    alternate: Option<String>,
    max_variable: Option<String>,
    normalization: Option<bool>,
    backwards: Option<bool>,
}

impl Collation {
    /// Parses a `collation` option. `Ok(None)` is the simple (binary) collation.
    pub fn parse(spec: &Document) -> Result<Option<Arc<Collation>>> {
        let locale = match spec.get("locale") {
            None => {
                return Err(QueryError::location(
                    40414,
                    "BSON field 'collation.locale' is missing but a required field",
                ));
            }
            Some(Bson::String(s)) => s.clone(),
            Some(other) => return Err(wrong_type("locale", other, "string")),
        };
        if locale == "simple" {
            if spec.len() > 1 {
                return Err(QueryError::failed_to_parse(format!(
                    "If locale=simple, no other fields should be present in: {spec}"
                )));
            }
            return Ok(None);
        }
        let requested = read_options(spec)?;
        let Some(tag) = locales::to_bcp47(&locale) else {
            return Err(QueryError::bad_value(format!(
                "Field 'locale' is invalid in: {spec}"
            )));
        };
        build(&locale, &tag, &requested, spec).map(|c| Some(Arc::new(c)))
    }

    /// The resolved specification, field for field as mongod reports it (listIndexes,
    /// listCollections, explain).
    pub fn spec(&self) -> &Document {
        &self.spec
    }

    /// The locale id as the user wrote it.
    pub fn locale(&self) -> &str {
        self.spec.get_str("locale").unwrap_or("")
    }

    /// Compares two strings under this collation.
    pub fn compare(&self, a: &str, b: &str) -> Ordering {
        self.collator.as_borrowed().compare(a, b)
    }

    /// The sort key of `s` as a string: ICU's key bytes in hexadecimal, so that the byte order
    /// of two keys is the collation order of their strings (and equal keys mean equal strings).
    pub fn key(&self, s: &str) -> String {
        let mut bytes: Vec<u8> = Vec::new();
        let Ok(()) = self.collator.as_borrowed().write_sort_key_to(s, &mut bytes);
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
        out
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `v` with every string (at any depth, not field names) replaced by its sort key, so that the
/// canonical BSON order of keys is the collation's order of values. Identity without collation.
pub fn key_of(collation: Option<&Collation>, v: &Bson) -> Bson {
    let Some(c) = collation else {
        return v.clone();
    };
    match v {
        Bson::String(s) | Bson::Symbol(s) => Bson::String(c.key(s)),
        Bson::Array(items) => Bson::Array(items.iter().map(|i| key_of(collation, i)).collect()),
        Bson::Document(d) => Bson::Document(
            d.iter()
                .map(|(k, v)| (k.clone(), key_of(collation, v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn wrong_type(field: &str, got: &Bson, expected: &str) -> QueryError {
    QueryError::type_mismatch(format!(
        "BSON field 'collation.{field}' is the wrong type '{}', expected type '{expected}'",
        crate::value::type_alias(got)
    ))
}

fn read_options(spec: &Document) -> Result<Requested> {
    let mut r = Requested::default();
    for (field, value) in spec {
        let boolean = |v: &Bson| match v {
            Bson::Boolean(b) => Ok(*b),
            other => Err(wrong_type(field, other, "bool")),
        };
        let string = |v: &Bson| match v {
            Bson::String(s) => Ok(s.clone()),
            other => Err(wrong_type(field, other, "string")),
        };
        match field.as_str() {
            "locale" => {}
            "caseLevel" => r.case_level = Some(boolean(value)?),
            "caseFirst" => r.case_first = Some(string(value)?),
            "strength" => {
                if !crate::number::is_number(value) {
                    return Err(wrong_type(field, value, "int"));
                }
                r.strength = Some(crate::number::integral_i64(value).unwrap_or(0));
            }
            "numericOrdering" => r.numeric_ordering = Some(boolean(value)?),
            "alternate" => r.alternate = Some(string(value)?),
            "maxVariable" => r.max_variable = Some(string(value)?),
            "normalization" => r.normalization = Some(boolean(value)?),
            "backwards" => r.backwards = Some(boolean(value)?),
            "version" => {
                let v = string(value)?;
                if v != ICU_VERSION {
                    return Err(QueryError::new(
                        161,
                        "IncompatibleCollationVersion",
                        format!(
                            "Requested collation version {v} but the only available collator version was {ICU_VERSION}. Requested collation spec: {spec}"
                        ),
                    ));
                }
            }
            other => {
                return Err(QueryError::location(
                    40415,
                    format!("BSON field 'collation.{other}' is an unknown field."),
                ));
            }
        }
    }
    Ok(r)
}

fn build(locale: &str, tag: &str, r: &Requested, spec: &Document) -> Result<Collation> {
    let parsed = Locale::try_from_str(tag)
        .map_err(|_| QueryError::bad_value(format!("Field 'locale' is invalid in: {spec}")))?;
    let mut prefs = CollatorPreferences::from(&parsed);
    let mut options = CollatorOptions::default();
    if let Some(strength) = r.strength {
        options.strength = Some(match strength {
            1 => Strength::Primary,
            2 => Strength::Secondary,
            3 => Strength::Tertiary,
            4 => Strength::Quaternary,
            5 => Strength::Identical,
            other => {
                return Err(QueryError::bad_value(format!(
                    "Field 'strength' must be an integer 1 through 5. Got: {other}"
                )));
            }
        });
    }
    if let Some(on) = r.case_level {
        options.case_level = Some(if on { CaseLevel::On } else { CaseLevel::Off });
    }
    if let Some(case_first) = &r.case_first {
        prefs.case_first = Some(match case_first.as_str() {
            "upper" => CollationCaseFirst::Upper,
            "lower" => CollationCaseFirst::Lower,
            "off" => CollationCaseFirst::False,
            other => {
                return Err(QueryError::bad_value(format!(
                    "Field 'caseFirst' must be 'upper', 'lower', or 'off'. Got: {other}"
                )));
            }
        });
    }
    if let Some(on) = r.numeric_ordering {
        prefs.numeric_ordering = Some(if on {
            CollationNumericOrdering::True
        } else {
            CollationNumericOrdering::False
        });
    }
    if let Some(alternate) = &r.alternate {
        options.alternate_handling = Some(match alternate.as_str() {
            "non-ignorable" => AlternateHandling::NonIgnorable,
            "shifted" => AlternateHandling::Shifted,
            other => {
                return Err(QueryError::bad_value(format!(
                    "Field 'alternate' must be 'non-ignorable' or 'shifted'. Got: {other}"
                )));
            }
        });
    }
    if let Some(max_variable) = &r.max_variable {
        options.max_variable = Some(match max_variable.as_str() {
            "punct" => MaxVariable::Punctuation,
            "space" => MaxVariable::Space,
            other => {
                return Err(QueryError::bad_value(format!(
                    "Field 'maxVariable' must be 'punct' or 'space'. Got: {other}"
                )));
            }
        });
    }
    // fr_CA is the one supported locale whose data turns backwards on.
    let locale_backwards = locale == "fr_CA";
    let backwards = r.backwards.unwrap_or(locale_backwards);
    let collator = if backwards == locale_backwards {
        Collator::try_new(prefs, options).map(icu_collator::CollatorBorrowed::static_to_owned)
    } else {
        Collator::try_new_unstable(&backwards::Backwards(backwards), prefs, options)
    }
    .map_err(|e| {
        QueryError::new(
            96,
            "OperationFailed",
            format!("Failed to create collator: {e}. Collation spec: {spec}"),
        )
    })?;
    let resolved = collator.as_borrowed().resolved_options();
    let strength = match resolved.strength {
        Strength::Primary => 1,
        Strength::Secondary => 2,
        Strength::Tertiary => 3,
        Strength::Quaternary => 4,
        _ => 5,
    };
    let case_level = resolved.case_level == CaseLevel::On;
    let case_first = match resolved.case_first {
        CollationCaseFirst::Upper => "upper",
        CollationCaseFirst::Lower => "lower",
        _ => "off",
    };
    if backwards && strength == 1 {
        return Err(QueryError::bad_value(format!(
            "'backwards' is invalid with 'strength' of 1 in: {spec}"
        )));
    }
    if case_first != "off" && !case_level && strength < 3 {
        return Err(QueryError::bad_value(format!(
            "'caseFirst' is invalid unless 'caseLevel' is on or 'strength' is greater than 2 in: {spec}"
        )));
    }
    let resolved_spec = doc! {
        "locale": locale,
        "caseLevel": case_level,
        "caseFirst": case_first,
        "strength": strength,
        "numericOrdering": resolved.numeric == CollationNumericOrdering::True,
        "alternate": if resolved.alternate_handling == AlternateHandling::Shifted { "shifted" } else { "non-ignorable" },
        "maxVariable": if resolved.max_variable == MaxVariable::Space { "space" } else { "punct" },
        "normalization": r.normalization.unwrap_or(false),
        "backwards": backwards,
        "version": ICU_VERSION,
    };
    Ok(Collation {
        spec: resolved_spec,
        collator,
    })
}

#[cfg(test)]
mod tests;
