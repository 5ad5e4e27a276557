//! Hands the schema cache what completion needs from the executor's session after each cell:
//! connection names and engines, and the variables as `%vars` shows them (with their shape as
//! tables of the `results` connection).

use crate::catalog::cache::VariableInfo;
use crate::kernel::Shared;
use crate::session::Session;

pub fn after_cell(shared: &Shared, session: &Session, code: &str) {
    let variables = {
        let store = session.variables.lock();
        let previous = shared.catalog.variables();
        let mut tables = crate::catalog::kept::shapes(&store, &previous).into_iter();
        store
            .iter()
            .map(|(name, value)| {
                let (kind, summary) = value.summary();
                VariableInfo {
                    name: name.clone(),
                    kind,
                    summary,
                    version: store.version(name),
                    table: tables.next().and_then(|(_, t)| t),
                }
            })
            .collect()
    };
    shared
        .catalog
        .after_cell(session.connections.entries(), variables, code);
}
