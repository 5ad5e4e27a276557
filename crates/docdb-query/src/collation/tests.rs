//! Collation behaviour with expected values from MongoDB's collation pages (reference/collation/,
//! reference/collation-locales-defaults/, the getIndexes example of a resolved spec), the ICU
//! User Guide (collation concepts: strength levels, French secondary order, ignoring
//! punctuation with alternate=shifted, numeric ordering) and CLDR's language rules (Swedish
//! letters after z, German phonebook ü = ue), never from this code's output.

use super::*;
use std::cmp::Ordering::{Equal, Greater, Less};

fn coll(spec: Document) -> Arc<Collation> {
    Collation::parse(&spec)
        .unwrap_or_else(|e| panic!("{spec}: {e:?}"))
        .unwrap_or_else(|| panic!("{spec} is not simple"))
}

fn sorted(spec: Document, words: &[&str]) -> Vec<String> {
    let c = coll(spec);
    let mut out: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    out.sort_by(|a, b| c.compare(a, b));
    out
}

#[test]
fn strength_levels() {
    // Collation page: strength 1 compares base characters only, 2 adds diacritics, 3 case.
    let s1 = coll(doc! {"locale": "fr", "strength": 1});
    assert_eq!(s1.compare("cafe", "Café"), Equal);
    let s2 = coll(doc! {"locale": "fr", "strength": 2});
    assert_eq!(s2.compare("cafe", "cafE"), Equal);
    assert_ne!(s2.compare("cafe", "café"), Equal);
    let s3 = coll(doc! {"locale": "fr"});
    assert_ne!(s3.compare("cafe", "cafE"), Equal);
    assert_eq!(s3.compare("cafe", "cafe"), Equal);
}

#[test]
fn numeric_ordering() {
    assert_eq!(
        sorted(
            doc! {"locale": "en_US", "numericOrdering": true},
            &["10", "2", "1", "20"]
        ),
        ["1", "2", "10", "20"]
    );
    assert_eq!(
        sorted(doc! {"locale": "en_US"}, &["10", "2", "1", "20"]),
        ["1", "10", "2", "20"]
    );
}

#[test]
fn case_first() {
    assert_eq!(
        sorted(doc! {"locale": "en", "caseFirst": "upper"}, &["a", "A"]),
        ["A", "a"]
    );
    assert_eq!(
        sorted(doc! {"locale": "en", "caseFirst": "lower"}, &["A", "a"]),
        ["a", "A"]
    );
}

#[test]
fn alternate_shifted_ignores_spaces_and_punctuation() {
    let shifted = coll(doc! {"locale": "en", "alternate": "shifted"});
    assert_eq!(shifted.compare("black-bird", "blackbird"), Equal);
    assert_eq!(shifted.compare("black bird", "blackbird"), Equal);
    let space_only = coll(doc! {"locale": "en", "alternate": "shifted", "maxVariable": "space"});
    assert_eq!(space_only.compare("black bird", "blackbird"), Equal);
    assert_ne!(space_only.compare("black-bird", "blackbird"), Equal);
    let plain = coll(doc! {"locale": "en"});
    assert_ne!(plain.compare("black-bird", "blackbird"), Equal);
    // Quaternary strength tells them apart again.
    let q = coll(doc! {"locale": "en", "alternate": "shifted", "strength": 4});
    assert_ne!(q.compare("black-bird", "blackbird"), Equal);
}

#[test]
fn locales_order_letters_their_own_way() {
    // German sorts ä with a; Swedish puts å, ä, ö after z.
    assert_eq!(
        sorted(doc! {"locale": "de"}, &["z", "ä", "a"]),
        ["a", "ä", "z"]
    );
    assert_eq!(
        sorted(doc! {"locale": "sv"}, &["ö", "z", "ä", "å", "a"]),
        ["a", "z", "å", "ä", "ö"]
    );
    // German phonebook order: ü is ue at the primary level.
    let phonebook = coll(doc! {"locale": "de@collation=phonebook", "strength": 1});
    assert_eq!(phonebook.compare("Müller", "Mueller"), Equal);
    let dictionary = coll(doc! {"locale": "de", "strength": 1});
    assert_ne!(dictionary.compare("Müller", "Mueller"), Equal);
    // Traditional Spanish: ll is a letter after l, so "pollo" follows "polvo".
    assert_eq!(
        coll(doc! {"locale": "es@collation=traditional"}).compare("pollo", "polvo"),
        Greater
    );
    assert_eq!(coll(doc! {"locale": "es"}).compare("pollo", "polvo"), Less);
}

