//! `rcmd-cli batch ...`: the headless command line (no GUI libraries linked).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = match args.first().map(String::as_str) {
        Some("batch") => &args[1..],
        _ => &args[..],
    };
    std::process::exit(rcmd_cli::main(rest))
}
