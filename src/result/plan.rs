//! A query plan as a cell's result: the engine-neutral [`queryplan::Plan`] an engine's parser
//! built, and, for `--compare NAME`, the plan kept under that name to draw beside it.

use super::Provenance;

#[derive(Debug, Clone)]
pub struct PlanResult {
    pub plan: queryplan::Plan,
    /// `--compare NAME`: the kept plan (the "before") and its name.
    pub before: Option<(String, queryplan::Plan)>,
    pub provenance: Provenance,
}
