//! What a pasted client call is in the cell's own language: `r.set('user:1', 'John')` (redis-py,
//! ioredis) is `SET user:1 John`; `User.find({ … })` (Mongoose) is `db.users.find({ … })`;
//! `User.objects.get(id=1)` (Django) is `SELECT * FROM user WHERE id = 1`.
//!
//! Only calls whose arguments are literals are translated; anything else (a variable, an
//! f-string, a call spanning lines) gets the general advice alone, never a wrong command.

use super::detect::dotted_call;

/// One argument of a call, as far as a translation needs it.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Text(String),
    Number(String),
    Bool(bool),
    Keyword(String, Box<Arg>),
    /// `{'a': 1, 'b': 2}` (Python dict, JavaScript object with literal keys).
    Pairs(Vec<(Arg, Arg)>),
}

struct Call<'a> {
    receiver: &'a str,
    method: &'a str,
    /// The text between the parentheses, as written.
    inside: &'a str,
}

/// `await r.set(...)`, `const x = await User.find(...);`, `name = r.get(...)`: the call itself.
fn call_of(line: &str) -> Option<Call<'_>> {
    let mut t = without_trailing_comment(line)
        .trim()
        .trim_end_matches(';')
        .trim_end();
    for prefix in ["const ", "let ", "var "] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest;
        }
    }
    if let Some(eq) = t.find(" = ")
        && t[..eq]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        t = &t[eq + 3..];
    }
    t = t.strip_prefix("await ").unwrap_or(t).trim_start();
    let name = dotted_call(t)?;
    let rest = &t[name.len()..];
    let close = matching_paren(rest)?;
    if close + 1 != rest.len() {
        return None; // chained or followed by more: not one plain call
    }
    let (receiver, method) = name.rsplit_once('.')?;
    Some(Call {
        receiver,
        method,
        inside: &rest[1..close],
    })
}

/// The line without a trailing `# …` (Python) or `// …` (JavaScript) comment.
fn without_trailing_comment(line: &str) -> &str {
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, b'#') => return &line[..i],
            (None, b'/') if bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Index of the `)` closing the `(` at the start of `text`, quotes respected.
