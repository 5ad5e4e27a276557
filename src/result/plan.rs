//! A query plan as a cell's result: the engine-neutral [`queryplan::Plan`] an engine's parser
//! built, and, for `--compare NAME`, the plan kept under that name to draw beside it.

use super::Provenance;

#[derive(Debug, Clone)]
pub struct PlanResult {
    pub plan: queryplan::Plan,
    /// `--compare NAME`: the kept plan (the "before") and its name.
    pub before: Option<(String, queryplan::Plan)>,
    pub provenance: Provenance,
    /// The cell asked for a JSON tree (`%%mql --json`): the raw plan is also offered as
    /// `application/json`, which JupyterLab then shows instead of the drawing.
    pub json_tree: bool,
}
