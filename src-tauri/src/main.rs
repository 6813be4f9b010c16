// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `rcmd batch ...` is the headless command line over the same core and database
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("batch") {
        std::process::exit(rcmd_app::cli::main(&args[1..]));
    }
    rcmd_app::run()
}
