//! The locales mongod accepts (its ICU build's collation locales, listed on MongoDB's "Collation
//! Locales and Default Parameters" page) and their BCP 47 spelling for ICU4X.
//!
//! mongod rejects a locale ICU would have to canonicalize or fall back from ("en-US", "xx"), so
//! the check is against this exact list, not against whatever ICU4X can load. Variants are
//! written `<locale>@collation=<type>`; only those whose data ICU4X ships are listed, so a
//! variant we would silently replace by the standard order is refused instead.

/// mongod's locale identifiers (without variants).
const LOCALES: &[&str] = &[
    "af",
    "am",
    "ar",
    "as",
    "az",
    "be",
    "bg",
    "bn",
    "bo",
    "bs",
    "bs_Cyrl",
    "ca",
    "chr",
    "cs",
    "cy",
    "da",
    "de",
    "de_AT",
    "dsb",
    "dz",
    "ee",
    "el",
    "en",
    "en_US",
    "en_US_POSIX",
    "eo",
    "es",
    "et",
    "fa",
    "fa_AF",
    "fi",
    "fil",
    "fo",
    "fr",
    "fr_CA",
    "ga",
    "gl",
    "gu",
    "ha",
    "haw",
    "he",
    "hi",
    "hr",
    "hsb",
    "hu",
    "hy",
    "id",
    "ig",
    "is",
    "it",
    "ja",
    "ka",
    "kk",
    "kl",
    "km",
    "kn",
    "ko",
    "kok",
    "ky",
    "lb",
    "lkt",
    "ln",
    "lo",
    "lt",
    "lv",
    "mk",
    "ml",
    "mn",
    "mr",
    "ms",
    "mt",
    "my",
    "nb",
    "ne",
    "nl",
    "nn",
    "om",
    "or",
    "pa",
    "pl",
    "ps",
    "pt",
    "ro",
    "ru",
    "se",
    "si",
    "sk",
    "sl",
    "smn",
    "sq",
    "sr",
    "sr_Latn",
    "sv",
    "sw",
    "ta",
    "te",
    "th",
    "to",
    "tr",
    "ug",
    "uk",
    "ur",
    "vi",
    "wae",
    "yi",
    "yo",
    "zh",
    "zh_Hant",
    "zu",
];

/// `<locale>@collation=<variant>` forms: mongod's variant name and the BCP 47 `-u-co-` value.
const VARIANTS: &[(&str, &str, &str)] = &[
    ("de", "phonebook", "phonebk"),
    ("es", "traditional", "trad"),
    ("zh", "pinyin", "pinyin"),
    ("zh", "stroke", "stroke"),
    ("zh", "zhuyin", "zhuyin"),
    ("zh", "unihan", "unihan"),
];

/// The BCP 47 tag ICU4X should load for a mongod locale id, or None when mongod would refuse it.
pub fn to_bcp47(locale: &str) -> Option<String> {
    if locale == "root" {
        return Some("und".to_string());
    }
    let (base, variant) = match locale.split_once("@collation=") {
        Some((base, variant)) => (base, Some(variant)),
        None => (locale, None),
    };
    if !LOCALES.contains(&base) {
        return None;
    }
    let mut tag = match base {
        "en_US_POSIX" => "en-US-posix".to_string(),
        other => other.replace('_', "-"),
    };
    if let Some(variant) = variant {
        let (_, _, co) = VARIANTS
            .iter()
            .find(|(b, v, _)| *b == base && *v == variant)?;
        tag.push_str("-u-co-");
        tag.push_str(co);
    }
    Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling() {
        assert_eq!(to_bcp47("en_US").as_deref(), Some("en-US"));
        assert_eq!(
            to_bcp47("de@collation=phonebook").as_deref(),
            Some("de-u-co-phonebk")
        );
        assert_eq!(to_bcp47("en-US"), None);
        assert_eq!(to_bcp47("xx"), None);
        assert_eq!(to_bcp47("de@collation=nonsense"), None);
    }
}
