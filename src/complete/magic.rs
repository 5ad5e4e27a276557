//! Completion on magic lines: magic names, connection names after `%%sql ` / `%%mql ` /
//! `%%redis ` and `%use`, options after `--`, variable names after `--out`, `%set` and
//! `%vars`, URL shapes after `%connect NAME`, chart kinds and settings after `--chart` and in
//! `%chart VAR …` (with the variable's columns after `x=`), variable names after `%chart`/`%del`.

use super::{Candidate, Completion, fits};
use crate::catalog::cache::Cache;
use crate::cell::{CELL_MAGICS, magics::LINE_MAGICS, options::known_options};
use crate::engine::Language;

/// URL shapes `%connect NAME` takes, as the registry accepts them.
const URL_SHAPES: &[&str] = &[
    "sqlite::memory:",
    "sqlite:",
    "postgresql://",
    "mysql://",
    "mariadb://",
    "mongodb://",
    "embedded",
    "redis://",
];

pub fn complete(cache: &Cache, code: &str, line_start: usize, cursor: usize) -> Completion {
    let line = &code[line_start..cursor];
    let indent = line.len() - line.trim_start().len();
    let typed_start = line
        .rfind(char::is_whitespace)
        .map_or(line_start + indent, |i| line_start + i + 1);
    let typed = &code[typed_start..cursor];
    let words: Vec<&str> = code[line_start..typed_start].split_whitespace().collect();
    let mut candidates = Vec::new();
    let Some(magic) = words.first() else {
        // The magic name itself.
        let names = CELL_MAGICS.iter().chain(LINE_MAGICS);
        candidates.extend(
            names
                .filter(|m| m.starts_with(typed))
                .map(|m| Candidate::new(*m, "magic")),
        );
        return Completion {
            start: typed_start,
            candidates,
        };
    };
    let language = match *magic {
        "%%sql" => Some(Language::Sql),
        "%%mql" | "%%mongo" => Some(Language::Mql),
        "%%redis" => Some(Language::Redis),
        _ => None,
    };
    let previous = words.last().copied().unwrap_or("");
    if let Some(language) = language {
        if let Some(at) = words.iter().position(|w| *w == "--chart")
            && !typed.starts_with("--")
        {
            return chart_words(&words[at + 1..], None, typed, typed_start);
        }
        if typed.starts_with("--") {
            for option in known_options(language) {
                let (name, value) = option.split_once(' ').unwrap_or((option, ""));
                if name.starts_with(typed) {
                    candidates.push(Candidate::new(name, "option").with_detail(value));
                }
            }
        } else if previous == "--out" {
            candidates.extend(super::variables(cache, typed));
        } else if words.len() == 1 {
            candidates.extend(connections(cache, Some(language), typed));
        }
    } else {
        match (*magic, words.len()) {
            ("%use", 1) => candidates.extend(connections(cache, None, typed)),
            ("%set", 1) => candidates.extend(super::variables(cache, typed)),
            ("%chart", 1) => candidates.extend(
                super::variables(cache, typed)
                    .into_iter()
                    .filter(|c| kept_table(cache, &c.text).is_some()),
            ),
            ("%chart", _) => {
                let columns = kept_table(cache, words[1]).map(|t| t.columns);
                return chart_words(&words[2..], columns, typed, typed_start);
            }
            ("%del", _) => {
                if typed.starts_with('-') && "--all".starts_with(typed) {
                    candidates.push(Candidate::new("--all", "option"));
                }
                candidates.extend(
                    super::variables(cache, typed)
                        .into_iter()
                        .filter(|c| !words[1..].contains(&c.text.as_str())),
                );
            }
            ("%connect", 2) => candidates.extend(
                URL_SHAPES
                    .iter()
                    .filter(|u| u.starts_with(typed))
                    .map(|u| Candidate::new(*u, "url")),
            ),
            ("%help", 1) => candidates.extend(
                CELL_MAGICS
                    .iter()
                    .chain(LINE_MAGICS)
                    .map(|m| m.trim_start_matches('%'))
                    .filter(|m| m.starts_with(typed))
                    .map(|m| Candidate::new(m, "magic")),
            ),
            _ => {}
        }
    }
    Completion {
        start: typed_start,
        candidates,
    }
}

fn kept_table(cache: &Cache, name: &str) -> Option<crate::catalog::kept::KeptTable> {
    cache
        .variables()
        .into_iter()
        .find(|v| v.name == name)
        .and_then(|v| v.table)
}

