//! `$jsonSchema`: parsing a schema once, validating documents against it, and describing why a
//! document failed (`errInfo.details` of DocumentValidationFailure, code 121).
//!
//! MongoDB implements JSON Schema draft 4 plus `bsonType`. Keywords constrain only values of the
//! type they speak about (`minimum` ignores strings, `required` ignores non-objects), which is
//! what makes `{minimum: 0}` accept `"abc"`. Validation returns the list of unsatisfied rules in
//! MongoDB's error shape, so `validate` and `validation_details` share one walk.

use crate::error::{QueryError, Result};
use crate::matcher::Filter;
use crate::matcher::regex::Pattern as Regex;
use crate::number::{is_number, to_f64};
use crate::value::{alias_to_type_number, equal, type_alias, type_number};
use bson::{Bson, Document};

/// A parsed `$jsonSchema`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    spec: Document,
    bson_types: Option<Vec<String>>,
    json_types: Option<Vec<String>>,
    required: Vec<String>,
    properties: Vec<(String, Schema)>,
    pattern_properties: Vec<(Regex, String, Schema)>,
    additional_properties: Option<Box<Additional>>,
    min_properties: Option<usize>,
    max_properties: Option<usize>,
    minimum: Option<(Bson, bool)>,
    maximum: Option<(Bson, bool)>,
    multiple_of: Option<f64>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<(Regex, String)>,
    enumeration: Option<Vec<Bson>>,
    items: Option<Items>,
    additional_items: Option<Box<Additional>>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    unique_items: bool,
    all_of: Vec<Schema>,
    any_of: Vec<Schema>,
    one_of: Vec<Schema>,
    not: Option<Box<Schema>>,
    dependencies: Vec<(String, Dependency)>,
}

#[derive(Debug, Clone)]
enum Additional {
    Allowed(bool),
    Schema(Box<Schema>),
}

#[derive(Debug, Clone)]
enum Items {
    All(Box<Schema>),
    Positional(Vec<Schema>),
}

#[derive(Debug, Clone)]
enum Dependency {
    Fields(Vec<String>),
    Schema(Box<Schema>),
}

fn bad(msg: impl Into<String>) -> QueryError {
    QueryError::failed_to_parse(msg)
}

fn count(key: &str, v: &Bson) -> Result<usize> {
    match crate::number::integral_i64(v) {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(bad(format!(
            "$jsonSchema keyword '{key}' must be a non-negative integer"
        ))),
    }
}

fn strings(key: &str, v: &Bson) -> Result<Vec<String>> {
    let list = match v {
        Bson::String(s) => return Ok(vec![s.clone()]),
        Bson::Array(items) => items,
        _ => {
            return Err(QueryError::type_mismatch(format!(
                "$jsonSchema keyword '{key}' must be a string or an array of strings"
            )));
        }
    };
    list.iter()
        .map(|i| match i {
            Bson::String(s) => Ok(s.clone()),
            _ => Err(QueryError::type_mismatch(format!(
                "$jsonSchema keyword '{key}' array elements must be strings"
            ))),
        })
        .collect()
}

fn sub(key: &str, v: &Bson) -> Result<Schema> {
    match v {
        Bson::Document(d) => Schema::parse(d),
        _ => Err(QueryError::type_mismatch(format!(
            "$jsonSchema keyword '{key}' must be an object"
        ))),
    }
}

fn sub_list(key: &str, v: &Bson) -> Result<Vec<Schema>> {
    match v {
        Bson::Array(items) if !items.is_empty() => items.iter().map(|i| sub(key, i)).collect(),
        _ => Err(bad(format!(
            "$jsonSchema keyword '{key}' must be a non-empty array of objects"
        ))),
    }
}

fn additional(key: &str, v: &Bson) -> Result<Additional> {
    match v {
        Bson::Boolean(b) => Ok(Additional::Allowed(*b)),
        Bson::Document(d) => Ok(Additional::Schema(Box::new(Schema::parse(d)?))),
        _ => Err(QueryError::type_mismatch(format!(
            "$jsonSchema keyword '{key}' must be a boolean or an object"
        ))),
    }
}

