//! The plan as a self-contained SVG: a top-down indented tree of node boxes.
//!
//! Why indented rows rather than a spreading tree: plans are deep and narrow or wide and flat,
//! and a row per node keeps every title readable at notebook width, keeps a 200-node plan a
//! scrollable column (with the small parts folded, see [`crate::fold`]) and lets the figures
//! line up. Each box shows the operation and its object, a bar for the node's share of the
//! exclusive time (of cost when the plan was not run), actual against estimated rows with the
//! misestimate factor, loops, the conditions and the node's warnings. The node where most time
//! goes has a red frame and a "slowest" tag. Colours are fixed on an opaque white card, so the
//! drawing is the same in light and dark themes, nbconvert, VS Code and GitHub.

pub mod builder;

use builder::{Canvas, Style, cut, fits, wrap};

use crate::fold::{self, Item};
use crate::format;
use crate::model::{Measure, Node, Plan, Severity};
use crate::text;
use crate::thresholds::{SHARE_BAD, SHARE_WARN};

pub const WIDTH: f64 = 920.0;
const MARGIN: f64 = 14.0;
const INDENT: f64 = 22.0;
/// Deeper levels are drawn at this depth so boxes never become too narrow to read.
const MAX_INDENT_LEVELS: usize = 14;
const LINE: f64 = 16.0;
const PAD: f64 = 7.0;
/// The share bar's width in a full-width drawing; narrower panels (a comparison) scale it.
const BAR_WIDTH: f64 = 130.0;

fn bar_width(width: f64) -> f64 {
    (width * 0.14).clamp(60.0, BAR_WIDTH)
}
const MAX_DETAIL_LINES: usize = 4;

pub const BACKGROUND: &str = "#ffffff";
pub const INK: &str = "#1f2328";
pub const MUTED: &str = "#57606a";
const BOX: &str = "#f6f8fa";
const BORDER: &str = "#d0d7de";
const HOT_BOX: &str = "#ffebe9";
pub const RED: &str = "#cf222e";
pub const AMBER: &str = "#9a6700";
const AMBER_BAR: &str = "#d4a72c";
const GREY_BAR: &str = "#8c959f";
const BLUE: &str = "#0969da";

pub fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Bad => RED,
        Severity::Warn => AMBER,
        Severity::Info => MUTED,
    }
}

fn share_colour(share: f64) -> &'static str {
    if share >= SHARE_BAD {
        RED
    } else if share >= SHARE_WARN {
        AMBER_BAR
    } else {
        GREY_BAR
    }
}

/// A drawn plan before it becomes a document: compare places two of them side by side.
pub struct Panel {
    pub canvas: Canvas,
    pub width: f64,
    pub height: f64,
}

/// The node with the largest share, if it stands out (at least [`SHARE_WARN`]).
fn slowest(plan: &Plan) -> Option<usize> {
    crate::warnings::largest_share(plan)
        .filter(|(_, share)| *share >= SHARE_WARN)
        .map(|(id, _)| id)
}

struct Layout<'a> {
    plan: &'a Plan,
    canvas: Canvas,
    width: f64,
    y: f64,
    slowest: Option<usize>,
    /// Drawing a rejected plan: muted colours, no "slowest".
    muted: bool,
}

