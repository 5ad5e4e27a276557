//! Interruption and memory limits of one operation.
//!
//! The crate runs no threads and reads no clock, so the caller supplies what "stop" means: a
//! check (the engine's `killOp` flag and `maxTimeMS` deadline) that every long loop reaches
//! through [`Limits::tick`], at the cost of a counter decrement per unit of work and one call of
//! the check every [`CHECK_EVERY`] units. Sorting goes through [`Limits::sort_by`], a merge sort
//! that can stop between comparisons (the standard library's sort cannot be left early).
//!
//! Memory is counted two ways, both approximations walked over the values ([`Size`]):
//! - in BSON bytes, for mongod's own budgets, which are the contract users see: 100 MB per
//!   blocking stage (`$group`, `$sort`, `$bucketAuto`, `$setWindowFields`) unless
//!   `allowDiskUse`, 100 MB for one `$lookup` result, one `$facet` document, one `$graphLookup`
//!   search and one `$push`/`$addToSet` array, 16 MB for a document;
//! - in estimated bytes held by this engine's in-memory values (a `Bson` is 112 bytes before
//!   its payload, so small fields cost several times their BSON size), for this engine's own
//!   hard cap on what a stage *adds* to memory. mongod spills to disk with `allowDiskUse` and
//!   streams a pipeline's documents; this engine does neither, so the cap
//!   ([`MemoryLimits::hard_cap_bytes`]) is what stops a runaway `$lookup` or an `allowDiskUse`
//!   `$group` before it eats the machine. Sorting moves documents already held and adds
//!   nothing to it.

use std::cell::Cell;
use std::cmp::Ordering;

use bson::{Bson, Document};

use crate::error::{QueryError, Result};

/// mongod's `internalQueryMaxBlockingSortMemoryUsageBytes`, `internalDocumentSourceGroupMaxMemoryBytes`
/// and the other 100 MB stage budgets.
pub const STAGE_MEMORY_BYTES: usize = 100 * 1024 * 1024;

/// The largest document a pipeline may build (`BSONObjMaxInternalSize`: 16 MB + 16 KB).
pub const MAX_INTERNAL_DOCUMENT_BYTES: usize = 16 * 1024 * 1024 + 16 * 1024;

/// The most memory (estimated, see [`Size::held`]) one stage may add: what bounds a blocking
/// stage under `allowDiskUse: true` and what a stage may materialize for the next one.
pub const HARD_CAP_BYTES: usize = 1024 * 1024 * 1024;

/// Units of work between two calls of the caller's check.
pub const CHECK_EVERY: u32 = 128;

/// Elements sorted in one uninterruptible piece by [`Limits::sort_by`].
const SORT_RUN: usize = 512;

/// The byte budgets of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimits {
    /// The budget of each blocking stage, and of each `$lookup` result, `$facet` document,
    /// `$graphLookup` search and accumulator array (mongod's 100 MB).
    pub stage_bytes: usize,
    /// `allowDiskUse: true`: blocking stages may grow past `stage_bytes` (up to the hard cap).
    pub allow_disk_use: bool,
    /// The most memory one stage may add, in estimated bytes held ([`Size::held`]).
    pub hard_cap_bytes: usize,
    /// The largest document a stage may build.
    pub document_bytes: usize,
}

impl Default for MemoryLimits {
    fn default() -> Self {
        MemoryLimits {
            stage_bytes: STAGE_MEMORY_BYTES,
            allow_disk_use: false,
            hard_cap_bytes: HARD_CAP_BYTES,
            document_bytes: MAX_INTERNAL_DOCUMENT_BYTES,
        }
    }
}

impl MemoryLimits {
    /// mongod's budgets, with or without `allowDiskUse`.
    pub fn with_disk_use(allow_disk_use: bool) -> MemoryLimits {
        MemoryLimits {
            allow_disk_use,
            ..MemoryLimits::default()
        }
    }
}

/// The caller's interruption check: `Err` (11601 Interrupted, 50 MaxTimeMSExpired...) stops
/// the operation.
pub type Check<'a> = &'a dyn Fn() -> Result<()>;

