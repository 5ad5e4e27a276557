//! Every threshold the warnings and the drawings use, in one place, with the reason for its
//! value. The values follow the tools people already trust (pev2, explain.depesz.com, pgAdmin,
//! MongoDB Compass; see the research note) so a student sees the same verdict there.

/// An estimate off by this factor or more (either direction) is a misestimate: the factor at
/// which pev2 and depesz start to colour a node.
pub const MISESTIMATE_FACTOR: f64 = 10.0;

/// A node whose exclusive share of the plan's time (or cost) is at least this is "where the
/// time goes": it is named in the summary and drawn in the strongest colour.
pub const DOMINANT_SHARE: f64 = 0.5;

/// Below these totals no node is called "where the time goes": in a 0.2 ms plan, or one that
/// examined a handful of documents, nothing is worth fixing first.
pub const DOMINANT_MIN_MS: f64 = 1.0;
pub const DOMINANT_MIN_EXAMINED: f64 = 100.0;

/// Shares at which a node's bar turns from neutral to amber and to red (pev2's 10/40/90 % of
/// time, the middle steps).
pub const SHARE_WARN: f64 = 0.1;
pub const SHARE_BAD: f64 = 0.4;

/// A filter that throws away at least this share of the rows it reads makes a scan wasteful
/// (pev2's "rows removed by filter" > 50 %)...
pub const DISCARDED_SHARE: f64 = 0.5;
/// ...provided it read at least this many rows: scanning a 20-row table is fine.
pub const DISCARDED_MIN_ROWS: f64 = 1000.0;

/// A nested loop whose inner side ran this many times or more: each loop repeats the inner
/// scan, so a hash or merge join (or an index) is usually better.
pub const NESTED_LOOP_MANY_LOOPS: f64 = 1000.0;

/// An index-only scan that had to visit the table for at least this share of its rows (heap
/// fetches): the visibility map is stale, VACUUM would make the scan index-only again.
pub const HEAP_FETCH_SHARE: f64 = 0.1;

/// MongoDB: documents or keys examined per document returned at or above this ratio (and at
/// least [`EXAMINED_MIN`] examined) means the query reads far more than it needs.
pub const EXAMINED_PER_RETURNED: f64 = 10.0;
pub const EXAMINED_MIN: f64 = 100.0;

/// Drawing large plans: with more than this many nodes, subtrees whose share of the time (or
/// cost) is below [`FOLD_SHARE`] are folded into one line that says how many nodes it holds.
pub const FOLD_MIN_NODES: usize = 40;
pub const FOLD_SHARE: f64 = 0.02;

/// A sort held in memory takes several times the space its compact form takes on disk: on this
/// machine 200,000 rows written as 4,072 kB sorted in memory in 15,852 kB (×3.9). The work_mem
/// hint is the disk size times this, rounded up to whole MB.
pub const SPILL_MEMORY_FACTOR: f64 = 4.5;

/// PostgreSQL's default `work_mem` (4 MB), used in the hint when the plan does not say.
pub const DEFAULT_WORK_MEM_KB: f64 = 4096.0;