impl Layout<'_> {
    fn header(&mut self, title: Option<&str>) {
        let plan = self.plan;
        let inner = self.width - 2.0 * MARGIN;
        if let Some(title) = title {
            self.y += LINE;
            let style = Style {
                size: 14.0,
                bold: true,
                fill: BLUE,
            };
            self.canvas.text(
                MARGIN,
                self.y,
                &style,
                "panel-title",
                &cut(title, fits(inner, 14.0)),
            );
        }
        self.y += LINE + 2.0;
        let style = Style {
            size: 13.0,
            bold: true,
            fill: INK,
        };
        for (i, line) in wrap(&text::heading(plan), fits(inner, 13.0))
            .iter()
            .enumerate()
        {
            if i > 0 {
                self.y += LINE;
            }
            self.canvas.text(MARGIN, self.y, &style, "heading", line);
        }
        for note in &plan.notes {
            for line in wrap(&format!("note: {note}"), fits(inner, 12.0)) {
                self.y += LINE;
                let style = Style {
                    size: 12.0,
                    bold: false,
                    fill: BLUE,
                };
                self.canvas.text(MARGIN, self.y, &style, "note", &line);
            }
        }
        for warning in &plan.summary {
            let colour = severity_colour(warning.severity);
            let marked = format!("{} {}", text::marker(warning.severity), warning.text);
            for line in wrap(&marked, fits(inner, 12.0)) {
                self.y += LINE;
                let style = Style {
                    size: 12.0,
                    bold: warning.severity == Severity::Bad,
                    fill: colour,
                };
                self.canvas.text(MARGIN, self.y, &style, "summary", &line);
            }
        }
        if fold::folds(plan) {
            self.y += LINE;
            let measure = plan.measure().map_or("time", Measure::noun);
            let style = Style {
                size: 12.0,
                bold: false,
                fill: MUTED,
            };
            let line = format!(
                "{} nodes; parts under {} of the {measure} are folded (dashed boxes)",
                plan.root.count(),
                format::percent(crate::thresholds::FOLD_SHARE)
            );
            self.canvas.text(MARGIN, self.y, &style, "fold-note", &line);
        }
        self.y += 10.0;
    }

    fn x_of(depth: usize) -> f64 {
        MARGIN + INDENT * depth.min(MAX_INDENT_LEVELS) as f64
    }

    /// Draws `node` and its children; returns the vertical middle of its title line, where the
    /// connector from its parent arrives.
    fn node(&mut self, node: &Node, depth: usize) -> f64 {
        let plan = self.plan;
        let x = Self::x_of(depth);
        let w = self.width - MARGIN - x;
        let text_width = w - 2.0 * PAD;
        let share = plan.share(node);
        let bar_room = if share.is_some() {
            bar_width(self.width) + 54.0
        } else {
            0.0
        };
        let mut title = node.title();
        if let Some(name) = &node.subplan_name {
            title = format!("[{name}] {title}");
        }
        let title_chars = fits(text_width - bar_room, 13.0);
        // A long title (a narrow comparison panel) takes a second line rather than losing the
        // index or table name at its end.
        let mut title_lines = wrap(&title, title_chars);
        if title_lines.len() > 2 {
            let rest = title_lines[1..].join(" ");
            title_lines.truncate(1);
            title_lines.push(cut(&rest, fits(text_width, 13.0)));
        }
        let figures = text::figures(plan, node).join(" · ");
        let mut details = text::details(node);
        if details.len() > MAX_DETAIL_LINES {
            let more = details.len() - MAX_DETAIL_LINES + 1;
            details.truncate(MAX_DETAIL_LINES - 1);
            details.push(format!("+{more} more (see the text form)"));
        }
        let detail_chars = fits(text_width, 11.0);
        let warning_lines: Vec<(Severity, String)> = node
            .warnings
            .iter()
            .flat_map(|w| {
                wrap(
                    &format!("{} {}", text::marker(w.severity), w.text),
                    fits(text_width, 12.0),
                )
                .into_iter()
                .map(move |line| (w.severity, line))
            })
            .collect();
        let lines = title_lines.len()
            + usize::from(!figures.is_empty())
            + details.len()
            + warning_lines.len();
        let h = lines as f64 * LINE + 2.0 * PAD - 2.0;
        let top = self.y;
        let hot = !self.muted && self.slowest == Some(node.id);
        let (fill, stroke, stroke_width) = if hot {
            (HOT_BOX, RED, 2.5)
        } else if node.never_executed {
            (BACKGROUND, BORDER, 1.0)
        } else {
            (BOX, BORDER, 1.0)
        };
        if node.never_executed {
            self.canvas.dashed_rect(x, top, w, h, fill, GREY_BAR);
        } else {
            self.canvas.rect(x, top, w, h, fill, stroke, stroke_width);
        }
        let ink = if self.muted || node.never_executed {
            MUTED
        } else {
            INK
        };
        let mut baseline = top + PAD + 12.0;
        let title_style = Style {
            size: 13.0,
            bold: true,
            fill: ink,
        };
        let first_line = title_lines.first().cloned().unwrap_or_default();
        self.canvas
            .text(x + PAD, baseline, &title_style, "node", &first_line);
        if let Some(share) = share {
            let bar = bar_width(self.width);
            let bar_x = x + w - PAD - bar;
            self.canvas.bar(bar_x, baseline - 9.0, bar, 10.0, "#eaeef2");
            let colour = if self.muted {
                GREY_BAR
            } else {
                share_colour(share)
            };
            self.canvas
                .bar(bar_x, baseline - 9.0, (bar * share).max(1.0), 10.0, colour);
            let label = if hot {
                format!("{} slowest", format::percent(share))
            } else {
                format::percent(share)
            };
            let label_x = bar_x - 6.0 - label.chars().count() as f64 * 11.0 * builder::CHAR_WIDTH;
            let style = Style {
                size: 11.0,
                bold: hot,
                fill: if hot { RED } else { MUTED },
            };
            self.canvas.text(label_x, baseline, &style, "share", &label);
        }
        for line in title_lines.iter().skip(1) {
            baseline += LINE;
            self.canvas
                .text(x + PAD, baseline, &title_style, "node-more", line);
        }
        if !figures.is_empty() {
            baseline += LINE;
            let style = Style {
                size: 12.0,
                bold: false,
                fill: ink,
            };
            self.canvas.text(
                x + PAD,
                baseline,
                &style,
                "figures",
                &cut(&figures, fits(text_width, 12.0)),
            );
        }
        for line in &details {
            baseline += LINE;
            let style = Style {
                size: 11.0,
                bold: false,
                fill: MUTED,
            };
            self.canvas.text(
                x + PAD,
                baseline,
                &style,
                "detail",
                &cut(line, detail_chars),
            );
        }
        for (severity, line) in &warning_lines {
            baseline += LINE;
            let colour = if self.muted {
                MUTED
            } else {
                severity_colour(*severity)
            };
            let style = Style {
                size: 12.0,
                bold: *severity == Severity::Bad,
                fill: colour,
            };
            self.canvas.text(x + PAD, baseline, &style, "warning", line);
        }
        self.y = top + h + 6.0;
        let anchor = top + PAD + 8.0;
        let trunk_x = x + 10.0;
        let mut last_mid = None;
        for item in fold::children(plan, node) {
            let child_x = Self::x_of(depth + 1);
            let mid = match item {
                Item::Node(child) => self.node(child, depth + 1),
                Item::Folded {
                    nodes,
                    share,
                    kinds,
                } => self.folded(child_x, nodes, share, &kinds),
            };
            if child_x > trunk_x {
                self.canvas.line(trunk_x, mid, child_x, mid, GREY_BAR);
            }
            last_mid = Some(mid);
        }
        if let Some(mid) = last_mid {
            self.canvas.line(trunk_x, top + h, trunk_x, mid, GREY_BAR);
        }
        anchor
    }

    fn folded(&mut self, x: f64, nodes: usize, share: f64, kinds: &str) -> f64 {
        let w = self.width - MARGIN - x;
        let h = LINE + 2.0 * PAD - 2.0;
        let top = self.y;
        self.canvas.dashed_rect(x, top, w, h, BACKGROUND, GREY_BAR);
        let line = format!(
            "… {nodes} nodes folded ({} together: {kinds})",
            format::percent(share)
        );
        let style = Style {
            size: 12.0,
            bold: false,
            fill: MUTED,
        };
        self.canvas.text(
            x + PAD,
            top + PAD + 11.0,
            &style,
            "folded",
            &cut(&line, fits(w - 2.0 * PAD, 12.0)),
        );
        self.y = top + h + 6.0;
        top + PAD + 8.0
    }
}

