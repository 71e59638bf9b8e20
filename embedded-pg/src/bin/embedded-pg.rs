//! `embedded-pg [--data-dir DIR] [--database NAME] [--throwaway] [-- COMMAND...]`
//!
//! Starts the embedded PostgreSQL and either runs COMMAND with `DATABASE_URL` set (then stops
//! the server and exits with COMMAND's status) or prints the URL and serves until ctrl-c.
//! The project's scripts use it to give the test suite and `sqlx` a database.

use std::path::PathBuf;
use std::process::ExitCode;

use embedded_pg::{Options, Server};

fn usage() -> ExitCode {
    eprintln!(
        "usage: embedded-pg [--data-dir DIR] [--database NAME] [--bin-dir DIR] [--throwaway] [-- COMMAND...]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut opts = Options::new(&root, root.join(".concierge/dev-postgres"));
    let mut args = std::env::args().skip(1);
    let mut command = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data-dir" => match args.next() {
                Some(v) => opts.data_dir = v.into(),
                None => return usage(),
            },
            "--database" => match args.next() {
                Some(v) => opts.database = v,
                None => return usage(),
            },
            "--bin-dir" => match args.next() {
                Some(v) => opts.bin_dir = v.into(),
                None => return usage(),
            },
            "--throwaway" => opts.throwaway = true,
            "--" => {
                command = args.by_ref().collect();
            }
            _ => return usage(),
        }
    }
    let server = match Server::start(opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("embedded-pg: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("embedded-pg: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let Some((program, rest)) = command.split_first() else {
            println!("{}", server.url());
            let _ = tokio::signal::ctrl_c().await;
            return ExitCode::SUCCESS;
        };
        let mut child = match tokio::process::Command::new(program)
            .args(rest)
            .env("DATABASE_URL", server.url())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("embedded-pg: cannot run {program}: {e}");
                return ExitCode::FAILURE;
            }
        };
        // ctrl-c reaches the child through the terminal; we only wait for it to finish.
        loop {
            tokio::select! {
                status = child.wait() => {
                    return match status.ok().and_then(|s| s.code()) {
                        Some(0) => ExitCode::SUCCESS,
                        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
                        None => ExitCode::FAILURE,
                    };
                }
                _ = tokio::signal::ctrl_c() => {}
            }
        }
    });
    if let Err(e) = server.stop() {
        eprintln!("embedded-pg: stopping the server: {e}");
        return ExitCode::FAILURE;
    }
    code
}
