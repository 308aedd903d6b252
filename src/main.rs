//! The `sekisho` binary: everything is in the library (`cli::main`).

fn main() -> std::process::ExitCode {
    sekisho::cli::main()
}
