//! Capped collections: a byte budget (`size`) and optionally a document budget
//! (`max`), kept by removing the oldest documents after each insert.
//!
//! Records are keyed by an ever-growing record id, so natural order is insertion
//! order and "the oldest" is simply the first record. The running byte total is
//! kept on the collection (see [`Capped`]) so that an insert does not re-measure
//! every stored document. Evictions go through `Catalog::remove`, so they are
//! journaled like any delete and a persisted capped collection replays to the
//! same documents.
//!
//! The create-time checks and normalisation follow mongod 7.0: `size` is required
//! when `capped` is true, must be 1 byte to 1 PB and is rounded up to a multiple
//! of 256; `max` must be below 2^31 and a non-positive `max` means "no limit"
//! (shown as 2147483647, as mongod does).

use bson::{Bson, Document, doc};

use crate::catalog::Catalog;
use crate::error::{CommandError, Result, codes};

/// An error with one of the codes of this module family and mongod's `codeName` for it
/// (mongod names codes without a symbolic name `Location<code>`).
pub fn error(code: i32, message: impl Into<String>) -> CommandError {
    let code_name = match code {
        136 => "CappedPositionLost",
        166 => "CommandNotSupportedOnView",
        237 => "CursorKilled",
        279 => "ClientDisconnect",
        17152 => "Location17152",
        40414 => "Location40414",
        40415 => "Location40415",
        51024 => "Location51024",
        5979700 => "Location5979700",
        6049200 => "Location6049200",
        6049204 => "Location6049204",
        6127800 => "Location6127800",
        other => crate::error::code_name(other),
    };
    CommandError {
        code,
        code_name,
        message: message.into(),
        extra: None,
    }
}

/// mongod's upper bound for `size` (1 PB).
const MAX_SIZE: i64 = 1_125_899_906_842_624;
/// mongod's `max` when none (or a non-positive one) is given.
const NO_MAX: i64 = 0x7fff_ffff;

/// The limits of a capped collection and its current data size.
#[derive(Debug, Clone, PartialEq)]
pub struct Capped {
    /// The byte budget (already rounded as mongod rounds it).
    pub size: i64,
    /// The document budget, when one was given.
    pub max: Option<i64>,
    /// Sum of the BSON sizes of the stored documents.
    pub bytes: i64,
}

impl Capped {
    /// The limits a collection's stored options describe; `None` for an ordinary collection.
    pub fn from_options(options: &Document) -> Option<Capped> {
        if !matches!(options.get("capped"), Some(Bson::Boolean(true))) {
            return None;
        }
        let size = options.get("size").and_then(whole_number).unwrap_or(0);
        let max = options.get("max").and_then(whole_number);
        Some(Capped {
            size,
            max,
            bytes: 0,
        })
    }

    /// Whether the collection (holding `count` documents) is over a budget.
    pub fn over(&self, count: usize) -> bool {
        self.bytes > self.size || self.max.is_some_and(|m| count as i64 > m)
    }
}

/// The BSON size of a stored document.
pub fn doc_size(doc: &Document) -> i64 {
    crate::commands::write_util::bson_size(doc) as i64
}

fn whole_number(v: &Bson) -> Option<i64> {
    match v {
        Bson::Int32(i) => Some(i64::from(*i)),
        Bson::Int64(i) => Some(*i),
        Bson::Double(d) if d.fract() == 0.0 && d.is_finite() => Some(*d as i64),
        Bson::Decimal128(d) => d.to_string().parse::<f64>().ok().map(|f| f as i64),
        _ => None,
    }
}

/// `size`/`max` as the IDL parser reads them (safeInt64: numbers only, whole).
fn safe_int64(cmd: &Document, field: &str) -> Result<Option<i64>> {
    match cmd.get(field) {
        None => Ok(None),
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_))) => {
            match whole_number(v) {
                Some(n) => Ok(Some(n)),
                None => Err(CommandError::bad_value(format!(
                    "BSON field 'create.{field}' has a non-integral value {v}"
                ))),
            }
        }
        Some(other) => Err(CommandError::type_mismatch(format!(
            "BSON field 'create.{field}' is the wrong type '{}', expected types '[long, int, decimal, double]'",
            docdb_query::value::type_alias(other)
        ))),
    }
}

