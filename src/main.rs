//! The `dbkernel` binary. Logs go to stderr (level from `DBKERNEL_LOG`, default `warn`); stdout
//! is never written while the kernel runs, so nothing can be mistaken for protocol output.
// The executor's future nests every engine's (JavaScript host, progress timer, chart and export
// feeds): computing its layout in the optimised build goes past the default query depth of 128.
#![recursion_limit = "256"]

use clap::Parser;
use dbkernel::cli::{Cli, Command};
use dbkernel::transport::ConnectionInfo;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("DBKERNEL_LOG", "warn"))
        .target(env_logger::Target::Stderr)
        .init();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Install(args) => match dbkernel::cli::install::install(&args) {
            Ok(dir) => {
                println!(
                    "installed kernelspec {} in {}",
                    dbkernel::cli::install::KERNEL_NAME,
                    dir.display()
                );
                0
            }
            Err(e) => {
                eprintln!("dbkernel install: {e}");
                1
            }
        },
        Command::Kernel { connection_file } => run_kernel(&connection_file),
        Command::Mongod { port, bind, dbpath } => run_mongod(port, &bind, dbpath),
    };
    std::process::exit(code);
}

fn run_kernel(connection_file: &str) -> i32 {
    let info = match ConnectionInfo::from_file(connection_file) {
        Ok(info) => info,
        Err(e) => {
            eprintln!("dbkernel: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dbkernel: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let result = runtime.block_on(dbkernel::kernel::run(info));
    // Tasks still running (a query that ignored cancellation) must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("dbkernel: {e}");
            1
        }
    }
}

fn run_mongod(port: u16, bind: &str, dbpath: Option<std::path::PathBuf>) -> i32 {
    let engine = match &dbpath {
        None => docdb::Engine::in_memory(),
        Some(dir) => match docdb::Engine::open_dir(dir) {
            Ok(engine) => engine,
            Err(e) => {
                eprintln!("dbkernel mongod: cannot open {}: {e}", dir.display());
                return 2;
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("dbkernel mongod: cannot start the async runtime: {e}");
            return 2;
        }
    };
    runtime.block_on(async move {
        let address = format!("{bind}:{port}");
        let listener = match tokio::net::TcpListener::bind(&address).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("dbkernel mongod: cannot listen on {address}: {e}");
                return 2;
            }
        };
        let mut parsed = bson::doc! { "net": { "bindIp": bind, "port": i32::from(port) } };
        if let Some(dir) = &dbpath {
            parsed.insert(
                "storage",
                bson::doc! { "dbPath": dir.display().to_string() },
            );
        }
        engine.set_command_line(std::env::args().collect(), parsed);
        let storage = dbpath
            .map(|d| format!("data in {}", d.display()))
            .unwrap_or_else(|| "in memory".into());
        println!("dbkernel mongod: serving mongodb://{address} ({storage}); Ctrl-C stops");
        tokio::select! {
            served = docdb::serve(listener, std::sync::Arc::new(engine)) => match served {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("dbkernel mongod: {e}");
                    1
                }
            },
            _ = tokio::signal::ctrl_c() => 0,
        }
    })
}
