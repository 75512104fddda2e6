fn main() -> std::process::ExitCode {
    cap_malloc_arenas();
    return_freed_memory_periodically();
    oe_webhooks::cli::main()
}

/// How often memory freed into glibc's heaps is given back to the system.
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// glibc returns freed memory to the system only from the top of a heap,
/// so a burst's buffers freed in the middle stay resident. `malloc_trim(0)`
/// releases every free page of every arena (madvise); a thread of its own
/// calls it five times a second. benches/processing.py: peak RSS 55–61 ->
/// 47–49 MB, rate within the noise; p99 ack at 1,000 req/s unchanged.
fn return_freed_memory_periodically() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let spawned = std::thread::Builder::new().name("malloc-trim".into()).spawn(|| loop {
            std::thread::sleep(TRIM_EVERY);
            // SAFETY: malloc_trim only walks the allocator's own free lists
            // under their locks.
            unsafe {
                libc::malloc_trim(0);
            }
        });
        // Without it the service only keeps more memory: not worth failing for.
        drop(spawned);
    }
}

/// glibc gives each thread that meets a locked arena a new one (up to
/// eight per core), and each keeps the memory freed into it: with the
/// processing pool's threads that was a tenth of the peak RSS for no
/// measurable speed (benches/processing.py). Two arenas, as with
/// `MALLOC_ARENA_MAX=2`, which still takes precedence when set.
fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a tunable; it runs before any thread
        // is started.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}
