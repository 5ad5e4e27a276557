//! Recognising a line of Python or JavaScript/TypeScript by its shape.
//!
//! Only shapes that no Redis command, SQL statement or mongosh command line has count: a line
//! starts with `import`, `def`, `const`, `async function`; calls a method on an object
//! (`r.set(...)`); assigns a call (`r = redis.Redis(...)`); annotates a TypeScript type. A line
//! that could be either is not a verdict. Comments and blank lines are skipped.

/// The language a line is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Python,
    /// JavaScript run by Node.js (a driver, Mongoose, ioredis).
    NodeJs,
    TypeScript,
    /// An object's method call with no other clue (`r.get('k')`): Python or JavaScript.
    Application,
}

impl Code {
    pub fn name(self) -> &'static str {
        match self {
            Code::Python => "Python",
            Code::NodeJs => "Node.js (JavaScript)",
            Code::TypeScript => "TypeScript",
            Code::Application => "application (Python or JavaScript)",
        }
    }
}

/// What one line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub code: Code,
    /// The shape exists only outside mongosh (`require`, `import … from`, types, a Python
    /// statement): mongosh, which runs JavaScript itself, takes `const` and arrow functions.
    pub outside_mongosh: bool,
}

fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// `name(`, `(`: a word that opens a call or a parameter list.
fn call_word(word: &str) -> bool {
    word.find('(')
        .is_some_and(|i| i == 0 || is_identifier(&word[..i]))
}

/// `a.b.c(` at the start of `text`: the dotted name, if the call follows at once.
pub fn dotted_call(text: &str) -> Option<&str> {
    let open = text.find('(')?;
    let name = &text[..open];
    let parts: Vec<&str> = name.split('.').collect();
    (parts.len() >= 2 && parts.iter().all(|p| is_identifier(p))).then_some(name)
}

/// A comment or blank line in any of the languages concerned.
pub fn is_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with("//") || t.starts_with("--")
}

/// The verdict for one line, if its shape says so.
pub fn line(raw: &str) -> Option<Verdict> {
    let t = raw.trim();
    if is_comment(t) {
        return None;
    }
    let w = words(t);
    let first = *w.first()?;
    let python = |outside| {
        Some(Verdict {
            code: Code::Python,
            outside_mongosh: outside,
        })
    };
    let node = |outside| {
        Some(Verdict {
            code: Code::NodeJs,
            outside_mongosh: outside,
        })
    };
    let typescript = Some(Verdict {
        code: Code::TypeScript,
        outside_mongosh: true,
    });

    if t.contains("require(") || t.contains("module.exports") {
        return node(true);
    }
    match first {
        // `import x` / `import x as y` (Python); `import x from 'y'` / `import {a} from "b"` (JS).
        "import" => {
            return if t.contains(" from '") || t.contains(" from \"") || t.contains('{') {
                node(true)
            } else {
                python(true)
            };
        }
        "from" if w.get(2) == Some(&"import") => return python(true),
        "def" | "class" if t.ends_with(':') => return python(true),
        "elif" | "except" | "try:" | "else:" => return python(true),
        "if" | "for" | "while" | "with" if t.ends_with(':') && !t.contains('{') => {
            return python(true);
        }
        "export" if w.len() > 1 => return typescript,
        "interface" if t.ends_with('{') => return typescript,
        "const" | "let" | "var"
            if w.get(1)
                .is_some_and(|n| is_identifier(n) || n.starts_with('{')) =>
        {
            return if has_type_annotation(t) {
                typescript
            } else {
                node(false)
            };
        }
        // `function name(` / `async function`, never Redis's `FUNCTION LOAD "…function()…"`.
        "function" if w.get(1).is_some_and(|n| call_word(n)) => {
            return if has_type_annotation(t) {
                typescript
            } else {
                node(false)
            };
        }
        "async" if w.get(1) == Some(&"function") || t.contains("=>") => {
            return if has_type_annotation(t) {
                typescript
            } else {
                node(false)
            };
        }
        "await" => return node(false),
        _ => {}
    }
    if has_type_annotation(t) && t.contains('(') {
        return typescript;
    }
    // `name = something(...)`: a Python assignment of a call (JavaScript would say const/let).
    if w.len() >= 3 && is_identifier(first) && w[1] == "=" && t.contains('(') {
        // mongosh takes a bare assignment too, so this alone does not count there.
        return if t.ends_with(';') {
            node(false)
        } else {
            python(false)
        };
    }
    if let Some(name) = dotted_call(t) {
        let args = &t[name.len()..];
        if name.contains(".objects.") {
            return python(true);
        }
        if args.ends_with(';') {
            return node(false);
        }
        // `withscores=True`, `id=1`: keyword arguments exist in Python only.
        let python_args = keyword_argument(args);
        return if python_args {
            python(true)
        } else {
            Some(Verdict {
                code: Code::Application,
                outside_mongosh: false,
            })
        };
    }
    None
}

