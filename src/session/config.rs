//! `dbkernel.toml`: named connections, the current connection per language and settings, kept
//! beside the notebooks instead of in them.
//!
//! The nearest `dbkernel.toml` upward from the kernel's working directory (Jupyter starts a kernel
//! in its notebook's folder) is used, else `$XDG_CONFIG_HOME/dbkernel/dbkernel.toml` (or
//! `~/.config/dbkernel/dbkernel.toml`). Secrets stay out of the file: `${NAME}` in a URL is
//! replaced by the environment variable NAME when the connection opens, and the unexpanded form
//! is what `%connections` shows. `${NAME:-fallback}` uses the fallback when NAME is unset (as a
//! shell does), so a shared file can name the machine's servers and still be overridden.
//!
//! ```toml
//! [connections]
//! pg = "postgresql://postgres@127.0.0.1:5432/test"
//! warehouse = "postgresql://analyst:${WAREHOUSE_PASSWORD}@db.example.com/wh"
//! cache = "redis://127.0.0.1:6379/1"
//!
//! [current]          # which connection cells of each language use
//! sql = "pg"
//! redis = "cache"
//!
//! [settings]
//! display_limit = 20
//!
//! [sandbox.pg]       # a private schema per kernel on pg, as a %%sandbox pg cell makes it
//! template_file = "setup/pg.sql"   # or template = "CREATE TABLE ..."; keep = true
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const FILE_NAME: &str = "dbkernel.toml";

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub connections: BTreeMap<String, String>,
    #[serde(default)]
    pub current: Current,
    #[serde(default)]
    pub settings: Settings,
    /// Private sandboxes made when the kernel starts, by connection name.
    #[serde(default)]
    pub sandbox: BTreeMap<String, SandboxSetting>,
    /// Where the file was read from (not part of the file).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// `[sandbox.NAME]`: the template inline or in a file (relative to dbkernel.toml), and whether
/// the sandbox outlives the kernel.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SandboxSetting {
    pub template: Option<String>,
    pub template_file: Option<String>,
    pub keep: Option<bool>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Current {
    pub sql: Option<String>,
    pub mql: Option<String>,
    pub redis: Option<String>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub display_limit: Option<usize>,
    /// Seconds a connect + handshake may take (as `%config connect_timeout`).
    pub connect_timeout: Option<f64>,
    /// Drop timings from outputs (as `%config deterministic`; default: on under nbgrader).
    pub deterministic: Option<bool>,
    /// Seconds each statement may run (as `%config time_limit`; 0 = none).
    pub time_limit: Option<f64>,
}

/// Finds and reads the configuration; `Ok(None)` when there is none. A file that exists but
/// cannot be read or parsed is an error naming the file and the problem.
pub fn load(start: &Path) -> Result<Option<Config>, String> {
    let Some(path) = find(start) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut config = parse(&text).map_err(|e| format!("{} is not valid: {e}", path.display()))?;
    config.source = Some(path);
    Ok(Some(config))
}

pub fn parse(text: &str) -> Result<Config, String> {
    toml::from_str::<Config>(text).map_err(|e| e.to_string())
}

fn find(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    let config_home = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    let candidate = config_home.join("dbkernel").join(FILE_NAME);
    candidate.is_file().then_some(candidate)
}

/// Replaces each `${NAME}` with the environment variable NAME. A missing variable is an error
/// naming it, so a connection never opens with an empty password by accident; `${NAME:-text}`
/// says what to use instead, on purpose.
pub fn expand_env(
    template: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unclosed ${{ in '{template}'"))?;
        let (name, fallback) = match after[..end].split_once(":-") {
            Some((name, fallback)) => (name, Some(fallback)),
            None => (&after[..end], None),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("'${{{name}}}' is not an environment variable name"));
        }
        let value = lookup(name)
            .or_else(|| fallback.map(str::to_string))
            .ok_or_else(|| {
                format!("environment variable {name} is not set (it is used as ${{{name}}})")
            })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_connections_current_and_settings() {
        let config = parse(
            "[connections]\npg = \"postgresql://postgres@127.0.0.1/test\"\n[current]\nsql = \"pg\"\n[settings]\ndisplay_limit = 20\n",
        )
        .unwrap();
        assert_eq!(
            config.connections["pg"],
            "postgresql://postgres@127.0.0.1/test"
        );
        assert_eq!(config.current.sql.as_deref(), Some("pg"));
        assert_eq!(config.settings.display_limit, Some(20));
        let timed = parse("[settings]\nconnect_timeout = 2.5\n").unwrap();
        assert_eq!(timed.settings.connect_timeout, Some(2.5));
    }

    #[test]
    fn unknown_keys_are_errors_that_say_where() {
        let e = parse("[settings]\ndisplay_limt = 3\n").unwrap_err();
        assert!(e.contains("display_limt"), "{e}");
    }

    #[test]
    fn env_references_expand_and_missing_ones_are_named() {
        let lookup = |n: &str| (n == "PW").then(|| "s3cret".to_string());
        assert_eq!(
            expand_env("postgres://u:${PW}@h/db", lookup).unwrap(),
            "postgres://u:s3cret@h/db"
        );
        assert!(
            expand_env("postgres://u:${NOPE}@h/db", lookup)
                .unwrap_err()
                .contains("NOPE is not set")
        );
        assert!(expand_env("x${PW", lookup).is_err());
        assert_eq!(
            expand_env("postgres://${NOPE:-postgres@127.0.0.1/test}", lookup).unwrap(),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(expand_env("${PW:-other}", lookup).unwrap(), "s3cret");
    }

    #[test]
    fn the_nearest_file_upward_wins() {
        let root = std::env::temp_dir().join(format!("dbkernel-config-{}", std::process::id()));
        let nested = root.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(root.join(FILE_NAME), "[settings]\ndisplay_limit = 9\n").unwrap();
        let config = load(&nested).unwrap().unwrap();
        assert_eq!(config.settings.display_limit, Some(9));
        assert_eq!(
            config.source.as_deref(),
            Some(root.join(FILE_NAME).as_path())
        );
        std::fs::write(
            root.join("a").join(FILE_NAME),
            "[settings]\ndisplay_limit = 4\n",
        )
        .unwrap();
        assert_eq!(
            load(&nested).unwrap().unwrap().settings.display_limit,
            Some(4)
        );
        std::fs::write(root.join("a").join(FILE_NAME), "not toml [").unwrap();
        assert!(load(&nested).unwrap_err().contains("is not valid"));
        let _ = std::fs::remove_dir_all(&root);
    }
}
