//! Check verdicts: a ✓/✗ headline and the differences, as text and as inline-styled HTML.

use super::escape::html as esc;
use crate::result::CheckReport;

pub fn text(report: &CheckReport) -> String {
    let mark = if report.verdict.passed { "✓" } else { "✗" };
    let mut out = format!("{mark} {}", report.headline());
    for line in report.detail() {
        out.push_str("\n  ");
        out.push_str(&line);
    }
    out
}

pub fn html(report: &CheckReport) -> String {
    let (mark, colour, background) = if report.verdict.passed {
        ("✓", "#1a7f37", "#e6f4ea")
    } else {
        ("✗", "#b42318", "#fdecea")
    };
    let mut out = format!(
        "<div class=\"dbkernel-check\" style=\"border-left:4px solid {colour};background:{background};padding:4px 10px\"><div style=\"color:{colour};font-weight:600\">{mark} {}</div>",
        esc(&report.headline())
    );
    let detail = report.detail();
    if !detail.is_empty() {
        out.push_str("<ul style=\"margin:4px 0 2px 0;padding-left:20px\">");
        for line in detail {
            out.push_str(&format!(
                "<li style=\"white-space:pre-wrap;font-family:monospace\">{}</li>",
                esc(&line)
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use resultcheck::{Data, Options, Order, Value, check};

    fn report(expected: Vec<Value>, actual: Vec<Value>) -> CheckReport {
        let verdict = check(
            Data::Elements(expected),
            Data::Elements(actual),
            &Options::new(Order::Ordered),
        );
        CheckReport {
            variable: "tags".into(),
            against: "the expected reply".into(),
            verdict,
            hint: Some("use <SMEMBERS>".into()),
        }
    }

    #[test]
    fn a_failed_check_lists_differences_and_the_hint() {
        let r = report(
            vec![Value::Text("a".into())],
            vec![Value::Text("a".into()), Value::Text("b".into())],
        );
        assert_eq!(
            text(&r),
            "✗ tags does not match the expected reply: 1 extra element (compared in order)\n  extra element 2 (in the result, not expected): 'b'\n  hint: use <SMEMBERS>"
        );
        let h = html(&r);
        assert!(h.contains("use &lt;SMEMBERS&gt;"), "{h}");
        assert!(h.contains("#b42318"), "{h}");
    }

    #[test]
    fn a_passed_check_is_one_line_without_the_hint() {
        let r = report(vec![Value::from_i64(1)], vec![Value::from_i64(1)]);
        assert_eq!(
            text(&r),
            "✓ tags matches the expected reply: 1 element matches (compared in order)"
        );
    }
}
