//! Named connections: each name is one pinned session on one engine. One connection per language
//! is current; `%%sql NAME` picks another for one cell.
//!
//! Defaults when nothing is configured: SQL on SQLite in memory (`DATABASE_URL` if set), MQL on
//! `MONGODB_URI` else the embedded engine, Redis on `REDIS_URL` else 127.0.0.1:6379. Connections
//! named in `dbkernel.toml` join them, opened on first use. URLs may say `${VAR}` for secrets: the
//! variable is read when the connection opens, and listings show the unexpanded form.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::config::{self, Config};
use crate::engine::{Engine, EngineError, Language, registry};

pub struct Connections {
    open: BTreeMap<String, Arc<dyn Engine>>,
    /// URLs of connections, opened lazily on first use (the defaults).
    pending: BTreeMap<String, String>,
    current: HashMap<Language, String>,
    /// Settings for opening connections (`%config connect_timeout`).
    pub options: registry::OpenOptions,
}

/// Names used for the default connections.
pub const DEFAULT_SQL: &str = "default";
pub const DEFAULT_MQL: &str = "mongo";
pub const DEFAULT_REDIS: &str = "redis";

impl Connections {
    /// Defaults from the environment plus the connections a `dbkernel.toml` names; nothing is
    /// opened until a cell needs it. Returns warnings about the configuration (a `[current]`
    /// entry naming an unknown connection, say) for the first cell to show.
    pub fn configured(config: Option<&Config>) -> (Self, Vec<String>) {
        let mut connections = Self::from_environment();
        let mut warnings = Vec::new();
        let Some(config) = config else {
            return (connections, warnings);
        };
        let file = config
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| config::FILE_NAME.into());
        for (name, url) in &config.connections {
            if !crate::session::variables::valid_name(name) {
                warnings.push(format!(
                    "{file}: connection name '{name}' is not valid (letters, digits, _); skipped"
                ));
                continue;
            }
            if let Err(e) = registry::language_of(url) {
                warnings.push(format!(
                    "{file}: connection '{name}': {}; skipped",
                    e.evalue
                ));
                continue;
            }
            connections.pending.insert(name.clone(), url.clone());
        }
        let current = [
            (Language::Sql, &config.current.sql),
            (Language::Mql, &config.current.mql),
            (Language::Redis, &config.current.redis),
        ];
        for (language, name) in current {
            let Some(name) = name else { continue };
            match connections
                .pending
                .get(name)
                .map(|url| registry::language_of(url))
            {
                Some(Ok(l)) if l == language => {
                    connections.current.insert(language, name.clone());
                }
                Some(_) => warnings.push(format!(
                    "{file}: [current] {} = '{name}' is not a %%{} connection; ignored",
                    language.magic(),
                    language.magic()
                )),
                None => warnings.push(format!(
                    "{file}: [current] {} names '{name}', which is not in [connections]; ignored",
                    language.magic()
                )),
            }
        }
        (connections, warnings)
    }

    /// Defaults from the environment; nothing is opened until a cell needs it.
    pub fn from_environment() -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut pending = BTreeMap::new();
        pending.insert(
            DEFAULT_SQL.to_string(),
            env("DATABASE_URL").unwrap_or_else(|| "sqlite::memory:".into()),
        );
        pending.insert(
            DEFAULT_MQL.to_string(),
            env("MONGODB_URI").unwrap_or_else(|| "embedded".into()),
        );
        pending.insert(
            DEFAULT_REDIS.to_string(),
            env("REDIS_URL").unwrap_or_else(|| "redis://127.0.0.1:6379".into()),
        );
        // SQL over kept variables; opened (an empty SQLite in memory) on first use.
        pending.insert(
            crate::engine::results::CONNECTION.to_string(),
            crate::engine::results::URL.to_string(),
        );
        let mut current = HashMap::new();
        current.insert(Language::Sql, DEFAULT_SQL.to_string());
        current.insert(Language::Mql, DEFAULT_MQL.to_string());
        current.insert(Language::Redis, DEFAULT_REDIS.to_string());
        Connections {
            open: BTreeMap::new(),
            pending,
            current,
            options: registry::OpenOptions::default(),
        }
    }

    /// Opens `url` as `name` and makes it current for its language. Returns its description.
    pub async fn connect(&mut self, name: &str, url: &str) -> Result<String, EngineError> {
        let engine = registry::open(&expand(url)?, &self.options).await?;
        let language = engine.language();
        let description = engine.describe();
        if let Some(old) = self.open.insert(name.to_string(), engine) {
            old.close().await;
        }
        self.pending.remove(name);
        // The name may have been current for another language (`%connect x embedded`, then
        // `%connect x postgresql://...`): that language falls back to its default.
        self.current.retain(|l, n| *l == language || n != name);
        for (other, default) in [
            (Language::Sql, DEFAULT_SQL),
            (Language::Mql, DEFAULT_MQL),
            (Language::Redis, DEFAULT_REDIS),
        ] {
            if other != language && !self.current.contains_key(&other) && name != default {
                self.current.insert(other, default.to_string());
            }
        }
        self.current.insert(language, name.to_string());
        Ok(description)
    }

    pub fn use_connection(&mut self, name: &str) -> Result<Language, EngineError> {
        let language = match (self.open.get(name), self.pending.get(name)) {
            (Some(engine), _) => engine.language(),
            (None, Some(url)) => registry::language_of(url)?,
            (None, None) => return Err(self.unknown(name)),
        };
        self.current.insert(language, name.to_string());
        Ok(language)
    }

    fn unknown(&self, name: &str) -> EngineError {
        let known: Vec<&String> = self.open.keys().chain(self.pending.keys()).collect();
        EngineError::usage(format!(
            "no connection named '{name}'; known: {}. Open one with %connect {name} URL",
            known
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    /// The engine for a cell: the named one, or the current one for the language.
    pub async fn resolve(
        &mut self,
        language: Language,
        name: Option<&str>,
    ) -> Result<(String, Arc<dyn Engine>), EngineError> {
        let name = match name {
            Some(n) => n.to_string(),
            None => self.current.get(&language).cloned().unwrap_or_default(),
        };
        if !self.open.contains_key(&name) {
            let Some(url) = self.pending.get(&name).cloned() else {
                return Err(self.unknown(&name));
            };
            let engine = registry::open(&expand(&url)?, &self.options).await?;
            self.open.insert(name.clone(), engine);
            self.pending.remove(&name);
        }
        let engine = self
            .open
            .get(&name)
            .cloned()
            .ok_or_else(|| self.unknown(&name))?;
        if engine.language() != language {
            return Err(EngineError::usage(format!(
                "connection '{name}' runs %%{} cells, not %%{}",
                engine.language().magic(),
                language.magic()
            )));
        }
        Ok((name, engine))
    }

    /// Every connection name as completion sees it (names, languages, which is current, the
    /// engine once opened), so that completion never waits for the executor that owns `self`.
    pub fn entries(&self) -> Vec<Entry> {
        let current =
            |name: &str, language: Language| self.current.get(&language).is_some_and(|c| c == name);
        let mut entries: Vec<Entry> = self
            .open
            .iter()
            .map(|(name, engine)| Entry {
                name: name.clone(),
                language: engine.language(),
                current: current(name, engine.language()),
                kind: engine.describe(),
                engine: Some(engine.clone()),
            })
            .collect();
        for (name, url) in &self.pending {
            let Ok(language) = registry::language_of(url) else {
                continue;
            };
            entries.push(Entry {
                name: name.clone(),
                language,
                current: current(name, language),
                kind: url.split(':').next().unwrap_or("").to_string(),
                engine: None,
            });
        }
        entries
    }

    /// Open transactions per connection name, for what restart/shutdown rolls back.
    pub fn open_transactions(&self) -> Vec<(String, String)> {
        self.open
            .iter()
            .filter_map(|(name, engine)| engine.open_transaction().map(|t| (name.clone(), t)))
            .collect()
    }

    /// Closes every open connection (kernel shutdown); returns what was rolled back by closing.
    pub async fn close_all(&mut self) -> Vec<(String, String)> {
        let open = self.open_transactions();
        for (_, engine) in std::mem::take(&mut self.open) {
            engine.close().await;
        }
        open
    }

    /// The `%connections` listing: name, language, description, `*` for current.
    pub fn listing(&self) -> String {
        let mut lines = Vec::new();
        for (name, engine) in &self.open {
            let mark = if self.current.get(&engine.language()) == Some(name) {
                "*"
            } else {
                " "
            };
            // Like redis-cli's `(TX)` prompt: state that changes what the next cell does.
            let open = engine
                .open_transaction()
                .map(|t| format!("  [{t}]"))
                .unwrap_or_default();
            lines.push(format!(
                "{mark} {name:<12} %%{:<6} {}{open}",
                engine.language().magic(),
                engine.describe()
            ));
        }
        for (name, url) in &self.pending {
            let language = registry::language_of(url).map(|l| l.magic()).unwrap_or("?");
            let mark = if self.current.values().any(|c| c == name) {
                "*"
            } else {
                " "
            };
            lines.push(format!(
                "{mark} {name:<12} %%{language:<6} {} (not opened yet)",
                registry::mask_password(url)
            ));
        }
        lines.join("\n")
    }
}

/// One connection name as [`Connections::entries`] lists it.
#[derive(Clone)]
pub struct Entry {
    pub name: String,
    pub language: Language,
    /// Current for its language (`%use`, or the default).
    pub current: bool,
    /// `describe()` of an open engine (`PostgreSQL postgres://…`), else the URL's scheme.
    pub kind: String,
    pub engine: Option<Arc<dyn Engine>>,
}

/// `${VAR}` references in a URL, read from the environment now.
fn expand(url: &str) -> Result<String, EngineError> {
    config::expand_env(url, |name| std::env::var(name).ok()).map_err(|e| {
        EngineError::usage(format!("cannot open {}: {e}", registry::mask_password(url)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_connections_join_the_defaults_and_become_current() {
        let config = config::parse(
            "[connections]\npg = \"postgresql://u:${PW}@h/db\"\ncache = \"redis://h:6379/2\"\nbad = \"ftp://x\"\n[current]\nsql = \"pg\"\nredis = \"nope\"\n",
        )
        .unwrap();
        let (connections, warnings) = Connections::configured(Some(&config));
        assert_eq!(connections.current[&Language::Sql], "pg");
        assert_eq!(connections.current[&Language::Redis], DEFAULT_REDIS);
        assert!(warnings.iter().any(|w| w.contains("'bad'")), "{warnings:?}");
        assert!(
            warnings.iter().any(|w| w.contains("'nope'")),
            "{warnings:?}"
        );
        let listing = connections.listing();
        assert!(listing.contains("postgresql://u:****@h/db"), "{listing}");
        assert!(
            !listing.contains("${PW}") || listing.contains("****"),
            "{listing}"
        );
    }

    #[tokio::test]
    async fn reusing_a_name_for_another_language_gives_the_old_language_its_default_back() {
        let (mut connections, _) = Connections::configured(None);
        connections.connect("x", "sqlite::memory:").await.unwrap();
        connections
            .connect("x", "redis://127.0.0.1:6379")
            .await
            .unwrap();
        assert_eq!(connections.current[&Language::Redis], "x");
        assert_eq!(connections.current[&Language::Sql], DEFAULT_SQL);
    }

    #[tokio::test]
    async fn a_missing_secret_is_named_when_the_connection_opens() {
        let config = config::parse(
            "[connections]\npg = \"postgresql://u:${DBKERNEL_TEST_UNSET_SECRET}@h/db\"\n",
        )
        .unwrap();
        let (mut connections, _) = Connections::configured(Some(&config));
        let error = connections
            .resolve(Language::Sql, Some("pg"))
            .await
            .err()
            .expect("an error");
        assert!(
            error
                .evalue
                .contains("DBKERNEL_TEST_UNSET_SECRET is not set"),
            "{error}"
        );
    }
}
