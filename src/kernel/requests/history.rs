//! history_reply: the inputs executed in this kernel process (tail, range, search with glob
//! patterns, `unique` and `n`). History is kept in memory; a restarted kernel starts afresh.

use serde_json::{Value as Json, json};

pub struct History {
    session: String,
    /// (line number, input) in execution order; line numbers are execution counts.
    entries: Vec<(u64, String)>,
    /// text/plain of each line's execute_result, for `output: true` requests.
    outputs: std::collections::HashMap<u64, String>,
}

impl History {
    pub fn new(session: String) -> Self {
        History {
            session,
            entries: Vec::new(),
            outputs: Default::default(),
        }
    }

    pub fn record(&mut self, line: u64, input: &str) {
        self.entries.push((line, input.to_string()));
    }

    pub fn record_output(&mut self, line: u64, output: &str) {
        self.outputs.insert(line, output.to_string());
    }

    pub fn reply(&self, content: &Json) -> Result<Json, String> {
        let access = content
            .get("hist_access_type")
            .and_then(Json::as_str)
            .unwrap_or("tail");
        let n = content.get("n").and_then(Json::as_u64).map(|n| n as usize);
        let selected: Vec<&(u64, String)> = match access {
            "tail" => tail(
                self.entries.iter().collect(),
                n.unwrap_or(self.entries.len()),
            ),
            "range" => {
                let start = content.get("start").and_then(Json::as_u64).unwrap_or(0);
                let stop = content
                    .get("stop")
                    .and_then(Json::as_u64)
                    .unwrap_or(u64::MAX);
                self.entries
                    .iter()
                    .filter(|(line, _)| *line >= start && *line < stop)
                    .collect()
            }
            "search" => {
                let pattern = content.get("pattern").and_then(Json::as_str).unwrap_or("*");
                let unique = content
                    .get("unique")
                    .and_then(Json::as_bool)
                    .unwrap_or(false);
                let mut found: Vec<&(u64, String)> = self
                    .entries
                    .iter()
                    .filter(|(_, input)| glob_match(pattern, input))
                    .collect();
                if unique {
                    // Keep the latest occurrence of each input.
                    let mut seen = std::collections::HashSet::new();
                    found = found
                        .into_iter()
                        .rev()
                        .filter(|(_, input)| seen.insert(input.clone()))
                        .collect();
                    found.reverse();
                }
                match n {
                    Some(n) => tail(found, n),
                    None => found,
                }
            }
            other => {
                return Err(format!(
                    "unknown hist_access_type '{other}' (expected tail, range or search)"
                ));
            }
        };
        let with_output = content
            .get("output")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        let history: Vec<Json> = selected
            .iter()
            .map(|(line, input)| {
                if with_output {
                    json!([&self.session, line, [input, self.outputs.get(line)]])
                } else {
                    json!([&self.session, line, input])
                }
            })
            .collect();
        Ok(json!({"status": "ok", "history": history}))
    }
}

fn tail(entries: Vec<&(u64, String)>, n: usize) -> Vec<&(u64, String)> {
    let skip = entries.len().saturating_sub(n);
    entries.into_iter().skip(skip).collect()
}

/// Glob with `*` (any run) and `?` (one character), as IPython's history search uses.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        let mut h = History::new("s".into());
        for (i, code) in ["SELECT 6*7", "SELECT 1", "SELECT 6*7"].iter().enumerate() {
            h.record(i as u64 + 1, code);
        }
        h
    }

    #[test]
    fn tail_range_and_search() {
        let h = sample();
        assert_eq!(
            h.reply(&json!({"hist_access_type": "tail", "n": 2}))
                .unwrap()["history"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            h.reply(&json!({"hist_access_type": "range", "start": 2, "stop": 3}))
                .unwrap()["history"][0][2],
            "SELECT 1"
        );
        let found = h
            .reply(&json!({"hist_access_type": "search", "pattern": "*6*7*"}))
            .unwrap();
        assert_eq!(found["history"].as_array().unwrap().len(), 2);
        let unique = h
            .reply(&json!({"hist_access_type": "search", "pattern": "*6*7*", "unique": true}))
            .unwrap();
        assert_eq!(unique["history"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn glob() {
        assert!(glob_match("*6*7*", "SELECT 6*7"));
        assert!(glob_match("S?L*", "SELECT"));
        assert!(!glob_match("x*", "SELECT"));
    }
}
