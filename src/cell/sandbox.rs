//! The `%%sandbox CONN [--keep]` cell magic's line (the body is the template, in CONN's
//! language) and `%reset [CONN]`. Parsing only; `session::sandbox` does the work.

use super::args::split_words;
use crate::engine::EngineError;
use crate::session::variables::valid_name;

pub const HELP: &str = "%%sandbox CONN [--keep]\n    Give this kernel a private sandbox on connection CONN: a schema of its own (PostgreSQL), a\n    database (MariaDB/MySQL, MongoDB) or a database number (Redis), entered before every cell on\n    CONN. The cell's body is the template, run there now and by %reset. The sandbox is dropped\n    when the kernel shuts down, unless --keep. In dbkernel.toml: [sandbox.CONN] template_file = \"...\".";

pub const RESET_HELP: &str = "%reset [CONN]\n    Empty the sandbox of CONN (every sandbox without CONN) and run its template again.";

#[derive(Debug, Clone, PartialEq)]
pub struct SandboxCell {
    pub connection: String,
    pub keep: bool,
    pub template: String,
}

pub fn parse_sandbox_header(rest: &str, template: String) -> Result<SandboxCell, EngineError> {
    let usage = |msg: String| {
        EngineError::usage(format!(
            "{msg}\nusage: {}",
            HELP.lines().next().unwrap_or("%%sandbox CONN")
        ))
    };
    let words = split_words(rest).map_err(|e| usage(format!("in the %%sandbox line: {e}")))?;
    let mut connection = None;
    let mut keep = false;
    for word in words {
        match word.as_str() {
            "--keep" => keep = true,
            other if other.starts_with("--") => {
                return Err(usage(format!(
                    "unknown option {other} in the %%sandbox line; the only option is --keep"
                )));
            }
            name if connection.is_none() && valid_name(name) => connection = Some(word),
            other => {
                return Err(usage(format!(
                    "unexpected word '{other}' in the %%sandbox line (one connection name, letters, digits, _)"
                )));
            }
        }
    }
    let connection = connection.ok_or_else(|| {
        usage(
            "%%sandbox needs the name of a connection (opened with %connect or dbkernel.toml)"
                .into(),
        )
    })?;
    Ok(SandboxCell {
        connection,
        keep,
        template,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_and_keep() {
        let s = parse_sandbox_header("pg --keep", "CREATE TABLE t (i int)".into()).unwrap();
        assert_eq!(s.connection, "pg");
        assert!(s.keep);
        assert!(
            parse_sandbox_header("", String::new())
                .unwrap_err()
                .evalue
                .contains("needs the name of a connection")
        );
        assert!(
            parse_sandbox_header("pg --forever", String::new())
                .unwrap_err()
                .evalue
                .contains("the only option is --keep")
        );
    }
}
