//! Leaf formatting rules borrowed from JavaScript: `Number.prototype.toString`,
//! Node's string quoting (`strEscape`) and object-key quoting.
//!
//! These are the pieces where a byte of difference is visible to the user
//! (`1e+21` vs `1000000000000000000000`, `'it\'s'` vs `"it's"`), so they are
//! kept apart and tested against the outputs Node prints.

/// A JavaScript number as `String(n)` prints it (`-0` prints as `0`).
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".to_string();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if n == 0.0 {
        return "0".to_string();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // Rust's `{:e}` yields the shortest round-trip digits, like JavaScript.
    let sci = format!("{:e}", n.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i64;
    // `n` in ECMA-262's Number::toString: the decimal point sits after `point` digits.
    let point = exponent + 1;
    let body = if k <= point && point <= 21 {
        format!("{digits}{}", "0".repeat((point - k) as usize))
    } else if 0 < point && point <= 21 {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else {
        let e = point - 1;
        let e_sign = if e < 0 { "-" } else { "+" };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{e_sign}{}", e.abs())
        } else {
            format!("{first}.{rest}e{e_sign}{}", e.abs())
        }
    };
    format!("{sign}{body}")
}

/// A number as `util.inspect` prints it: like [`js_number`] but `-0` stays `-0`.
pub fn inspect_number(n: f64) -> String {
    if n == 0.0 && n.is_sign_negative() {
        return "-0".to_string();
    }
    js_number(n)
}

/// Quote a string the way Node's `util.inspect` does: single quotes unless the
/// text contains one, then double quotes, then backticks; control characters,
/// backslashes and (only with single quotes) `'` are escaped.
pub fn quote(s: &str) -> String {
    let mut quote = '\'';
    if s.contains('\'') {
        if !s.contains('"') {
            quote = '"';
        } else if !s.contains('`') && !s.contains("${") {
            quote = '`';
        }
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\'' if quote == '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// An object key: bare when it is a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`,
/// so `$match` is quoted, exactly as Node does), quoted otherwise.
pub fn key(k: &str) -> String {
    let mut chars = k.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if k == "__proto__" {
        "['__proto__']".to_string()
    } else if plain {
        k.to_string()
    } else {
        quote(k)
    }
}

/// Length as JavaScript counts it (UTF-16 code units); Node's line-fitting uses this.
pub fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Approximate terminal width (wide East Asian characters count 2), as Node's
/// `getStringWidth` does when grouping array items into columns.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let code = c as u32;
            if code < 0x20
                || (0x7f..=0x9f).contains(&code)
                || (0x300..=0x36f).contains(&code)
                || (0x200b..=0x200f).contains(&code)
            {
                0
            } else if is_wide(code) {
                2
            } else {
                1
            }
        })
        .sum()
}

fn is_wide(code: u32) -> bool {
    code >= 0x1100
        && (code <= 0x115f
            || code == 0x2329
            || code == 0x232a
            || (0x2e80..=0x3247).contains(&code) && code != 0x303f
            || (0x3250..=0x4dbf).contains(&code)
            || (0x4e00..=0xa4c6).contains(&code)
            || (0xa960..=0xa97c).contains(&code)
            || (0xac00..=0xd7a3).contains(&code)
            || (0xf900..=0xfaff).contains(&code)
            || (0xfe10..=0xfe19).contains(&code)
            || (0xfe30..=0xfe6b).contains(&code)
            || (0xff01..=0xff60).contains(&code)
            || (0xffe0..=0xffe6).contains(&code)
            || (0x1b000..=0x1b001).contains(&code)
            || (0x1f200..=0x1f251).contains(&code)
            || (0x1f300..=0x1f64f).contains(&code)
            || (0x20000..=0x3fffd).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_javascript() {
        let cases = [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012.0, "123456789012"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (2f64.powi(53), "9007199254740992"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "0"),
        ];
        for (n, want) in cases {
            assert_eq!(js_number(n), want, "{n}");
        }
        assert_eq!(inspect_number(-0.0), "-0");
    }

    #[test]
    fn strings_pick_the_quote_node_picks() {
        assert_eq!(quote("abc"), "'abc'");
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("it's \"x\""), "`it's \"x\"`");
        assert_eq!(quote("it's \"x\" `y`"), "'it\\'s \"x\" `y`'");
        assert_eq!(quote("a\nb\\c\u{1}"), "'a\\nb\\\\c\\x01'");
    }

    #[test]
    fn keys_are_bare_only_when_identifiers() {
        assert_eq!(key("name"), "name");
        assert_eq!(key("_id"), "_id");
        assert_eq!(key("$match"), "'$match'");
        assert_eq!(key("size.uom"), "'size.uom'");
        assert_eq!(key("0"), "'0'");
        assert_eq!(key("first name"), "'first name'");
    }
}
