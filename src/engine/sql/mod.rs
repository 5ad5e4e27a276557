//! The %%sql engine (not built yet).

use std::sync::Arc;

use crate::engine::{Engine, EngineError};

/// Opens a %%sql connection from its URL.
pub async fn open(url: &str) -> Result<Arc<dyn Engine>, EngineError> {
    Err(EngineError::new(
        "NotAvailable",
        format!("%%sql connections ({}) are not available in this build yet", crate::engine::registry::mask_password(url)),
    ))
}
