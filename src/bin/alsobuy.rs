//! The `alsobuy` command line (native only; see `alsobuy --help`).

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    alsobuy::cli::main()
}

/// The CLI reads files and has no meaning in the browser; the wasm32 build gets an empty binary.
#[cfg(target_arch = "wasm32")]
fn main() {}
