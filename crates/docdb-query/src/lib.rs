//! MongoDB query semantics on BSON documents (work in progress).
