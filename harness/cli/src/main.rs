//! `myna-conform`: argument parsing and wiring only; the logic lives in the
//! library crates.

#![forbid(unsafe_code)]

mod arg_types;
mod args;
mod card_fuzz;
mod commands;
mod completions;
mod config;
mod console;
mod emu_serve;
mod invocation;
mod iut;
mod oqs_commands;
mod portal_commands;
mod project;
mod reader_commands;
mod record;
mod report_commands;
mod selection_checks;

fn main() {
    let cli = match invocation::parse(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(code) => std::process::exit(code),
    };
    console::configure(cli.color, cli.verbose, cli.quiet);
    let code = commands::dispatch(cli);
    std::process::exit(code);
}