/// The interruption hook and byte budgets of one operation, shared by all its stages
/// (sub-pipelines included) by reference.
pub struct Limits<'a> {
    check: Option<Check<'a>>,
    countdown: Cell<u32>,
    pub memory: MemoryLimits,
}

impl Default for Limits<'_> {
    /// No interruption, mongod's default budgets.
    fn default() -> Self {
        Limits::new(MemoryLimits::default())
    }
}

impl std::fmt::Debug for Limits<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("interruptible", &self.check.is_some())
            .field("memory", &self.memory)
            .finish()
    }
}

impl<'a> Limits<'a> {
    pub fn new(memory: MemoryLimits) -> Limits<'a> {
        Limits {
            check: None,
            countdown: Cell::new(CHECK_EVERY),
            memory,
        }
    }

    /// Adds the interruption check.
    pub fn with_check(mut self, check: Check<'a>) -> Limits<'a> {
        self.check = Some(check);
        self
    }

    /// One unit of work (a document read, matched, grouped, compared...): calls the check
    /// every [`CHECK_EVERY`] units.
    pub fn tick(&self) -> Result<()> {
        self.tick_n(1)
    }

    /// `n` units of work at once.
    pub fn tick_n(&self, n: u32) -> Result<()> {
        let left = self.countdown.get();
        if left > n {
            self.countdown.set(left - n);
            return Ok(());
        }
        self.countdown.set(CHECK_EVERY);
        self.check_now()
    }

    /// Calls the check now.
    pub fn check_now(&self) -> Result<()> {
        match self.check {
            Some(check) => check(),
            None => Ok(()),
        }
    }

    /// A budget for what one stage holds.
    pub fn budget(&self, kind: Budgeted) -> Budget {
        let m = &self.memory;
        let spills = matches!(
            kind,
            Budgeted::Group | Budgeted::Sort | Budgeted::SetWindowFields
        );
        let bson_limit = match kind {
            Budgeted::Results(_) => None,
            _ if spills && m.allow_disk_use => None,
            _ => Some(m.stage_bytes),
        };
        Budget {
            kind,
            used: Size::default(),
            bson_limit,
            held_limit: m.hard_cap_bytes,
            allow_disk_use: m.allow_disk_use,
            stage_bytes: m.stage_bytes,
        }
    }

    /// Sorts `items` stably by `cmp`, calling the check as it goes: runs of a few hundred
    /// elements are sorted in place, then merged with a tick per comparison.
    pub fn sort_by<T>(
        &self,
        items: Vec<T>,
        mut cmp: impl FnMut(&T, &T) -> Ordering,
    ) -> Result<Vec<T>> {
        if items.len() <= SORT_RUN {
            let mut items = items;
            self.tick_n(items.len() as u32)?;
            items.sort_by(&mut cmp);
            return Ok(items);
        }
        let mut runs: Vec<Vec<T>> = Vec::with_capacity(items.len().div_ceil(SORT_RUN));
        let mut rest = items.into_iter();
        loop {
            let mut run: Vec<T> = rest.by_ref().take(SORT_RUN).collect();
            if run.is_empty() {
                break;
            }
            self.tick_n(SORT_RUN as u32)?;
            run.sort_by(&mut cmp);
            runs.push(run);
        }
        while runs.len() > 1 {
            let mut merged = Vec::with_capacity(runs.len().div_ceil(2));
            let mut pairs = runs.into_iter();
            while let Some(left) = pairs.next() {
                match pairs.next() {
                    Some(right) => merged.push(self.merge(left, right, &mut cmp)?),
                    None => merged.push(left),
                }
            }
            runs = merged;
        }
        Ok(runs.pop().unwrap_or_default())
    }

    /// Merges two sorted runs; equal elements keep the left run first (stability).
    fn merge<T>(
        &self,
        left: Vec<T>,
        right: Vec<T>,
        cmp: &mut impl FnMut(&T, &T) -> Ordering,
    ) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(left.len() + right.len());
        let mut left = left.into_iter().peekable();
        let mut right = right.into_iter().peekable();
        loop {
            let take_right = match (left.peek(), right.peek()) {
                (Some(l), Some(r)) => {
                    self.tick()?;
                    cmp(r, l) == Ordering::Less
                }
                (Some(_), None) => {
                    out.extend(left);
                    break;
                }
                (None, _) => {
                    out.extend(right);
                    break;
                }
            };
            let next = if take_right {
                right.next()
            } else {
                left.next()
            };
            out.extend(next);
        }
        Ok(out)
    }

    /// Fails with mongod's 4568 when the documents one `$lookup` matched for one input
    /// document exceed the stage budget.
    pub fn check_lookup_result(&self, from: &str, bytes: usize) -> Result<()> {
        let max = self.memory.stage_bytes;
        if bytes > max {
            return Err(QueryError::location(
                4568,
                format!(
                    "Total size of documents in {from} matching pipeline's $lookup stage exceeds {max} bytes"
                ),
            ));
        }
        Ok(())
    }

    /// Fails with mongod's 146 when one `$push`/`$addToSet` array outgrows the stage budget.
    pub fn check_array(&self, op: &str, len: usize, bytes: usize, adding: usize) -> Result<()> {
        let max = self.memory.stage_bytes;
        if bytes.saturating_add(adding) < max {
            return Ok(());
        }
        let message = if op == "$addToSet" {
            format!(
                "Used too much memory for a single array. Memory limit: {max}. Current set has {len} elements and is {} bytes.",
                bytes + adding
            )
        } else {
            format!(
                "Used too much memory for a single array. Memory limit: {max} bytes. The array contains {len} elements and is of size {bytes} bytes. The element being added has size {adding} bytes."
            )
        };
        Err(QueryError::new(146, "ExceededMemoryLimit", message))
    }

    /// Fails with BSONObjectTooLarge (10334) when `doc` is larger than a document may be.
    pub fn check_document(&self, doc: &Document) -> Result<()> {
        let size = document_size(doc);
        let max = self.memory.document_bytes;
        if size <= max {
            return Ok(());
        }
        let first = doc
            .iter()
            .next()
            .map(|(k, v)| format!(" First element: {k}: {}", crate::fmt::short(v)))
            .unwrap_or_default();
        Err(QueryError::new(
            10334,
            "BSONObjectTooLarge",
            format!(
                "BSONObj size: {size} (0x{size:X}) is invalid. Size must be between 0 and {max}({}MB){first}",
                max / (1024 * 1024)
            ),
        ))
    }
}

