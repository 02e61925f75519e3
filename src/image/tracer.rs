//! The file-open tracer: this same executable, started as
//! `cargo-aotcheck __aotcheck-trace-opens OUT PROGRAM ARGS...`, runs PROGRAM under ptrace and
//! writes one JSON line to OUT for each `open`, `openat`, `openat2`, `execve` and `execveat` it
//! (or any process it starts) makes, each lookup of a path without opening it (`stat`,
//! `lstat`, `newfstatat`, `statx`, `access`, `faccessat`, `faccessat2`, `readlink`,
//! `readlinkat`: what `Path::exists`, `fs::metadata` and `fs::canonicalize` do), and each
//! directory it makes (`mkdir`, `mkdirat`): the path, made absolute, and the error, if any.
//!
//! Why a process of its own: the startup probe (`probe::run_once`) starts, readies and stops
//! the program; started through the tracer, the traced run gets the probe's readiness,
//! arguments, environment, timeout and clean-up unchanged. No `LD_PRELOAD`: it cannot see into
//! a static binary. No code between `fork` and `exec`: the tracer starts PROGRAM through a
//! gate (this executable again, `__aotcheck-exec-on-byte`) that waits for one byte on stdin,
//! attaches (`PTRACE_SEIZE`) while it waits, and then lets it `exec`; tracing starts at the
//! exec, so nothing PROGRAM does is missed.
//!
//! Lines are written as they come, so that a run stopped by the probe's SIGTERM leaves every
//! open before it on disk. The tracer exits with PROGRAM's status (128 + signal when killed).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

/// `argv[1]` that makes this executable the tracer.
pub const TRACER_ARG: &str = "__aotcheck-trace-opens";
/// `argv[1]` that makes this executable the exec gate.
pub const GATE_ARG: &str = "__aotcheck-exec-on-byte";

/// One traced call.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    pub pid: i32,
    /// `open` (any of the three), `write` (an open that makes output: see `writes`), `exec`,
    /// `lookup` (a path looked up, not opened: the `stat` family, `access`, `readlink`),
    /// `create` (a directory made), or `remove` (a file or directory unlinked, or renamed).
    pub call: String,
    pub path: String,
    /// 0 when the call succeeded, else the errno (2: ENOENT).
    pub errno: i32,
}

/// Whether this build can trace (x86_64 Linux with glibc's ptrace interface); `Err` says why not.
pub fn supported() -> Result<(), String> {
    if cfg!(all(
        target_arch = "x86_64",
        target_os = "linux",
        target_env = "gnu"
    )) {
        Ok(())
    } else {
        Err("tracing file opens is implemented for x86_64 Linux only".into())
    }
}

/// The hidden modes of the executable; `None` for an ordinary command line.
pub fn hidden_main() -> Option<ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let mode = args.get(1)?.to_str()?;
    match mode {
        GATE_ARG => Some(gate(&args[2..])),
        TRACER_ARG => Some(trace_main(&args[2..])),
        _ => None,
    }
}

fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "cargo-aotcheck: {msg}");
}

