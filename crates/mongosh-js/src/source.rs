//! What a cell's text needs before QuickJS runs it, found by one scan that knows JavaScript's
//! strings, template literals, comments and regular expressions.
//!
//! - Top-level `const`/`let` become `var`, and `class X` becomes `var X = class X`: a notebook
//!   runs a cell again after editing it, which would otherwise fail with "redeclaration of x";
//!   `var` also makes the name a property of the global object, so the kernel can read it after
//!   the cell (for the next subset cell and for `--out`). Declarations inside blocks and
//!   functions keep their meaning.
//! - The shell's own lines, `use shop`, `show dbs`, `it`, become calls (`use("shop")`).
//! - `{{name}}` (a kernel variable) becomes `__kv("name")`.
//! - `await` stays (shell calls return their results already, so awaiting them is a no-op) and
//!   is noted: a cell with `await` runs as an async script (top-level `await` allowed) whose
//!   promise jobs the session runs until it settles.
//!
//! Every rewrite stays on its line, so QuickJS's line numbers are the cell's.

/// The rewritten text and the identifiers it uses (for routing a cell to JavaScript).
#[derive(Debug, Default, PartialEq)]
pub struct Scanned {
    pub text: String,
    pub identifiers: Vec<String>,
    pub kernel_variables: Vec<String>,
    /// Whether the text uses `await` (outside strings and comments).
    pub awaits: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Prev {
    /// Start of the text, `;`, `{`, `}`: a statement may begin.
    Start,
    /// An identifier, number, `)` or `]`: a `/` after it divides.
    Value,
    /// An operator or other punctuation: a `/` after it starts a regular expression.
    Operator,
}

const REGEX_AFTER: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "instanceof",
    "yield",
    "await",
];

