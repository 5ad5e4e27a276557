//! Node's `util.inspect` layout for documents and arrays, as mongosh uses it
//! (`compact: 3`, `breakLength: 80`).
//!
//! The three rules that decide the shape of the output:
//! 1. an object is printed on one line (`{ a: 1, b: 2 }`) when its entries
//!    fit within the break length *and* it is at most `compact` levels above
//!    the most deeply nested object printed so far (`current_depth`);
//! 2. otherwise each entry goes on its own line, indented by two spaces;
//! 3. arrays with more than six entries are first grouped into aligned
//!    columns (numbers right-aligned), and then never joined onto one line.
//!
//! Lengths are measured in UTF-16 code units, as JavaScript strings are.

use bson::{Bson, Document};

use super::shown::Shown;
use super::text::{display_width, js_len, key, quote};

/// Printing limits, mirroring the `util.inspect` options mongosh passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Nesting depth after which objects print as `[Object]` (`None`: unlimited).
    pub depth: Option<usize>,
    /// Array items shown before `... n more items` (`None`: unlimited).
    pub max_array_length: Option<usize>,
    /// String characters shown before `... n more characters` (`None`: unlimited).
    pub max_string_length: Option<usize>,
    /// Line width used to decide whether entries fit on one line.
    pub break_length: usize,
}

impl Default for Options {
    /// Node's `util.inspect` defaults (depth 6, 100 items, 10000 characters), for a caller
    /// that wants Node's cut-offs; mongosh 2.x prints results with [`Options::full`].
    fn default() -> Self {
        Options {
            depth: Some(6),
            max_array_length: Some(100),
            max_string_length: Some(10_000),
            break_length: 80,
        }
    }
}

impl Options {
    /// mongosh's options for cursor documents and explain output: no limits.
    pub fn full() -> Self {
        Options {
            depth: None,
            max_array_length: None,
            max_string_length: None,
            break_length: 80,
        }
    }
}

struct Ctx<'o> {
    options: &'o Options,
    indentation: usize,
    current_depth: usize,
}

/// Format any value (strings quoted).
pub(crate) fn format(value: &Bson, options: &Options) -> String {
    let mut ctx = Ctx {
        options,
        indentation: 0,
        current_depth: 0,
    };
    format_value(&mut ctx, value, 0)
}

fn format_value(ctx: &mut Ctx, value: &Bson, recurse_times: usize) -> String {
    match value {
        Bson::String(s) => format_string(ctx, s),
        Bson::Array(items) => format_array(ctx, items, recurse_times),
        Bson::Document(doc) => match super::shown::read(doc) {
            Some(Shown::Class(name, fields)) => {
                format_entries(ctx, Entries::Fields(fields), name, recurse_times)
            }
            Some(Shown::Map(entries)) => {
                let braces = format!("Map({})", entries.len());
                format_entries(ctx, Entries::Map(entries), &braces, recurse_times)
            }
            Some(Shown::Set(items)) => {
                let braces = format!("Set({})", items.len());
                format_entries(ctx, Entries::Set(items), &braces, recurse_times)
            }
            _ => match super::leaf(value) {
                Some(text) => text,
                None => format_document(ctx, doc, recurse_times),
            },
        },
        other => super::leaf(other).unwrap_or_default(),
    }
}

/// Strings longer than the remaining width are split after each `\n` into
/// `'line\n' +` pieces, as Node does; others are quoted whole.
fn format_string(ctx: &Ctx, s: &str) -> String {
    let (shown, trailer) = match ctx.options.max_string_length {
        Some(max) if js_len(s) > max => {
            let shown: String = s.chars().take(max).collect();
            let remaining = js_len(s) - js_len(&shown);
            let plural = if remaining > 1 { "s" } else { "" };
            (shown, format!("... {remaining} more character{plural}"))
        }
        _ => (s.to_string(), String::new()),
    };
    let len = js_len(&shown);
    if len > 16 && len + ctx.indentation + 4 > ctx.options.break_length && shown.contains('\n') {
        let pieces: Vec<String> = shown.split_inclusive('\n').map(quote).collect();
        let joiner = format!(" +\n{}", " ".repeat(ctx.indentation + 2));
        return pieces.join(&joiner) + &trailer;
    }
    quote(&shown) + &trailer
}

