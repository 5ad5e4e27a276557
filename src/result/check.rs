//! A `%%check` cell's outcome as a result kind: which variable, against what, and the verdict.

use resultcheck::Verdict;

/// Differences listed in a verdict before "… and N more".
pub const SHOWN_DIFFERENCES: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// The checked variable.
    pub variable: String,
    /// What it was checked against: "the expected table", "the reference query on ref".
    pub against: String,
    pub verdict: Verdict,
    /// The teacher's `--hint`, shown when the check fails.
    pub hint: Option<String>,
}

impl CheckReport {
    /// One line: "q1 matches the expected table: 3 rows match (compared unordered)" or
    /// "q1 does not match the expected table: 1 missing row (compared unordered)".
    pub fn headline(&self) -> String {
        let order = self.verdict.order.describe();
        if self.verdict.passed {
            format!(
                "{} matches {}: {} ({order})",
                self.variable, self.against, self.verdict.summary
            )
        } else {
            format!(
                "{} does not match {}: {} ({order})",
                self.variable, self.against, self.verdict.summary
            )
        }
    }

    /// The lines under the headline: differences, then the hint.
    pub fn detail(&self) -> Vec<String> {
        let mut lines = self.verdict.lines(SHOWN_DIFFERENCES);
        if !self.verdict.passed
            && let Some(hint) = &self.hint
        {
            lines.push(format!("hint: {hint}"));
        }
        lines
    }
}
