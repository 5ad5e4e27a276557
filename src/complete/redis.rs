//! Redis completion: command names (with their argument line from the server's `COMMAND DOCS`)
//! as a line's first word, subcommands after a container command (`CLIENT`, `CONFIG`, ...),
//! and key names by prefix (a bounded `SCAN` on the engine's side connection) after that.

use super::words::REDIS_COMMANDS;
use super::{Candidate, Completion, fits};
use crate::catalog::cache::Cache;
use crate::catalog::{Catalog, Found, Lookup, RedisCatalog};

fn redis(catalog: Option<&Catalog>) -> Option<&RedisCatalog> {
    match catalog {
        Some(Catalog::Redis(r)) => Some(r),
        _ => None,
    }
}

/// The words of a command line before the cursor's word, redis-cli style (quotes respected).
pub fn words_before(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quote = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c.is_whitespace() => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            None => current.push(c),
        }
    }
    words
}

/// The start of the word the cursor ends: after the last whitespace (or opening quote).
pub fn word_start(code: &str, cursor: usize) -> usize {
    code[..cursor]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace() || *c == '"' || *c == '\'')
        .map_or(0, |(i, c)| i + c.len_utf8())
}

pub async fn complete(
    cache: &Cache,
    connection: Option<&str>,
    catalog: Option<&Catalog>,
    code: &str,
    cursor: usize,
) -> Completion {
    let catalog = redis(catalog);
    let start = word_start(code, cursor);
    let line_start = code[..cursor].rfind('\n').map_or(0, |i| i + 1);
    let typed = &code[start..cursor];
    let words = words_before(&code[line_start..start]);
    let upper_typed = typed.chars().any(char::is_uppercase) || typed.is_empty();
    let case = |name: &str| {
        if upper_typed {
            name.to_string()
        } else {
            name.to_lowercase()
        }
    };
    let mut candidates = Vec::new();
    match words.as_slice() {
        [] => {
            if typed.is_empty() {
                return Completion { start, candidates };
            }
            match catalog {
                Some(catalog) => candidates.extend(
                    catalog
                        .commands
                        .iter()
                        .filter(|c| !c.name.contains(' ') && fits(&c.name, typed, true))
                        .map(|c| {
                            Candidate::new(case(&c.name), "command")
                                .with_detail(format!("{} {}", c.name, c.arguments))
                        }),
                ),
                None => candidates.extend(
                    REDIS_COMMANDS
                        .iter()
                        .filter(|c| fits(c, typed, true))
                        .map(|c| Candidate::new(case(c), "command")),
                ),
            }
        }
        [command] if has_subcommands(catalog, command) => {
            let container = command.to_uppercase();
            if let Some(catalog) = catalog {
                candidates.extend(catalog.commands.iter().filter_map(|c| {
                    let sub = c.name.strip_prefix(&container)?.strip_prefix(' ')?;
                    fits(sub, typed, true).then(|| {
                        Candidate::new(case(sub), "command")
                            .with_detail(format!("{} {}", c.name, c.arguments))
                    })
                }));
            }
        }
        _ => {
            if let Some(name) = connection
                && let Some(Found::Keys(keys)) = cache
                    .lookup(
                        name,
                        &Lookup::RedisKeys {
                            prefix: typed.to_string(),
                        },
                    )
                    .await
            {
                candidates.extend(keys.into_iter().map(|k| Candidate::new(k, "key")));
            }
        }
    }
    Completion { start, candidates }
}

fn has_subcommands(catalog: Option<&RedisCatalog>, command: &str) -> bool {
    let prefix = format!("{} ", command.to_uppercase());
    catalog.is_some_and(|c| c.commands.iter().any(|c| c.name.starts_with(&prefix)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_before_the_cursor_respect_quotes() {
        assert_eq!(words_before("SET \"a b\" "), ["SET", "a b"]);
        assert_eq!(word_start("GET user:", 9), 4);
    }
}