fn too_deep(ctx: &Ctx, recurse_times: usize) -> bool {
    ctx.options.depth.is_some_and(|d| recurse_times > d)
}

fn format_document(ctx: &mut Ctx, doc: &Document, recurse_times: usize) -> String {
    if doc.is_empty() {
        return "{}".to_string();
    }
    if too_deep(ctx, recurse_times) {
        return "[Object]".to_string();
    }
    let recurse_times = recurse_times + 1;
    ctx.current_depth = recurse_times;
    let mut output = Vec::with_capacity(doc.len());
    for (k, v) in doc {
        ctx.indentation += 2;
        let value = format_value(ctx, v, recurse_times);
        ctx.indentation -= 2;
        output.push(format!("{}: {value}", key(k)));
    }
    reduce_to_single_string(ctx, output, ("{", "}"), None, recurse_times)
}

/// The entries of a class instance, `Map` or `Set`.
enum Entries<'a> {
    Fields(&'a Document),
    Map(&'a [Bson]),
    Set(&'a [Bson]),
}

/// Node's `formatValue` for an object with a prefix (`P {`, `Map(2) {`, `Set(1) {`): the same
/// entries and line breaking as a plain object, `key => value` for a Map's entries.
fn format_entries(ctx: &mut Ctx, entries: Entries, prefix: &str, recurse_times: usize) -> String {
    let count = match &entries {
        Entries::Fields(fields) => fields.len(),
        Entries::Map(items) | Entries::Set(items) => items.len(),
    };
    if count == 0 {
        return format!("{prefix} {{}}");
    }
    if too_deep(ctx, recurse_times) {
        return format!("[{}]", prefix.split('(').next().unwrap_or(prefix));
    }
    let recurse_times = recurse_times + 1;
    ctx.current_depth = recurse_times;
    let mut output = Vec::with_capacity(count);
    ctx.indentation += 2;
    match entries {
        Entries::Fields(fields) => {
            for (k, v) in fields {
                output.push(format!(
                    "{}: {}",
                    key(k),
                    format_value(ctx, v, recurse_times)
                ));
            }
        }
        Entries::Map(items) => {
            for item in items {
                let (k, v) = match item {
                    Bson::Array(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
                    other => (other, &Bson::Undefined),
                };
                let k = format_value(ctx, k, recurse_times);
                let v = format_value(ctx, v, recurse_times);
                output.push(format!("{k} => {v}"));
            }
        }
        Entries::Set(items) => {
            for item in items {
                output.push(format_value(ctx, item, recurse_times));
            }
        }
    }
    ctx.indentation -= 2;
    let open = format!("{prefix} {{");
    reduce_to_single_string(ctx, output, (&open, "}"), None, recurse_times)
}

fn format_array(ctx: &mut Ctx, items: &[Bson], recurse_times: usize) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    if too_deep(ctx, recurse_times) {
        return "[Array]".to_string();
    }
    let recurse_times = recurse_times + 1;
    ctx.current_depth = recurse_times;
    let shown = ctx
        .options
        .max_array_length
        .map_or(items.len(), |m| m.min(items.len()));
    let mut output = Vec::with_capacity(shown + 1);
    for item in items.iter().take(shown) {
        ctx.indentation += 2;
        output.push(format_value(ctx, item, recurse_times));
        ctx.indentation -= 2;
    }
    let remaining = items.len() - shown;
    if remaining > 0 {
        let plural = if remaining > 1 { "s" } else { "" };
        output.push(format!("... {remaining} more item{plural}"));
    }
    reduce_to_single_string(
        ctx,
        output,
        ("[", "]"),
        Some((items, remaining > 0)),
        recurse_times,
    )
}

/// `array` is `Some((items, truncated))` for arrays, enabling column grouping.
fn reduce_to_single_string(
    ctx: &Ctx,
    output: Vec<String>,
    braces: (&str, &str),
    array: Option<(&[Bson], bool)>,
    recurse_times: usize,
) -> String {
    let entries = output.len();
    let output = match array {
        Some((items, truncated)) if entries > 6 => {
            group_array_elements(ctx, output, items, truncated)
        }
        _ => output,
    };
    if ctx.current_depth.saturating_sub(recurse_times) < 3 && entries == output.len() {
        let start = output.len() + ctx.indentation + braces.0.len() + 10;
        if is_below_break_length(ctx, &output, start) {
            let joined = output.join(", ");
            if !joined.contains('\n') {
                return format!("{} {joined} {}", braces.0, braces.1);
            }
        }
    }
    let indentation = format!("\n{}", " ".repeat(ctx.indentation));
    format!(
        "{}{indentation}  {}{indentation}{}",
        braces.0,
        output.join(&format!(",{indentation}  ")),
        braces.1
    )
}

fn is_below_break_length(ctx: &Ctx, output: &[String], start: usize) -> bool {
    let mut total = output.len() + start;
    if total + output.len() > ctx.options.break_length {
        return false;
    }
    for entry in output {
        total += js_len(entry);
        if total > ctx.options.break_length {
            return false;
        }
    }
    true
}

/// Node's `groupArrayElements`: lay out many short items in aligned columns.
fn group_array_elements(
    ctx: &Ctx,
    output: Vec<String>,
    items: &[Bson],
    truncated: bool,
) -> Vec<String> {
    let mut total_length = 0usize;
    let mut max_length = 0usize;
    let output_length = if truncated {
        output.len() - 1
    } else {
        output.len()
    };
    const SEPARATOR_SPACE: usize = 2;
    let data_len: Vec<usize> = output
        .iter()
        .take(output_length)
        .map(|s| display_width(s))
        .collect();
    for len in &data_len {
        total_length += len + SEPARATOR_SPACE;
        max_length = max_length.max(*len);
    }
    let actual_max = max_length + SEPARATOR_SPACE;
    if actual_max * 3 + ctx.indentation < ctx.options.break_length
        && (total_length as f64 / actual_max as f64 > 5.0 || max_length <= 6)
    {
        let average_bias = (actual_max as f64 - total_length as f64 / output.len() as f64).sqrt();
        let biased_max = (actual_max as f64 - 3.0 - average_bias).max(1.0);
        let columns = [
            ((2.5 * biased_max * output_length as f64).sqrt() / biased_max).round() as usize,
            ctx.options.break_length.saturating_sub(ctx.indentation) / actual_max,
            3 * 4,
            15,
        ]
        .into_iter()
        .min()
        .unwrap_or(1);
        if columns <= 1 {
            return output;
        }
        let mut max_line_length = Vec::with_capacity(columns);
        for i in 0..columns {
            let mut line_max = 0;
            let mut j = i;
            while j < output_length {
                line_max = line_max.max(data_len.get(j).copied().unwrap_or(0));
                j += columns;
            }
            max_line_length.push(line_max + SEPARATOR_SPACE);
        }
        // Numbers are right-aligned, everything else left-aligned.
        let pad_start = items
            .iter()
            .take(output.len())
            .all(|v| matches!(v, Bson::Int32(_) | Bson::Double(_)));
        let mut grouped = Vec::new();
        let mut i = 0;
        while i < output_length {
            let max = (i + columns).min(output_length);
            let mut line = String::new();
            for j in i..max - 1 {
                let cell = format!("{}, ", output[j]);
                let width = max_line_length[j - i];
                line.push_str(&pad(&cell, width, data_len[j] + 2, pad_start));
            }
            let last = max - 1;
            if pad_start {
                let width = max_line_length[last - i] - SEPARATOR_SPACE;
                line.push_str(&pad(&output[last], width, data_len[last], true));
            } else {
                line.push_str(&output[last]);
            }
            grouped.push(line);
            i += columns;
        }
        if truncated && let Some(more) = output.last() {
            grouped.push(more.clone());
        }
        return grouped;
    }
    output
}

/// Pad `cell` (whose display width is `width_now`) to `width` columns.
fn pad(cell: &str, width: usize, width_now: usize, at_start: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(width_now));
    if at_start {
        format!("{fill}{cell}")
    } else {
        format!("{cell}{fill}")
    }
}