/// mongod's rounding of a capped size: up to the next multiple of 256.
pub fn round_size(size: i64) -> i64 {
    (size.saturating_add(0xff)) & !0xff
}

fn idl_range_error(field: &str, rule: &str, value: i64) -> CommandError {
    error(
        51024,
        format!("BSON field '{field}' value must be {rule}, actual value '{value}'"),
    )
}

/// Reads `capped`/`size`/`max` of a `create` command (which is not clustered) and returns
/// the options a capped collection keeps, in mongod's order: `{capped, size, max?}`. An
/// empty document for an ordinary collection.
pub fn create_options(cmd: &Document) -> Result<Document> {
    let capped = match cmd.get("capped") {
        None => false,
        Some(Bson::Boolean(b)) => *b,
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => {
            whole_number(v).unwrap_or(1) != 0
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.capped' is the wrong type '{}', expected types '[bool, long, int, decimal, double]'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    let size = safe_int64(cmd, "size")?;
    let max = safe_int64(cmd, "max")?;
    if let Some(s) = size {
        if s < 1 {
            return Err(idl_range_error("size", ">= 1", s));
        }
        if s > MAX_SIZE {
            return Err(idl_range_error("size", "<= 1125899906842624", s));
        }
    }
    if let Some(m) = max
        && m >= 1 << 31
    {
        return Err(idl_range_error("max", "< 2147483648", m));
    }
    if capped && size.is_none() {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "the 'size' field is required when 'capped' is true",
        ));
    }
    if !capped && (size.is_some() || max.is_some()) {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "the 'capped' field needs to be true when either the 'size' or 'max' fields are present",
        ));
    }
    let Some(size) = size.filter(|_| capped) else {
        return Ok(Document::new());
    };
    let mut out = doc! {"capped": true, "size": number(round_size(size))};
    if let Some(m) = max {
        out.insert("max", number(if m <= 0 { NO_MAX } else { m }));
    }
    Ok(out)
}

/// mongod's `appendNumber`: an int when it fits, else a long.
pub fn number(n: i64) -> Bson {
    match i32::try_from(n) {
        Ok(i) => Bson::Int32(i),
        Err(_) => Bson::Int64(n),
    }
}

/// Refuses a document that alone exceeds the collection's byte budget (before it is stored).
pub fn check_fits(capped: Option<&Capped>, doc: &Document) -> Result<()> {
    if let Some(c) = capped
        && doc_size(doc) > c.size
    {
        return Err(CommandError::bad_value(
            "object to insert exceeds cappedMaxSize",
        ));
    }
    Ok(())
}

/// Removes the oldest documents of `db.coll` until it is within its budgets (journaled deletes).
/// Returns how many were removed.
pub fn evict(cat: &mut Catalog, db: &str, coll: &str) -> usize {
    let mut removed = 0;
    loop {
        let oldest = match cat.get(db, coll) {
            Some(c) => match &c.capped {
                Some(cap) if cap.over(c.len()) && c.len() > 1 => c.records.first(),
                _ => None,
            },
            None => None,
        };
        let Some(record) = oldest else {
            return removed;
        };
        if cat.remove(db, coll, record).is_none() {
            return removed;
        }
        removed += 1;
    }
}

/// The fields collStats (and `$collStats` storageStats) add for a capped collection.
pub fn stats_fields(capped: Option<&Capped>, out: &mut Document) {
    match capped {
        Some(c) => {
            out.insert("capped", true);
            out.insert("max", number(c.max.unwrap_or(0)));
            out.insert("maxSize", number(c.size));
        }
        None => {
            out.insert("capped", false);
        }
    }
}

