//! `completions SHELL` and `man`: generated from the clap definitions in
//! `args.rs`, so they never disagree with the parser.

use clap::CommandFactory;
use myna_engine::exit_code;

use crate::args::Cli;
use crate::console;

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "myna-conform", &mut script);
    console::out_bytes(&script);
    exit_code::OK
}

/// Prints the manual page (roff) of `myna-conform` and its subcommands.
pub fn man() -> i32 {
    let mut page = Vec::new();
    let command = Cli::command();
    let rendered = clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .and_then(|()| {
            // One page holding every subcommand's options too, so
            // `man -l -` shows the whole tool.
            command.get_subcommands().try_for_each(|sub| {
                let title = format!("myna-conform-{}", sub.get_name());
                page.extend_from_slice(b"\n");
                clap_mangen::Man::new(sub.clone())
                    .title(title)
                    .render(&mut page)
            })
        });
    match rendered {
        Ok(()) => {
            console::out_bytes(&page);
            exit_code::OK
        }
        Err(e) => {
            eprintln!("error: cannot render the manual page: {e}");
            exit_code::INTERNAL
        }
    }
}
