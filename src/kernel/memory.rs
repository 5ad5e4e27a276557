//! Giving memory back after a cell: a big result, a large `{{variable}}` written to MongoDB, or
//! an embedded-engine operation stopped halfway frees gigabytes that glibc keeps in its arenas,
//! so an idle kernel would stay that large for the rest of the session (fifty of them on one
//! JupyterHub). After each cell the executor returns free heap pages to the system.
//!
//! Every cell, not only "big" ones: the memory is freed in whichever engine, driver or thread
//! arena held it, and glibc's own statistics (`mallinfo2`) see only the main arena. Trimming
//! walks free chunks only, so it costs microseconds after a small cell.

use std::time::Instant;

/// Returns freed heap pages of every arena to the system.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let started = Instant::now();
        // SAFETY: malloc_trim only returns free pages to the kernel; it has no preconditions.
        unsafe {
            libc::malloc_trim(0);
        }
        log::debug!("malloc_trim after the cell took {:?}", started.elapsed());
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    fn resident_kb() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn freed_heap_is_returned_to_the_system() {
        // Small blocks (below the mmap threshold) live in the heap and stay there when freed,
        // except the last one, which keeps the heap from shrinking by itself.
        let mut blocks: Vec<Vec<u8>> = (0..4096).map(|_| vec![1u8; 32 * 1024]).collect();
        let keep = blocks.pop();
        drop(blocks);
        let before = resident_kb();
        release_freed_memory();
        let after = resident_kb();
        drop(keep);
        assert!(
            after + 32 * 1024 < before,
            "RSS {before} kB before the trim, {after} kB after: 128 MB were free"
        );
    }
}