/// What a [`Budget`] accounts for; it decides the limit and the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budgeted {
    /// `$group`, `$bucket`, `$sortByCount`: keys and accumulator states.
    Group,
    /// `$sort`, `$bucketAuto`, a find's in-memory sort: the documents being sorted.
    Sort,
    /// `$setWindowFields`: the partitions.
    SetWindowFields,
    /// `$facet`: the document it builds.
    Facet,
    /// `$graphLookup`: the documents one search visited.
    GraphLookup,
    /// The documents a stage materializes for the next one (named by the stage).
    Results(&'static str),
}

/// What one stage holds: BSON bytes (mongod's measure) and estimated in-memory bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    pub bson: usize,
    /// Heap and inline bytes of this engine's values: 112 per `Bson`, map slots and keys per
    /// document field, string and binary payloads.
    pub held: usize,
}

impl Size {
    /// BSON bytes of values this engine does not copy (sorting references or moving
    /// documents): counted for mongod's budget, nothing held.
    pub fn bson_only(bson: usize) -> Size {
        Size { bson, held: 0 }
    }
}

impl std::ops::Add for Size {
    type Output = Size;
    fn add(self, o: Size) -> Size {
        Size {
            bson: self.bson.saturating_add(o.bson),
            held: self.held.saturating_add(o.held),
        }
    }
}