/// Rewrites a cell; see the module comment.
pub fn scan(source: &str) -> Scanned {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 16);
    let mut identifiers: Vec<String> = Vec::new();
    let mut kernel_variables: Vec<String> = Vec::new();
    let mut awaits = false;
    // Open brackets; a template literal's `${` is recorded as '$' so its `}` resumes the string.
    let mut stack: Vec<char> = Vec::new();
    let mut prev = Prev::Start;
    let mut newline_since_prev = true;
    let mut i = 0;
    let n = chars.len();
    let at_top = |stack: &Vec<char>| stack.is_empty();
    while i < n {
        let c = chars[i];
        // Comments.
        if c == '/' && i + 1 < n && chars[i + 1] == '/' {
            while i < n && chars[i] != '\n' {
                out.push(chars[i]);
                i += 1;
            }
            continue;
        }
        if c == '/' && i + 1 < n && chars[i + 1] == '*' {
            out.push_str("/*");
            i += 2;
            while i < n && !(chars[i] == '*' && i + 1 < n && chars[i + 1] == '/') {
                if chars[i] == '\n' {
                    newline_since_prev = true;
                }
                out.push(chars[i]);
                i += 1;
            }
            if i < n {
                out.push_str("*/");
                i += 2;
            }
            continue;
        }
        if c == '\n' {
            newline_since_prev = true;
            out.push(c);
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            out.push(c);
            i += 1;
            continue;
        }
        let statement_start =
            at_top(&stack) && (prev == Prev::Start || (newline_since_prev && prev == Prev::Value));
        // Strings.
        if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            while i < n && chars[i] != c && chars[i] != '\n' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(n);
            out.extend(&chars[start..i]);
            prev = Prev::Value;
            newline_since_prev = false;
            continue;
        }
        if c == '`' {
            out.push(c);
            i += 1;
            i = template(&chars, i, &mut out, &mut stack);
            prev = Prev::Value;
            newline_since_prev = false;
            continue;
        }
        if c == '}' && stack.last() == Some(&'$') {
            // The end of a `${...}` inside a template literal: the string continues.
            stack.pop();
            out.push(c);
            i += 1;
            i = template(&chars, i, &mut out, &mut stack);
            prev = Prev::Value;
            continue;
        }
        // `{{name}}` kernel variables.
        if c == '{'
            && i + 1 < n
            && chars[i + 1] == '{'
            && let Some(end) = find_kernel_end(&chars, i + 2)
        {
            let name: String = chars[i + 2..end]
                .iter()
                .collect::<String>()
                .trim()
                .to_string();
            if !name.is_empty()
                && name
                    .chars()
                    .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.')
            {
                let head = name.split('.').next().unwrap_or(&name).to_string();
                if !kernel_variables.contains(&head) {
                    kernel_variables.push(head);
                }
                out.push_str(&format!("__kv({name:?})"));
                i = end + 2;
                prev = Prev::Value;
                newline_since_prev = false;
                continue;
            }
        }
        // Regular expression literals.
        if c == '/' && prev != Prev::Value {
            let start = i;
            i += 1;
            let mut in_class = false;
            while i < n && chars[i] != '\n' {
                match chars[i] {
                    '\\' => i += 1,
                    '[' => in_class = true,
                    ']' => in_class = false,
                    '/' if !in_class => break,
                    _ => {}
                }
                i += 1;
            }
            i = (i + 1).min(n);
            while i < n && chars[i].is_alphanumeric() {
                i += 1;
            }
            out.extend(&chars[start..i]);
            prev = Prev::Value;
            newline_since_prev = false;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after_dot = out.trim_end().ends_with('.') && !out.trim_end().ends_with("...");
            if statement_start
                && !after_dot
                && let Some(replaced) = rewrite_statement(&word, &chars, i)
            {
                out.push_str(&replaced.text);
                i = replaced.end;
                prev = replaced.prev;
                newline_since_prev = false;
                continue;
            }
            // mongosh accepts `await` at the top level: such a cell runs as an async script.
            if word == "await" && !after_dot {
                awaits = true;
            }
            if !after_dot && !identifiers.contains(&word) {
                identifiers.push(word.clone());
            }
            out.push_str(&word);
            prev = if REGEX_AFTER.contains(&word.as_str()) {
                Prev::Operator
            } else {
                Prev::Value
            };
            newline_since_prev = false;
            continue;
        }
        if c.is_ascii_digit() {
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '.' || chars[i] == '_') {
                out.push(chars[i]);
                i += 1;
            }
            prev = Prev::Value;
            newline_since_prev = false;
            continue;
        }
        match c {
            '(' | '[' | '{' => stack.push(c),
            ')' | ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
        out.push(c);
        i += 1;
        prev = match c {
            ';' => Prev::Start,
            '}' if stack.is_empty() => Prev::Start,
            '{' => Prev::Operator,
            ')' | ']' | '}' => Prev::Value,
            _ => Prev::Operator,
        };
        newline_since_prev = false;
    }
    Scanned {
        text: out,
        identifiers,
        kernel_variables,
        awaits,
    }
}

