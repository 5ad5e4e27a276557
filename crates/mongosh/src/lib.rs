//! mongosh-subset parser (work in progress).
