//! SVG elements written as text, every piece of content escaped. By hand rather than with a
//! crate: a chart needs rectangles, lines, paths, circles and text, and writing them keeps the
//! output free of anything a frontend could refuse (no scripts, styles, fonts or links).

use std::fmt::Write;

/// Escapes text for an XML text node or attribute; characters XML 1.0 forbids (control
/// characters, which a database value can hold) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One monospace stack every system has, so a label's width is known from its length.
pub const FONT: &str =
    "ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
/// Width of one character cell as a share of the font size.
const CHAR_WIDTH: f64 = 0.61;

/// Estimated width of `text` at `size` px: display cells (CJK and emoji take two) × cell width.
pub fn text_width(text: &str, size: f64) -> f64 {
    unicode_width::UnicodeWidthStr::width(text) as f64 * size * CHAR_WIDTH
}

/// `text` cut with an ellipsis to fit `width` px at `size`.
pub fn fit(text: &str, width: f64, size: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if text_width(&out, size) + size * CHAR_WIDTH > width {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// A number for an attribute: two decimals at most, no `-0`.
pub fn n(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == 0.0 { "0".into() } else { format!("{r}") }
}

#[derive(Default)]
pub struct Canvas {
    pub body: String,
}

pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Canvas {
    // The attributes of the element, in SVG's own order; a struct for them would only rename them.
    #[allow(clippy::too_many_arguments)]
    pub fn rect(&mut self, class: &str, x: f64, y: f64, w: f64, h: f64, fill: &str, title: &str) {
        let _ = write!(
            self.body,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}" fill="{fill}">"#,
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
        if !title.is_empty() {
            let _ = write!(self.body, "<title>{}</title>", escape(title));
        }
        self.body.push_str("</rect>");
    }

    pub fn line(&mut self, class: &str, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str) {
        let _ = write!(
            self.body,
            r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="1"/>"#,
            n(x1),
            n(y1),
            n(x2),
            n(y2)
        );
    }

    pub fn path(&mut self, class: &str, d: &str, stroke: &str, fill: &str, opacity: f64) {
        let _ = write!(
            self.body,
            r#"<path class="{class}" d="{d}" stroke="{stroke}" stroke-width="2" fill="{fill}" fill-opacity="{}"/>"#,
            n(opacity)
        );
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, fill: &str) {
        let _ = write!(
            self.body,
            r#"<circle class="point" cx="{}" cy="{}" r="{}" fill="{fill}" fill-opacity="0.7"/>"#,
            n(x),
            n(y),
            n(r)
        );
    }

    // As for `rect`: the element's attributes, in SVG's order.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        class: &str,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        bold: bool,
        anchor: Anchor,
        rotate: f64,
    ) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let transform = if rotate != 0.0 {
            format!(r#" transform="rotate({} {} {})""#, n(rotate), n(x), n(y))
        } else {
            String::new()
        };
        let _ = write!(
            self.body,
            r##"<text class="{class}" x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="#333"{weight}{transform}>{}</text>"##,
            n(x),
            n(y),
            n(size),
            escape(text)
        );
    }
}
