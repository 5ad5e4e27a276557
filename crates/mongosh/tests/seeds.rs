//! Every MongoDB snippet in the shared seed guides must parse and plan.
//!
//! Snippets are the fenced blocks tagged `javascript`, `js`, `mongodb` or
//! `mongosh` in `/work/shared/seeds/*.txt`. Blocks that are not mongosh at all
//! (Node.js driver or Mongoose code) are listed in `NOT_MONGOSH` with the
//! reason, and must *fail* — so the list cannot silently go stale when the
//! subset grows. Schema sketches such as `{ _id: ObjectId, email: String }`
//! are valid mongosh (the names are function values) and must plan.

use std::path::PathBuf;

use mongosh::{Env, Step};

/// (file, a text that identifies the block, why it is not mongosh).
const NOT_MONGOSH: &[(&str, &str, &str)] = &[(
    "002_0b1d76fca848693a.txt",
    "require('mongoose')",
    "Node.js Mongoose code (require, await mongoose.connect, models); not shell syntax",
)];

fn seeds_dir() -> PathBuf {
    // The team's shared folder beside the repository (scripts/test.sh sets DBKERNEL_SHARED).
    std::env::var("DBKERNEL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
        .join("seeds")
}

/// The fenced blocks of `text` whose info string names JavaScript or MongoDB.
fn snippets(text: &str) -> Vec<String> {
    enum Fence {
        Outside,
        Wanted(String),
        Other,
    }
    let mut out = Vec::new();
    let mut fence = Fence::Outside;
    for line in text.lines() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            if let Fence::Wanted(block) = &mut fence {
                block.push_str(line);
                block.push('\n');
            }
            continue;
        };
        fence = match fence {
            Fence::Wanted(block) => {
                out.push(block);
                Fence::Outside
            }
            Fence::Other => Fence::Outside,
            Fence::Outside => match info.trim().to_ascii_lowercase().as_str() {
                "javascript" | "js" | "mongodb" | "mongosh" => Fence::Wanted(String::new()),
                _ => Fence::Other,
            },
        };
    }
    out
}

/// Parse and plan every statement of `source`, threading `use` and variables.
fn run(source: &str) -> Result<usize, String> {
    let script = mongosh::parse(source).map_err(|e| e.render(source))?;
    let mut env = Env::new();
    let mut db = "test".to_string();
    for statement in &script.statements {
        match mongosh::plan(statement, &env, &db).map_err(|e| e.render(source))? {
            Step::Use { db: name, .. } => db = name,
            Step::Assign { name, value, .. } => env.set(&name, value),
            Step::Run(op) => {
                if let Some(name) = &op.bind {
                    env.set(name, bson::Bson::Null);
                }
            }
        }
    }
    Ok(script.statements.len())
}

#[test]
fn every_seed_snippet_parses_and_plans() {
    let dir = seeds_dir();
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed directory {} is missing: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seed files in {}", dir.display());
    let mut checked = 0;
    let mut excluded_seen = 0;
    let mut failures = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(file).unwrap();
        for (i, snippet) in snippets(&text).iter().enumerate() {
            let exclusion = NOT_MONGOSH
                .iter()
                .find(|(f, marker, _)| *f == name && snippet.contains(marker));
            match (exclusion, run(snippet)) {
                (Some((_, _, why)), Ok(_)) => failures.push(format!("{name} block {i} is listed as not mongosh ({why}) but now runs: remove it from NOT_MONGOSH")),
                (Some(_), Err(_)) => excluded_seen += 1,
                (None, Ok(statements)) => {
                    assert!(statements > 0, "{name} block {i} has no statements");
                    checked += 1;
                }
                (None, Err(e)) => failures.push(format!("{name} block {i}:\n{e}\n--- snippet ---\n{snippet}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        excluded_seen,
        NOT_MONGOSH.len(),
        "every NOT_MONGOSH entry must match a snippet"
    );
    assert!(
        checked >= 4,
        "expected several mongosh snippets, found {checked}"
    );
}

#[test]
fn snippet_extraction_skips_other_languages() {
    let text = "```sql\nSELECT 1;\n```\n```js\ndb.a.find()\n```\n```python\nx = 1\n```\n```mongodb\ndb.b.find()\n```\n";
    assert_eq!(
        snippets(text),
        vec!["db.a.find()\n".to_string(), "db.b.find()\n".to_string()]
    );
}
