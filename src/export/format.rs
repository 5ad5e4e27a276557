//! The four file formats, named by the path's extension or by `--format`.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
    Parquet,
    ArrowIpc,
}

impl Format {
    /// The names `--format` accepts, as shown in errors.
    pub const NAMES: &'static str = "csv, jsonl, parquet, arrow";

    /// `--format`'s value (case-insensitive; `json`/`ndjson` mean JSON Lines, `ipc`/`feather`
    /// mean the Arrow IPC file format).
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "json" | "ndjson" => Some(Format::JsonLines),
            "parquet" | "pq" => Some(Format::Parquet),
            "arrow" | "ipc" | "feather" | "arrows" => Some(Format::ArrowIpc),
            _ => None,
        }
    }

    /// The format the path's extension names, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::JsonLines => "JSON Lines",
            Format::Parquet => "Parquet",
            Format::ArrowIpc => "Arrow IPC",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_and_names_pick_the_format() {
        assert_eq!(
            Format::from_path(Path::new("a/b.PARQUET")),
            Some(Format::Parquet)
        );
        assert_eq!(
            Format::from_path(Path::new("x.jsonl")),
            Some(Format::JsonLines)
        );
        assert_eq!(
            Format::from_path(Path::new("x.arrow")),
            Some(Format::ArrowIpc)
        );
        assert_eq!(Format::from_path(Path::new("x.txt")), None);
        assert_eq!(Format::from_name("Feather"), Some(Format::ArrowIpc));
    }
}
