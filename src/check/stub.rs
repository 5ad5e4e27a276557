//! The answer stub nbgrader leaves in a student's cell: `generate_assignment` replaces each
//! solution region with one `code_stub` per kernel language, and this kernel has one language
//! name for three cell languages. The shipped configuration uses `-- YOUR ANSWER HERE`, a SQL
//! comment but a syntax error in mongosh and an unknown command in Redis; so the kernel blanks
//! such a line in every language (`--`, `//` or `#` before the words), and a cell that holds
//! nothing else says it has not been answered instead of failing on the stub.

/// The words of the stub; matched case-insensitively after a comment mark.
pub const STUB_WORDS: &str = "YOUR ANSWER HERE";

fn is_stub(line: &str) -> bool {
    let line = line.trim();
    let rest = ["--", "//", "#"]
        .iter()
        .find_map(|mark| line.strip_prefix(mark));
    rest.is_some_and(|r| r.trim().eq_ignore_ascii_case(STUB_WORDS))
}

/// The body with stub lines blanked (line numbers stay), or `None` when nothing else is there.
pub fn without_stub(body: &str) -> Option<String> {
    if !body.lines().any(is_stub) {
        return Some(body.to_string());
    }
    let kept: Vec<&str> = body
        .lines()
        .map(|l| if is_stub(l) { "" } else { l })
        .collect();
    if kept.iter().all(|l| l.trim().is_empty()) {
        None
    } else {
        Some(kept.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stub_lines_are_blanked_in_every_comment_style() {
        assert_eq!(
            without_stub("-- YOUR ANSWER HERE\nSELECT 1").as_deref(),
            Some("\nSELECT 1")
        );
        assert_eq!(
            without_stub("db.c.find()\n// your answer here").as_deref(),
            Some("db.c.find()\n")
        );
        assert_eq!(without_stub("  # YOUR ANSWER HERE  \n\n"), None);
        assert_eq!(
            without_stub("SELECT '-- YOUR ANSWER HERE'").as_deref(),
            Some("SELECT '-- YOUR ANSWER HERE'")
        );
    }
}
