//! A few SVG elements written as text, every piece of content escaped. Hand-written rather than
//! a crate: the drawing needs rectangles, lines and text, and writing them keeps the output
//! free of anything a frontend could refuse (no scripts, styles, fonts or links).

use std::fmt::Write;

/// Escapes text for an XML text node or attribute, and replaces characters XML 1.0 forbids
/// (control characters other than tab and newline), which a plan can carry in a string literal.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Every drawing uses one monospace stack of fonts every system has, so that the width of a
/// line is known from its length and long texts are cut where they would overflow.
pub const FONT: &str =
    "ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
/// Width of one character as a share of the font size (monospace fonts are about 0.6 em).
pub const CHAR_WIDTH: f64 = 0.61;

/// How many characters of `size` fit in `width` pixels.
pub fn fits(width: f64, size: f64) -> usize {
    (width / (size * CHAR_WIDTH)).floor().max(1.0) as usize
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` wrapped at spaces into lines of at most `max` characters (a longer word is cut).
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let extra = if line.is_empty() { 0 } else { 1 };
        if line.chars().count() + extra + word.chars().count() > max && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| cut(&l, max)).collect()
}

#[derive(Default)]
pub struct Canvas {
    body: String,
}

/// Text options: size, bold, colour.
pub struct Style<'a> {
    pub size: f64,
    pub bold: bool,
    pub fill: &'a str,
}

impl Canvas {
    /// A rectangle is its four sides and three paint settings: a struct for them would only
    /// rename the arguments.
    #[allow(clippy::too_many_arguments)]
    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &str,
        stroke: &str,
        stroke_width: f64,
    ) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="4" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/>"#
        );
    }

    pub fn dashed_rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="4" fill="{fill}" stroke="{stroke}" stroke-dasharray="4 3"/>"#
        );
    }

    pub fn bar(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}"/>"#
        );
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{stroke}" stroke-width="1.2"/>"#
        );
    }

    /// A line of text with its baseline at `y`; `class` names what it is (`node`, `warning`)
    /// so that tests and tools can find it.
    pub fn text(&mut self, x: f64, y: f64, style: &Style, class: &str, content: &str) {
        let weight = if style.bold {
            r#" font-weight="bold""#
        } else {
            ""
        };
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{}" fill="{}"{weight} class="{class}">{}</text>"#,
            style.size,
            style.fill,
            escape(content)
        );
    }

    /// Places another canvas's content at an offset.
    pub fn place(&mut self, x: f64, y: f64, other: &Canvas) {
        let _ = write!(
            self.body,
            r#"<g transform="translate({x:.1},{y:.1})">{}</g>"#,
            other.body
        );
    }

    /// The finished document: an opaque background (so the drawing reads the same on light and
    /// dark themes) and a title for screen readers.
    pub fn finish(&self, width: f64, height: f64, background: &str, title: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{FONT}" role="img"><title>{}</title><rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="{background}"/>{}</svg>"#,
            escape(title),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_escaped_and_control_characters_replaced() {
        assert_eq!(
            escape("a < b & 'c' \"d\""),
            "a &lt; b &amp; &#39;c&#39; &quot;d&quot;"
        );
        assert_eq!(escape("x\u{1}y"), "x\u{FFFD}y");
    }

    #[test]
    fn long_texts_wrap_and_cut() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