/// Bytes held by one stage, against mongod's budget (BSON) and the engine's cap (held).
#[derive(Debug, Clone)]
pub struct Budget {
    kind: Budgeted,
    used: Size,
    bson_limit: Option<usize>,
    held_limit: usize,
    allow_disk_use: bool,
    stage_bytes: usize,
}

impl Budget {
    /// Accounts `size` more; fails with mongod's error once a limit is passed.
    pub fn add(&mut self, size: Size) -> Result<()> {
        self.used = self.used + size;
        if self.bson_limit.is_some_and(|l| self.used.bson > l) {
            return Err(self.exceeded());
        }
        if self.used.held > self.held_limit {
            return Err(self.capped());
        }
        Ok(())
    }

    /// Accounts a document the stage copied or built.
    pub fn add_document(&mut self, doc: &Document) -> Result<()> {
        self.add(document_sizes(doc))
    }

    /// Gives `size` back (a value replaced by a smaller one).
    pub fn release(&mut self, size: Size) {
        self.used.bson = self.used.bson.saturating_sub(size.bson);
        self.used.held = self.used.held.saturating_sub(size.held);
    }

    /// What was accounted so far.
    pub fn used(&self) -> Size {
        self.used
    }

    /// mongod's error for its own budget.
    fn exceeded(&self) -> QueryError {
        const NO_DISK: &str = "QueryExceededMemoryLimitNoDiskUseAllowed";
        let limit = self.bson_limit.unwrap_or(self.stage_bytes);
        let used = self.used.bson;
        match self.kind {
            Budgeted::Group => QueryError::new(
                292,
                NO_DISK,
                "Exceeded memory limit for $group, but didn't allow external sort. Pass allowDiskUse:true to opt in.",
            ),
            Budgeted::Sort => QueryError::new(
                292,
                NO_DISK,
                format!(
                    "Sort exceeded memory limit of {limit} bytes, but did not opt in to external sorting."
                ),
            ),
            Budgeted::SetWindowFields => QueryError::location(
                5414201,
                format!(
                    "Exceeded memory limit in DocumentSourceSetWindowFields, used {used} bytes but max allowed is {limit}"
                ),
            ),
            Budgeted::Facet => QueryError::location(
                4031700,
                format!(
                    "document constructed by $facet is {used} bytes, which exceeds the limit of {limit} bytes"
                ),
            ),
            Budgeted::GraphLookup => {
                QueryError::location(40099, "$graphLookup reached maximum memory consumption")
            }
            Budgeted::Results(stage) => self.capped_as(stage),
        }
    }

    /// This engine's error for its hard cap.
    fn capped(&self) -> QueryError {
        let stage = match self.kind {
            Budgeted::Group => "$group",
            Budgeted::Sort => "Sort",
            Budgeted::SetWindowFields => "$setWindowFields",
            Budgeted::Facet => "$facet",
            Budgeted::GraphLookup => "$graphLookup",
            Budgeted::Results(stage) => stage,
        };
        if matches!(
            self.kind,
            Budgeted::Group | Budgeted::Sort | Budgeted::SetWindowFields
        ) {
            let lifted = if self.allow_disk_use {
                format!(
                    " allowDiskUse:true lifts mongod's {} byte limit up to this cap only.",
                    self.stage_bytes
                )
            } else {
                String::new()
            };
            return QueryError::new(
                146,
                "ExceededMemoryLimit",
                format!(
                    "{stage} used more than {} bytes of memory: the embedded engine keeps everything in memory and does not spill to disk.{lifted} Narrow the input with $match, or use fewer or smaller keys.",
                    self.held_limit
                ),
            );
        }
        self.capped_as(stage)
    }

    fn capped_as(&self, stage: &str) -> QueryError {
        QueryError::new(
            146,
            "ExceededMemoryLimit",
            format!(
                "{stage} built more than {} bytes of documents in memory. mongod streams a pipeline's documents to the client; the embedded engine holds them and stops here. Add $limit, $project only the fields you need, or narrow the input with $match.",
                self.held_limit
            ),
        )
    }
}

