//! One value as psql's aligned format draws it: how wide it is on screen and which lines it
//! takes. Widths are display columns (CJK and emoji take two, combining marks none: the
//! `unicode-width` crate), not characters, so wide text lines up as it does in psql. A value
//! spans several lines at its newlines; a tab becomes spaces to the next multiple of eight;
//! carriage returns and other control characters are shown as `\r` and `\xHH`, as psql does,
//! so that no invisible character moves the grid.

use unicode_width::UnicodeWidthChar;

/// Display columns of one line of already formatted text.
pub fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The screen lines of a value (at least one).
pub fn lines(value: &str) -> Vec<String> {
    value.split('\n').map(format_line).collect()
}

/// One line of a value with tabs expanded and control characters made visible.
fn format_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        match c {
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\r' => {
                out.push_str("\\r");
                column += 2;
            }
            c if c.is_control() => {
                let escaped = format!("\\x{:02X}", u32::from(c));
                column += escaped.len();
                out.push_str(&escaped);
            }
            c => {
                out.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    out
}

/// `s` followed by spaces up to `w` columns.
pub fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// Spaces up to `w` columns, then `s`.
pub fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

/// `s` centred in `w` columns (an odd space goes to the right), as psql centres headers.
pub fn center(s: &str, w: usize) -> String {
    let free = w.saturating_sub(width(s));
    let left = free / 2;
    format!("{}{s}{}", " ".repeat(left), " ".repeat(free - left))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("漢字"), 4);
        assert_eq!(width("😀"), 2);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(pad_right("漢", 4), "漢  ");
    }

    /// psql prints `E'tab\there'` as `tab     here`, `E'cr\rx'` as `cr\rx`, a BEL as `\x07`.
    #[test]
    fn tabs_and_control_characters_as_psql_shows_them() {
        assert_eq!(lines("tab\there"), vec!["tab     here"]);
        assert_eq!(lines("cr\rx"), vec!["cr\\rx"]);
        assert_eq!(lines("bell\u{7}"), vec!["bell\\x07"]);
        assert_eq!(lines("a\nbb"), vec!["a", "bb"]);
    }
}
