fn main() -> std::process::ExitCode {
    cap_malloc_arenas();
    oe_webhooks::cli::main()
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
