//! Regular expressions with PCRE semantics. Expected values come from MongoDB's `$regex` and
//! `$regexFind` reference pages (docs/manual/reference/operator/query/regex/ and
//! .../aggregation/regexFind/) and from PCRE2's pattern specification (pcre2pattern(3):
//! lookahead/lookbehind assertions, back references, possessive quantifiers, UTF mode), never
//! from this engine's own output.

use bson::{Bson, Document, doc};
use docdb_query::{Filter, Variables, evaluate};

/// The `products` collection of the `$regex` reference page.
fn products() -> Vec<Document> {
    vec![
        doc! {"_id": 100, "sku": "abc123", "description": "Single line description."},
        doc! {"_id": 101, "sku": "abc789", "description": "First line\nSecond line"},
        doc! {"_id": 102, "sku": "xyz456", "description": "Many spaces before     line"},
        doc! {"_id": 103, "sku": "xyz789", "description": "Multiple\nline description"},
        doc! {"_id": 104, "sku": "Abc789", "description": "SKU starts with A"},
    ]
}

fn ids(filter: Document, docs: &[Document]) -> Vec<i32> {
    let f = Filter::parse(&filter).unwrap_or_else(|e| panic!("{filter}: {e:?}"));
    docs.iter()
        .filter(|d| f.matches(d))
        .map(|d| d.get_i32("_id").expect("int _id"))
        .collect()
}

fn regex(pattern: &str, options: &str) -> Bson {
    Bson::RegularExpression(bson::Regex {
        pattern: pattern.try_into().expect("no NUL"),
        options: options.try_into().expect("no NUL"),
    })
}

fn matches(value: &str, pattern: &str, options: &str) -> bool {
    !ids(
        doc! {"v": regex(pattern, options)},
        &[doc! {"_id": 1, "v": value}],
    )
    .is_empty()
}

#[test]
fn reference_page_examples() {
    let p = products();
    assert_eq!(
        ids(doc! {"sku": {"$regex": regex("789$", "")}}, &p),
        [101, 103, 104]
    );
    assert_eq!(
        ids(doc! {"sku": {"$regex": regex("^ABC", "i")}}, &p),
        [100, 101, 104]
    );
    assert_eq!(
        ids(doc! {"description": {"$regex": regex("^S", "m")}}, &p),
        [100, 101, 104]
    );
    assert_eq!(
        ids(doc! {"description": {"$regex": regex("^S", "")}}, &p),
        [100, 104]
    );
    assert_eq!(
        ids(doc! {"description": {"$regex": regex("m.*line", "si")}}, &p),
        [102, 103]
    );
    // The x option: whitespace and `#` comments in the pattern are ignored.
    let pattern = "abc #category code\n123 #item number";
    assert_eq!(
        ids(doc! {"sku": {"$regex": pattern, "$options": "x"}}, &p),
        [100]
    );
    // Inline modifiers, the page's PCRE example.
    assert_eq!(
        ids(doc! {"sku": {"$regex": "(?i)a(?-i)bc"}}, &p),
        [100, 101, 104]
    );
}

#[test]
fn dollar_regex_strings_and_literals_are_identical() {
    let p = products();
    for (pattern, options) in [("^abc", ""), ("^ABC", "i"), ("^S", "m"), ("e\\b", "")] {
        assert_eq!(
            ids(doc! {"sku": {"$regex": pattern, "$options": options}}, &p),
            ids(doc! {"sku": regex(pattern, options)}, &p),
            "/{pattern}/{options}"
        );
        assert_eq!(
            ids(
                doc! {"description": {"$regex": pattern, "$options": options}},
                &p
            ),
            ids(doc! {"description": regex(pattern, options)}, &p),
        );
    }
}

#[test]
fn look_around() {
    // pcre2pattern, "Lookahead assertions": \w+(?=;) matches a word followed by a semicolon.
    assert!(matches("foo;", "^\\w+(?=;)", ""));
    assert!(!matches("foo", "^\\w+(?=;)", ""));
    // "foo(?!bar)" matches any "foo" not followed by "bar".
    assert!(matches("foobaz", "foo(?!bar)", ""));
    assert!(!matches("foobar", "foo(?!bar)", ""));
    // "Lookbehind assertions": (?<!foo)bar finds a "bar" not preceded by "foo".
    assert!(matches("xbar", "(?<!foo)bar", ""));
    assert!(!matches("foobar", "(?<!foo)bar", ""));
    assert!(matches("foobar", "(?<=foo)bar", ""));
    // The filter PyMongo's list_collection_names helpers send.
    let names = [
        doc! {"_id": 1, "name": "users"},
        doc! {"_id": 2, "name": "system.views"},
        doc! {"_id": 3, "name": "systemic"},
    ];
    assert_eq!(
        ids(doc! {"name": {"$regex": "^(?!system\\.)"}}, &names),
        [1, 3]
    );
}

