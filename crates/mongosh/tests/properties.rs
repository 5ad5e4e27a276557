//! Properties of the lexer, parser and planner that must hold for any input: nothing panics
//! (a notebook cell is arbitrary text), errors point inside the cell, and literals written the
//! way a user writes them come back as the same BSON values.

use bson::Bson;
use proptest::prelude::*;

/// Parses and plans every statement, as the kernel does; returns the first error's rendering.
fn parse_and_plan(source: &str) -> Option<String> {
    match mongosh::parse(source) {
        Err(error) => {
            assert!(
                error.line >= 1 && error.column >= 1,
                "{error:?} for {source:?}"
            );
            Some(error.render(source))
        }
        Ok(script) => {
            let env = mongosh::Env::new();
            let _ = script.kernel_variables();
            script
                .statements
                .iter()
                .find_map(|s| mongosh::plan(s, &env, "test").err())
                .map(|e| e.render(source))
        }
    }
}

/// A JavaScript single-quoted literal for `text`.
fn js_string(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The `filter` of the single `find` a source plans to.
fn planned_filter(source: &str) -> bson::Document {
    let script = mongosh::parse(source).unwrap_or_else(|e| panic!("{source:?}: {e}"));
    let env = mongosh::Env::new();
    match mongosh::plan(&script.statements[0], &env, "test") {
        Ok(mongosh::Step::Run(op)) => op.requests[0]
            .command
            .get_document("filter")
            .cloned()
            .unwrap_or_else(|_| panic!("no filter in {:?}", op.requests[0].command)),
        other => panic!("{source:?} planned to {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        let _ = parse_and_plan(&source);
    }

    #[test]
    fn shell_like_text_never_panics(
        source in r#"(db|use|const|x|\.|find|insertOne|\(|\)|\{|\}|\[|\]|:|,|'|"|`|\\|\$|-|1|2\.5e3|\n| |/|\*|\{\{v\}\}|ObjectId|new|=|!|\?|;){0,40}"#
    ) {
        if let Some(rendered) = parse_and_plan(&source) {
            prop_assert!(!rendered.is_empty());
        }
    }

    #[test]
    fn string_literals_round_trip(text in any::<String>()) {
        let source = format!("db.c.find({{ s: {} }})", js_string(&text));
        let filter = planned_filter(&source);
        prop_assert_eq!(filter.get("s"), Some(&Bson::String(text)));
    }

    #[test]
    fn integers_round_trip(n in any::<i32>()) {
        let filter = planned_filter(&format!("db.c.find({{ n: {n} }})"));
        prop_assert_eq!(filter.get("n"), Some(&Bson::Int32(n)));
    }

    #[test]
    fn fractional_numbers_round_trip(x in any::<f64>().prop_filter("finite, not whole", |x| x.is_finite() && x.fract() != 0.0)) {
        let filter = planned_filter(&format!("db.c.find({{ x: {x:?} }})"));
        prop_assert_eq!(filter.get("x"), Some(&Bson::Double(x)));
    }
}
