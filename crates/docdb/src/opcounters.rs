//! `serverStatus.opcounters`: operations received since the engine started, counted as mongod
//! counts them. `insert` counts documents (a bulk insert of ten is ten), `update` and `delete`
//! count statements, `query` counts `find` commands, `getmore` counts `getMore` commands, and
//! `command` counts every other command (mongod leaves the write commands out of it, since they
//! are counted per document or statement).

use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

use bson::{Bson, Document, doc};

#[derive(Default)]
pub struct OpCounters {
    insert: AtomicI64,
    query: AtomicI64,
    update: AtomicI64,
    delete: AtomicI64,
    getmore: AtomicI64,
    command: AtomicI64,
}

/// Number of elements of an array field (`updates`, `deletes`), 0 when absent or not an array.
fn array_len(cmd: &Document, key: &str) -> i64 {
    match cmd.get(key) {
        Some(Bson::Array(a)) => a.len() as i64,
        _ => 0,
    }
}

impl OpCounters {
    /// Counts one received command; `documents` is an insert's document count (its array is
    /// moved out of the command before this runs).
    pub fn count(&self, name: &str, cmd: &Document, documents: Option<usize>) {
        let (counter, n) = match name {
            "insert" => (
                &self.insert,
                documents
                    .map(|n| n as i64)
                    .unwrap_or_else(|| array_len(cmd, "documents")),
            ),
            "update" => (&self.update, array_len(cmd, "updates")),
            "delete" => (&self.delete, array_len(cmd, "deletes")),
            "find" => (&self.query, 1),
            "getMore" => (&self.getmore, 1),
            _ => (&self.command, 1),
        };
        counter.fetch_add(n, Relaxed);
    }

    /// The `opcounters` section (64-bit counters, as mongod reports them).
    pub fn to_document(&self) -> Document {
        doc! {
            "insert": self.insert.load(Relaxed),
            "query": self.query.load(Relaxed),
            "update": self.update.load(Relaxed),
            "delete": self.delete.load(Relaxed),
            "getmore": self.getmore.load(Relaxed),
            "command": self.command.load(Relaxed),
        }
    }
}

/// `serverStatus.mem`: resident and virtual size in MiB from `/proc/self/status` (`VmRSS`,
/// `VmSize`), as mongod reports them; `supported: false` (and no sizes) where that file is
/// missing.
pub fn mem_section() -> Document {
    let bits = (usize::BITS) as i32;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> Option<i64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: i64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024)
    };
    match (field("VmRSS:"), field("VmSize:")) {
        (Some(resident), Some(virt)) => doc! {
            "bits": bits,
            "resident": resident as i32,
            "virtual": virt as i32,
            "supported": true,
        },
        _ => doc! {"bits": bits, "supported": false},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_count_documents_and_writes_count_statements() {
        let c = OpCounters::default();
        c.count("insert", &doc! {"insert": "c"}, Some(3));
        c.count("update", &doc! {"update": "c", "updates": [{}, {}]}, None);
        c.count("delete", &doc! {"delete": "c", "deletes": [{}]}, None);
        c.count("find", &doc! {"find": "c"}, None);
        c.count("getMore", &doc! {"getMore": 1_i64}, None);
        c.count("aggregate", &doc! {"aggregate": "c"}, None);
        c.count("ping", &doc! {"ping": 1}, None);
        assert_eq!(
            c.to_document(),
            doc! {"insert": 3_i64, "query": 1_i64, "update": 2_i64, "delete": 1_i64, "getmore": 1_i64, "command": 2_i64}
        );
    }

    #[test]
    fn mem_reads_proc_status() {
        let m = mem_section();
        assert_eq!(m.get_i32("bits").unwrap(), 64);
        assert!(m.get_bool("supported").unwrap());
        assert!(m.get_i32("resident").unwrap() > 0);
        assert!(m.get_i32("virtual").unwrap() >= m.get_i32("resident").unwrap());
    }
}
