//! mongosh completion from the connection's catalog: collections after `db.`, collection
//! methods after `db.NAME.` and cursor methods after `).`, with mongosh's signatures; field
//! paths sampled from the collection inside a call's `{ }` (nested paths in quotes), query,
//! update and aggregation operators after `$`, database names after `use `.

use super::words::MONGOSH_WORDS;
use super::{Candidate, Completion, fits, word_start};
use crate::catalog::{Catalog, MongoCatalog};

/// `db` methods with mongosh's signatures.
const DB_METHODS: &[(&str, &str)] = &[
    ("getCollection", "(name)"),
    ("getCollectionNames", "()"),
    ("getCollectionInfos", "(filter, options)"),
    ("createCollection", "(name, options)"),
    ("dropDatabase", "()"),
    ("runCommand", "(command)"),
    ("adminCommand", "(command)"),
    ("aggregate", "(pipeline, options)"),
    ("getName", "()"),
    ("getSiblingDB", "(name)"),
    ("stats", "(scale)"),
];

const COLLECTION_METHODS: &[(&str, &str)] = &[
    ("find", "(filter, projection, options)"),
    ("findOne", "(filter, projection, options)"),
    ("insertOne", "(document, options)"),
    ("insertMany", "(documents, options)"),
    ("updateOne", "(filter, update, options)"),
    ("updateMany", "(filter, update, options)"),
    ("replaceOne", "(filter, replacement, options)"),
    ("deleteOne", "(filter, options)"),
    ("deleteMany", "(filter, options)"),
    ("aggregate", "(pipeline, options)"),
    ("countDocuments", "(filter, options)"),
    ("estimatedDocumentCount", "(options)"),
    ("distinct", "(field, filter, options)"),
    ("createIndex", "(keys, options)"),
    ("createIndexes", "(keyPatterns, options)"),
    ("getIndexes", "()"),
    ("dropIndex", "(index)"),
    ("dropIndexes", "(indexes)"),
    ("drop", "()"),
    ("findOneAndUpdate", "(filter, update, options)"),
    ("findOneAndReplace", "(filter, replacement, options)"),
    ("findOneAndDelete", "(filter, options)"),
    ("bulkWrite", "(operations, options)"),
    ("renameCollection", "(newName, dropTarget)"),
    ("stats", "(options)"),
    ("explain", "(verbosity)"),
];

const CURSOR_METHODS: &[(&str, &str)] = &[
    ("sort", "(sortSpec)"),
    ("limit", "(n)"),
    ("skip", "(n)"),
    ("toArray", "()"),
    ("count", "()"),
    ("itcount", "()"),
    ("explain", "(verbosity)"),
    ("hint", "(index)"),
    ("collation", "(collation)"),
    ("projection", "(projection)"),
    ("batchSize", "(size)"),
    ("pretty", "()"),
];

const QUERY_OPERATORS: &[&str] = &[
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$and",
    "$or",
    "$nor",
    "$not",
    "$exists",
    "$type",
    "$regex",
    "$options",
    "$elemMatch",
    "$size",
    "$all",
    "$expr",
    "$mod",
    "$text",
    "$search",
    "$jsonSchema",
];

const UPDATE_OPERATORS: &[&str] = &[
    "$set",
    "$unset",
    "$inc",
    "$mul",
    "$rename",
    "$min",
    "$max",
    "$push",
    "$pull",
    "$addToSet",
    "$pop",
    "$pullAll",
    "$currentDate",
    "$setOnInsert",
    "$each",
    "$position",
    "$slice",
    "$sort",
];

const STAGES: &[&str] = &[
    "$match",
    "$group",
    "$project",
    "$sort",
    "$limit",
    "$skip",
    "$unwind",
    "$lookup",
    "$count",
    "$facet",
    "$addFields",
    "$set",
    "$unset",
    "$replaceRoot",
    "$replaceWith",
    "$sample",
    "$bucket",
    "$bucketAuto",
    "$out",
    "$merge",
    "$graphLookup",
    "$sortByCount",
    "$unionWith",
    "$setWindowFields",
    "$densify",
    "$fill",
];

const EXPRESSION_OPERATORS: &[&str] = &[
    "$sum",
    "$avg",
    "$min",
    "$max",
    "$push",
    "$addToSet",
    "$first",
    "$last",
    "$count",
    "$cond",
    "$ifNull",
    "$switch",
    "$concat",
    "$toUpper",
    "$toLower",
    "$substrCP",
    "$size",
    "$filter",
    "$map",
    "$reduce",
    "$arrayElemAt",
    "$add",
    "$subtract",
    "$multiply",
    "$divide",
    "$round",
    "$dateToString",
    "$year",
    "$month",
    "$dayOfMonth",
    "$toString",
    "$toInt",
    "$toDouble",
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$and",
    "$or",
    "$not",
    "$in",
    "$let",
    "$mergeObjects",
    "$objectToArray",
];