impl Schema {
    /// Parses a schema document; unknown keywords and malformed values are errors.
    pub fn parse(spec: &Document) -> Result<Schema> {
        let mut s = Schema {
            spec: spec.clone(),
            ..Schema::default()
        };
        for (key, v) in spec {
            match key.as_str() {
                "bsonType" => {
                    let names = strings(key, v)?;
                    for n in &names {
                        if n != "number" && alias_to_type_number(n).is_none() {
                            return Err(QueryError::bad_value(format!(
                                "Unknown type name alias: {n}"
                            )));
                        }
                    }
                    s.bson_types = Some(names);
                }
                "type" => {
                    let names = strings(key, v)?;
                    for n in &names {
                        match n.as_str() {
                            "object" | "array" | "number" | "boolean" | "string" | "null" => {}
                            "integer" => {
                                return Err(QueryError::bad_value(
                                    "$jsonSchema type 'integer' is not currently supported; use bsonType: \"int\" or \"long\"",
                                ));
                            }
                            other => {
                                return Err(QueryError::bad_value(format!(
                                    "Unknown $jsonSchema type: {other}"
                                )));
                            }
                        }
                    }
                    s.json_types = Some(names);
                }
                "required" => {
                    let names = strings(key, v)?;
                    if names.is_empty() || !matches!(v, Bson::Array(_)) {
                        return Err(bad(
                            "$jsonSchema keyword 'required' must be a non-empty array of strings",
                        ));
                    }
                    s.required = names;
                }
                "properties" => {
                    let Bson::Document(props) = v else {
                        return Err(QueryError::type_mismatch(
                            "$jsonSchema keyword 'properties' must be an object",
                        ));
                    };
                    for (name, p) in props {
                        s.properties.push((name.clone(), sub(key, p)?));
                    }
                }
                "patternProperties" => {
                    let Bson::Document(props) = v else {
                        return Err(QueryError::type_mismatch(
                            "$jsonSchema keyword 'patternProperties' must be an object",
                        ));
                    };
                    for (pattern, p) in props {
                        let re = crate::matcher::regex::compile(pattern, "")?;
                        s.pattern_properties
                            .push((re, pattern.clone(), sub(key, p)?));
                    }
                }
                "additionalProperties" => {
                    s.additional_properties = Some(Box::new(additional(key, v)?))
                }
                "minProperties" => s.min_properties = Some(count(key, v)?),
                "maxProperties" => s.max_properties = Some(count(key, v)?),
                "minimum" | "maximum" => {
                    if !is_number(v) {
                        return Err(QueryError::type_mismatch(format!(
                            "$jsonSchema keyword '{key}' must be a number"
                        )));
                    }
                    let exclusive_key = if key == "minimum" {
                        "exclusiveMinimum"
                    } else {
                        "exclusiveMaximum"
                    };
                    let exclusive = matches!(spec.get(exclusive_key), Some(Bson::Boolean(true)));
                    if key == "minimum" {
                        s.minimum = Some((v.clone(), exclusive));
                    } else {
                        s.maximum = Some((v.clone(), exclusive));
                    }
                }
                "exclusiveMinimum" | "exclusiveMaximum" => {
                    if !matches!(v, Bson::Boolean(_)) {
                        return Err(QueryError::type_mismatch(format!(
                            "$jsonSchema keyword '{key}' must be a boolean"
                        )));
                    }
                    let base = if key == "exclusiveMinimum" {
                        "minimum"
                    } else {
                        "maximum"
                    };
                    if !spec.contains_key(base) {
                        return Err(bad(format!(
                            "$jsonSchema keyword '{base}' must be a present if {key} is present"
                        )));
                    }
                }
                "multipleOf" => match to_f64(v) {
                    Some(m) if m > 0.0 => s.multiple_of = Some(m),
                    _ => {
                        return Err(bad(
                            "$jsonSchema keyword 'multipleOf' must be a positive number",
                        ));
                    }
                },
                "minLength" => s.min_length = Some(count(key, v)?),
                "maxLength" => s.max_length = Some(count(key, v)?),
                "pattern" => match v {
                    Bson::String(p) => {
                        s.pattern = Some((crate::matcher::regex::compile(p, "")?, p.clone()))
                    }
                    _ => {
                        return Err(QueryError::type_mismatch(
                            "$jsonSchema keyword 'pattern' must be a string",
                        ));
                    }
                },
                "enum" => match v {
                    Bson::Array(items) if !items.is_empty() => s.enumeration = Some(items.clone()),
                    _ => return Err(bad("$jsonSchema keyword 'enum' must be a non-empty array")),
                },
                "items" => {
                    s.items = Some(match v {
                        Bson::Array(_) => Items::Positional(sub_list(key, v)?),
                        _ => Items::All(Box::new(sub(key, v)?)),
                    })
                }
                "additionalItems" => s.additional_items = Some(Box::new(additional(key, v)?)),
                "minItems" => s.min_items = Some(count(key, v)?),
                "maxItems" => s.max_items = Some(count(key, v)?),
                "uniqueItems" => match v {
                    Bson::Boolean(b) => s.unique_items = *b,
                    _ => {
                        return Err(QueryError::type_mismatch(
                            "$jsonSchema keyword 'uniqueItems' must be a boolean",
                        ));
                    }
                },
                "allOf" => s.all_of = sub_list(key, v)?,
                "anyOf" => s.any_of = sub_list(key, v)?,
                "oneOf" => s.one_of = sub_list(key, v)?,
                "not" => s.not = Some(Box::new(sub(key, v)?)),
                "dependencies" => {
                    let Bson::Document(deps) = v else {
                        return Err(QueryError::type_mismatch(
                            "$jsonSchema keyword 'dependencies' must be an object",
                        ));
                    };
                    for (name, d) in deps {
                        let dep = match d {
                            Bson::Array(_) => Dependency::Fields(strings(key, d)?),
                            _ => Dependency::Schema(Box::new(sub(key, d)?)),
                        };
                        s.dependencies.push((name.clone(), dep));
                    }
                }
                "title" | "description" => {
                    if !matches!(v, Bson::String(_)) {
                        return Err(QueryError::type_mismatch(format!(
                            "$jsonSchema keyword '{key}' must be a string"
                        )));
                    }
                }
                "$schema" | "default" | "definitions" | "format" | "id" | "$ref" => {
                    return Err(QueryError::failed_to_parse(format!(
                        "$jsonSchema keyword '{key}' is not currently supported"
                    )));
                }
                other => {
                    return Err(QueryError::failed_to_parse(format!(
                        "Unknown $jsonSchema keyword: {other}"
                    )));
                }
            }
        }
        if s.bson_types.is_some() && s.json_types.is_some() {
            return Err(bad(
                "Cannot specify both $jsonSchema keywords 'type' and 'bsonType'",
            ));
        }
        Ok(s)
    }

