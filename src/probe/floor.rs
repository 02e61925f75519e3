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

/// Waits for one byte on stdin, puts /dev/null there, then becomes the program to time. The
/// prober attaches to it (`PTRACE_SEIZE`) while it waits, so the attach can never lose a race
/// with a program that exits quickly; the timed interval starts when the byte is written.
/// `/dev/null` is opened before the wait: its path lookup is not the program's time.
const GATE: &str = "\
/* cargo-aotcheck exec gate: waits for one byte on stdin, then becomes argv[1]. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char c;
    int fd = open(\"/dev/null\", O_RDONLY | O_CLOEXEC);
    if (argc < 2 || read(0, &c, 1) != 1) return 126;
    if (fd > 0) dup2(fd, 0);
    execv(argv[1], argv + 1);
    dprintf(2, \"cargo-aotcheck: cannot run %s: %s\\n\", argv[1], strerror(errno));
    return 127;
}
";

pub struct Floor {
    pub path: PathBuf,
    /// What it is, for the report.
    pub description: String,
}

/// Build (or reuse) the floor program in `dir`. `Err` says why there is none.
pub fn build(dir: &Path) -> Result<Floor, String> {
    let path = compile(
        dir,
        "spawn-floor",
        SOURCE,
        &["-static", "-nostartfiles", "-O2"],
    )?;
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

/// Build (or reuse) the exec gate for `exit` mode (see [`GATE`]).
pub fn build_gate(dir: &Path) -> Result<PathBuf, String> {
    compile(dir, "exec-gate", GATE, &["-static", "-O2"])
}

fn compile(dir: &Path, name: &str, source: &str, flags: &[&str]) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let src = dir.join(format!("{name}.c"));
    let fresh = std::fs::read_to_string(&src).is_ok_and(|s| s == source) && path.is_file();
    if fresh {
        return Ok(path);
    }
    let cc = which::which("cc")
        .map_err(|_| format!("no C compiler (`cc`) to build the {name} program: install gcc"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // Unique names: two concurrent runs must not see each other's half-written files.
    let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    let tmp_src = dir.join(format!("{name}.{}.c", std::process::id()));
    std::fs::write(&tmp_src, source)
        .map_err(|e| format!("cannot write {}: {e}", tmp_src.display()))?;
    let out = Command::new(&cc)
        .args(flags)
        .arg("-o")
        .arg(&tmp)
        .arg(&tmp_src)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", cc.display()))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp_src);
        return Err(format!(
            "`cc {}` failed to build the {name} program: {}",
            flags.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    std::fs::rename(&tmp, &path)
        .and_then(|()| std::fs::rename(&tmp_src, &src))
        .map_err(|e| format!("cannot place {}: {e}", path.display()))?;
    Ok(path)
}