/// After `--chart` or `%chart VAR`: the kind first, then the settings that kind takes and that
/// are not given yet (`x=`), and after `x=`/`y=`/`color=` the columns when they are known.
fn chart_words(
    given: &[&str],
    columns: Option<Vec<(String, String)>>,
    typed: &str,
    typed_start: usize,
) -> Completion {
    let mut candidates = Vec::new();
    let Some(kind_word) = given.first() else {
        for kind in chart::Kind::ALL {
            if fits(kind.name(), typed, true) {
                candidates.push(Candidate::new(kind.name(), "chart"));
            }
        }
        return Completion {
            start: typed_start,
            candidates,
        };
    };
    let Some(kind) = chart::Kind::from_name(kind_word) else {
        return Completion {
            start: typed_start,
            candidates,
        };
    };
    if let Some((key, value)) = typed.split_once('=') {
        if matches!(key, "x" | "y" | "color")
            && let Some(columns) = columns
        {
            for (column, ty) in columns {
                if fits(&column, value, true) {
                    candidates.push(Candidate::new(column, "column").with_detail(ty));
                }
            }
        }
        return Completion {
            start: typed_start + key.len() + 1,
            candidates,
        };
    }
    let taken: Vec<&str> = given[1..]
        .iter()
        .filter_map(|w| w.split_once('=').map(|(k, _)| k))
        .collect();
    for key in kind.settings() {
        let word = format!("{key}=");
        if !taken.contains(key) && fits(&word, typed, true) {
            candidates.push(Candidate::new(word, "setting"));
        }
    }
    Completion {
        start: typed_start,
        candidates,
    }
}

/// Connection names (of one language, or all), the current one first.
fn connections(cache: &Cache, language: Option<Language>, typed: &str) -> Vec<Candidate> {
    let mut entries: Vec<_> = cache
        .connections()
        .into_iter()
        .filter(|c| language.is_none_or(|l| l == c.language) && fits(&c.name, typed, false))
        .collect();
    entries.sort_by_key(|c| (!c.current, c.name.clone()));
    entries
        .into_iter()
        .map(|c| {
            let detail = format!(
                "%%{} {}",
                c.language.magic(),
                crate::engine::registry::mask_password(&c.kind)
            );
            Candidate::new(c.name, "connection").with_detail(detail)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::cache::VariableInfo;
    use crate::session::connections::Connections;
    use std::sync::Arc;

    fn cache() -> Arc<Cache> {
        let cache = Arc::new(Cache::default());
        // The environment's defaults, none opened: names only, no catalog reads.
        cache.after_cell(Connections::from_environment().entries(), Vec::new(), "");
        cache
    }

    fn texts(code: &str) -> Vec<String> {
        let cache = cache();
        complete(&cache, code, 0, code.len())
            .candidates
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn connection_names_by_language_and_options_after_dashes() {
        assert_eq!(texts("%%sql def"), ["default"]);
        assert_eq!(texts("%%mql "), ["mongo"]);
        assert_eq!(texts("%%redis r"), ["redis"]);
        assert_eq!(texts("%use "), ["default", "mongo", "redis", "results"]);
        assert_eq!(texts("%%mql --j"), ["--json"]);
        assert_eq!(texts("%%sql --an"), ["--analyze"]);
        assert_eq!(texts("%%redis --t"), ["--timeout"]);
        assert_eq!(texts("%connect x post"), ["postgresql://"]);
        assert!(texts("%%sq").contains(&"%%sql".to_string()));
    }

    #[test]
    fn chart_kinds_then_the_settings_of_that_kind_after_chart() {
        assert_eq!(
            texts("%%sql --chart "),
            ["bar", "line", "area", "scatter", "histogram"]
        );
        assert_eq!(texts("%%sql --limit 5 --chart h"), ["histogram"]);
        assert_eq!(
            texts("%%sql --chart bar "),
            ["x=", "y=", "color=", "title="]
        );
        assert_eq!(texts("%%sql --chart histogram x=a "), ["bins=", "title="]);
        assert_eq!(texts("%%mql --chart line x=d c"), ["color="]);
        assert_eq!(texts("%%sql --chart bar --o"), ["--out"]);
    }

    #[test]
    fn chart_and_del_complete_variables_and_their_columns() {
        let cache = cache();
        let kept = crate::catalog::kept::KeptTable {
            columns: vec![
                ("city".into(), "TEXT".into()),
                ("total".into(), "REAL".into()),
            ],
            rows: 2,
        };
        let var = |name: &str, table| VariableInfo {
            name: name.into(),
            kind: "table".into(),
            summary: String::new(),
            version: Some(1),
            table,
        };
        cache.after_cell(
            Connections::from_environment().entries(),
            vec![var("sales", Some(kept)), var("limit", None)],
            "",
        );
        let texts = |code: &str| -> (usize, Vec<String>) {
            let c = complete(&cache, code, 0, code.len());
            (c.start, c.candidates.into_iter().map(|c| c.text).collect())
        };
        assert_eq!(texts("%chart "), (7, vec!["sales".to_string()]));
        assert_eq!(texts("%chart sales ba").1, ["bar"]);
        assert_eq!(
            texts("%chart sales bar x=ci"),
            (19, vec!["city".to_string()])
        );
        assert_eq!(
            texts("%chart sales bar x=city "),
            (24, vec!["y=".to_string(), "color=".into(), "title=".into()])
        );
        assert_eq!(texts("%del sales "), (11, vec!["limit".to_string()]));
        assert_eq!(texts("%del --").1, ["--all"]);
    }
}
