//! complete_reply: the candidates [`crate::complete`] finds at the cursor, with their kinds and
//! signatures in `_jupyter_types_experimental` (JupyterLab shows them beside each match).
//! Positions are Unicode code points.

use serde_json::{Value as Json, json};

use super::{code_points, cursor_byte_offset, string_field};
use crate::catalog::cache::Cache;

pub async fn reply(cache: &Cache, content: &Json) -> Result<Json, String> {
    let code = string_field(content, "code")?;
    let cursor = cursor_byte_offset(content, code)?;
    let completion = crate::complete::complete(cache, code, cursor).await;
    let start = code_points(code, completion.start);
    let end = code_points(code, cursor);
    let types: Vec<Json> = completion
        .candidates
        .iter()
        .map(|c| {
            let mut entry = json!({"start": start, "end": end, "text": c.text, "type": c.kind});
            if let Some(detail) = &c.detail {
                entry["signature"] = json!(detail);
            }
            entry
        })
        .collect();
    Ok(json!({
        "status": "ok",
        "matches": completion.candidates.iter().map(|c| c.text.as_str()).collect::<Vec<_>>(),
        "cursor_start": start,
        "cursor_end": end,
        "metadata": {"_jupyter_types_experimental": types}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn matches(code: &str) -> Vec<String> {
        let cache = Cache::default();
        let reply = reply(
            &cache,
            &json!({"code": code, "cursor_pos": code.chars().count()}),
        )
        .await
        .unwrap();
        serde_json::from_value(reply["matches"].clone()).unwrap()
    }

    #[tokio::test]
    async fn completes_cell_magics_at_line_start() {
        assert_eq!(matches("%%sq").await, ["%%sql"]);
    }

    #[tokio::test]
    async fn completes_sql_keywords_in_the_users_case() {
        assert!(matches("sel").await.contains(&"select".to_string()));
        assert!(matches("SEL").await.contains(&"SELECT".to_string()));
    }

    #[tokio::test]
    async fn completes_redis_commands_and_options() {
        assert_eq!(matches("%%redis\nHGETA").await, ["HGETALL"]);
        assert_eq!(matches("%%sql --li").await, ["--limit"]);
    }

    #[tokio::test]
    async fn code_point_positions_with_non_ascii_text() {
        let code = "SELECT 'é' FRO";
        let cache = Cache::default();
        let reply = reply(
            &cache,
            &json!({"code": code, "cursor_pos": code.chars().count()}),
        )
        .await
        .unwrap();
        assert_eq!(reply["cursor_start"], 11);
        assert_eq!(reply["cursor_end"], 14);
    }
}