fn mongo(catalog: Option<&Catalog>) -> Option<&MongoCatalog> {
    match catalog {
        Some(Catalog::Mongo(m)) => Some(m),
        _ => None,
    }
}

/// The collection and method of the innermost `db.NAME.method(` call still open at the end of
/// `text`, with the `{` depth inside it.
pub fn open_call(text: &str) -> Option<(String, String, usize)> {
    let mut best = None;
    let mut from = 0;
    while let Some(i) = text[from..].find("db.") {
        let at = from + i;
        from = at + 3;
        if at > 0 && text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &text[at + 3..];
        let (collection, after) = collection_at(rest)?;
        let Some(after) = after.strip_prefix('.') else {
            continue;
        };
        let method: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let Some(args) = after[method.len()..].strip_prefix('(') else {
            continue;
        };
        let (mut parens, mut braces) = (1i32, 0i32);
        for c in args.chars() {
            match c {
                '(' => parens += 1,
                ')' => parens -= 1,
                '{' => braces += 1,
                '}' => braces -= 1,
                _ => {}
            }
            if parens == 0 {
                break;
            }
        }
        if parens > 0 {
            best = Some((collection, method, braces.max(0) as usize));
        }
    }
    best
}

/// `NAME` or `getCollection('NAME')` at the start of `rest`, and what follows it.
fn collection_at(rest: &str) -> Option<(String, &str)> {
    if let Some(inner) = rest.strip_prefix("getCollection(") {
        let quote = inner.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
        let end = inner[1..].find(quote)? + 1;
        let after = inner[end + 1..].strip_prefix(')')?;
        return Some((inner[1..end].to_string(), after));
    }
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then(|| (name.clone(), &rest[name.len()..]))
}

pub fn complete(
    catalog: Option<&Catalog>,
    code: &str,
    body_start: usize,
    cursor: usize,
) -> Completion {
    let catalog = mongo(catalog);
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let line = &code[line_start..cursor];
    // Inside a quote: a field path with dots (`'address.ci`).
    if let Some(quote_at) = open_quote(line) {
        let start = line_start + quote_at + 1;
        let typed = &code[start..cursor];
        let before = &code[body_start..start];
        let mut candidates = Vec::new();
        if let (Some(catalog), Some((collection, _, _))) = (catalog, open_call(before)) {
            candidates.extend(fields(catalog, &collection, typed, false));
        }
        if let Some(catalog) = catalog
            && before.trim_end().ends_with("getCollection(")
        {
            candidates.extend(
                catalog
                    .collections
                    .iter()
                    .filter(|c| c.name.starts_with(typed))
                    .map(|c| Candidate::new(c.name.clone(), "collection")),
            );
        }
        return Completion { start, candidates };
    }
    let start = word_start(code, cursor, &['$']);
    let typed = &code[start..cursor];
    let before = &code[body_start..start];
    let mut candidates = Vec::new();
    if line[..start - line_start].trim() == "use" {
        if let Some(catalog) = catalog {
            candidates.extend(
                catalog
                    .databases
                    .iter()
                    .filter(|d| d.starts_with(typed))
                    .map(|d| Candidate::new(d.clone(), "database")),
            );
        }
        return Completion { start, candidates };
    }
    let method = |(name, signature): &(&str, &str)| {
        Candidate::new(*name, "method").with_detail(format!("{name}{signature}"))
    };
    if before.ends_with("db.")
        && !before[..before.len() - 3]
            .ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
    {
        if let Some(catalog) = catalog {
            candidates.extend(
                catalog
                    .collections
                    .iter()
                    .filter(|c| c.name.starts_with(typed))
                    .map(|c| {
                        Candidate::new(c.name.clone(), "collection")
                            .with_detail(count_text(c.count))
                    }),
            );
        }
        candidates.extend(
            DB_METHODS
                .iter()
                .filter(|(n, _)| n.starts_with(typed))
                .map(method),
        );
        return Completion { start, candidates };
    }
    if let Some(prefix) = before.strip_suffix('.') {
        let list = if prefix.ends_with(')') {
            CURSOR_METHODS
        } else {
            COLLECTION_METHODS
        };
        let db_chain = prefix
            .rfind("db.")
            .is_some_and(|i| !prefix[i + 3..].contains(char::is_whitespace));
        if db_chain {
            candidates.extend(
                list.iter()
                    .filter(|(n, _)| n.starts_with(typed))
                    .map(method),
            );
        }
        return Completion { start, candidates };
    }
    let call = open_call(before);
    if typed.starts_with('$') {
        let lists: &[&[&str]] = match call.as_ref().map(|(_, m, _)| m.as_str()) {
            Some("aggregate") => &[STAGES, EXPRESSION_OPERATORS, QUERY_OPERATORS],
            Some(m)
                if m.starts_with("update") || m.starts_with("findOneAnd") || m == "bulkWrite" =>
            {
                &[UPDATE_OPERATORS, QUERY_OPERATORS]
            }
            _ => &[
                QUERY_OPERATORS,
                UPDATE_OPERATORS,
                STAGES,
                EXPRESSION_OPERATORS,
            ],
        };
        for list in lists {
            candidates.extend(
                list.iter()
                    .filter(|o| o.starts_with(typed))
                    .map(|o| Candidate::new(*o, "operator")),
            );
        }
        return Completion { start, candidates };
    }
    if let (Some(catalog), Some((collection, _, depth))) = (catalog, &call)
        && *depth > 0
    {
        candidates.extend(fields(catalog, collection, typed, true));
        return Completion { start, candidates };
    }
    if !typed.is_empty() {
        candidates.extend(
            ["db", "use", "show"]
                .iter()
                .filter(|w| w.starts_with(typed))
                .map(|w| Candidate::new(*w, "keyword")),
        );
        candidates.extend(
            MONGOSH_WORDS
                .iter()
                .filter(|w| fits(w, typed, false))
                .map(|w| Candidate::new(*w, "keyword")),
        );
    }
    Completion { start, candidates }
}

