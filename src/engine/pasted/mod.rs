//! Application code pasted into a cell: the guides show redis-py, Mongoose, Django ORM and
//! TypeScript blocks beside the commands, and a learner pastes them. Without this, the Redis
//! tokenizer blames a quote at some column and mongosh says `require is not a function`.
//!
//! One detector for every engine ([`detect`] line shapes, [`translate`] client calls): the Redis
//! cell asks before tokenizing, the MQL cell when mongosh fails, the SQL cell when the server
//! reports a syntax error. Each says which language the code is in, on which line, what this
//! cell takes instead, and, for calls with literal arguments, the command to write.

pub mod detect;
pub mod translate;

use detect::Code;

use crate::engine::Language;

/// Code found in a cell: the first line that shows it, and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Pasted {
    pub code: Code,
    /// The client library, when the text names it (`redis-py`, `Mongoose`, `Django ORM`).
    pub library: Option<&'static str>,
    /// 0-based line in the text searched.
    pub line: usize,
    pub text: String,
    /// The cell's own form of each call that has one, in order.
    pub translations: Vec<String>,
}

const MAX_TRANSLATIONS: usize = 16;

/// Looks for application code in `text`, judged for a cell of `language`. For MQL only shapes
/// mongosh cannot run count (mongosh runs JavaScript itself: `const` and arrow functions are
/// fine there).
pub fn detect(text: &str, language: Language) -> Option<Pasted> {
    let (line, verdict) = text.lines().enumerate().find_map(|(i, l)| {
        let verdict = detect::line(l)?;
        let counts =
            language != Language::Mql || verdict.outside_mongosh || verdict.code == Code::Python;
        counts.then_some((i, verdict))
    })?;
    let translate = match language {
        Language::Redis => translate::redis_command,
        Language::Mql => translate::mongosh_command,
        Language::Sql => translate::sql_statement,
    };
    let translations = text
        .lines()
        .filter(|l| detect::line(l).is_some())
        .filter_map(translate)
        .take(MAX_TRANSLATIONS)
        .collect();
    Some(Pasted {
        code: verdict.code,
        library: library(text),
        line,
        text: text
            .lines()
            .nth(line)
            .unwrap_or_default()
            .trim()
            .to_string(),
        translations,
    })
}

fn library(text: &str) -> Option<&'static str> {
    let has = |s: &str| text.contains(s);
    if has("mongoose") {
        Some("Mongoose")
    } else if has(".objects.") {
        Some("Django ORM")
    } else if has("import redis") || has("redis.Redis(") {
        Some("redis-py")
    } else if has("pymongo") || has("MongoClient(") {
        Some("PyMongo")
    } else if has("sqlalchemy") {
        Some("SQLAlchemy")
    } else if has("prisma.") {
        Some("Prisma")
    } else if has("await redis.") || has("ioredis") || has("redis.duplicate()") {
        Some("a Node.js Redis client")
    } else {
        None
    }
}

impl Pasted {
    /// `Python (redis-py)`.
    pub fn what(&self) -> String {
        match self.library {
            Some(library) => format!("{} code ({library})", self.code.name()),
            None => format!("{} code", self.code.name()),
        }
    }

    /// The headline: which line looks like what. `first_line` is the cell line of the text's
    /// first line (1-based).
    pub fn headline(&self, first_line: usize, language: Language) -> String {
        let cell = match language {
            Language::Redis => "Redis commands",
            Language::Mql => "mongosh commands",
            Language::Sql => "SQL",
        };
        format!(
            "line {}: this looks like {}, not {cell}: {}",
            first_line + self.line,
            self.what(),
            self.text
        )
    }

    /// What this cell takes instead, then the translated commands (indented), if any.
    pub fn advice(&self, language: Language) -> Vec<String> {
        let mut lines = vec![match language {
            Language::Redis => "a %%redis cell runs Redis commands as redis-cli does, one per line, with no client object, quotes or parentheses around the arguments; the program's calls are these commands:".to_string(),
            Language::Mql => "a %%mql cell runs mongosh commands on this connection: no require, import, connect or models; a collection is db.<name> (a Mongoose model User is db.users), e.g. db.users.find({ name: 'John' })".to_string(),
            Language::Sql => "a %%sql cell runs SQL on this connection; an ORM's query is a SELECT/INSERT/UPDATE/DELETE statement here".to_string(),
        }];
        if self.translations.is_empty() {
            if language == Language::Redis {
                lines[0] = "a %%redis cell runs Redis commands as redis-cli does, one per line, with no client object: r.set('user:1', 'John') is SET user:1 John".to_string();
            }
        } else {
            if language != Language::Redis {
                lines.push("in this cell:".to_string());
            }
            lines.extend(self.translations.iter().map(|t| format!("    {t}")));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guides_redis_py_block_is_python_with_its_commands() {
        let block = "import redis\n\nr = redis.Redis(host='localhost', port=6379, decode_responses=True)\n\n# String operations\nr.set('user:1:name', 'John')\nname = r.get('user:1:name')\n";
        let found = detect(block, Language::Redis).unwrap();
        assert_eq!(found.code, Code::Python);
        assert_eq!(found.library, Some("redis-py"));
        assert_eq!(found.line, 0);
        assert_eq!(
            found.translations,
            vec!["SET user:1:name John", "GET user:1:name"]
        );
        assert_eq!(
            found.headline(2, Language::Redis),
            "line 2: this looks like Python code (redis-py), not Redis commands: import redis"
        );
    }

    #[test]
    fn mongosh_javascript_is_not_pasted_code_but_require_is() {
        assert_eq!(
            detect("const n = db.users.countDocuments({})\nn", Language::Mql),
            None
        );
        let found = detect(
            "// Connect\nconst mongoose = require('mongoose');\nawait mongoose.connect('mongodb://localhost/mydb');",
            Language::Mql,
        )
        .unwrap();
        assert_eq!(
            (found.code, found.line, found.library),
            (Code::NodeJs, 1, Some("Mongoose"))
        );
    }

    #[test]
    fn plain_redis_and_sql_cells_are_left_alone() {
        assert_eq!(
            detect("SET k v\nGET k\nHSET user:1 name \"John\"", Language::Redis),
            None
        );
        assert_eq!(
            detect(
                "SELECT * FROM users WHERE id = 1;\nCREATE INDEX i ON users(email);",
                Language::Sql
            ),
            None
        );
    }
}