/// Wait for one byte on stdin, then become `args[0]` with stdin on /dev/null.
fn gate(args: &[OsString]) -> ExitCode {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let Some(program) = args.first() else {
        return ExitCode::from(126);
    };
    let mut byte = [0u8; 1];
    if !matches!(std::io::stdin().read(&mut byte), Ok(1)) {
        return ExitCode::from(126);
    }
    let e = std::process::Command::new(program)
        .args(&args[1..])
        .stdin(std::process::Stdio::null())
        .exec();
    say(&format!("cannot run {}: {e}", program.to_string_lossy()));
    ExitCode::from(127)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
fn trace_main(_args: &[OsString]) -> ExitCode {
    say("tracing file opens is implemented for x86_64 Linux only");
    ExitCode::from(125)
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn trace_main(args: &[OsString]) -> ExitCode {
    match linux::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            say(&e);
            ExitCode::from(125)
        }
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
pub(crate) use linux::start_seized;

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod linux {
    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::fs::File;
    use std::io::Write;
    use std::os::unix::fs::FileExt;
    use std::process::{Command, Stdio};

    use nix::errno::Errno;
    use nix::sys::ptrace::{self, Options};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::Pid;

    use super::{GATE_ARG, Record};

    const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
    const AT_FDCWD: i32 = -100;
    // x86-64 syscall numbers (asm/unistd_64.h).
    const SYS_OPEN: u64 = 2;
    const SYS_STAT: u64 = 4;
    const SYS_LSTAT: u64 = 6;
    const SYS_ACCESS: u64 = 21;
    const SYS_EXECVE: u64 = 59;
    const SYS_RENAME: u64 = 82;
    const SYS_MKDIR: u64 = 83;
    const SYS_RMDIR: u64 = 84;
    const SYS_UNLINK: u64 = 87;
    const SYS_READLINK: u64 = 89;
    const SYS_OPENAT: u64 = 257;
    const SYS_MKDIRAT: u64 = 258;
    const SYS_NEWFSTATAT: u64 = 262;
    const SYS_UNLINKAT: u64 = 263;
    const SYS_RENAMEAT: u64 = 264;
    const SYS_READLINKAT: u64 = 267;
    const SYS_FACCESSAT: u64 = 269;
    const SYS_EXECVEAT: u64 = 322;
    const SYS_RENAMEAT2: u64 = 316;
    const SYS_STATX: u64 = 332;
    const SYS_OPENAT2: u64 = 437;
    const SYS_FACCESSAT2: u64 = 439;

    /// Start `program` with `args` through the exec gate (this executable as [`GATE_ARG`]),
    /// seized with `options` and every new process, exec and exit followed, while the gate
    /// waits; then let it exec. The program's pid, and this executable's path. Shared with
    /// the crash-site tracer (`hostile/tracer.rs`).
    pub fn start_seized(
        program: &OsString,
        args: &[OsString],
        options: Options,
    ) -> Result<(Pid, std::path::PathBuf), String> {
        let me = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
        let mut child = Command::new(&me)
            .arg(GATE_ARG)
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.to_string_lossy()))?;
        let main = Pid::from_raw(child.id() as i32);
        let options = options
            | Options::PTRACE_O_TRACEEXEC
            | Options::PTRACE_O_TRACECLONE
            | Options::PTRACE_O_TRACEFORK
            | Options::PTRACE_O_TRACEVFORK
            | Options::PTRACE_O_EXITKILL;
        let seized = ptrace::seize(main, options);
        // Go: the gate execs the program, and the exec stop starts the tracing.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(b"g");
        }
        drop(child);
        seized.map_err(|e| format!("cannot trace (ptrace: {e})"))?;
        Ok((main, me))
    }

    /// Trace `args[1..]`, writing records to `args[0]`; the program's exit status.
    pub fn run(args: &[OsString]) -> Result<u8, String> {
        let (Some(out), Some(program)) = (args.first(), args.get(1)) else {
            return Err("usage: __aotcheck-trace-opens OUT PROGRAM [ARGS...]".into());
        };
        let mut out = File::create(out)
            .map_err(|e| format!("cannot write {}: {e}", out.to_string_lossy()))?;
        let (main, me) = start_seized(program, &args[2..], Options::PTRACE_O_TRACESYSGOOD)?;
        let gate = std::fs::canonicalize(&me).ok();
        let mut pending: HashMap<Pid, (&'static str, String)> = HashMap::new();
        // Syscalls are traced from the gate's exec of the program on. The seize may also
        // catch the end of the gate's own exec (spawn returns as soon as it is past the point
        // of no return): that one is recognised by its executable, and let go.
        let mut tracing = false;
        let resume = |pid: Pid, tracing: bool, sig: Option<nix::sys::signal::Signal>| {
            let _ = if tracing {
                ptrace::syscall(pid, sig)
            } else {
                ptrace::cont(pid, sig)
            };
        };
        loop {
            match waitpid(None, Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::PtraceSyscall(pid)) => {
                    on_syscall(pid, &mut pending, &mut out);
                    resume(pid, true, None);
                }
                Ok(WaitStatus::PtraceEvent(pid, _, event)) => {
                    if !tracing && pid == main && event == libc::PTRACE_EVENT_EXEC {
                        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
                        tracing = exe.is_none() || exe != gate;
                    }
                    resume(pid, tracing || pid != main, None);
                }
                Ok(WaitStatus::Stopped(pid, sig)) => {
                    resume(pid, tracing || pid != main, Some(sig));
                }
                Ok(WaitStatus::Exited(pid, code)) if pid == main => return Ok(code as u8),
                Ok(WaitStatus::Signaled(pid, sig, _)) if pid == main => {
                    return Ok(128u8.saturating_add(sig as u8));
                }
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(format!("waiting for the program: {e}")),
            }
        }
    }

    /// The kind of call, its directory (`AT_FDCWD` or a descriptor) and the address of its
    /// path argument: the first argument (`rdi`) of the calls relative to the working
    /// directory, the second (`rsi`) of the `*at` calls, whose first is the directory.
    fn path_call(regs: &libc::user_regs_struct) -> Option<(&'static str, i32, u64)> {
        Some(match regs.orig_rax {
            SYS_OPEN => ("open", AT_FDCWD, regs.rdi),
            SYS_OPENAT | SYS_OPENAT2 => ("open", regs.rdi as i32, regs.rsi),
            SYS_EXECVE => ("exec", AT_FDCWD, regs.rdi),
            SYS_EXECVEAT => ("exec", regs.rdi as i32, regs.rsi),
            SYS_MKDIR => ("create", AT_FDCWD, regs.rdi),
            SYS_MKDIRAT => ("create", regs.rdi as i32, regs.rsi),
            // A file or directory taken away or renamed (its old name): the directory changed,
            // as by a `create` (QA dr F5: mdbook's removal of its last output, denied, was not
            // seen, and the advice was the one for missing files).
            SYS_UNLINK | SYS_RMDIR | SYS_RENAME => ("remove", AT_FDCWD, regs.rdi),
            SYS_UNLINKAT | SYS_RENAMEAT | SYS_RENAMEAT2 => ("remove", regs.rdi as i32, regs.rsi),
            SYS_STAT | SYS_LSTAT | SYS_ACCESS | SYS_READLINK => ("lookup", AT_FDCWD, regs.rdi),
            SYS_NEWFSTATAT | SYS_STATX | SYS_FACCESSAT | SYS_FACCESSAT2 | SYS_READLINKAT => {
                ("lookup", regs.rdi as i32, regs.rsi)
            }
            _ => return None,
        })
    }

    /// At a syscall entry, remember the path of an open, exec or lookup; at its exit, write it
    /// down.
    fn on_syscall(pid: Pid, pending: &mut HashMap<Pid, (&'static str, String)>, out: &mut File) {
        let Ok(info) = ptrace::syscall_info(pid) else {
            return;
        };
        if info.arch != AUDIT_ARCH_X86_64 {
            return;
        }
        let Ok(regs) = ptrace::getregs(pid) else {
            return;
        };
        match info.op {
            libc::PTRACE_SYSCALL_INFO_ENTRY => {
                let Some((call, dirfd, addr)) = path_call(&regs) else {
                    return;
                };
                match read_path(pid, addr) {
                    // `fstat` of a descriptor (`AT_EMPTY_PATH`) or `statx(fd, NULL)`: no path
                    // was looked for.
                    Some(path) if path.is_empty() && call == "lookup" => {}
                    Some(path) => {
                        let path = absolute(pid, dirfd, path);
                        let call = match open_flags(pid, &regs) {
                            Some(flags) if writes(flags, &path) => "write",
                            _ => call,
                        };
                        pending.insert(pid, (call, path));
                    }
                    None => {}
                }
            }
            libc::PTRACE_SYSCALL_INFO_EXIT => {
                let Some((call, path)) = pending.remove(&pid) else {
                    return;
                };
                let ret = regs.rax as i64;
                let record = Record {
                    pid: pid.as_raw(),
                    call: call.into(),
                    path,
                    errno: if ret < 0 { (-ret) as i32 } else { 0 },
                };
                if let Ok(mut line) = serde_json::to_vec(&record) {
                    line.push(b'\n');
                    let _ = out.write_all(&line);
                }
            }
            _ => {}
        }
    }

    /// A NUL-terminated string of the tracee, read from `/proc/PID/mem` (at most 4 KiB).
    fn read_path(pid: Pid, addr: u64) -> Option<String> {
        let mem = File::open(format!("/proc/{pid}/mem")).ok()?;
        let mut out = Vec::new();
        let mut at = addr;
        let mut buf = [0u8; 256];
        while out.len() < 4096 {
            // Never across a page boundary: the next page may not be mapped.
            let room = (4096 - at % 4096) as usize;
            let want = room.min(buf.len());
            let n = mem.read_at(&mut buf[..want], at).ok()?;
            if n == 0 {
                return None;
            }
            if let Some(end) = buf[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..end]);
                return Some(String::from_utf8_lossy(&out).into_owned());
            }
            out.extend_from_slice(&buf[..n]);
            at += n as u64;
        }
        None
    }

    /// A relative path against the directory it is relative to (the cwd or `dirfd`).
    fn absolute(pid: Pid, dirfd: i32, path: String) -> String {
        if path.starts_with('/') {
            return without_dots(&path);
        }
        let base = if dirfd == AT_FDCWD {
            format!("/proc/{pid}/cwd")
        } else {
            format!("/proc/{pid}/fd/{dirfd}")
        };
        match std::fs::read_link(base) {
            Ok(dir) if path.is_empty() => dir.display().to_string(),
            Ok(dir) => without_dots(&dir.join(path).display().to_string()),
            Err(_) => path,
        }
    }

    /// `path` without its `.` components (QA as F3: `book/src/./chapter_1.md`); `..` stays,
    /// as a link before it decides where it leads.
    fn without_dots(path: &str) -> String {
        let p: std::path::PathBuf = std::path::Path::new(path).components().collect();
        p.display().to_string()
    }

    /// Whether an open with `flags` makes output, not reads input: write-only, truncating, or
    /// creating a file that is not there yet (QA as F3: `mdbook build`'s book was listed as
    /// files the image lacks).
    fn writes(flags: u64, path: &str) -> bool {
        let flags = flags as i32;
        (flags & libc::O_ACCMODE) == libc::O_WRONLY
            || flags & libc::O_TRUNC != 0
            || (flags & libc::O_CREAT != 0 && std::fs::symlink_metadata(path).is_err())
    }

    /// The flags of an open: a register, or (`openat2`) the first field of its `open_how`.
    fn open_flags(pid: Pid, regs: &libc::user_regs_struct) -> Option<u64> {
        match regs.orig_rax {
            SYS_OPEN => Some(regs.rsi),
            SYS_OPENAT => Some(regs.rdx),
            SYS_OPENAT2 => {
                let mem = File::open(format!("/proc/{pid}/mem")).ok()?;
                let mut how = [0u8; 8];
                mem.read_exact_at(&mut how, regs.rdx).ok()?;
                Some(u64::from_ne_bytes(how))
            }
            _ => None,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// QA as F3: `File::create` of the book `mdbook build` writes is output; a file read,
        /// or opened to read and write where it is already there, is input.
        #[test]
        fn opens_that_make_output() {
            let dir = tempfile::tempdir().expect("tempdir");
            let there = dir.path().join("db");
            std::fs::write(&there, "x").expect("write");
            let there = there.display().to_string();
            let new = dir.path().join("new.html").display().to_string();
            let flags = |f: i32| f as u64;
            assert!(writes(
                flags(libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC),
                &there
            ));
            assert!(writes(flags(libc::O_RDWR | libc::O_CREAT), &new));
            assert!(!writes(flags(libc::O_RDWR | libc::O_CREAT), &there));
            assert!(!writes(flags(libc::O_RDONLY | libc::O_CLOEXEC), &there));
            assert!(!writes(flags(libc::O_RDONLY), &new));
        }

        #[test]
        fn dot_components_are_dropped() {
            assert_eq!(without_dots("/b/src/./ch.md"), "/b/src/ch.md");
            assert_eq!(without_dots("/b/./src/../x"), "/b/src/../x");
            assert_eq!(without_dots("/"), "/");
        }
    }
}
