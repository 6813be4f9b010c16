// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `rcmd batch ...`, `rcmd server ...`, `rcmd schedule ...` and `rcmd --server NAME batch ...` forward to the
    // headless command line (crate rcmd-cli, binary `rcmd-cli`)
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(
        args.first().map(String::as_str),
        Some("batch" | "server" | "schedule" | "--server")
    ) {
        std::process::exit(rcmd_cli::main(&args));
    }
    rcmd_app::run()
}
