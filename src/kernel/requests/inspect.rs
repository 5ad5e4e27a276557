//! inspect_reply (Shift+Tab): what [`crate::complete::inspect`] knows about the name under the
//! cursor (magics, tables, columns, functions, collections, Redis commands and keys, variables).

use serde_json::{Value as Json, json};

use super::{cursor_byte_offset, string_field};
use crate::catalog::cache::Cache;

pub async fn reply(cache: &Cache, content: &Json) -> Result<Json, String> {
    let code = string_field(content, "code")?;
    let cursor = cursor_byte_offset(content, code)?;
    Ok(
        match crate::complete::inspect::inspect(cache, code, cursor).await {
            Some(text) => {
                json!({"status": "ok", "found": true, "data": {"text/plain": text}, "metadata": {}})
            }
            None => json!({"status": "ok", "found": false, "data": {}, "metadata": {}}),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finds_help_for_magics() {
        let cache = Cache::default();
        let r = reply(&cache, &json!({"code": "%%sql pg", "cursor_pos": 3}))
            .await
            .unwrap();
        assert_eq!(r["found"], true);
        assert!(
            r["data"]["text/plain"]
                .as_str()
                .unwrap()
                .contains("--limit")
        );
        let r = reply(&cache, &json!({"code": "SELECT", "cursor_pos": 2}))
            .await
            .unwrap();
        assert_eq!(r["found"], false);
    }
}