/// A `collMod` of a capped collection's budgets: `(cappedSize, cappedMax)`, each optional.
pub type CappedChange = (Option<i64>, Option<i64>);

fn coll_mod_number(cmd: &Document, field: &str) -> Result<Option<i64>> {
    match cmd.get(field) {
        None | Some(Bson::Null) => Ok(None),
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_))) => {
            Ok(Some(crate::index::spec::number(v).unwrap_or(0.0) as i64))
        }
        Some(other) => Err(CommandError::type_mismatch(format!(
            "BSON field 'collMod.{field}' is the wrong type '{}', expected types '[double, int, long, decimal]'",
            docdb_query::value::type_alias(other)
        ))),
    }
}

/// Reads `cappedSize`/`cappedMax` of a `collMod`; `None` when it changes neither.
pub fn coll_mod_change(cmd: &Document) -> Result<Option<CappedChange>> {
    let size = coll_mod_number(cmd, "cappedSize")?;
    let max = coll_mod_number(cmd, "cappedMax")?;
    if let Some(s) = size {
        if s < 1 {
            return Err(CommandError::bad_value(format!(
                "BSON field 'cappedSize' value must be >= 1, actual value '{s}'"
            )));
        }
        if s > MAX_SIZE {
            return Err(CommandError::bad_value(format!(
                "BSON field 'cappedSize' value must be <= 1125899906842624, actual value '{s}'"
            )));
        }
    }
    if let Some(m) = max
        && m >= 1 << 31
    {
        return Err(CommandError::bad_value(format!(
            "BSON field 'cappedMax' value must be < 2147483648, actual value '{m}'"
        )));
    }
    Ok((size.is_some() || max.is_some()).then_some((size, max)))
}

/// Applies a `collMod` of the budgets (journaled through `set_options`). The new limits
/// apply from the next insert on, as in mongod.
pub fn apply_coll_mod(
    cat: &mut Catalog,
    db: &str,
    coll: &str,
    change: &CappedChange,
) -> Result<()> {
    let Some(c) = cat.get(db, coll) else {
        return Err(CommandError::new(
            codes::NAMESPACE_NOT_FOUND,
            format!("ns does not exist: {db}.{coll}"),
        ));
    };
    if c.capped.is_none() {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "Collection must be capped.",
        ));
    }
    let mut options = c.options.clone();
    if let Some(size) = change.0 {
        options.insert("size", number(size));
    }
    if let Some(max) = change.1 {
        options.insert("max", number(if max <= 0 { NO_MAX } else { max }));
    }
    cat.set_options(db, coll, options)
}

/// Re-reads a collection's budgets from its options, keeping its running data size.
pub fn refresh(c: &mut crate::collection::Collection) {
    let bytes = c.capped.as_ref().map_or(0, |cap| cap.bytes);
    c.capped = Capped::from_options(&c.options).map(|mut cap| {
        cap.bytes = bytes;
        cap
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_rounded_up_to_256_and_max_kept() {
        let o =
            create_options(&doc! {"create": "c", "capped": true, "size": 1000, "max": 5}).unwrap();
        assert_eq!(o, doc! {"capped": true, "size": 1024, "max": 5});
        let o = create_options(&doc! {"create": "c", "capped": true, "size": 4096}).unwrap();
        assert_eq!(o, doc! {"capped": true, "size": 4096});
    }

    #[test]
    fn mongod_create_errors() {
        let code = |cmd: Document| create_options(&cmd).unwrap_err().code;
        assert_eq!(code(doc! {"create": "c", "capped": true}), 72);
        assert_eq!(code(doc! {"create": "c", "size": 100}), 72);
        assert_eq!(code(doc! {"create": "c", "capped": true, "size": 0}), 51024);
        assert_eq!(
            code(doc! {"create": "c", "capped": true, "size": 10, "max": 1_i64 << 31}),
            51024
        );
        assert_eq!(code(doc! {"create": "c", "capped": true, "size": "x"}), 14);
    }
}
