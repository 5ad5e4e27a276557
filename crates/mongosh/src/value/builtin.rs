//! Built-in functions used as values: `{ _id: ObjectId, email: String }`.
//!
//! Tutorials sketch schemas by writing constructor names where values go.
//! In mongosh that is valid JavaScript: the name evaluates to the function
//! itself, a variable can hold it, and util.inspect prints it as
//! `[Function: String]`. This module gives those names a value.
//!
//! Values here are BSON, so a function needs a BSON form. We use a
//! `JavaScriptCodeWithScope` whose code is the function's source as
//! JavaScript reports it (`function String() { [native code] }`) and whose
//! scope holds a single marker key naming the function. Code is the BSON
//! type js-bson itself turns functions into (with `serializeFunctions`), and
//! the marker key makes the encoding one that a server reply will not hold
//! by accident. Only this module builds or reads that encoding.
//!
//! Sending such a value to the server is refused by the planner
//! (`plan::reject_functions`, which explains why), using [`find_in_command`].

use bson::{Bson, Document, JavaScriptCodeWithScope};

/// The scope key that marks a code value as one of our built-in functions.
const MARKER: &str = "$dbkernel.builtinFunction";

/// Names that evaluate to a function when written without a call.
///
/// JavaScript's global constructors and functions that print exactly as
/// `[Function: Name]` in Node (`Error` and `Buffer` are left out: Node lists
/// their static properties too), and mongosh's BSON helpers. mongosh defines
/// its helpers as plain functions (`function ObjectId(id) {...}` in
/// shell-bson), not classes, so they print as `[Function: ObjectId]`, never
/// `[class ObjectId]`; mongosh also shows the `help` it attaches to them,
/// which this kernel does not model. `MinKey` and `MaxKey` are absent on
/// purpose: they have a `toBSON()` in mongosh, so their bare names already
/// evaluate to the MinKey/MaxKey values.
const BUILTINS: &[&str] = &[
    // JavaScript.
    "Object",
    "Function",
    "Array",
    "Number",
    "Boolean",
    "String",
    "Symbol",
    "BigInt",
    "Date",
    "RegExp",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "Promise",
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    // mongosh's BSON helpers.
    "ObjectId",
    "ObjectID",
    "ISODate",
    "NumberInt",
    "NumberLong",
    "NumberDecimal",
    "Decimal128",
    "Long",
    "Int32",
    "Double",
    "UUID",
    "MD5",
    "BinData",
    "HexData",
    "Binary",
    "Timestamp",
    "Code",
    "BSONSymbol",
    "BSONRegExp",
    "DBRef",
];

/// Whether the bare name `name` is a built-in function.
pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// The value of the built-in function `name` (callers check [`is_builtin`]).
pub fn function_value(name: &str) -> Bson {
    let mut scope = Document::new();
    scope.insert(MARKER, name);
    Bson::JavaScriptCodeWithScope(JavaScriptCodeWithScope {
        code: source_text(name),
        scope,
    })
}

/// The function's name, if `value` is a built-in function.
pub fn function_name(value: &Bson) -> Option<&str> {
    let Bson::JavaScriptCodeWithScope(code) = value else {
        return None;
    };
    if code.scope.len() != 1 {
        return None;
    }
    match code.scope.get(MARKER) {
        Some(Bson::String(name)) if is_builtin(name) && code.code == source_text(name) => {
            Some(name.as_str())
        }
        _ => None,
    }
}

/// `String(fn)` in JavaScript: the source text of a native function.
pub fn source_text(name: &str) -> String {
    format!("function {name}() {{ [native code] }}")
}

/// How util.inspect prints the function.
pub fn inspect(name: &str) -> String {
    format!("[Function: {name}]")
}

/// A value of the type a function constructs, to suggest in error messages.
pub fn example_value(name: &str) -> &'static str {
    match name {
        "String" | "Symbol" => "'text'",
        "Number" | "parseInt" | "parseFloat" => "0",
        "Boolean" => "true",
        "Date" | "ISODate" => "new Date()",
        "Array" | "Set" | "WeakSet" => "[]",
        "RegExp" | "BSONRegExp" => "/pattern/",
        "BigInt" | "NumberLong" | "Long" => "NumberLong('0')",
        "NumberInt" | "Int32" => "NumberInt(0)",
        "NumberDecimal" | "Decimal128" => "NumberDecimal('0')",
        "Double" => "Double(0)",
        "UUID" => "UUID()",
        "Timestamp" => "Timestamp()",
        "ObjectId" | "ObjectID" | "DBRef" => "ObjectId()",
        "BinData" | "Binary" | "HexData" | "MD5" => "BinData(0, '')",
        "Code" => "Code('...')",
        _ => "{}",
    }
}

/// Where a built-in function sits inside `document`: the path of keys
/// (array positions as numbers) and the function's name. The first one in
/// document order.
pub fn find_in_command(document: &Document) -> Option<(Vec<String>, &str)> {
    for (key, value) in document {
        if let Some((mut path, name)) = find_in_value(value) {
            path.insert(0, key.clone());
            return Some((path, name));
        }
    }
    None
}

fn find_in_value(value: &Bson) -> Option<(Vec<String>, &str)> {
    if let Some(name) = function_name(value) {
        return Some((Vec::new(), name));
    }
    match value {
        Bson::Document(doc) => find_in_command(doc),
        Bson::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            find_in_value(item).map(|(mut path, name)| {
                path.insert(0, i.to_string());
                (path, name)
            })
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn function_values_round_trip_and_ordinary_code_is_not_one() {
        let value = function_value("String");
        assert_eq!(function_name(&value), Some("String"));
        assert_eq!(
            function_name(&Bson::JavaScriptCode(source_text("String"))),
            None
        );
        let forged = Bson::JavaScriptCodeWithScope(JavaScriptCodeWithScope {
            code: "return 1".into(),
            scope: doc! { MARKER: "String" },
        });
        assert_eq!(function_name(&forged), None);
    }

    #[test]
    fn finds_the_path_of_a_nested_function() {
        let command = doc! {
            "insert": "users",
            "documents": [ { "a": 1, "tags": [1, function_value("String")] } ],
        };
        assert_eq!(
            find_in_command(&command),
            Some((
                vec!["documents".into(), "0".into(), "tags".into(), "1".into()],
                "String"
            ))
        );
        assert_eq!(find_in_command(&doc! { "find": "users" }), None);
    }
}