/// Copies a template literal's text from `i` up to its closing backquote or its next `${`.
fn template(chars: &[char], mut i: usize, out: &mut String, stack: &mut Vec<char>) -> usize {
    let n = chars.len();
    while i < n {
        match chars[i] {
            '\\' => {
                out.push(chars[i]);
                if i + 1 < n {
                    out.push(chars[i + 1]);
                }
                i += 2;
            }
            '`' => {
                out.push('`');
                return i + 1;
            }
            '$' if i + 1 < n && chars[i + 1] == '{' => {
                out.push_str("${");
                stack.push('$');
                return i + 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    i
}

fn find_kernel_end(chars: &[char], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < chars.len() {
        if chars[i] == '\n' {
            return None;
        }
        if chars[i] == '}' && chars[i + 1] == '}' {
            return Some(i);
        }
        i += 1;
    }
    None
}

struct Replaced {
    text: String,
    end: usize,
    prev: Prev,
}

fn rest_of_line(chars: &[char], from: usize) -> (String, usize) {
    let mut end = from;
    while end < chars.len() && chars[end] != '\n' {
        end += 1;
    }
    (chars[from..end].iter().collect(), end)
}

fn rewrite_statement(word: &str, chars: &[char], end: usize) -> Option<Replaced> {
    let next = chars[end..]
        .iter()
        .find(|c| !matches!(c, ' ' | '\t'))
        .copied();
    match word {
        "const" | "let" => {
            // `let` as a plain name (`let = 1`, `let(…)`) stays.
            if !matches!(next, Some(c) if c.is_alphabetic() || c == '_' || c == '$' || c == '[' || c == '{')
            {
                return None;
            }
            Some(Replaced {
                text: if word == "const" {
                    "var  ".into()
                } else {
                    "var".into()
                },
                end,
                prev: Prev::Operator,
            })
        }
        "class" => {
            let mut i = end;
            while i < chars.len() && matches!(chars[i], ' ' | '\t') {
                i += 1;
            }
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            if i == start {
                return None;
            }
            let name: String = chars[start..i].iter().collect();
            Some(Replaced {
                text: format!("var {name} = class {name}"),
                end: i,
                prev: Prev::Operator,
            })
        }
        "use" | "show" | "it" => {
            let (line, line_end) = rest_of_line(chars, end);
            let line_code = line
                .split("//")
                .next()
                .unwrap_or("")
                .trim()
                .trim_end_matches(';')
                .trim();
            let words: Vec<&str> = line_code.split_whitespace().collect();
            let plain = words
                .iter()
                .all(|w| w.chars().all(|c| c.is_alphanumeric() || "_-.$".contains(c)));
            if !plain {
                return None;
            }
            let text = match (word, words.as_slice()) {
                ("it", []) => "__it()".to_string(),
                ("use", [name]) => format!("use({name:?})"),
                ("show", [what]) => format!("show({what:?})"),
                ("show", [what, arg]) => format!("show({what:?}, {arg:?})"),
                _ => return None,
            };
            Some(Replaced {
                text: format!("{text};"),
                end: line_end,
                prev: Prev::Start,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_declarations_become_var_and_block_ones_stay() {
        let s =
            scan("const a = 1\nlet b = 2; for (let i = 0; i < 3; i++) { const c = i }\nclass P {}");
        assert_eq!(
            s.text,
            "var   a = 1\nvar b = 2; for (let i = 0; i < 3; i++) { const c = i }\nvar P = class P {}"
        );
    }

    #[test]
    fn shell_lines_become_calls() {
        let s = scan("use shop\nshow collections\nit\ndb.users.find()");
        assert_eq!(
            s.text,
            "use(\"shop\");\nshow(\"collections\");\n__it();\ndb.users.find()"
        );
    }

    #[test]
    fn strings_templates_comments_and_regexes_are_left_alone() {
        let source = "const s = 'const x'; // let y\nconst t = `a ${ {b: 1}.b } const`; const r = /use x/g\n/* class Z */";
        let s = scan(source);
        assert_eq!(
            s.text,
            "var   s = 'const x'; // let y\nvar   t = `a ${ {b: 1}.b } const`; var   r = /use x/g\n/* class Z */"
        );
    }

    #[test]
    fn kernel_variables_become_calls() {
        let s = scan("db.c.insertMany({{rows}}); print({{rows.0.name}})");
        assert_eq!(
            s.text,
            "db.c.insertMany(__kv(\"rows\")); print(__kv(\"rows.0.name\"))"
        );
        assert_eq!(s.kernel_variables, vec!["rows"]);
    }

    #[test]
    fn identifiers_skip_properties() {
        let s = scan("total(db.users.find())");
        assert_eq!(s.identifiers, vec!["total", "db"]);
    }

    #[test]
    fn await_is_kept_and_noted() {
        let s = scan("const n = await db.c.countDocuments()");
        assert_eq!(s.text, "var   n = await db.c.countDocuments()");
        assert!(s.awaits);
        assert!(!scan("print('await x') // await").awaits);
        assert!(!scan("x.await(1)").awaits);
    }

    #[test]
    fn a_use_with_code_after_it_is_javascript() {
        let s = scan("use(x)");
        assert_eq!(s.text, "use(x)");
    }
}
