//! Line magics: one per line at the top of a cell. Parsing only; the kernel's session runs them.

use super::args::split_words;
use crate::engine::EngineError;
use crate::session::variables::valid_name;

pub const LINE_MAGICS: &[&str] = &[
    "%connect",
    "%use",
    "%connections",
    "%set",
    "%vars",
    "%config",
    "%help",
    "%echo",
    "%reset",
    "%export",
    "%import",
    "%chart",
    "%del",
];

#[derive(Debug, Clone, PartialEq)]
pub enum LineMagic {
    /// `%connect NAME URL [--read-only]`
    Connect {
        name: String,
        url: String,
        /// Reads only: writes are refused (see `session::read_only`).
        read_only: bool,
    },
    /// `%use NAME`: make NAME the current connection of its language.
    Use(String),
    Connections,
    /// `%set NAME = VALUE` (the value's raw text, parsed by the variable store).
    Set {
        name: String,
        value: String,
    },
    Vars,
    /// `%del NAME [NAME…]` or `%del --all`: removes variables (values and kept plans).
    Del {
        names: Vec<String>,
        all: bool,
    },
    /// `%config KEY = VALUE`, or `%config` alone to list settings.
    Config(Option<(String, String)>),
    Help(Option<String>),
    /// `%echo TEXT`: prints TEXT to the cell's stdout (markers in CI logs, notebook narration).
    Echo(String),
    /// `%reset [CONN]`: a sandbox back to its template.
    Reset(Option<String>),
    /// `%import VAR PATH [--format F]`: a file into a variable.
    Import {
        name: String,
        path: String,
        format: Option<crate::export::Format>,
    },
    /// `%chart VAR KIND x=… [y=…] [color=…]`: a kept result drawn as a chart.
    Chart {
        name: String,
        request: chart::Request,
    },
    /// `%export VAR PATH [--format F] [--force]`: a kept variable to a file.
    Export {
        name: String,
        path: String,
        format: Option<crate::export::Format>,
        force: bool,
    },
}

