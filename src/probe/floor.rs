//! The spawn floor: the cheapest program this machine can start, timed the same way as the
//! programs under test, so that their figures can be read against it.
//!
//! It is a static C program whose `_start` calls `_exit(0)`: no dynamic loader, no libc start-up
//! (glibc's start-up alone adds ~0.5 ms on a VM that traps CPUID, see FIELD-NOTES). Built with
//! the system's `cc` (gcc and libc6-dev: the static Rust build needs `libc.a` anyway) once, into
//! the probe's own folder, and reused.

use std::path::{Path, PathBuf};
use std::process::Command;

const SOURCE: &str = "\
/* cargo-aotcheck spawn floor: the cheapest process there is. */
#include <unistd.h>
void _start(void) { _exit(0); }
";

pub struct Floor {
    pub path: PathBuf,
    /// What it is, for the report.
    pub description: String,
}

/// Build (or reuse) the floor program in `dir`. `Err` says why there is none.
pub fn build(dir: &Path) -> Result<Floor, String> {
    let path = dir.join("spawn-floor");
    let src = dir.join("spawn-floor.c");
    let fresh = std::fs::read_to_string(&src).is_ok_and(|s| s == SOURCE) && path.is_file();
    if !fresh {
        let cc = which::which("cc").map_err(|_| {
            "no C compiler (`cc`) to build the floor program: install gcc".to_string()
        })?;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // Unique names: two concurrent runs must not see each other's half-written files.
        let tmp = dir.join(format!("spawn-floor.{}.tmp", std::process::id()));
        let tmp_src = dir.join(format!("spawn-floor.{}.c", std::process::id()));
        std::fs::write(&tmp_src, SOURCE)
            .map_err(|e| format!("cannot write {}: {e}", tmp_src.display()))?;
        let out = Command::new(&cc)
            .args(["-static", "-nostartfiles", "-O2", "-o"])
            .arg(&tmp)
            .arg(&tmp_src)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", cc.display()))?;
        if !out.status.success() {
            let _ = std::fs::remove_file(&tmp_src);
            return Err(format!(
                "`cc -static -nostartfiles` failed to build the floor program: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        std::fs::rename(&tmp, &path)
            .and_then(|()| std::fs::rename(&tmp_src, &src))
            .map_err(|e| format!("cannot place {}: {e}", path.display()))?;
    }
    let size = std::fs::metadata(&path)
        .map(|m| format!("{} bytes, ", m.len()))
        .unwrap_or_default();
    Ok(Floor {
        description: format!(
            "static C program whose _start calls _exit(0) (no libc start-up), {size}built with \
             cc: {}",
            path.display()
        ),
        path,
    })
}
