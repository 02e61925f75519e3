//! `cargo aotcheck`: parse, run, map the outcome to an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;

use cargo_aotcheck::error::Error;
use cargo_aotcheck::options::ColorChoice;
use cargo_aotcheck::output::{BAD, Output, paint};
use cargo_aotcheck::{Outcome, cli, exit_code, run};

fn main() -> ExitCode {
    cargo_aotcheck::heap::return_large_blocks();
    // The image stage runs this executable as its file-open tracer (and the tracer's gate).
    if let Some(code) = cargo_aotcheck::image::hidden_main() {
        return code;
    }
    // The hostile stage runs it as the tracer that finds where a crash happened.
    if let Some(code) = cargo_aotcheck::hostile::hidden_main() {
        return code;
    }
    // Started by cargo as the linker of our own builds (see compile/link.rs).
    if let Some(code) = cargo_aotcheck::compile::link::as_linker() {
        return ExitCode::from(code);
    }
    let opts = match cli::parse(std::env::args_os()) {
        Ok(o) => o,
        Err(e) => {
            let _ = e.print();
            // `--help` and `--version` are a run that did its job; the rest is bad usage.
            let result = if e.use_stderr() {
                Err(Error::Usage(e.kind().to_string()))
            } else {
                Ok(Outcome::Passed)
            };
            return ExitCode::from(exit_code(&result));
        }
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = |terminal: bool| match opts.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    };
    let (stdout, stderr) = (std::io::stdout(), std::io::stderr());
    let err_terminal = stderr.is_terminal();
    // Held for the whole run: a worker thread that wrote to stdout or stderr directly (an
    // `eprintln!` while the main thread joins it) would wait for these forever. Everything
    // goes through `Output`, from the main thread.
    let mut out_lock = stdout.lock();
    let mut err_lock = stderr.lock();
    let mut output = Output {
        out: &mut out_lock,
        err: &mut err_lock,
        out_color: color(stdout.is_terminal()),
        err_color: color(err_terminal),
        err_terminal,
        verbosity: opts.verbosity,
        cargo_warnings: Default::default(),
    };
    cargo_aotcheck::interrupt::install();
    let result = run(&opts, &mut output);
    if let Err(e) = &result {
        let label = paint(output.err_color, BAD, "error");
        // Our errors carry their cause in their own message (see error.rs).
        let text = e.to_string();
        let _ = writeln!(
            output.err,
            "{label}: {}",
            cargo_aotcheck::format::printable(&text, e.multi_line())
        );
    }
    ExitCode::from(exit_code(&result))
}