/// Draws a plan at `width`, with an optional title line above it.
pub fn panel(plan: &Plan, width: f64, title: Option<&str>) -> Panel {
    let mut layout = Layout {
        plan,
        canvas: Canvas::default(),
        width,
        y: 0.0,
        slowest: slowest(plan),
        muted: false,
    };
    layout.header(title);
    layout.node(&plan.root, 0);
    for (i, rejected) in plan.rejected.iter().enumerate() {
        layout.y += LINE;
        let style = Style {
            size: 12.0,
            bold: true,
            fill: MUTED,
        };
        layout.canvas.text(
            MARGIN,
            layout.y,
            &style,
            "rejected",
            &format!("rejected plan {}", i + 1),
        );
        layout.y += 6.0;
        layout.muted = true;
        layout.node(rejected, 0);
    }
    let mut triggers = Vec::new();
    for trigger in &plan.triggers {
        triggers.push(format!(
            "trigger {}: {} ({} calls)",
            trigger.name,
            format::ms(trigger.time_ms),
            format::rows(trigger.calls)
        ));
    }
    for line in triggers {
        layout.y += LINE;
        let style = Style {
            size: 12.0,
            bold: false,
            fill: INK,
        };
        layout
            .canvas
            .text(MARGIN, layout.y, &style, "trigger", &line);
    }
    Panel {
        height: layout.y + MARGIN,
        canvas: layout.canvas,
        width,
    }
}

/// The whole SVG document for one plan.
pub fn render(plan: &Plan) -> String {
    let panel = panel(plan, WIDTH, None);
    let title = format!("{} — {}", text::heading(plan), plan.root.title());
    panel
        .canvas
        .finish(panel.width, panel.height, BACKGROUND, &title)
}