    /// True when the document satisfies the schema.
    pub fn validate(&self, doc: &Document) -> bool {
        self.failures(&Bson::Document(doc.clone())).is_empty()
    }

    /// The unsatisfied rules for a value, in MongoDB's `schemaRulesNotSatisfied` shape.
    pub fn failures(&self, v: &Bson) -> Vec<Document> {
        let mut out = Vec::new();
        let rule = |name: &str, specified: Bson| {
            let mut d = Document::new();
            d.insert("operatorName", name);
            let mut spec = Document::new();
            spec.insert(name, specified);
            d.insert("specifiedAs", spec);
            d
        };
        let considered = |mut d: Document, reason: &str| {
            d.insert("reason", reason);
            d.insert("consideredValue", v.clone());
            d
        };
        if let Some(types) = &self.bson_types {
            let ok = types.iter().any(|t| {
                if t == "number" {
                    is_number(v)
                } else {
                    alias_to_type_number(t) == Some(type_number(v))
                }
            });
            if !ok {
                let mut d = considered(
                    rule(
                        "bsonType",
                        self.spec.get("bsonType").cloned().unwrap_or(Bson::Null),
                    ),
                    "type did not match",
                );
                d.insert("consideredType", type_alias(v));
                out.push(d);
            }
        }
        if let Some(types) = &self.json_types {
            let ok = types.iter().any(|t| match t.as_str() {
                "object" => matches!(v, Bson::Document(_)),
                "array" => matches!(v, Bson::Array(_)),
                "number" => is_number(v),
                "boolean" => matches!(v, Bson::Boolean(_)),
                "string" => matches!(v, Bson::String(_)),
                _ => matches!(v, Bson::Null),
            });
            if !ok {
                let mut d = considered(
                    rule("type", self.spec.get("type").cloned().unwrap_or(Bson::Null)),
                    "type did not match",
                );
                d.insert("consideredType", type_alias(v));
                out.push(d);
            }
        }
        if let Some(options) = &self.enumeration
            && !options.iter().any(|o| equal(o, v))
        {
            out.push(considered(
                rule("enum", Bson::Array(options.clone())),
                "value was not found in enum",
            ));
        }
        match v {
            Bson::Document(d) => self.object_failures(d, &mut out),
            Bson::Array(items) => self.array_failures(items, &mut out),
            Bson::String(s) => {
                let len = s.chars().count();
                if self.min_length.is_some_and(|m| len < m) {
                    out.push(considered(
                        rule(
                            "minLength",
                            Bson::Int64(self.min_length.unwrap_or(0) as i64),
                        ),
                        "specified string length was not satisfied",
                    ));
                }
                if self.max_length.is_some_and(|m| len > m) {
                    out.push(considered(
                        rule(
                            "maxLength",
                            Bson::Int64(self.max_length.unwrap_or(0) as i64),
                        ),
                        "specified string length was not satisfied",
                    ));
                }
                if let Some((re, source)) = &self.pattern
                    && !re.is_match(s)
                {
                    out.push(considered(
                        rule("pattern", Bson::String(source.clone())),
                        "regular expression did not match",
                    ));
                }
            }
            _ if is_number(v) => {
                if let Some((min, exclusive)) = &self.minimum {
                    let o = crate::number::compare_numbers(v, min);
                    if o.is_lt() || (*exclusive && o.is_eq()) {
                        out.push(considered(
                            rule("minimum", min.clone()),
                            "comparison failed",
                        ));
                    }
                }
                if let Some((max, exclusive)) = &self.maximum {
                    let o = crate::number::compare_numbers(v, max);
                    if o.is_gt() || (*exclusive && o.is_eq()) {
                        out.push(considered(
                            rule("maximum", max.clone()),
                            "comparison failed",
                        ));
                    }
                }
                if let Some(m) = self.multiple_of {
                    let x = to_f64(v).unwrap_or(f64::NAN);
                    if !(x / m).is_finite() || (x / m).fract() != 0.0 {
                        out.push(considered(
                            rule("multipleOf", Bson::Double(m)),
                            "considered value is not a multiple of the specified value",
                        ));
                    }
                }
            }
            _ => {}
        }
        if !self.all_of.is_empty() && self.all_of.iter().any(|s| !s.failures(v).is_empty()) {
            out.push(considered(
                rule(
                    "allOf",
                    self.spec.get("allOf").cloned().unwrap_or(Bson::Null),
                ),
                "at least one clause did not match",
            ));
        }
        if !self.any_of.is_empty() && self.any_of.iter().all(|s| !s.failures(v).is_empty()) {
            out.push(considered(
                rule(
                    "anyOf",
                    self.spec.get("anyOf").cloned().unwrap_or(Bson::Null),
                ),
                "no clauses matched",
            ));
        }
        if !self.one_of.is_empty()
            && self
                .one_of
                .iter()
                .filter(|s| s.failures(v).is_empty())
                .count()
                != 1
        {
            out.push(considered(
                rule(
                    "oneOf",
                    self.spec.get("oneOf").cloned().unwrap_or(Bson::Null),
                ),
                "exactly one clause must match",
            ));
        }
        if let Some(not) = &self.not
            && not.failures(v).is_empty()
        {
            out.push(considered(
                rule("not", self.spec.get("not").cloned().unwrap_or(Bson::Null)),
                "child expression matched",
            ));
        }
        out
    }

