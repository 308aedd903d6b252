//! Giving freed memory back to the system. glibc's malloc keeps what a flood freed
//! (measured: 40 MiB at rest, 116 MiB ten seconds after 5,000 sockets closed, with or
//! without `arena_max=2`), so a quiet server still looked as big as its worst minute.
//! `malloc_trim` returns the free pages of every arena; mimalloc gave memory back too
//! but rested at 69 MiB and peaked higher (`benches/flood_memory.sh`, docs/benchmarks.md).

use std::time::Duration;

/// How often free memory is handed back: cheap (it walks the arenas' free lists),
/// and soon enough after a flood.
pub const EVERY: Duration = Duration::from_secs(10);

/// Returns free heap pages to the system; a no-op where the allocator is not glibc's.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only walks glibc's own arenas under
    // their locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
