//! Both drawings of hand-built charts: the SVG parsed back (marks, their sizes against the
//! values, labels escaped), and the Vega-Lite spec's data and scales.

use std::borrow::Cow;

use chart::{Accumulator, Request, Value, svg, vegalite};

fn request(s: &str) -> Request {
    let words: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    Request::parse(&words).unwrap()
}

fn text(s: &str) -> Value<'_> {
    Value::Text(Cow::Borrowed(s))
}

fn bar_chart() -> chart::Chart {
    let mut acc = Accumulator::new(request("bar x=city y=total"));
    for (city, total) in [("Paris", 30.0), ("Lyon <&>", 10.0), ("Nice", 20.0)] {
        acc.push(text(city), Some(Value::Number(total)), None)
            .unwrap();
    }
    acc.finish().unwrap()
}

#[test]
fn bar_heights_are_proportional_to_the_values() {
    let drawing = svg::render(&bar_chart());
    let doc = roxmltree::Document::parse(&drawing).expect("well-formed SVG");
    let bars: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("bar"))
        .collect();
    assert_eq!(bars.len(), 3);
    let heights: Vec<f64> = bars
        .iter()
        .map(|b| b.attribute("height").unwrap().parse().unwrap())
        .collect();
    assert!((heights[0] / heights[1] - 3.0).abs() < 0.01, "{heights:?}");
    assert!((heights[2] / heights[1] - 2.0).abs() < 0.01, "{heights:?}");
    // The label with markup characters is text, not markup.
    assert!(
        doc.descendants()
            .any(|n| n.is_text() && n.text() == Some("Lyon <&>"))
    );
    assert!(drawing.contains("Lyon &lt;&amp;&gt;"));
}

#[test]
fn spec_has_inline_data_and_the_svg_axis() {
    let chart = bar_chart();
    let spec = vegalite::spec(&chart);
    assert_eq!(spec["$schema"], vegalite::SCHEMA);
    assert_eq!(spec["mark"]["type"], "bar");
    let values = spec["data"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 3);
    assert_eq!(values[0]["x"], "Paris");
    assert_eq!(values[0]["y1"], 30.0);
    assert_eq!(
        spec["encoding"]["y"]["scale"]["domain"],
        serde_json::json!([0.0, 30.0])
    );
    assert_eq!(spec["encoding"]["x"]["sort"], serde_json::Value::Null);
}

#[test]
fn legend_lists_every_color() {
    let mut acc = Accumulator::new(request("line x=day y=n color=site"));
    for (day, n, site) in [
        (1.0, 2.0, "a"),
        (2.0, 3.0, "a"),
        (1.0, 5.0, "b"),
        (2.0, 1.0, "b"),
    ] {
        acc.push(Value::Number(day), Some(Value::Number(n)), Some(text(site)))
            .unwrap();
    }
    let chart = acc.finish().unwrap();
    let drawing = svg::render(&chart);
    let doc = roxmltree::Document::parse(&drawing).unwrap();
    let lines = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("line"))
        .count();
    assert_eq!(lines, 2);
    let labels: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("legend-label"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(labels, vec!["a", "b"]);
    let spec = vegalite::spec(&chart);
    assert_eq!(
        spec["encoding"]["color"]["scale"]["domain"],
        serde_json::json!(["a", "b"])
    );
}

#[test]
fn histogram_bins_tile_the_axis() {
    let mut acc = Accumulator::new(request("histogram x=v bins=10"));
    for i in 0..1000 {
        acc.push(Value::Number(f64::from(i)), None, None).unwrap();
    }
    let chart = acc.finish().unwrap();
    let drawing = svg::render(&chart);
    let doc = roxmltree::Document::parse(&drawing).unwrap();
    let bins = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("bin"))
        .count();
    let spec = vegalite::spec(&chart);
    assert_eq!(spec["data"]["values"].as_array().unwrap().len(), bins);
    assert_eq!(spec["encoding"]["x"]["bin"]["binned"], true);
    // 0..999 in about 10 bins: width nice(999 / 10) = 100, bins [0,100) .. [900,1000).
    assert_eq!(bins, 10);
    assert!(chart::summary::text(&chart).contains("[0, 100): 100"));
}

#[test]
fn control_characters_never_break_the_xml() {
    let mut acc = Accumulator::new(request("bar x=k"));
    acc.push(text("a\u{1}b"), None, None).unwrap();
    let drawing = svg::render(&acc.finish().unwrap());
    roxmltree::Document::parse(&drawing).expect("well-formed");
}