/// `name=value` inside a call's parentheses (a Python keyword argument), not `==`, `=>`.
fn keyword_argument(args: &str) -> bool {
    let bytes = args.as_bytes();
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(b),
            (None, b'=') => {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + 1).copied();
                let word_before = before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_');
                if word_before && !matches!(after, Some(b'=' | b'>')) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// `(userId: string)`, `): Promise<User>`: TypeScript's type annotations.
fn has_type_annotation(t: &str) -> bool {
    const TYPES: [&str; 7] = [
        ": string",
        ": number",
        ": boolean",
        ": Promise<",
        ": object",
        ": any",
        ": void",
    ];
    TYPES.iter().any(|ty| t.contains(ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(l: &str) -> Option<Code> {
        line(l).map(|v| v.code)
    }

    #[test]
    fn python_shapes() {
        assert_eq!(code("import redis"), Some(Code::Python));
        assert_eq!(code("from pymongo import MongoClient"), Some(Code::Python));
        assert_eq!(
            code("r = redis.Redis(host='localhost', port=6379)"),
            Some(Code::Python)
        );
        assert_eq!(
            code("r.zrevrange('leaderboard', 0, 10, withscores=True)"),
            Some(Code::Python)
        );
        assert_eq!(code("def get_user(user_id):"), Some(Code::Python));
        assert_eq!(code("User.objects.get(id=1)"), Some(Code::Python));
    }

    #[test]
    fn node_and_typescript_shapes() {
        assert_eq!(
            code("const mongoose = require('mongoose');"),
            Some(Code::NodeJs)
        );
        assert!(
            line("const mongoose = require('mongoose');")
                .unwrap()
                .outside_mongosh
        );
        assert_eq!(code("await user.save();"), Some(Code::NodeJs));
        assert_eq!(
            code("async function getUser(userId: string): Promise<User> {"),
            Some(Code::TypeScript)
        );
        assert_eq!(
            code("import { createClient } from 'redis';"),
            Some(Code::NodeJs)
        );
        assert!(!line("const x = db.users.find()").unwrap().outside_mongosh);
        assert!(
            !line("n = db.users.countDocuments({ name: 'None' })")
                .unwrap()
                .outside_mongosh
        );
    }

    #[test]
    fn redis_sql_and_mongosh_lines_are_not_code() {
        for l in [
            "SET user:1:name \"John Doe\"",
            "JSON.SET doc $ '{\"a\":1}'",
            "FT.SEARCH idx \"@title:(foo)\"",
            "FUNCTION LOAD \"#!lua name=lib\\nredis.register_function('f', function() return 1 end)\"",
            "EVAL \"return redis.call('get', KEYS[1])\" 1 k",
            "SELECT * FROM users WHERE id = 1;",
            "UPDATE users SET email = 'new@example.com' WHERE id = 1;",
            "CREATE INDEX idx_users_email ON users(email);",
            "# String operations",
            "db.users.find({ email: 'user@example.com' })",
            "    EXECUTE FUNCTION update_updated_at_column();",
        ] {
            let v = line(l);
            assert!(
                v.is_none() || (!v.unwrap().outside_mongosh && l.starts_with("db.")),
                "{l}: {v:?}"
            );
        }
    }
}
