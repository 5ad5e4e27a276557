//! Durability for `Engine::open_dir`: a snapshot plus an append-only log.
//!
//! Each acknowledged write appends its journal records (BSON documents, which
//! carry their own length prefix) to `oplog.<generation>.bson` and calls
//! `sync_data` before the reply leaves, so an acknowledged write survives a
//! crash. Opening replays `snapshot.bson` and then the log of the snapshot's
//! generation. A torn final record (crash mid-append) is cut off with a
//! warning. Compaction writes a new snapshot to a temporary file, fsyncs it,
//! renames it over the old one and only then starts the next generation's
//! log: a crash at any point leaves either the old snapshot with its log or
//! the new snapshot with an empty log, never a log replayed twice.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bson::{Document, doc};

const SNAPSHOT: &str = "snapshot.bson";
const SNAPSHOT_TMP: &str = "snapshot.bson.tmp";
/// Compact once the log grows past this many bytes.
pub const COMPACT_AFTER_BYTES: u64 = 64 * 1024 * 1024;

/// The open log of one engine directory.
pub struct Store {
    dir: PathBuf,
    generation: i64,
    log: File,
    pub log_bytes: u64,
}

fn log_path(dir: &Path, generation: i64) -> PathBuf {
    dir.join(format!("oplog.{generation}.bson"))
}

/// Reads the records of a file; a torn tail is reported as the offset where
/// the good records end.
fn read_records(path: &Path) -> io::Result<(Vec<Document>, usize, bool)> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), 0, false)),
        Err(e) => return Err(e),
    };
    let mut records = Vec::new();
    let mut offset = 0usize;
    while offset < bytes.len() {
        let Some(len_bytes) = bytes.get(offset..offset + 4) else {
            return Ok((records, offset, true));
        };
        let len = i32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        let Ok(len) = usize::try_from(len) else {
            return Ok((records, offset, true));
        };
        let Some(slice) = bytes.get(offset..offset + len).filter(|_| len >= 5) else {
            return Ok((records, offset, true));
        };
        match Document::from_reader(slice) {
            Ok(d) => records.push(d),
            Err(_) => return Ok((records, offset, true)),
        }
        offset += len;
    }
    Ok((records, offset, false))
}

impl Store {
    /// Opens (or creates) the directory; returns the store and the records
    /// to replay, in order.
    pub fn open(dir: &Path) -> io::Result<(Store, Vec<Document>)> {
        fs::create_dir_all(dir)?;
        let (mut snapshot, _, torn) = read_records(&dir.join(SNAPSHOT))?;
        if torn {
            // The snapshot is renamed into place only after fsync, so this is
            // damage from outside; refuse rather than silently lose data.
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is damaged; restore it from a backup or remove the directory",
                    dir.join(SNAPSHOT).display()
                ),
            ));
        }
        let generation = match snapshot.first() {
            Some(h) if h.get_str("op").ok() == Some("snapshot") => {
                h.get_i64("generation").unwrap_or(0)
            }
            _ => 0,
        };
        if !snapshot.is_empty() {
            snapshot.remove(0);
        }
        let path = log_path(dir, generation);
        let (log_records, good_len, torn) = read_records(&path)?;
        if torn {
            log::warn!(
                "{}: ignoring a torn record at byte {good_len} (a write interrupted by a crash; it was never acknowledged)",
                path.display()
            );
        }
        let log = OpenOptions::new().create(true).append(true).open(&path)?;
        // Cut the torn tail so that new records follow the last good one.
        log.set_len(good_len as u64)?;
        // Logs of older generations are leftovers of a finished compaction.
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if name.starts_with("oplog.") && entry.path() != path {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        snapshot.extend(log_records);
        Ok((
            Store {
                dir: dir.to_path_buf(),
                generation,
                log,
                log_bytes: good_len as u64,
            },
            snapshot,
        ))
    }

    /// Appends records and waits until they are on disk. On failure (disk
    /// full, I/O error) the log is cut back to its last good record, so that
    /// a later append does not follow a torn one: replay stops at the first
    /// torn record and would lose every acknowledged write after it.
    pub fn append(&mut self, records: &[Document]) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for r in records {
            r.to_writer(&mut buf)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        }
        if let Err(e) = self.log.write_all(&buf).and_then(|()| self.log.sync_data()) {
            let _ = self.log.set_len(self.log_bytes);
            return Err(e);
        }
        self.log_bytes += buf.len() as u64;
        Ok(())
    }

    /// Writes `records` (the whole catalog) as the new snapshot and starts an
    /// empty log of the next generation.
    pub fn compact(&mut self, records: &[Document]) -> io::Result<()> {
        let next = self.generation + 1;
        let tmp = self.dir.join(SNAPSHOT_TMP);
        {
            let mut f = File::create(&tmp)?;
            let mut buf = Vec::new();
            let header = doc! {"op": "snapshot", "generation": next};
            header
                .to_writer(&mut buf)
                .map_err(|e| io::Error::other(e.to_string()))?;
            for r in records {
                r.to_writer(&mut buf)
                    .map_err(|e| io::Error::other(e.to_string()))?;
            }
            f.write_all(&buf)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, self.dir.join(SNAPSHOT))?;
        if let Ok(d) = File::open(&self.dir) {
            // Make the rename itself durable (best effort: not all systems allow it).
            let _ = d.sync_all();
        }
        let new_log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path(&self.dir, next))?;
        new_log.set_len(0)?;
        let old = log_path(&self.dir, self.generation);
        self.log = new_log;
        self.generation = next;
        self.log_bytes = 0;
        let _ = fs::remove_file(old);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("docdb-persist-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn appended_records_come_back_in_order() {
        let dir = temp_dir("order");
        let (mut s, recs) = Store::open(&dir).unwrap();
        assert!(recs.is_empty());
        s.append(&[doc! {"n": 1}, doc! {"n": 2}]).unwrap();
        drop(s);
        let (_, recs) = Store::open(&dir).unwrap();
        assert_eq!(recs, vec![doc! {"n": 1}, doc! {"n": 2}]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn torn_tail_is_dropped_and_later_appends_survive() {
        let dir = temp_dir("torn");
        let (mut s, _) = Store::open(&dir).unwrap();
        s.append(&[doc! {"n": 1}, doc! {"n": 2}]).unwrap();
        drop(s);
        let path = log_path(&dir, 0);
        let len = fs::metadata(&path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let (mut s, recs) = Store::open(&dir).unwrap();
        assert_eq!(recs, vec![doc! {"n": 1}]);
        s.append(&[doc! {"n": 3}]).unwrap();
        drop(s);
        let (_, recs) = Store::open(&dir).unwrap();
        assert_eq!(recs, vec![doc! {"n": 1}, doc! {"n": 3}]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn compaction_replaces_log_with_snapshot() {
        let dir = temp_dir("compact");
        let (mut s, _) = Store::open(&dir).unwrap();
        s.append(&[doc! {"n": 1}]).unwrap();
        s.compact(&[doc! {"n": 9}]).unwrap();
        s.append(&[doc! {"n": 10}]).unwrap();
        drop(s);
        let (_, recs) = Store::open(&dir).unwrap();
        assert_eq!(recs, vec![doc! {"n": 9}, doc! {"n": 10}]);
        let _ = fs::remove_dir_all(&dir);
    }
}
