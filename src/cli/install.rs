//! `dbkernel install`: writes the kernelspec (kernel.json and logos) where Jupyter looks.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Install for the current user (the default): ~/.local/share/jupyter/kernels.
    #[arg(long, conflicts_with_all = ["sys_prefix", "prefix"])]
    pub user: bool,
    /// Install into the active Python environment (VIRTUAL_ENV, CONDA_PREFIX, else python3's sys.prefix).
    #[arg(long, conflicts_with = "prefix")]
    pub sys_prefix: bool,
    /// Install under DIR/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
}

pub const KERNEL_NAME: &str = "dbkernel";
pub const DISPLAY_NAME: &str = "Databases (SQL · MQL · Redis)";
const LOGO_32: &[u8] = include_bytes!("../../kernelspec/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../../kernelspec/logo-64x64.png");
const LOGO_SVG: &[u8] = include_bytes!("../../kernelspec/logo-svg.svg");

/// Writes the kernelspec and returns the directory it was written to.
pub fn install(args: &InstallArgs) -> Result<PathBuf, String> {
    let kernels = kernels_dir(args)?;
    let dir = kernels.join(KERNEL_NAME);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find this program's path: {e}"))?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let spec = kernel_json(&exe);
    write(
        &dir.join("kernel.json"),
        serde_json::to_string_pretty(&spec)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    write(&dir.join("logo-32x32.png"), LOGO_32)?;
    write(&dir.join("logo-64x64.png"), LOGO_64)?;
    write(&dir.join("logo-svg.svg"), LOGO_SVG)?;
    Ok(dir)
}

pub fn kernel_json(exe: &Path) -> serde_json::Value {
    json!({
        "argv": [exe.to_string_lossy(), "kernel", "-f", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "sql",
        // Interrupts arrive as interrupt_request on control; SIGINT is handled as an interrupt too.
        "interrupt_mode": "message",
        "metadata": {"debugger": false}
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn kernels_dir(args: &InstallArgs) -> Result<PathBuf, String> {
    if let Some(prefix) = &args.prefix {
        return Ok(prefix.join("share/jupyter/kernels"));
    }
    if args.sys_prefix {
        return Ok(python_prefix()?.join("share/jupyter/kernels"));
    }
    if let Ok(dir) = std::env::var("JUPYTER_DATA_DIR") {
        return Ok(PathBuf::from(dir).join("kernels"));
    }
    let home =
        std::env::var("HOME").map_err(|_| "HOME is not set; use --prefix DIR".to_string())?;
    let data = std::env::var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(home).join(".local/share"));
    Ok(data.join("jupyter/kernels"))
}

fn python_prefix() -> Result<PathBuf, String> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Ok(p) = std::env::var(var) {
            return Ok(PathBuf::from(p));
        }
    }
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .map_err(|e| {
            format!(
                "--sys-prefix needs python3 to find the environment: {e}; use --prefix DIR instead"
            )
        })?;
    let prefix = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if prefix.is_empty() {
        return Err("python3 did not report sys.prefix; use --prefix DIR".into());
    }
    Ok(PathBuf::from(prefix))
}