    fn object_failures(&self, d: &Document, out: &mut Vec<Document>) {
        let missing: Vec<Bson> = self
            .required
            .iter()
            .filter(|r| !d.contains_key(r.as_str()))
            .map(|r| Bson::String(r.clone()))
            .collect();
        if !missing.is_empty() {
            let mut f = Document::new();
            f.insert("operatorName", "required");
            f.insert(
                "specifiedAs",
                bson::doc! {"required": self.required.clone()},
            );
            f.insert("missingProperties", missing);
            out.push(f);
        }
        let mut props_failed = Vec::new();
        for (name, schema) in &self.properties {
            if let Some(value) = d.get(name) {
                let details = schema.failures(value);
                if !details.is_empty() {
                    props_failed.push(Bson::Document(
                        bson::doc! {"propertyName": name.clone(), "details": details},
                    ));
                }
            }
        }
        for (re, source, schema) in &self.pattern_properties {
            for (k, value) in d {
                if re.is_match(k) {
                    let details = schema.failures(value);
                    if !details.is_empty() {
                        props_failed.push(Bson::Document(bson::doc! {"propertyName": k.clone(), "regex": source.clone(), "details": details}));
                    }
                }
            }
        }
        if !props_failed.is_empty() {
            out.push(
                bson::doc! {"operatorName": "properties", "propertiesNotSatisfied": props_failed},
            );
        }
        if let Some(extra) = &self.additional_properties {
            let others: Vec<(&String, &Bson)> = d
                .iter()
                .filter(|(k, _)| {
                    !self.properties.iter().any(|(p, _)| p == *k)
                        && !self
                            .pattern_properties
                            .iter()
                            .any(|(re, _, _)| re.is_match(k))
                })
                .collect();
            match extra.as_ref() {
                Additional::Allowed(false) if !others.is_empty() => {
                    let names: Vec<Bson> = others
                        .iter()
                        .map(|(k, _)| Bson::String((*k).clone()))
                        .collect();
                    out.push(bson::doc! {"operatorName": "additionalProperties", "specifiedAs": {"additionalProperties": false}, "additionalProperties": names});
                }
                Additional::Schema(schema) => {
                    let failed: Vec<Bson> = others
                        .iter()
                        .filter_map(|(k, value)| {
                            let details = schema.failures(value);
                            (!details.is_empty()).then(|| {
                                Bson::Document(
                                    bson::doc! {"propertyName": (*k).clone(), "details": details},
                                )
                            })
                        })
                        .collect();
                    if !failed.is_empty() {
                        out.push(bson::doc! {"operatorName": "additionalProperties", "propertiesNotSatisfied": failed});
                    }
                }
                _ => {}
            }
        }
        let n = d.len();
        if self.min_properties.is_some_and(|m| n < m) {
            out.push(bson::doc! {"operatorName": "minProperties", "specifiedAs": {"minProperties": self.min_properties.unwrap_or(0) as i64}, "reason": "specified number of properties was not satisfied", "numberOfProperties": n as i32});
        }
        if self.max_properties.is_some_and(|m| n > m) {
            out.push(bson::doc! {"operatorName": "maxProperties", "specifiedAs": {"maxProperties": self.max_properties.unwrap_or(0) as i64}, "reason": "specified number of properties was not satisfied", "numberOfProperties": n as i32});
        }
        for (field, dep) in &self.dependencies {
            if !d.contains_key(field.as_str()) {
                continue;
            }
            let ok = match dep {
                Dependency::Fields(fields) => fields.iter().all(|f| d.contains_key(f.as_str())),
                Dependency::Schema(schema) => {
                    schema.failures(&Bson::Document(d.clone())).is_empty()
                }
            };
            if !ok {
                out.push(bson::doc! {"operatorName": "dependencies", "failingDependencies": [{"conditionalProperty": field.clone(), "reason": "dependency not satisfied"}]});
            }
        }
    }

