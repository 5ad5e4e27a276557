//! The engine-neutral variable store behind `%set`, `%vars`, `--out NAME`, SQL `:name` binds,
//! `{{name}}` in MQL and Redis cells.
//!
//! Values keep their structure (a table stays a table, documents stay BSON) so that a result
//! captured in one language can be bound as a typed parameter in another, never spliced as text.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::result::{RedisValue, Table};

/// A scalar: what `%set` stores and what binds as a single parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Scalar {
    /// Parses the right-hand side of `%set NAME = VALUE`: JSON-ish literals (`42`, `3.5`, `true`,
    /// `null`, `'text'` or `"text"`), anything else is taken as text verbatim. Inside quotes the
    /// quote is written twice, as in SQL: `'O''Brien'` is `O'Brien`; a single one in the middle
    /// is refused, since it could mean either.
    pub fn parse_literal(raw: &str) -> Result<Scalar, String> {
        let raw = raw.trim();
        match raw {
            "null" | "NULL" => return Ok(Scalar::Null),
            "true" | "TRUE" => return Ok(Scalar::Bool(true)),
            "false" | "FALSE" => return Ok(Scalar::Bool(false)),
            _ => {}
        }
        if let Ok(i) = raw.parse::<i64>() {
            return Ok(Scalar::Int(i));
        }
        if let Ok(f) = raw.parse::<f64>()
            && f.is_finite()
        {
            return Ok(Scalar::Float(f));
        }
        for quote in ['\'', '"'] {
            if raw.len() >= 2 && raw.starts_with(quote) && raw.ends_with(quote) {
                return unquote(&raw[1..raw.len() - 1], quote).map(Scalar::Text);
            }
        }
        Ok(Scalar::Text(raw.to_string()))
    }

    pub fn describe(&self) -> String {
        match self {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Text(s) => format!("{s:?}"),
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "bool",
            Scalar::Int(_) => "int",
            Scalar::Float(_) => "float",
            Scalar::Text(_) => "text",
        }
    }
}

/// The inside of a quoted `%set` value: each doubled quote stands for one.
fn unquote(inner: &str, quote: char) -> Result<String, String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != quote {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&quote) {
            chars.next();
            out.push(quote);
            continue;
        }
        return Err(format!(
            "%set: a {quote} inside a {quote}-quoted value must be doubled: {quote}{}{quote}; or quote the value with the other quote mark",
            inner.replace(quote, &format!("{quote}{quote}"))
        ));
    }
    Ok(out)
}

/// One stored variable.
#[derive(Debug, Clone)]
pub enum Variable {
    Scalar(Scalar),
    Table(Table),
    Documents(Vec<bson::Document>),
    Bson(bson::Bson),
    Redis(RedisValue),
}

