//! Chart words on a cell magic line (`%%sql --chart bar x=city y=total`) and the `%chart` line
//! magic (`%chart VAR line x=day y=count color=site`). The words after the kind are `KEY=VALUE`
//! (quoted values may hold spaces: `title="Sales by city"`); [`chart::Request`] checks them.

use chart::Request;

use crate::engine::EngineError;
use crate::session::variables::valid_name;

pub const HELP: &str = "%chart VAR KIND x=COLUMN [y=COLUMN] [color=COLUMN] [title=TEXT] [bins=N]\n    Draw a kept result (--out VAR) as a bar, line, area, scatter or histogram chart (Vega-Lite\n    for JupyterLab, SVG everywhere else). The same words after --chart on %%sql, %%mql or\n    %%redis draw the cell's last result while its rows stream: bars sum y per x (or count rows\n    without y), histograms bin x, line/area/scatter beyond 5,000 points draw a sample and say so.\n    Columns: SQL column names, MongoDB fields (dotted: address.city), Redis hash field/value,\n    ZRANGE ... WITHSCORES member/score, lists index/value.";

/// The chart words after `--chart`: the kind, then `KEY=VALUE` words.
pub fn parse_words(words: &[String]) -> Result<Request, EngineError> {
    Request::parse(words).map_err(|e| EngineError::usage(format!("--chart: {e}")))
}

/// `%chart VAR KIND KEY=VALUE…` (already split into words).
pub fn parse_magic(words: &[String]) -> Result<(String, Request), EngineError> {
    let Some((name, rest)) = words.split_first() else {
        return Err(EngineError::usage(format!(
            "%chart needs a kept variable and a chart\nusage: {}",
            HELP.lines().next().unwrap_or_default()
        )));
    };
    if !valid_name(name) {
        return Err(EngineError::usage(format!(
            "%chart: '{name}' is not a variable name (letters, digits, _); usage: {}",
            HELP.lines().next().unwrap_or_default()
        )));
    }
    let request = Request::parse(rest).map_err(|e| EngineError::usage(format!("%chart: {e}")))?;
    Ok((name.clone(), request))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        crate::cell::args::split_words(s).unwrap()
    }

    #[test]
    fn quoted_titles_keep_their_spaces() {
        let request = parse_words(&words("line x=d y=n 'title=Sales by day'")).unwrap();
        assert_eq!(request.title.as_deref(), Some("Sales by day"));
    }

    #[test]
    fn magic_names_the_variable_then_the_chart() {
        let (name, request) = parse_magic(&words("sales bar x=city")).unwrap();
        assert_eq!(name, "sales");
        assert_eq!(request.kind, chart::Kind::Bar);
        assert!(parse_magic(&words("sales pie x=city")).is_err());
        assert!(parse_magic(&words("")).is_err());
    }
}
