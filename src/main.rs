//! The `minyi` binary: the command line in `cli/`.

mod cli;

// Submissions allocate many small strings and maps on several threads at once; glibc's
// allocator showed up as the largest item in the load profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A command piped into `head` stops quietly when the reader has had enough, as
    // Unix tools do (Rust ignores SIGPIPE, and println! would panic instead). Not the
    // server, whose log may go to a pipe that closes.
    #[cfg(unix)]
    if std::env::args().nth(1).as_deref() != Some("serve") {
        // SAFETY: at start, before any thread exists; restores the default action.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // Every file minyi makes — the SQLite database with its WAL and SHM (SQLite gives
    // them the database's mode), backups, exports, briefings, the cookie key — is
    // readable by the service's own user only (0600; directories 0700): they hold
    // residents' answers and office accounts.
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask.
    unsafe {
        libc::umask(0o077);
    }
    cli::run()
}