/// Estimated bytes of one document field besides its value's payload: the map slot (hash,
/// key `String`, 112-byte `Bson`), the index entry and the key's allocation.
const FIELD_HELD_BYTES: usize = 8 + 24 + 112 + 9 + 16;
/// Estimated bytes of one array element besides its payload: the `Bson` itself.
const ELEMENT_HELD_BYTES: usize = 112;
/// A `Document`'s own struct.
const DOCUMENT_HELD_BYTES: usize = 88;

/// The BSON size of a document, in bytes (what `Document::to_vec` would produce).
pub fn document_size(doc: &Document) -> usize {
    document_sizes(doc).bson
}

/// The BSON size of a value without its type byte and field name.
pub fn value_size(v: &Bson) -> usize {
    value_sizes(v).bson
}

/// BSON and held sizes of a document.
pub fn document_sizes(doc: &Document) -> Size {
    let mut size = Size {
        bson: 5,
        held: DOCUMENT_HELD_BYTES,
    };
    for (k, v) in doc {
        let inner = value_sizes(v);
        size.bson += 2 + k.len() + inner.bson;
        size.held += FIELD_HELD_BYTES + k.len() + inner.held;
    }
    size
}

/// BSON size of a value (without type byte and field name), and its held payload (the
/// `Bson` slot itself is counted by its container).
pub fn value_sizes(v: &Bson) -> Size {
    let fixed = |bson| Size { bson, held: 0 };
    let heap = |bson, held| Size { bson, held };
    match v {
        Bson::Double(_) | Bson::Int64(_) | Bson::DateTime(_) | Bson::Timestamp(_) => fixed(8),
        Bson::Int32(_) => fixed(4),
        Bson::Decimal128(_) => fixed(16),
        Bson::Boolean(_) => fixed(1),
        Bson::Null | Bson::Undefined | Bson::MinKey | Bson::MaxKey => fixed(0),
        Bson::ObjectId(_) => fixed(12),
        Bson::String(s) | Bson::JavaScriptCode(s) | Bson::Symbol(s) => heap(5 + s.len(), s.len()),
        Bson::Document(d) => {
            let inner = document_sizes(d);
            heap(inner.bson, inner.held - DOCUMENT_HELD_BYTES)
        }
        Bson::Array(items) => {
            let mut size = Size { bson: 5, held: 24 };
            for (i, item) in items.iter().enumerate() {
                let inner = value_sizes(item);
                size.bson += 2 + index_digits(i) + inner.bson;
                size.held += ELEMENT_HELD_BYTES + inner.held;
            }
            size
        }
        Bson::Binary(b) => heap(5 + b.bytes.len(), b.bytes.len()),
        Bson::RegularExpression(r) => {
            let n = r.pattern.as_str().len() + r.options.as_str().len();
            heap(n + 2, n)
        }
        Bson::JavaScriptCodeWithScope(c) => {
            let scope = document_sizes(&c.scope);
            heap(4 + 5 + c.code.len() + scope.bson, c.code.len() + scope.held)
        }
        // Namespace plus ObjectId; the namespace is not reachable, so count a short one.
        Bson::DbPointer(_) => heap(5 + 12 + 16, 16),
    }
}

/// The held size of a value stored on its own (a group key, an accumulator's value).
pub fn held_value(v: &Bson) -> Size {
    let inner = value_sizes(v);
    Size {
        bson: inner.bson,
        held: ELEMENT_HELD_BYTES + inner.held,
    }
}

fn index_digits(i: usize) -> usize {
    let mut digits = 1;
    let mut n = i / 10;
    while n > 0 {
        digits += 1;
        n /= 10;
    }
    digits
}