    fn array_failures(&self, items: &[Bson], out: &mut Vec<Document>) {
        if self.min_items.is_some_and(|m| items.len() < m) {
            out.push(bson::doc! {"operatorName": "minItems", "specifiedAs": {"minItems": self.min_items.unwrap_or(0) as i64}, "reason": "array did not match specified length", "consideredValue": items.to_vec()});
        }
        if self.max_items.is_some_and(|m| items.len() > m) {
            out.push(bson::doc! {"operatorName": "maxItems", "specifiedAs": {"maxItems": self.max_items.unwrap_or(0) as i64}, "reason": "array did not match specified length", "consideredValue": items.to_vec()});
        }
        if self.unique_items {
            let dup = items
                .iter()
                .enumerate()
                .find(|(i, a)| items[..*i].iter().any(|b| equal(a, b) && a == &b));
            if let Some((_, value)) = dup {
                out.push(bson::doc! {"operatorName": "uniqueItems", "specifiedAs": {"uniqueItems": true}, "reason": "found a duplicate item", "consideredValue": items.to_vec(), "duplicatedValue": value.clone()});
            }
        }
        match &self.items {
            Some(Items::All(schema)) => {
                for (i, item) in items.iter().enumerate() {
                    let details = schema.failures(item);
                    if !details.is_empty() {
                        out.push(bson::doc! {"operatorName": "items", "reason": "At least one item did not match the sub-schema", "itemIndex": i as i32, "details": details});
                        break;
                    }
                }
            }
            Some(Items::Positional(schemas)) => {
                for (i, (item, schema)) in items.iter().zip(schemas).enumerate() {
                    let details = schema.failures(item);
                    if !details.is_empty() {
                        out.push(bson::doc! {"operatorName": "items", "reason": "At least one item did not match the sub-schema", "itemIndex": i as i32, "details": details});
                        break;
                    }
                }
                if let Some(extra) = &self.additional_items {
                    for (i, item) in items.iter().enumerate().skip(schemas.len()) {
                        let failed = match extra.as_ref() {
                            Additional::Allowed(allowed) => !allowed,
                            Additional::Schema(s) => !s.failures(item).is_empty(),
                        };
                        if failed {
                            out.push(bson::doc! {"operatorName": "additionalItems", "reason": "At least one additional item did not match the sub-schema", "itemIndex": i as i32});
                            break;
                        }
                    }
                }
            }
            None => {}
        }
    }
}