impl Variable {
    /// A one-line summary for `%vars`.
    pub fn summary(&self) -> (String, String) {
        match self {
            Variable::Scalar(s) => (s.type_name().into(), s.describe()),
            Variable::Table(t) => (
                "table".into(),
                format!("{} rows × {} columns", t.total_rows, t.columns.len()),
            ),
            Variable::Documents(d) => ("documents".into(), format!("{} documents", d.len())),
            Variable::Bson(b) => ("bson".into(), truncate(&b.to_string(), 60)),
            Variable::Redis(_) => ("redis reply".into(), String::new()),
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// Where a kept variable came from, for `%vars`: the connection and language of the cell that
/// kept it (or `%import`, `%set`), the cell's first line, and for Redis the command whose reply
/// was kept (it decides how the reply reads as a table in the `results` connection).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Source {
    /// `pg (%%sql)`, `mongo (%%mql)`, `%import data.csv`, `%set`.
    pub origin: String,
    /// The cell's first line of code, shortened.
    pub first_line: String,
    /// The upper-cased name of the Redis command whose reply was kept (`HGETALL`).
    pub redis_command: Option<String>,
}

#[derive(Debug, Default)]
pub struct Variables {
    values: BTreeMap<String, Variable>,
    /// A number per value, new on every `set`, so that a copy made from a variable (the
    /// `results` connection's tables) knows when it is stale.
    versions: BTreeMap<String, u64>,
    next_version: u64,
    sources: BTreeMap<String, Source>,
    /// Query plans kept by `--out NAME` on a plan cell, for `--compare NAME`. Apart from
    /// `values` because a plan binds into no query: it is only drawn again. One name holds
    /// either a value or a plan; setting one removes the other.
    plans: BTreeMap<String, queryplan::Plan>,
}

impl Variables {
    pub fn set(&mut self, name: &str, value: Variable) {
        self.plans.remove(name);
        self.sources.remove(name);
        self.next_version += 1;
        self.versions.insert(name.to_string(), self.next_version);
        self.values.insert(name.to_string(), value);
    }
    pub fn set_plan(&mut self, name: &str, plan: queryplan::Plan) {
        self.remove(name);
        self.plans.insert(name.to_string(), plan);
    }
    /// Records where the value now under `name` came from (after the cell that kept it).
    pub fn set_source(&mut self, name: &str, source: Source) {
        if self.values.contains_key(name) || self.plans.contains_key(name) {
            self.sources.insert(name.to_string(), source);
        }
    }
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.get(name)
    }
    /// The value's version: changes whenever `name` is set again; `None` once removed.
    pub fn version(&self, name: &str) -> Option<u64> {
        self.versions.get(name).copied()
    }
    /// Whether `name` holds anything (a value or a plan).
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.plans.contains_key(name)
    }
    /// Removes a value or a plan (`%del`); whether there was one.
    pub fn delete(&mut self, name: &str) -> bool {
        let plan = self.plans.remove(name).is_some();
        self.sources.remove(name);
        self.remove(name).is_some() || plan
    }
    /// Every name held (values and plans), sorted.
    pub fn all_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .values
            .keys()
            .chain(self.plans.keys())
            .cloned()
            .collect();
        names.sort();
        names
    }
    pub fn plan(&self, name: &str) -> Option<&queryplan::Plan> {
        self.plans.get(name)
    }
    /// Kept plans with their `%vars` summary: (name, "plan", "PostgreSQL, 5 nodes, 12.3 ms").
    pub fn plan_summaries(&self) -> Vec<(String, &'static str, String)> {
        self.plans
            .iter()
            .map(|(name, plan)| {
                let mut summary = format!("{}, {} nodes", plan.engine, plan.root.count());
                if let Some(ms) = plan.execution_ms {
                    summary.push_str(&format!(", {}", queryplan::format::ms(ms)));
                }
                (name.clone(), "plan", summary)
            })
            .collect()
    }
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.values.get(name)
    }
    pub fn remove(&mut self, name: &str) -> Option<Variable> {
        self.versions.remove(name);
        self.values.remove(name)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Variable)> {
        self.values.iter()
    }
    pub fn names(&self) -> Vec<String> {
        self.values.keys().cloned().collect()
    }
}

/// The store shared by the kernel and every engine.
#[derive(Debug, Clone, Default)]
pub struct SharedVariables(Arc<Mutex<Variables>>);

impl SharedVariables {
    pub fn lock(&self) -> MutexGuard<'_, Variables> {
        // A panic while holding the lock cannot leave the map half-written (every write is one
        // insert), so a poisoned lock is still safe to use.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Checks a variable name: letters, digits and `_`, not starting with a digit.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_literals_parse_to_typed_scalars() {
        let parse = |raw: &str| Scalar::parse_literal(raw).unwrap();
        assert_eq!(parse("42"), Scalar::Int(42));
        assert_eq!(parse(" 2.5 "), Scalar::Float(2.5));
        assert_eq!(parse("true"), Scalar::Bool(true));
        assert_eq!(parse("null"), Scalar::Null);
        assert_eq!(parse("'it''s'"), Scalar::Text("it's".into()));
        assert_eq!(parse("'O''Brien'"), Scalar::Text("O'Brien".into()));
        assert_eq!(
            parse("\"say \"\"hi\"\"\""),
            Scalar::Text("say \"hi\"".into())
        );
        assert_eq!(parse("\"it's\""), Scalar::Text("it's".into()));
        assert_eq!(parse("''"), Scalar::Text(String::new()));
        assert_eq!(parse("\"x\""), Scalar::Text("x".into()));
        assert_eq!(
            parse("Robert'); DROP TABLE students;--"),
            Scalar::Text("Robert'); DROP TABLE students;--".into())
        );
    }

    #[test]
    fn a_lone_quote_inside_quotes_is_refused() {
        let error = Scalar::parse_literal("'O'Brien'").unwrap_err();
        assert!(error.contains("'O''Brien'"), "{error}");
    }

    #[test]
    fn a_name_holds_a_value_or_a_plan_not_both() {
        let mut vars = Variables::default();
        vars.set("p", Variable::Scalar(Scalar::Int(1)));
        vars.set_plan(
            "p",
            queryplan::Plan::new("SQLite", queryplan::Node::new("SCAN")),
        );
        assert!(vars.get("p").is_none() && vars.plan("p").is_some());
        assert_eq!(
            vars.plan_summaries(),
            vec![("p".to_string(), "plan", "SQLite, 1 nodes".to_string())]
        );
        vars.set("p", Variable::Scalar(Scalar::Int(2)));
        assert!(vars.plan("p").is_none());
    }

    #[test]
    fn names_must_be_identifiers() {
        assert!(valid_name("user_id"));
        assert!(valid_name("_x1"));
        assert!(!valid_name("1x"));
        assert!(!valid_name("a-b"));
        assert!(!valid_name(""));
    }
}
