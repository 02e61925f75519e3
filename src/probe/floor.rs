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
///
/// On x86-64 it is built without libc (see [`GATE_FLAGS`]): `execve` tears the gate's own
/// address space down inside the timed interval, and a static glibc gate maps ~170 pages
/// (696 KiB resident) where this one maps 4 (16 KiB). `hyperfine -N` pays no such cost: its
/// child shares its parent's memory until the exec (`vfork`).
const GATE: &str = r#"/* cargo-aotcheck exec gate: waits for one byte on stdin, then becomes argv[1]. */
#if defined(__x86_64__)
/* Without libc: the exec tears the gate's address space down inside the timed interval,
   so it maps as few pages as it can (a static glibc program maps ~170). */
__asm__(".text\n.globl _start\n_start:\n\txor %ebp, %ebp\n\tmov %rsp, %rdi\n"
        "\tand $-16, %rsp\n\tcall gate\n\thlt\n");
static long sys(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}
static void say(const char *s) {
    long n = 0;
    while (s[n]) n++;
    sys(1 /* write */, 2, (long)s, n);
}
__attribute__((noreturn)) static void leave(long code) {
    for (;;) sys(231 /* exit_group */, code, 0, 0);
}
__attribute__((noreturn, used)) void gate(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1), c;
    long fd = sys(2 /* open */, (long)"/dev/null", 02000000 /* O_RDONLY|O_CLOEXEC */, 0);
    if (argc < 2 || sys(0 /* read */, 0, (long)&c, 1) != 1) leave(126);
    if (fd > 0) sys(33 /* dup2 */, fd, 0, 0);
    long e = -sys(59 /* execve */, (long)argv[1], (long)(argv + 1), (long)(argv + argc + 1));
    say("cargo-aotcheck: cannot run ");
    say(argv[1]);
    say(e == 2 ? ": No such file or directory\n" : e == 13 ? ": Permission denied\n"
        : e == 8 ? ": Exec format error\n" : ": execve failed\n");
    leave(127);
}
#else
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    char c;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (argc < 2 || read(0, &c, 1) != 1) return 126;
    if (fd > 0) dup2(fd, 0);
    execv(argv[1], argv + 1);
    dprintf(2, "cargo-aotcheck: cannot run %s: %s\n", argv[1], strerror(errno));
    return 127;
}
#endif
"#;

/// How [`GATE`] is built: on x86-64 as a freestanding program (its own `_start` and system
/// calls; no loop turned into a call to `strlen`, no stack protector, which would read a
/// thread pointer nobody set up).
const GATE_FLAGS: &[&str] = if cfg!(target_arch = "x86_64") {
    &[
        "-static",
        "-nostdlib",
        "-ffreestanding",
        "-fno-tree-loop-distribute-patterns",
        "-fno-stack-protector",
        "-O2",
    ]
} else {
    &["-static", "-O2"]
};

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
        .map(|m| format!("{} bytes, ", crate::format::thousands(m.len())))
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
    compile(dir, "exec-gate", GATE, GATE_FLAGS)
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use super::*;
    use crate::probe::memory;

    fn gate() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let gate = build_gate(dir.path()).expect("the exec gate (needs cc)");
        (dir, gate)
    }

    /// The kernel's view of a process: its state letter and its RSS in KiB.
    fn state_and_rss(pid: u32) -> (char, u64) {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
        let state = memory::parse_stat(&stat).expect("a state").state;
        let rss = memory::read_process(pid as i32).rss.expect("RSS");
        (state, rss)
    }

    #[test]
    fn the_gate_waits_small_then_becomes_the_program_with_dev_null_as_stdin() {
        let (_dir, gate) = gate();
        let mut child = Command::new(&gate)
            .args(["/bin/sh", "-c", "readlink /proc/self/fd/0; echo \"$FOO\""])
            .env("FOO", "passed through")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the gate");
        let pid = child.id();
        let mut waiting = None;
        for _ in 0..1000 {
            let (state, rss) = state_and_rss(pid);
            if state == 'S' {
                waiting = Some(rss);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let rss = waiting.expect("the gate never went to sleep waiting for its byte");
        // Its address space is torn down by the exec, inside the timed interval: a static
        // glibc gate has ~700 KiB resident here, the freestanding one 16 KiB.
        if cfg!(target_arch = "x86_64") {
            assert!(rss <= 64, "the waiting gate has {rss} KiB resident");
        }
        let mut go = child.stdin.take().expect("stdin");
        go.write_all(b"g").expect("the go byte");
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{:?}", out.status);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "/dev/null\npassed through\n"
        );
    }

    #[test]
    fn the_gate_says_why_it_cannot_run_a_program_and_gives_up_without_its_byte() {
        let (_dir, gate) = gate();
        let mut child = Command::new(&gate)
            .arg("/nonexistent/program")
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the gate");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"g")
            .expect("the go byte");
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(127));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "cargo-aotcheck: cannot run /nonexistent/program: No such file or directory\n"
        );
        // End of file instead of the byte: the prober went away, nothing is run.
        let status = Command::new(&gate)
            .arg("/bin/true")
            .stdin(Stdio::null())
            .status()
            .expect("run the gate");
        assert_eq!(status.code(), Some(126));
    }
}
