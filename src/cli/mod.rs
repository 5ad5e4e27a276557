//! The command line: `dbkernel install`, `dbkernel kernel -f FILE`, `dbkernel mongod`.

pub mod install;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "dbkernel", version, about = "A Jupyter kernel for SQL, MongoDB shell and Redis cells")]
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
}
