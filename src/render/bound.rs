//! One output's size, bounded. `%config display_limit = 100000` once produced a 25.9 MB
//! message that froze the notebook; now a rendered result larger than `max_output_bytes`
//! (default 4 MB) is drawn again with fewer rows (documents), or its text cut, and says so: how
//! much was shown, and that `--out NAME` keeps every row (the variable is filled by the engine
//! before rendering, so a cut display never loses data).
//!
//! The bound is a kernel-wide setting (`%config max_output_bytes`), read by the kernel's sink
//! for every output, so it is a process-wide value rather than a field every sink passes on.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value as Json;

use super::{MimeBundle, render};
use crate::result::{Documents, QueryResult};

/// What one output may weigh unless `%config max_output_bytes` says otherwise.
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 4_000_000;
/// The smallest bound accepted: a table header and a few rows.
pub const MIN_MAX_OUTPUT_BYTES: usize = 10_000;
/// The largest: our own wire refuses messages over 64 MiB.
pub const MAX_MAX_OUTPUT_BYTES: usize = 60_000_000;

static MAX_OUTPUT_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_OUTPUT_BYTES);

pub fn max_output_bytes() -> usize {
    MAX_OUTPUT_BYTES.load(Ordering::Relaxed)
}

/// `%config max_output_bytes = 2000000` (also `2MB`, `500kB`).
pub fn set_max_output_bytes(value: &str) -> Result<(), String> {
    let bytes =
        parse_bytes(value).filter(|b| (MIN_MAX_OUTPUT_BYTES..=MAX_MAX_OUTPUT_BYTES).contains(b));
    match bytes {
        Some(bytes) => {
            MAX_OUTPUT_BYTES.store(bytes, Ordering::Relaxed);
            Ok(())
        }
        None => Err(format!(
            "max_output_bytes expects a size from {} to {} (e.g. 8000000, 8MB or 500kB), got '{value}'",
            size(MIN_MAX_OUTPUT_BYTES),
            size(MAX_MAX_OUTPUT_BYTES)
        )),
    }
}

fn parse_bytes(value: &str) -> Option<usize> {
    let v = value.trim().replace('_', "");
    let lower = v.to_ascii_lowercase();
    let (number, unit) = if let Some(n) = lower.strip_suffix("mb") {
        (n, 1_000_000.0)
    } else if let Some(n) = lower.strip_suffix("kb") {
        (n, 1_000.0)
    } else if let Some(n) = lower.strip_suffix('b') {
        (n, 1.0)
    } else {
        (lower.as_str(), 1.0)
    };
    let n: f64 = number.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some((n * unit) as usize)
}

/// `4.0 MB`, `25.9 MB`, `12 kB`.
pub fn size(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else if bytes >= 1_000 {
        format!("{} kB", bytes / 1_000)
    } else {
        format!("{bytes} bytes")
    }
}

/// Bytes of a bundle as it goes on the wire (strings by length, JSON by its text).
pub fn bundle_bytes(bundle: &MimeBundle) -> usize {
    bundle
        .values()
        .map(|v| match v {
            Json::String(s) => s.len(),
            other => serde_json::to_string(other).map_or(0, |s| s.len()),
        })
        .sum()
}

/// Renders `result`, within `max_bytes`.
pub fn render_bounded(result: &QueryResult, max_bytes: usize) -> MimeBundle {
    match result {
        QueryResult::Table(table) => rows_bounded(table.shown_rows(), max_bytes, "row", |keep| {
            render(&QueryResult::Table(table.head(keep)))
        }),
        QueryResult::Documents(docs) => {
            rows_bounded(docs.documents.len(), max_bytes, "document", |keep| {
                render(&QueryResult::Documents(Documents {
                    documents: docs.documents[..keep].to_vec(),
                    total: docs.total,
                    provenance: docs.provenance.clone(),
                    json_tree: docs.json_tree,
                }))
            })
        }
        _ => {
            let bundle = render(result);
            let full = bundle_bytes(&bundle);
            if full <= max_bytes {
                bundle
            } else {
                cut_text(bundle, full, max_bytes)
            }
        }
    }
}

/// Rows drawn in full when they fit. A result that a sample of its rows shows to be far over
/// the bound is never drawn whole (100,000 wide rows would be 80 MB of text and HTML to build
/// only to throw away): its size is estimated from the sample.
fn rows_bounded(
    shown: usize,
    max_bytes: usize,
    noun: &str,
    draw: impl Fn(usize) -> MimeBundle,
) -> MimeBundle {
    const SAMPLE: usize = 1_000;
    if shown > SAMPLE {
        let sample = bundle_bytes(&draw(SAMPLE));
        let estimate = sample as f64 / SAMPLE as f64 * shown as f64;
        if estimate > 2.0 * max_bytes as f64 {
            return fewer(shown, Size::About(estimate as usize), max_bytes, noun, draw);
        }
    }
    let bundle = draw(shown);
    let full = bundle_bytes(&bundle);
    if full <= max_bytes {
        return bundle;
    }
    fewer(shown, Size::Exact(full), max_bytes, noun, draw)
}

/// The size of the whole output: measured, or estimated from a sample of its rows.
#[derive(Clone, Copy)]
enum Size {
    Exact(usize),
    About(usize),
}