/// Help for each magic: shown by `%help NAME`, by inspect (Shift-Tab) and in `%help`.
pub fn help_for(name: &str) -> Option<&'static str> {
    let name = name.trim_start_matches('%');
    Some(match name {
        "sql" => "%%sql [CONN] [--limit N] [--out NAME] [--explain] [--analyze] [--compare NAME] [--export PATH [--format F] [--force]]\n    Run SQL on CONN (default: the current SQL connection; SQLite in memory when none is set).\n    Statements are separated by ';'. `:name` binds a kernel variable as a parameter.\n    --export PATH streams every row of the last statement to a .csv, .jsonl, .parquet or .arrow file\n    (--format overrides the extension; an existing file is kept unless --force).\n    --explain draws the query plan (nothing runs); --analyze runs it (writes rolled back) and draws\n    actual times. Any EXPLAIN you type is drawn too. --out NAME keeps a plan; --compare NAME draws\n    the kept plan beside the new one.\n    --chart KIND x=COL [y=COL] [color=COL] draws the last statement's rows as a chart (%help chart).",
        "mql" | "mongo" => "%%mql [CONN] [--limit N] [--out NAME] [--explain] [--json] [--compare NAME] [--export PATH [--format F] [--force]] (alias %%mongo)\n    Run MongoDB shell (mongosh) syntax: db.coll.find({...}).sort({...}), use DB, show collections.\n    --export PATH streams every document of the last find()/aggregate() to a .jsonl (Extended JSON),\n    .csv, .parquet or .arrow file (columns from the first 1,000 documents).\n    Default connection: MONGODB_URI, else the embedded MongoDB-compatible engine.\n    --explain draws the query plan (executionStats; writes are only planned) instead of the result;\n    .explain() is drawn too; --out NAME keeps a plan, --compare NAME draws it beside the new one.\n    --json adds a collapsible JSON tree (JupyterLab).\n    --chart KIND x=FIELD [y=FIELD] [color=FIELD] draws the last statement's documents as a chart (%help chart).",
        "check" => super::check::HELP,
        "chart" => super::chart::HELP,
        "sandbox" => super::sandbox::HELP,
        "reset" => super::sandbox::RESET_HELP,
        "redis" => "%%redis [CONN] [--timeout SECONDS] [--count N] [--out NAME] [--export PATH [--format F] [--force]]\n    Run Redis commands, one per line, quoted like redis-cli. `{{name}}` inserts a variable as one argument.\n    --export PATH writes the last reply to a file (HGETALL: field,value; ZRANGE WITHSCORES: member,score;\n    LRANGE, SMEMBERS, SCAN's keys: value).\n    --chart KIND x=COL [y=COL] draws the last reply (a hash, ZRANGE ... WITHSCORES, a list) as a chart (%help chart).",
        "connect" => "%connect NAME URL [--read-only]\n    Open a named connection (--read-only: writes are refused, for reference data). URL schemes: sqlite:path.db, sqlite::memory:, postgres://, postgresql://,\n    mysql://, mariadb://, mongodb://, mongodb+srv://, embedded, redis://, rediss://, redis+unix://.\n    The new connection becomes the current one for its language. ${VAR} in the URL reads an
    environment variable (keep passwords out of notebooks); dbkernel.toml can name connections.",
        "use" => "%use NAME\n    Make NAME the current connection for cells of its language.",
        "connections" => "%connections\n    List connections (passwords masked); * marks the current one per language.",
        "set" => "%set NAME = VALUE\n    Store a scalar variable: numbers, true/false, null, 'text' or \"text\".",
        "vars" => "%vars\n    List kernel variables: kind, shape (rows × columns, documents, Redis type), the connection\n    and first line of the cell that kept it, and its column types.",
        "del" => "%del NAME [NAME...] | %del --all\n    Remove variables (kept results, %set values, plans). In the `results` connection their tables go too.",
        "config" => "%config KEY = VALUE\n    Change a setting. Keys: display_limit (rows shown per result, default 50), max_output_bytes\n    (largest output, default 4MB; a bigger result is shown cut and says so), connect_timeout\n    (seconds), deterministic (true: no timings in outputs, so re-runs give identical outputs; on\n    under nbgrader), time_limit (seconds each statement may run, or off; 20 under nbgrader;\n    --time-limit SECONDS on a cell magic line overrides it).",
        "help" => "%help [NAME]\n    Show help for all magics, or one.",
        "echo" => "%echo TEXT\n    Print TEXT to the cell's output stream.",
        "import" => "%import VAR PATH [--format csv|jsonl|parquet|arrow]\n    Read a file into a variable: CSV, Parquet and Arrow IPC become a table (CSV types inferred from\n    the first 1,000 rows), JSON Lines become documents (Extended JSON), as %export writes them.",
        "export" => "%export VAR PATH [--format csv|jsonl|parquet|arrow] [--force]\n    Write a kept table, documents or Redis reply (--out VAR) to a file; the format comes from the extension.\n    Documents: JSON Lines keeps them as Extended JSON; CSV/Parquet/Arrow get one column per\n    top-level field (nested values as JSON text). An existing file is kept unless --force.",
        _ => return None,
    })
}

/// `%connect?` or `%%sql?` alone in a cell asks for that magic's help in the pager, as in IPython.
pub fn pager_request(code: &str) -> Option<&'static str> {
    let code = code.trim();
    let name = code.strip_suffix('?')?;
    if !name.starts_with('%') || name.contains(char::is_whitespace) {
        return None;
    }
    help_for(name.trim_start_matches('%'))
}