#[test]
fn french_backwards_secondary_order() {
    // ICU User Guide: with backwards secondary weights cote < côte < coté < côté; without,
    // cote < coté < côte < côté.
    let words = ["côté", "coté", "côte", "cote"];
    assert_eq!(
        sorted(doc! {"locale": "fr"}, &words),
        ["cote", "coté", "côte", "côté"]
    );
    assert_eq!(
        sorted(doc! {"locale": "fr", "backwards": true}, &words),
        ["cote", "côte", "coté", "côté"]
    );
    // fr_CA's default is backwards (collation-locales-defaults), and it can be turned off.
    assert_eq!(
        sorted(doc! {"locale": "fr_CA"}, &words),
        ["cote", "côte", "coté", "côté"]
    );
    assert_eq!(
        sorted(doc! {"locale": "fr_CA", "backwards": false}, &words),
        ["cote", "coté", "côte", "côté"]
    );
    assert_eq!(
        coll(doc! {"locale": "fr_CA"})
            .spec()
            .get_bool("backwards")
            .ok(),
        Some(true)
    );
}

#[test]
fn resolved_spec_as_mongod_reports_it() {
    assert_eq!(
        coll(doc! {"locale": "en_US"}).spec(),
        &doc! {
            "locale": "en_US", "caseLevel": false, "caseFirst": "off", "strength": 3,
            "numericOrdering": false, "alternate": "non-ignorable", "maxVariable": "punct",
            "normalization": false, "backwards": false, "version": "57.1",
        }
    );
    assert_eq!(
        coll(doc! {"locale": "en", "strength": 2})
            .spec()
            .get_i32("strength")
            .ok(),
        Some(2)
    );
}

#[test]
fn sort_keys_order_like_compare() {
    let c = coll(doc! {"locale": "en", "strength": 2});
    assert_eq!(c.key("PING"), c.key("ping"));
    assert!(c.key("apple") < c.key("Banana"));
    let words = ["b", "A", "a", "ä", "B", "10", "9"];
    for a in words {
        for b in words {
            assert_eq!(c.key(a).cmp(&c.key(b)), c.compare(a, b), "{a} vs {b}");
        }
    }
    assert_eq!(
        key_of(Some(&c), &Bson::Document(doc! {"x": "A", "n": 1})),
        Bson::Document(doc! {"x": c.key("a"), "n": 1})
    );
}

#[test]
fn simple_and_invalid_specs() {
    assert!(
        Collation::parse(&doc! {"locale": "simple"})
            .expect("valid")
            .is_none()
    );
    let code = |spec: Document| Collation::parse(&spec).unwrap_err().code;
    assert_eq!(code(doc! {"locale": "simple", "strength": 2}), 9);
    assert_eq!(code(doc! {"locale": "xx"}), 2);
    assert_eq!(code(doc! {"locale": "en-US"}), 2);
    assert_eq!(code(doc! {"strength": 2}), 40414);
    assert_eq!(code(doc! {"locale": "en", "colour": 1}), 40415);
    assert_eq!(code(doc! {"locale": "en", "strength": 6}), 2);
    assert_eq!(code(doc! {"locale": "en", "strength": "2"}), 14);
    assert_eq!(
        code(doc! {"locale": "en", "caseFirst": "upper", "strength": 1}),
        2
    );
    assert_eq!(
        code(doc! {"locale": "fr", "backwards": true, "strength": 1}),
        2
    );
    assert_eq!(code(doc! {"locale": "en", "version": "1.0"}), 161);
    assert_eq!(code(doc! {"locale": "en", "alternate": "blanked"}), 2);
}

#[test]
fn posix_and_chinese_variants_load_their_own_data() {
    // CLDR's en_US_POSIX tailoring sorts ASCII in code-point order: uppercase before lowercase.
    assert_eq!(
        sorted(doc! {"locale": "en_US_POSIX"}, &["a", "B", "A", "b"]),
        ["A", "B", "a", "b"]
    );
    // Pinyin (zh's default) orders 一 (yī) after 二 (èr); stroke order puts one stroke first.
    assert_eq!(coll(doc! {"locale": "zh"}).compare("一", "二"), Greater);
    assert_eq!(
        coll(doc! {"locale": "zh@collation=stroke"}).compare("一", "二"),
        Less
    );
}

#[test]
fn case_level_separates_case_at_primary_strength() {
    // ICU User Guide, "Case level": strength 1 with caseLevel ignores accents but not case.
    let c = coll(doc! {"locale": "en", "strength": 1, "caseLevel": true});
    assert_eq!(c.compare("dejavu", "déjavu"), Equal);
    assert_ne!(c.compare("dejavu", "dejAvu"), Equal);
    // caseFirst is allowed with strength 1 once caseLevel is on.
    assert!(
        Collation::parse(
            &doc! {"locale": "en", "strength": 1, "caseLevel": true, "caseFirst": "upper"}
        )
        .is_ok()
    );
}