#[test]
fn back_references() {
    // pcre2pattern, "Back references": (sens|respons)e and \1ibility matches "sense and
    // sensibility" and "response and responsibility", but not "sense and responsibility".
    let p = "(sens|respons)e and \\1ibility";
    assert!(matches("sense and sensibility", p, ""));
    assert!(matches("response and responsibility", p, ""));
    assert!(!matches("sense and responsibility", p, ""));
    // A named group referenced by name.
    assert!(matches("abab", "^(?<pair>ab)\\k<pair>$", ""));
}

#[test]
fn possessive_quantifiers_and_atomic_groups() {
    // pcre2pattern, "Atomic grouping and possessive quantifiers": a possessive quantifier never
    // gives back what it matched, so ^a*+a cannot match while ^a*a can.
    assert!(matches("aaa", "^a*a", ""));
    assert!(!matches("aaa", "^a*+a", ""));
    assert!(!matches("aaa", "^(?>a*)a", ""));
    assert!(matches("123456foo", "^\\d++foo", ""));
    assert!(!matches("123456bar", "^\\d++foo", ""));
}

#[test]
fn utf8_subjects() {
    // pcre2unicode: in UTF mode a dot matches one character, not one byte, and caseless
    // matching folds characters above U+007F.
    assert!(matches("é", "^.$", ""));
    assert!(matches("École", "^école$", "i"));
    assert!(matches("Straße", "^stra\\x{df}e$", "i"));
    assert!(matches("日本語", "^\\p{Han}+$", "u"));
}

#[test]
fn bad_patterns_and_options_use_mongod_codes() {
    let err = Filter::parse(&doc! {"a": {"$regex": "(unclosed"}}).unwrap_err();
    assert_eq!(err.code, 51091, "{err:?}");
    assert!(
        err.message.contains("missing closing parenthesis"),
        "{}",
        err.message
    );
    let err = Filter::parse(&doc! {"a": {"$regex": "a", "$options": "g"}}).unwrap_err();
    assert_eq!(err.code, 51108, "{err:?}");
}

fn eval(expr: Document, input: &str) -> Bson {
    evaluate(
        &Bson::Document(expr),
        &doc! {"description": input},
        &Variables::new(),
    )
    .expect("evaluates")
}

#[test]
fn regex_find_reports_code_point_indexes_and_captures() {
    // $regexFind reference page: "métier" finds "tier" at index 2 (code points, not bytes).
    assert_eq!(
        eval(
            doc! {"$regexFind": {"input": "$description", "regex": regex("tier", "")}},
            "métier work vocation"
        ),
        Bson::Document(doc! {"match": "tier", "idx": 2, "captures": []})
    );
    assert_eq!(
        eval(
            doc! {"$regexFind": {"input": "$description", "regex": regex("line", "")}},
            "First lines\nsecond line"
        ),
        Bson::Document(doc! {"match": "line", "idx": 6, "captures": []})
    );
    assert_eq!(
        eval(
            doc! {"$regexFind": {"input": "$description", "regex": regex("line", "")}},
            "Single LINE description."
        ),
        Bson::Null
    );
    // A group that does not take part is null in `captures`.
    assert_eq!(
        eval(
            doc! {"$regexFind": {"input": "$description", "regex": "(a)|(b)"}},
            "b"
        ),
        Bson::Document(doc! {"match": "b", "idx": 0, "captures": [Bson::Null, "b"]})
    );
    // $regexFindAll with a back reference and a lookahead.
    assert_eq!(
        eval(
            doc! {"$regexFindAll": {"input": "$description", "regex": "(\\w)\\1(?=k)"}},
            "book cool"
        ),
        Bson::Array(vec![Bson::Document(
            doc! {"match": "oo", "idx": 1, "captures": ["o"]}
        ),])
    );
    assert_eq!(
        eval(
            doc! {"$regexMatch": {"input": "$description", "regex": "^a*+a"}},
            "aaa"
        ),
        Bson::Boolean(false)
    );
}