/// Draws `shown` items again with fewer, until the bundle fits, and adds the note.
fn fewer(
    shown: usize,
    full: Size,
    max_bytes: usize,
    noun: &str,
    draw: impl Fn(usize) -> MimeBundle,
) -> MimeBundle {
    let (bytes, message) = match full {
        Size::Exact(b) => (b, format!("a {} message", size(b))),
        Size::About(b) => (b, format!("a message of about {}", size(b))),
    };
    // Room for the note itself.
    let budget = max_bytes.saturating_sub(2_000);
    let mut keep = ((shown as f64) * (budget as f64 / bytes as f64) * 0.95) as usize;
    let mut bundle = draw(keep);
    while keep > 0 && bundle_bytes(&bundle) > budget {
        keep /= 2;
        bundle = draw(keep);
    }
    let note = format!(
        "output cut to the first {keep} of {shown} {noun}s shown: all {shown} would make {message}, over max_output_bytes = {} (a message that size slows or stops the notebook). Nothing is lost: --out NAME keeps every {noun} in a variable; a smaller --limit shows fewer; %config max_output_bytes = 20MB raises the bound",
        size(max_bytes)
    );
    add_note(&mut bundle, &note);
    bundle
}

/// A result without rows (Redis replies, text, a plan): its text, cut; richer forms dropped.
fn cut_text(bundle: MimeBundle, full: usize, max_bytes: usize) -> MimeBundle {
    let text = bundle
        .get("text/plain")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let mut end = max_bytes.saturating_sub(2_000).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = MimeBundle::new();
    cut.insert("text/plain".into(), Json::String(text[..end].to_string()));
    add_note(
        &mut cut,
        &format!(
            "output cut after {} of {}: the whole would be over max_output_bytes = {} (a message that size slows or stops the notebook). --out NAME keeps the whole result in a variable; %config max_output_bytes = 20MB raises the bound",
            size(end),
            size(full),
            size(max_bytes)
        ),
    );
    cut
}

fn add_note(bundle: &mut MimeBundle, note: &str) {
    if let Some(Json::String(text)) = bundle.get_mut("text/plain") {
        text.push_str(&format!("\n({note})"));
    }
    if let Some(Json::String(html)) = bundle.get_mut("text/html") {
        html.push_str(&format!(
            "<div style=\"color:#b35900;font-size:85%;margin-top:4px\">{}</div>",
            super::escape::html(note)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Column, Datum, Provenance, TableBuilder, ValueKind};

    fn wide_table(rows: usize) -> QueryResult {
        let mut b = TableBuilder::new(
            vec![Column {
                name: "v".into(),
                db_type: "text".into(),
                kind: ValueKind::Text,
            }],
            rows,
            false,
        );
        for i in 0..rows {
            b.push_row(vec![Datum::Text(format!("{i:0>100}"))]);
        }
        QueryResult::Table(b.finish(Provenance::default()))
    }

    #[test]
    fn a_table_over_the_bound_is_drawn_with_fewer_rows_and_says_so() {
        let result = wide_table(5_000);
        let full = bundle_bytes(&render(&result));
        let bundle = render_bounded(&result, 100_000);
        assert!(full > 1_000_000, "{full}");
        assert!(
            bundle_bytes(&bundle) <= 100_000,
            "{}",
            bundle_bytes(&bundle)
        );
        let text = bundle["text/plain"].as_str().unwrap();
        assert!(
            text.contains("(output cut to the first "),
            "{}",
            &text[text.len() - 600..]
        );
        assert!(text.contains("of 5000 rows shown"));
        assert!(text.contains("--out NAME keeps every row"));
        assert!(
            bundle["text/html"]
                .as_str()
                .unwrap()
                .contains("max_output_bytes = 100 kB")
        );
    }

    #[test]
    fn a_result_far_over_the_bound_is_estimated_and_one_just_over_is_measured() {
        let far = render_bounded(&wide_table(5_000), 100_000);
        assert!(
            far["text/plain"]
                .as_str()
                .unwrap()
                .contains("would make a message of about ")
        );
        let result = wide_table(800);
        let full = bundle_bytes(&render(&result));
        let near = render_bounded(&result, full - 1_000);
        let text = near["text/plain"].as_str().unwrap();
        assert!(
            text.contains(&format!("would make a {} message", size(full))),
            "{}",
            &text[text.len() - 400..]
        );
    }

    #[test]
    fn a_result_within_the_bound_is_untouched() {
        let result = wide_table(10);
        assert_eq!(render_bounded(&result, 100_000), render(&result));
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        let result = QueryResult::Text("é".repeat(50_000));
        let bundle = render_bounded(&result, 20_000);
        let text = bundle["text/plain"].as_str().unwrap();
        assert!(text.len() < 20_000 && text.contains("output cut after"));
    }

    #[test]
    fn sizes_parse_with_units_and_refuse_nonsense() {
        assert_eq!(parse_bytes("8MB"), Some(8_000_000));
        assert_eq!(parse_bytes("500kB"), Some(500_000));
        assert_eq!(parse_bytes("12_000"), Some(12_000));
        assert_eq!(parse_bytes("lots"), None);
        assert!(set_max_output_bytes("5").is_err());
    }
}
