//! `myna-conform`: argument parsing and wiring only; the logic lives in the
//! library crates.

#![forbid(unsafe_code)]

mod args;
mod commands;
mod console;
mod emu_serve;
mod oqs_commands;
mod record;
mod report_commands;

use clap::Parser;

fn main() {
    let cli = args::Cli::parse();
    let code = commands::dispatch(cli.command);
    std::process::exit(code);
}
