// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `rcmd batch ...` forwards to the headless command line (crate rcmd-cli, binary
    // `rcmd-cli`), over the same engine and database
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("batch") {
        std::process::exit(rcmd_cli::main(&args[1..]));
    }
    rcmd_app::run()
}
