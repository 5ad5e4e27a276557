//! The command line: `dbkernel install`, `dbkernel kernel -f FILE`, `dbkernel mongod`.

pub mod install;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "dbkernel",
    version,
    about = "A Jupyter kernel for SQL, MongoDB shell and Redis cells"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Install the kernelspec so Jupyter can start this kernel.
    Install(install::InstallArgs),
    /// Run the kernel (Jupyter starts this with the connection file it wrote).
    Kernel {
        /// The connection file written by Jupyter.
        #[arg(short = 'f', long = "connection-file")]
        connection_file: String,
    },
    /// Serve the embedded MongoDB-compatible engine until stopped (Ctrl-C), for any MongoDB client.
    Mongod {
        /// TCP port to listen on.
        #[arg(long, default_value_t = 27017)]
        port: u16,
        /// Address to bind (loopback by default: the engine has no authentication).
        #[arg(long, default_value = "127.0.0.1")]
        bind: String,
        /// Keep data in this directory across restarts (in memory when absent).
        #[arg(long, value_name = "DIR")]
        dbpath: Option<std::path::PathBuf>,
    },
}