/// `errInfo.details` for DocumentValidationFailure: why `doc` fails `validator` (a `$jsonSchema`
/// validator, a query validator, or both).
pub fn validation_details(validator: &Document, doc: &Document) -> Document {
    let mut clauses = Vec::new();
    for (key, cond) in validator {
        let mut single = Document::new();
        single.insert(key.clone(), cond.clone());
        if let Some(details) = clause_details(key, cond, &single, doc) {
            clauses.push(details);
        }
    }
    if validator.len() == 1 {
        return clauses.pop().unwrap_or_default();
    }
    let not_satisfied: Vec<Bson> = validator
        .iter()
        .enumerate()
        .filter_map(|(i, (key, cond))| {
            let mut single = Document::new();
            single.insert(key.clone(), cond.clone());
            clause_details(key, cond, &single, doc)
                .map(|d| Bson::Document(bson::doc! {"index": i as i32, "details": d}))
        })
        .collect();
    bson::doc! {"operatorName": "$and", "clausesNotSatisfied": not_satisfied}
}

fn clause_details(key: &str, cond: &Bson, single: &Document, doc: &Document) -> Option<Document> {
    if key == "$jsonSchema" {
        let Bson::Document(spec) = cond else {
            return Some(
                bson::doc! {"operatorName": "$jsonSchema", "reason": "$jsonSchema must be an object"},
            );
        };
        return match Schema::parse(spec) {
            Ok(schema) => {
                let rules = schema.failures(&Bson::Document(doc.clone()));
                (!rules.is_empty()).then(
                    || bson::doc! {"operatorName": "$jsonSchema", "schemaRulesNotSatisfied": rules},
                )
            }
            Err(e) => Some(bson::doc! {"operatorName": "$jsonSchema", "reason": e.message}),
        };
    }
    let matched = Filter::parse(single).map(|f| f.matches(doc));
    match matched {
        Ok(true) => None,
        Err(e) => Some(bson::doc! {"operatorName": key, "reason": e.message}),
        Ok(false) if key.starts_with('$') => Some(
            bson::doc! {"operatorName": key, "specifiedAs": single.clone(), "reason": "expression did not match"},
        ),
        Ok(false) => {
            let op = match cond {
                Bson::Document(d) if d.keys().next().is_some_and(|k| k.starts_with('$')) => {
                    d.keys().next().cloned().unwrap_or_default()
                }
                Bson::RegularExpression(_) => "$regex".to_string(),
                _ => "$eq".to_string(),
            };
            let value = crate::path::get_path(doc, key);
            let reason = match (value, op.as_str()) {
                (None, "$exists") => "path does not exist",
                (Some(_), "$exists") => "path does exist",
                (None, _) => "field was missing",
                (_, "$type") => "type did not match",
                (_, "$regex") => "regular expression did not match",
                (_, "$in") => "no matching value found in array",
                _ => "comparison failed",
            };
            let mut d =
                bson::doc! {"operatorName": op, "specifiedAs": single.clone(), "reason": reason};
            if let Some(v) = value {
                d.insert("consideredValue", v.clone());
            }
            Some(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn schema(spec: Document) -> Schema {
        Schema::parse(&spec).expect("valid schema")
    }

    #[test]
    fn types_required_and_properties() {
        let s = schema(
            doc! {"bsonType": "object", "required": ["name"], "properties": {"name": {"bsonType": "string"}, "age": {"bsonType": ["int", "long"], "minimum": 0}}},
        );
        assert!(s.validate(&doc! {"name": "a", "age": 3}));
        assert!(!s.validate(&doc! {"age": 3}));
        assert!(!s.validate(&doc! {"name": 1}));
        assert!(!s.validate(&doc! {"name": "a", "age": -1}));
        assert!(!s.validate(&doc! {"name": "a", "age": 1.5}));
    }

    #[test]
    fn keywords_only_constrain_their_own_type() {
        let s = schema(doc! {"properties": {"x": {"minimum": 5, "minLength": 3}}});
        assert!(s.validate(&doc! {"x": "abcd"}));
        assert!(s.validate(&doc! {"x": 7}));
        assert!(!s.validate(&doc! {"x": "ab"}));
        assert!(!s.validate(&doc! {"x": 4}));
    }

    #[test]
    fn arrays_enums_and_combinators() {
        let s = schema(doc! {"properties": {
            "tags": {"bsonType": "array", "items": {"bsonType": "string"}, "minItems": 1, "uniqueItems": true},
            "color": {"enum": ["red", "blue"]},
            "n": {"anyOf": [{"bsonType": "int"}, {"bsonType": "string"}]},
            "m": {"not": {"bsonType": "null"}},
        }, "additionalProperties": false});
        assert!(s.validate(&doc! {"tags": ["a"], "color": "red", "n": "x", "m": 1}));
        assert!(!s.validate(&doc! {"tags": []}));
        assert!(!s.validate(&doc! {"tags": ["a", "a"]}));
        assert!(!s.validate(&doc! {"tags": [1]}));
        assert!(!s.validate(&doc! {"color": "green"}));
        assert!(!s.validate(&doc! {"n": 1.5}));
        assert!(!s.validate(&doc! {"m": null}));
        assert!(!s.validate(&doc! {"other": 1}));
    }

    #[test]
    fn parse_errors() {
        assert!(Schema::parse(&doc! {"nope": 1}).is_err());
        assert!(Schema::parse(&doc! {"type": "integer"}).is_err());
        assert!(Schema::parse(&doc! {"bsonType": "int", "type": "number"}).is_err());
        assert!(Schema::parse(&doc! {"required": []}).is_err());
        assert!(Schema::parse(&doc! {"minLength": -1}).is_err());
    }

    #[test]
    fn details_have_mongodb_shape() {
        let validator =
            doc! {"$jsonSchema": {"required": ["a"], "properties": {"b": {"bsonType": "int"}}}};
        let details = validation_details(&validator, &doc! {"b": "x"});
        assert_eq!(
            details.get_str("operatorName").expect("name"),
            "$jsonSchema"
        );
        let rules = details.get_array("schemaRulesNotSatisfied").expect("rules");
        assert_eq!(rules.len(), 2);
        let required = rules[0].as_document().expect("doc");
        assert_eq!(
            required.get_array("missingProperties").expect("missing"),
            &vec![Bson::String("a".into())]
        );
        let query = validation_details(&doc! {"a": {"$gt": 5}}, &doc! {"a": 1});
        assert_eq!(
            query,
            doc! {"operatorName": "$gt", "specifiedAs": {"a": {"$gt": 5}}, "reason": "comparison failed", "consideredValue": 1}
        );
    }

    #[test]
    fn matcher_uses_json_schema() {
        let f = Filter::parse(&doc! {"$jsonSchema": {"required": ["a"]}}).expect("valid");
        assert!(f.matches(&doc! {"a": 1}));
        assert!(!f.matches(&doc! {"b": 1}));
    }
}
