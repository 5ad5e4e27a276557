//! Variables visible to statements.
//!
//! Two namespaces: shell variables declared in cells (`const q = {...}`,
//! or results bound with `const r = db.c.insertOne(...)`), and kernel
//! variables the kernel injects for `{{name}}` placeholders. They are kept
//! apart so a cell's `const limit = 3` never silently changes what
//! `{{limit}}` means, and values are always BSON: a kernel variable is
//! inserted as a value, never spliced in as text.

use std::collections::HashMap;

use bson::Bson;

/// The variable environment of a notebook session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    vars: HashMap<String, Bson>,
    handles: HashMap<String, Handle>,
    kernel_vars: HashMap<String, Bson>,
}

/// A variable that names a database or collection rather than holding a value
/// (`const users = db.getCollection('users')`), so later `users.find()` works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handle {
    /// A database.
    Database(String),
    /// A collection in a database.
    Collection {
        /// Database name.
        db: String,
        /// Collection name.
        name: String,
    },
}

/// What a variable holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Binding {
    /// A BSON value.
    Value(Bson),
    /// A database or collection handle.
    Handle(Handle),
}

impl From<Bson> for Binding {
    fn from(value: Bson) -> Self {
        Binding::Value(value)
    }
}

impl From<Handle> for Binding {
    fn from(handle: Handle) -> Self {
        Binding::Handle(handle)
    }
}

impl Env {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set a shell variable (from `const/let/var`, `x = ...` or an operation's `bind`).
    pub fn set(&mut self, name: &str, value: impl Into<Binding>) {
        match value.into() {
            Binding::Value(v) => {
                self.handles.remove(name);
                self.vars.insert(name.to_string(), v);
            }
            Binding::Handle(h) => {
                self.vars.remove(name);
                self.handles.insert(name.to_string(), h);
            }
        }
    }

    /// A handle variable's target.
    pub fn handle(&self, name: &str) -> Option<&Handle> {
        self.handles.get(name)
    }

    /// A shell variable's value.
    pub fn get(&self, name: &str) -> Option<&Bson> {
        self.vars.get(name)
    }

    /// Set a kernel variable, used by `{{name}}`.
    pub fn set_kernel_var(&mut self, name: &str, value: Bson) {
        self.kernel_vars.insert(name.to_string(), value);
    }

    /// Forgets every kernel variable. The kernel sets the ones a cell reads before it runs and
    /// clears them after, so a large value is not kept twice (as a kernel table and as BSON).
    pub fn clear_kernel_vars(&mut self) {
        self.kernel_vars = HashMap::new();
    }

    /// Forgets one kernel variable (once no later statement of the cell reads it).
    pub fn remove_kernel_var(&mut self, name: &str) {
        self.kernel_vars.remove(name);
    }

    /// A kernel variable's value.
    pub fn kernel_var(&self, name: &str) -> Option<&Bson> {
        self.kernel_vars.get(name)
    }

    /// Names of the shell variables, sorted (for "did you mean" suggestions).
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .vars
            .keys()
            .chain(self.handles.keys())
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_and_kernel_variables_are_separate() {
        let mut env = Env::new();
        env.set("limit", Bson::Int32(1));
        env.set_kernel_var("limit", Bson::Int32(5));
        assert_eq!(env.get("limit"), Some(&Bson::Int32(1)));
        assert_eq!(env.kernel_var("limit"), Some(&Bson::Int32(5)));
        assert_eq!(env.names(), vec!["limit"]);
        env.set("limit", Handle::Database("x".into()));
        assert_eq!(env.get("limit"), None);
        assert_eq!(env.handle("limit"), Some(&Handle::Database("x".into())));
    }
}
