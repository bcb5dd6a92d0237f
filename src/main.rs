//! The `minyi` binary: the command line in `cli/`.

mod cli;

// Submissions allocate many small strings and maps on several threads at once; glibc's
// allocator showed up as the largest item in the load profile.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
