//! The connection file Jupyter writes for a kernel: transport, ip, five ports, key, scheme.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct ConnectionInfo {
    #[serde(default = "default_transport")]
    pub transport: String,
    pub ip: String,
    pub shell_port: u16,
    pub iopub_port: u16,
    pub stdin_port: u16,
    pub control_port: u16,
    pub hb_port: u16,
    #[serde(default)]
    pub key: String,
    #[serde(default = "default_scheme")]
    pub signature_scheme: String,
}

fn default_transport() -> String {
    "tcp".into()
}

fn default_scheme() -> String {
    "hmac-sha256".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionFileError {
    #[error("cannot read connection file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("connection file {path} is not valid: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("connection file asks for signature scheme '{0}'; dbkernel supports only hmac-sha256")]
    Scheme(String),
    #[error("connection file asks for transport '{0}'; dbkernel supports only tcp")]
    Transport(String),
}

impl ConnectionInfo {
    pub fn from_file(path: &str) -> Result<ConnectionInfo, ConnectionFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConnectionFileError::Read {
            path: path.into(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| match e {
            ConnectionFileError::Parse { source, .. } => ConnectionFileError::Parse {
                path: path.into(),
                source,
            },
            other => other,
        })
    }

    pub fn from_json(text: &str) -> Result<ConnectionInfo, ConnectionFileError> {
        let info: ConnectionInfo =
            serde_json::from_str(text).map_err(|source| ConnectionFileError::Parse {
                path: String::new(),
                source,
            })?;
        if info.signature_scheme != "hmac-sha256" {
            return Err(ConnectionFileError::Scheme(info.signature_scheme));
        }
        if info.transport != "tcp" {
            return Err(ConnectionFileError::Transport(info.transport));
        }
        Ok(info)
    }

    /// `tcp://ip:port`; `*` becomes `0.0.0.0` because the zeromq crate would treat it as a host name.
    pub fn endpoint(&self, port: u16) -> String {
        let ip = if self.ip == "*" {
            "0.0.0.0"
        } else {
            self.ip.as_str()
        };
        format!("{}://{ip}:{port}", self.transport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{"shell_port": 1, "iopub_port": 2, "stdin_port": 3, "control_port": 4, "hb_port": 5,
        "ip": "127.0.0.1", "key": "abc", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "dbkernel"}"#;

    #[test]
    fn parses_and_ignores_unknown_fields() {
        let info = ConnectionInfo::from_json(FILE).unwrap();
        assert_eq!(info.endpoint(info.shell_port), "tcp://127.0.0.1:1");
        assert_eq!(info.key, "abc");
    }

    #[test]
    fn rejects_other_schemes() {
        let file = FILE.replace("hmac-sha256", "hmac-md5");
        assert!(matches!(
            ConnectionInfo::from_json(&file),
            Err(ConnectionFileError::Scheme(_))
        ));
    }
}
