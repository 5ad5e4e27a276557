//! Where an export goes: the path (relative to the kernel's working directory, which Jupyter
//! sets to the notebook's folder), the refusal to replace a file unless `--force`, and the
//! temporary name rows are written under until the export is complete.
//!
//! Like `cp -n`/pandas' `mode="x"` users expect a notebook re-run not to clobber a file it did
//! not make by accident, so an existing file is refused by default and `--force` replaces it.
//! The file is written as `.NAME.PID.partial` in the same folder and renamed at the end (an
//! atomic replace on one file system); a stopped or failed export removes it.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::Format;
use crate::engine::EngineError;

/// A checked destination, before anything is written.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path as the cell wrote it (what the receipt shows).
    pub given: String,
    pub path: PathBuf,
    pub format: Format,
}

impl Target {
    /// Checks a `--export` request: the format is known, the folder exists, and the file does not
    /// exist unless `force`.
    pub fn check(path: &str, format: Option<Format>, force: bool) -> Result<Target, EngineError> {
        let given = Path::new(path);
        let path = if given.is_absolute() {
            given.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| export_error(format!("the working directory is unreadable: {e}")))?
                .join(given)
        };
        let format = match format.or_else(|| Format::from_path(&path)) {
            Some(f) => f,
            None => {
                return Err(export_error(format!(
                    "cannot tell the format of '{}' from its extension; name it .csv, .jsonl, \
                     .parquet or .arrow, or add --format ({})",
                    given.display(),
                    Format::NAMES
                )));
            }
        };
        let folder = path.parent().unwrap_or(Path::new("."));
        if !folder.is_dir() {
            return Err(export_error(format!(
                "the folder '{}' does not exist; create it first",
                folder.display()
            )));
        }
        if path.is_dir() {
            return Err(export_error(format!(
                "'{}' is a folder; give a file name",
                path.display()
            )));
        }
        if path.exists() && !force {
            return Err(export_error(format!(
                "'{}' already exists; add --force to replace it",
                path.display()
            )));
        }
        Ok(Target {
            given: given.display().to_string(),
            path,
            format,
        })
    }

    /// Opens the temporary file rows are written to.
    pub fn open(&self) -> Result<Partial, EngineError> {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = self
            .path
            .with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let file = File::create(&temp)
            .map_err(|e| export_error(format!("cannot create '{}': {e}", temp.display())))?;
        Ok(Partial {
            temp: Some(temp),
            file: Some(file),
            final_path: self.path.clone(),
        })
    }
}

/// The file being written; removed on drop unless [`Partial::commit`] renamed it.
#[derive(Debug)]
pub struct Partial {
    temp: Option<PathBuf>,
    file: Option<File>,
    final_path: PathBuf,
}

impl Partial {
    /// The open file, for the format's writer (taken once).
    pub fn take_file(&mut self) -> Option<File> {
        self.file.take()
    }

    /// Renames the finished file to its final name and returns its size in bytes.
    pub fn commit(mut self) -> Result<u64, EngineError> {
        let temp = self.temp.take().unwrap_or_default();
        std::fs::rename(&temp, &self.final_path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            export_error(format!(
                "cannot rename the finished file to '{}': {e}",
                self.final_path.display()
            ))
        })?;
        Ok(std::fs::metadata(&self.final_path)
            .map(|m| m.len())
            .unwrap_or(0))
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        self.file.take();
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

pub fn export_error(message: impl Into<String>) -> EngineError {
    EngineError::new("ExportError", message)
}