/// For tests: a check that fails with 11601 from its `after`-th call on, counting its calls.
#[cfg(test)]
pub(crate) fn interrupt_after(
    after: u32,
    calls: &std::cell::Cell<u32>,
) -> impl Fn() -> Result<()> + '_ {
    move || {
        calls.set(calls.get() + 1);
        if calls.get() >= after {
            Err(QueryError::new(
                11601,
                "Interrupted",
                "operation was interrupted",
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;
    use std::cell::Cell;

    #[test]
    fn document_size_is_the_bson_length() {
        let d = doc! {
            "a": 1, "b": "xyz", "c": [1, 2.5, {"d": null}], "e": {"f": true},
            "g": bson::oid::ObjectId::new(), "h": 5_i64, "i": bson::DateTime::from_millis(0),
            "j": Bson::Binary(bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![1, 2, 3] }),
            "k": Bson::RegularExpression(bson::Regex {
                pattern: "ab".to_string().try_into().expect("pattern"),
                options: "i".to_string().try_into().expect("options"),
            }),
        };
        let encoded = d.to_vec().expect("encodes");
        assert_eq!(document_size(&d), encoded.len());
        let big: Vec<Bson> = (0..1234).map(Bson::Int32).collect();
        let d = doc! {"arr": big};
        assert_eq!(document_size(&d), d.to_vec().expect("encodes").len());
    }

    #[test]
    fn tick_calls_the_check_every_n_units() {
        let calls = Cell::new(0);
        let check = || {
            calls.set(calls.get() + 1);
            Ok(())
        };
        let limits = Limits::default().with_check(&check);
        for _ in 0..(CHECK_EVERY * 3) {
            limits.tick().expect("no interruption");
        }
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn interrupted_sort_returns_the_check_error() {
        let calls = Cell::new(0);
        let check = interrupt_after(6, &calls);
        let limits = Limits::default().with_check(&check);
        let items: Vec<i64> = (0..100_000).rev().collect();
        let err = limits.sort_by(items, |a, b| a.cmp(b)).expect_err("stops");
        assert_eq!(err.code, 11601);
    }

    #[test]
    fn sort_by_is_a_stable_sort() {
        let limits = Limits::default();
        let items: Vec<(u32, usize)> = (0..5000).map(|i| ((i * 7919 % 13) as u32, i)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|x| x.0);
        let sorted = limits.sort_by(items, |a, b| a.0.cmp(&b.0)).expect("sorts");
        assert_eq!(sorted, expected);
    }

    #[test]
    fn blocking_budgets_fail_like_mongod() {
        let limits = Limits::new(MemoryLimits {
            stage_bytes: 100,
            ..MemoryLimits::default()
        });
        let mut group = limits.budget(Budgeted::Group);
        group.add(Size::bson_only(60)).expect("under");
        let e = group.add(Size::bson_only(60)).expect_err("over");
        assert_eq!(
            (e.code, e.code_name),
            (292, "QueryExceededMemoryLimitNoDiskUseAllowed")
        );
        let mut sort = limits.budget(Budgeted::Sort);
        let e = sort.add(Size::bson_only(101)).expect_err("over");
        assert_eq!(
            e.message,
            "Sort exceeded memory limit of 100 bytes, but did not opt in to external sorting."
        );
    }

    #[test]
    fn disk_use_raises_the_budget_to_the_hard_cap_only() {
        let limits = Limits::new(MemoryLimits {
            stage_bytes: 100,
            allow_disk_use: true,
            hard_cap_bytes: 1000,
            ..MemoryLimits::default()
        });
        let mut group = limits.budget(Budgeted::Group);
        let size = |n| Size { bson: n, held: n };
        group
            .add(size(500))
            .expect("allowDiskUse lifts mongod's budget");
        let e = group.add(size(600)).expect_err("the cap still holds");
        assert_eq!(e.code, 146);
        assert!(
            e.message.contains("does not spill to disk"),
            "{}",
            e.message
        );
    }

    #[test]
    fn oversized_document_is_bson_object_too_large() {
        let limits = Limits::new(MemoryLimits {
            document_bytes: 64,
            ..MemoryLimits::default()
        });
        let e = limits
            .check_document(&doc! {"_id": 1, "s": "x".repeat(100)})
            .expect_err("too large");
        assert_eq!(e.code, 10334);
        assert!(e.message.starts_with("BSONObj size: "), "{}", e.message);
        assert!(
            e.message.ends_with("First element: _id: 1"),
            "{}",
            e.message
        );
    }
}
