//! Hands the schema cache what completion needs from the executor's session after each cell:
//! connection names and engines, and the variables as `%vars` shows them.

use crate::catalog::cache::VariableInfo;
use crate::kernel::Shared;
use crate::session::Session;

pub fn after_cell(shared: &Shared, session: &Session, code: &str) {
    let variables = {
        let store = session.variables.lock();
        store
            .iter()
            .map(|(name, value)| {
                let (kind, summary) = value.summary();
                VariableInfo {
                    name: name.clone(),
                    kind,
                    summary,
                }
            })
            .collect()
    };
    shared
        .catalog
        .after_cell(session.connections.entries(), variables, code);
}