/// The full `%help` text.
pub fn help_all() -> String {
    let mut text = String::from("dbkernel magics\n\nCell magics (first line of a cell):\n");
    for name in ["sql", "mql", "redis", "check", "sandbox"] {
        text.push_str(&indent(help_for(name).unwrap_or_default()));
    }
    text.push_str("\nLine magics (one per line, at the top of a cell):\n");
    for name in LINE_MAGICS {
        text.push_str(&indent(help_for(name).unwrap_or_default()));
    }
    text.push_str("\nA cell without a cell magic runs as SQL on the current SQL connection.\n");
    text
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

/// Parses one line that starts with a single `%`.
pub fn parse_line_magic(line: &str) -> Result<LineMagic, EngineError> {
    let line = line.trim();
    let (name, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let usage = |msg: &str| {
        let help = help_for(name).unwrap_or("");
        EngineError::usage(format!(
            "{msg}\nusage: {}",
            help.lines().next().unwrap_or(name)
        ))
    };
    let words = || split_words(rest).map_err(|e| usage(&format!("{name}: {e}")));
    match name {
        "%connect" => {
            let w = words()?;
            match w.as_slice() {
                [n, url] if valid_name(n) => Ok(LineMagic::Connect {
                    name: n.clone(),
                    url: url.clone(),
                    read_only: false,
                }),
                [n, url, flag] if valid_name(n) && flag == "--read-only" => {
                    Ok(LineMagic::Connect {
                        name: n.clone(),
                        url: url.clone(),
                        read_only: true,
                    })
                }
                [_, _, other] => Err(usage(&format!(
                    "%connect: unknown option '{other}'; the only option is --read-only"
                ))),
                [n, _] => Err(usage(&format!(
                    "%connect: '{n}' is not a valid connection name (letters, digits, _)"
                ))),
                _ => Err(usage("%connect needs a name and a URL")),
            }
        }
        "%use" => match words()?.as_slice() {
            [n] => Ok(LineMagic::Use(n.clone())),
            _ => Err(usage("%use needs exactly one connection name")),
        },
        "%del" => {
            let words = words()?;
            let (flags, names): (Vec<String>, Vec<String>) =
                words.into_iter().partition(|w| w.starts_with('-'));
            match (flags.as_slice(), names.as_slice()) {
                ([flag], []) if flag == "--all" || flag == "-a" => Ok(LineMagic::Del {
                    names: Vec::new(),
                    all: true,
                }),
                ([], []) => Err(usage("%del needs the names to remove, or --all")),
                ([], names) => match names.iter().find(|n| !valid_name(n)) {
                    Some(bad) => Err(usage(&format!(
                        "%del: '{bad}' is not a variable name (letters, digits, _)"
                    ))),
                    None => Ok(LineMagic::Del {
                        names: names.to_vec(),
                        all: false,
                    }),
                },
                ([flag], _) if flag == "--all" || flag == "-a" => Err(usage(
                    "%del: --all removes every variable; give either names or --all",
                )),
                ([flag, ..], _) => Err(usage(&format!(
                    "%del: unknown option {flag}; the only option is --all (-a)"
                ))),
            }
        }
        "%connections" if rest.is_empty() => Ok(LineMagic::Connections),
        "%vars" if rest.is_empty() => Ok(LineMagic::Vars),
        "%connections" | "%vars" => Err(usage(&format!("{name} takes no arguments"))),
        "%set" => {
            let (n, v) = rest
                .split_once('=')
                .ok_or_else(|| usage("%set needs NAME = VALUE"))?;
            let n = n.trim();
            if !valid_name(n) {
                return Err(usage(&format!(
                    "%set: '{n}' is not a valid variable name (letters, digits, _)"
                )));
            }
            Ok(LineMagic::Set {
                name: n.to_string(),
                value: v.trim().to_string(),
            })
        }
        "%config" if rest.is_empty() => Ok(LineMagic::Config(None)),
        "%config" => {
            let (k, v) = rest
                .split_once('=')
                .ok_or_else(|| usage("%config needs KEY = VALUE"))?;
            Ok(LineMagic::Config(Some((
                k.trim().to_string(),
                v.trim().to_string(),
            ))))
        }
        "%help" => Ok(LineMagic::Help(if rest.is_empty() {
            None
        } else {
            Some(rest.to_string())
        })),
        "%echo" => Ok(LineMagic::Echo(rest.to_string())),
        "%reset" => match words()?.as_slice() {
            [] => Ok(LineMagic::Reset(None)),
            [n] => Ok(LineMagic::Reset(Some(n.clone()))),
            _ => Err(usage("%reset takes at most one connection name")),
        },
        "%chart" => {
            let (name, request) = super::chart::parse_magic(&words()?)?;
            Ok(LineMagic::Chart { name, request })
        }
        "%export" | "%import" => {
            let words = words()?;
            let mut positional = Vec::new();
            let (mut format, mut force) = (None, false);
            let mut iter = words.into_iter();
            while let Some(word) = iter.next() {
                match word.as_str() {
                    "--force" => force = true,
                    "--format" => {
                        let v = iter.next().unwrap_or_default();
                        format = Some(crate::export::Format::from_name(&v).ok_or_else(|| {
                            usage(&format!(
                                "%export: --format expects one of {}, got '{v}'",
                                crate::export::Format::NAMES
                            ))
                        })?);
                    }
                    w if w.starts_with("--") => {
                        return Err(usage(&format!(
                            "%export: unknown option {w}; options: --format F, --force"
                        )));
                    }
                    _ => positional.push(word),
                }
            }
            if name == "%import" {
                return match positional.as_slice() {
                    _ if force => Err(usage("%import: --force is for %export")),
                    [n, p] if valid_name(n) => Ok(LineMagic::Import {
                        name: n.clone(),
                        path: p.clone(),
                        format,
                    }),
                    _ => Err(usage(
                        "%import needs a variable name and a path: %import VAR PATH [--format F]",
                    )),
                };
            }
            match positional.as_slice() {
                [n, p] if valid_name(n) => Ok(LineMagic::Export {
                    name: n.clone(),
                    path: p.clone(),
                    format,
                    force,
                }),
                _ => Err(usage(
                    "%export needs a variable name and a path: %export VAR PATH [--format F] [--force]",
                )),
            }
        }
        other => Err(EngineError::usage(format!(
            "unknown line magic {other}; known line magics: {} (cell magics: {})",
            LINE_MAGICS.join(", "),
            super::CELL_MAGICS.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_takes_name_and_url() {
        assert_eq!(
            parse_line_magic("%connect pg postgresql://postgres@127.0.0.1/test").unwrap(),
            LineMagic::Connect {
                name: "pg".into(),
                url: "postgresql://postgres@127.0.0.1/test".into(),
                read_only: false
            }
        );
        assert!(matches!(
            parse_line_magic("%connect ref sqlite:a.db --read-only").unwrap(),
            LineMagic::Connect {
                read_only: true,
                ..
            }
        ));
        assert!(
            parse_line_magic("%connect ref sqlite:a.db --readonly")
                .unwrap_err()
                .evalue
                .contains("the only option is --read-only")
        );
        assert!(
            parse_line_magic("%connect pg")
                .unwrap_err()
                .evalue
                .contains("usage: %connect NAME URL")
        );
    }

    #[test]
    fn set_splits_at_the_first_equals() {
        assert_eq!(
            parse_line_magic("%set q = a=b").unwrap(),
            LineMagic::Set {
                name: "q".into(),
                value: "a=b".into()
            }
        );
    }

    #[test]
    fn del_takes_names_or_all() {
        assert_eq!(
            parse_line_magic("%del a b").unwrap(),
            LineMagic::Del {
                names: vec!["a".into(), "b".into()],
                all: false
            }
        );
        assert_eq!(
            parse_line_magic("%del --all").unwrap(),
            LineMagic::Del {
                names: vec![],
                all: true
            }
        );
        assert!(parse_line_magic("%del").is_err());
        assert!(
            parse_line_magic("%del -f x")
                .unwrap_err()
                .evalue
                .contains("unknown option -f")
        );
        assert!(parse_line_magic("%del --all x").is_err());
    }

    #[test]
    fn unknown_line_magic_names_the_known_ones() {
        let e = parse_line_magic("%nope").unwrap_err();
        assert!(e.evalue.contains("%connect") && e.evalue.contains("%%sql"));
    }

    #[test]
    fn question_mark_pages_help() {
        assert!(
            pager_request("%connect?")
                .unwrap()
                .starts_with("%connect NAME URL")
        );
        assert!(pager_request("%%sql?").is_some());
        assert!(pager_request("SELECT 1?").is_none());
        assert!(pager_request("%nope?").is_none());
    }

    #[test]
    fn every_listed_magic_has_help() {
        for m in LINE_MAGICS.iter().chain(super::super::CELL_MAGICS) {
            assert!(help_for(m).is_some(), "{m}");
        }
    }
}