fn matching_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return (c == ')').then_some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on commas at depth 0, quotes respected.
fn split_top(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, c) if c == separator && depth == 0 => {
                parts.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

fn literal(text: &str) -> Option<Arg> {
    let t = text.trim();
    let quoted = |q: char| t.len() >= 2 && t.starts_with(q) && t.ends_with(q);
    if quoted('\'') || quoted('"') || (quoted('`') && !t.contains("${")) {
        let inner = &t[1..t.len() - 1];
        return (!inner.contains('\\')).then(|| Arg::Text(inner.to_string()));
    }
    if !t.is_empty() && t.parse::<f64>().is_ok() {
        return Some(Arg::Number(t.to_string()));
    }
    match t {
        "True" | "true" => return Some(Arg::Bool(true)),
        "False" | "false" => return Some(Arg::Bool(false)),
        _ => {}
    }
    if t.starts_with('{') && t.ends_with('}') {
        let mut pairs = Vec::new();
        for item in split_top(&t[1..t.len() - 1], ',') {
            let (key, value) = item.split_once(':')?;
            let key = literal(key).or_else(|| {
                let k = key.trim();
                k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    .then(|| Arg::Text(k.into()))
            })?;
            pairs.push((key, literal(value)?));
        }
        return Some(Arg::Pairs(pairs));
    }
    if let Some((key, value)) = t.split_once('=')
        && key
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !value.starts_with('=')
    {
        return Some(Arg::Keyword(
            key.trim().to_string(),
            Box::new(literal(value)?),
        ));
    }
    None
}

fn arguments(inside: &str) -> Option<Vec<Arg>> {
    split_top(inside, ',').into_iter().map(literal).collect()
}

/// An argument as redis-cli reads it: bare when it can be, else double-quoted.
fn redis_word(text: &str) -> String {
    if !text.is_empty() && !text.contains(|c: char| c.is_whitespace() || "\"'\\".contains(c)) {
        text.to_string()
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn scalar(arg: &Arg) -> Option<String> {
    match arg {
        Arg::Text(t) => Some(redis_word(t)),
        Arg::Number(n) => Some(n.clone()),
        _ => None,
    }
}

/// A redis-py / ioredis / node-redis call as the Redis command it sends.
pub fn redis_command(line: &str) -> Option<String> {
    let call = call_of(line)?;
    // A constructor (`redis.Redis(...)`) or a helper module's function is not a command.
    const NOT_CLIENTS: [&str; 9] = [
        "json", "JSON", "console", "mongoose", "Math", "os", "sys", "time", "crypto",
    ];
    if !call.method.starts_with(|c: char| c.is_ascii_lowercase())
        || !call
            .method
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        || NOT_CLIENTS.contains(&call.receiver)
    {
        return None;
    }
    let command = call.method.to_ascii_uppercase();
    let mut words = vec![command.clone()];
    for arg in arguments(call.inside)? {
        match arg {
            // redis-py: hset(key, mapping={field: value}); zadd(key, {member: score}).
            Arg::Keyword(k, value) if k == "mapping" => match *value {
                Arg::Pairs(pairs) => {
                    for (field, value) in pairs {
                        words.push(scalar(&field)?);
                        words.push(scalar(&value)?);
                    }
                }
                _ => return None,
            },
            Arg::Pairs(pairs) if command == "ZADD" => {
                for (member, score) in pairs {
                    words.push(scalar(&score)?);
                    words.push(scalar(&member)?);
                }
            }
            Arg::Keyword(k, value) => match *value {
                Arg::Bool(true) => words.push(k.to_ascii_uppercase()),
                Arg::Bool(false) => {}
                other => {
                    words.push(k.to_ascii_uppercase());
                    words.push(scalar(&other)?);
                }
            },
            other => words.push(scalar(&other)?),
        }
    }
    Some(words.join(" "))
}

/// A Mongoose model call (`User.find({...})`) or a PyMongo one (`db.users.find_one({...})`)
/// as the mongosh command.
pub fn mongosh_command(line: &str) -> Option<String> {
    let call = call_of(line)?;
    let method = match call.method {
        "find_one" => "findOne",
        "insert_one" => "insertOne",
        "insert_many" => "insertMany",
        "update_one" => "updateOne",
        "update_many" => "updateMany",
        "delete_one" => "deleteOne",
        "delete_many" => "deleteMany",
        "count_documents" => "countDocuments",
        "create" => "insertOne",
        m @ ("find" | "findOne" | "findById" | "updateOne" | "updateMany" | "deleteOne"
        | "deleteMany" | "insertMany" | "countDocuments" | "aggregate") => m,
        _ => return None,
    };
    let model = call.receiver;
    let collection = if model.starts_with("db.") {
        model.to_string()
    } else if model.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && model.chars().all(|c| c.is_ascii_alphanumeric())
    {
        // Mongoose's collection for model `User` is `users`.
        format!("db.{}s", model.to_ascii_lowercase())
    } else {
        return None;
    };
    Some(match method {
        "findById" => format!("{collection}.findOne({{ _id: {} }})", call.inside.trim()),
        m => format!("{collection}.{m}({})", call.inside.trim()),
    })
}

/// A Django ORM query (`User.objects.get(id=1)`) as SQL.
pub fn sql_statement(line: &str) -> Option<String> {
    let call = call_of(line)?;
    let model = call.receiver.strip_suffix(".objects")?;
    let table = model.to_ascii_lowercase();
    if call.method == "all" && call.inside.trim().is_empty() {
        return Some(format!("SELECT * FROM {table};"));
    }
    if !matches!(call.method, "get" | "filter") {
        return None;
    }
    let mut conditions = Vec::new();
    for arg in arguments(call.inside)? {
        let Arg::Keyword(column, value) = arg else {
            return None;
        };
        let value = match *value {
            Arg::Text(t) => format!("'{}'", t.replace('\'', "''")),
            Arg::Number(n) => n,
            Arg::Bool(b) => b.to_string().to_ascii_uppercase(),
            _ => return None,
        };
        conditions.push(format!("{column} = {value}"));
    }
    if conditions.is_empty() {
        return None;
    }
    Some(format!(
        "SELECT * FROM {table} WHERE {};",
        conditions.join(" AND ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_py_calls_become_commands() {
        assert_eq!(
            redis_command("r.set('user:1:name', 'John')").unwrap(),
            "SET user:1:name John"
        );
        assert_eq!(
            redis_command("r.setex('session:abc123', 3600, 'user_data')  # 1 hour").unwrap(),
            "SETEX session:abc123 3600 user_data"
        );
        assert_eq!(
            redis_command(
                "r.hset('user:1', mapping={'name': 'John', 'email': 'john@example.com'})"
            )
            .unwrap(),
            "HSET user:1 name John email john@example.com"
        );
        assert_eq!(
            redis_command("r.zadd('leaderboard', {'player1': 100, 'player2': 95})").unwrap(),
            "ZADD leaderboard 100 player1 95 player2"
        );
        assert_eq!(
            redis_command("r.zrevrange('leaderboard', 0, 10, withscores=True)").unwrap(),
            "ZREVRANGE leaderboard 0 10 WITHSCORES"
        );
        assert_eq!(
            redis_command("name = r.get('user:1:name')").unwrap(),
            "GET user:1:name"
        );
        assert_eq!(
            redis_command("await redis.set('k', 'a b', 'EX', 60);").unwrap(),
            "SET k \"a b\" EX 60"
        );
        assert_eq!(redis_command("cached = r.get(f'user:{user_id}')"), None);
        assert_eq!(
            redis_command("r = redis.Redis(host='localhost', port=6379)"),
            None
        );
        assert_eq!(redis_command("console.log('hi');"), None);
        assert_eq!(redis_command("await redis.expire(key, window);"), None);
    }

    #[test]
    fn mongoose_and_pymongo_calls_become_mongosh() {
        assert_eq!(
            mongosh_command("const users = await User.find({ name: /john/i });").unwrap(),
            "db.users.find({ name: /john/i })"
        );
        assert_eq!(
            mongosh_command("await User.deleteOne({ _id: userId });").unwrap(),
            "db.users.deleteOne({ _id: userId })"
        );
        assert_eq!(
            mongosh_command("db.users.find_one({'email': 'a@b.c'})").unwrap(),
            "db.users.findOne({'email': 'a@b.c'})"
        );
        assert_eq!(
            mongosh_command("const mongoose = require('mongoose');"),
            None
        );
    }

    #[test]
    fn django_queries_become_sql() {
        assert_eq!(
            sql_statement("User.objects.get(id=1)").unwrap(),
            "SELECT * FROM user WHERE id = 1;"
        );
        assert_eq!(
            sql_statement("User.objects.filter(name='Ann', active=True)").unwrap(),
            "SELECT * FROM user WHERE name = 'Ann' AND active = TRUE;"
        );
        assert_eq!(sql_statement("r.get('k')"), None);
    }
}