/// Where an unclosed `'` or `"` opened on the line, if the text after it can be a field path.
fn open_quote(line: &str) -> Option<usize> {
    let mut open: Option<(usize, char)> = None;
    for (i, c) in line.char_indices() {
        match open {
            Some((_, q)) if c == q => open = None,
            None if c == '\'' || c == '"' => open = Some((i, c)),
            _ => {}
        }
    }
    let (at, _) = open?;
    line[at + 1..]
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '$'))
        .then_some(at)
}

/// Field paths of `collection` starting with `typed`; unquoted, a dotted path is offered in
/// quotes, as JavaScript needs it.
fn fields(catalog: &MongoCatalog, collection: &str, typed: &str, unquoted: bool) -> Vec<Candidate> {
    let Some(collection) = catalog.collection(collection) else {
        return Vec::new();
    };
    collection
        .fields
        .iter()
        .filter(|(path, _)| path.starts_with(typed))
        .map(|(path, kinds)| {
            let text = if unquoted && path.contains('.') {
                format!("'{path}'")
            } else {
                path.clone()
            };
            Candidate::new(text, "field").with_detail(kinds.join(" | "))
        })
        .collect()
}

fn count_text(count: Option<u64>) -> String {
    count
        .map(|n| format!("{n} document{}", if n == 1 { "" } else { "s" }))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MongoCollection;

    fn catalog() -> Catalog {
        Catalog::Mongo(MongoCatalog {
            database: "test".into(),
            databases: vec!["admin".into(), "test".into()],
            collections: vec![MongoCollection {
                name: "people".into(),
                fields: vec![
                    ("name".into(), vec!["string".into()]),
                    ("address".into(), vec!["object".into()]),
                    ("address.city".into(), vec!["string".into()]),
                ],
                ..Default::default()
            }],
        })
    }

    fn texts(code: &str) -> Vec<String> {
        let c = catalog();
        let mut candidates = complete(Some(&c), code, 0, code.len()).candidates;
        crate::complete::dedup(&mut candidates);
        candidates.into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn collections_methods_fields_and_operators() {
        assert_eq!(texts("db.pe"), ["people"]);
        assert_eq!(texts("db.people.insertO"), ["insertOne"]);
        assert_eq!(texts("db.people.find({}).li"), ["limit"]);
        assert_eq!(texts("db.people.find({na"), ["name"]);
        assert_eq!(texts("db.people.find({add"), ["address", "'address.city'"]);
        assert_eq!(texts("db.people.find({'address.c"), ["address.city"]);
        assert_eq!(texts("db.people.find({age: {$gt"), ["$gt", "$gte"]);
        assert!(texts("db.people.aggregate([{$ma").contains(&"$match".to_string()));
        assert_eq!(texts("use ad"), ["admin"]);
    }

    #[test]
    fn the_open_call_is_found_through_get_collection() {
        assert_eq!(
            open_call("db.getCollection('a-b').find({x: 1, "),
            Some(("a-b".into(), "find".into(), 1))
        );
        assert_eq!(
            open_call("db.a.find({}); db.b.count("),
            Some(("b".into(), "count".into(), 0))
        );
    }
}
