//! The crash-site tracer: this same executable, started as
//! `cargo-aotcheck __aotcheck-crash-site OUT BINARY SIGNAL PROGRAM ARGS...`, runs PROGRAM (a
//! hostile run's command line: `setpriv`, `unshare`, `sh` or BINARY itself) under ptrace,
//! following every process it starts. When a process running BINARY gets SIGNAL (the one the
//! hostile run died of), it is looked at before the signal is delivered: the instruction
//! pointer and the words of its stack that point into BINARY's code, as file offsets of
//! BINARY, go to OUT as one JSON object ([`Capture`]); then the signal goes on and kills it.
//!
//! Why a process of its own, as the image stage's file-open tracer (`image/tracer.rs`, whose
//! exec gate this one shares): `waitpid` on every child of ours would reap children the
//! library's caller has (the integration tests run the tool in-process), and the hostile run's
//! own clean-up (timeout, the sweep of what it left) applies to the traced run unchanged.
//!
//! This is no unwinder: it keeps what one needs (the registers, the stack's words, the
//! executable mappings: [`Machine`]), and `unwind.rs` follows the frames by the files' call
//! frame information. Where that stops, the stack's words are read on: a word counts as a
//! return address when it points into BINARY's code right after a call instruction (checked
//! later, against the file, in `frames.rs`, which also drops most stale return addresses an
//! earlier call left in slots not yet overwritten).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

/// `argv[1]` that makes this executable the crash-site tracer.
pub const CRASH_ARG: &str = "__aotcheck-crash-site";

/// The tracer's exit status when it could not trace (its message is on stderr, after
/// `cargo-aotcheck: `).
pub const TRACER_FAILED: u8 = 125;

/// How much of the stack is read, from the stack pointer up (or to the end of its mapping).
pub const STACK_LIMIT: u64 = 256 * 1024;

/// What the tracer saw at the fatal signal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Capture {
    pub signal: i32,
    /// The instruction pointer as an offset in BINARY, when it was in BINARY's code.
    pub rip: Option<u64>,
    /// The file the instruction pointer was in otherwise (`/usr/lib/.../libnss_systemd.so.2`),
    /// or `None` for memory mapped from no file.
    pub rip_file: Option<String>,
    /// The stack's words that point into BINARY's code, innermost first, as offsets in BINARY.
    pub stack: Vec<u64>,
    /// The registers, the whole stack read and the mappings, for `unwind.rs`.
    #[serde(default)]
    pub machine: Option<Machine>,
}

/// A stopped process as the call frame information reads it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Machine {
    /// The registers by their DWARF numbers, 0 to 16 on x86-64: rax, rdx, rcx, rbx, rsi, rdi,
    /// rbp, rsp, r8 to r15, and the return address column, rip.
    pub regs: Vec<u64>,
    /// The stack's words from the stack pointer (`regs[7]`) up.
    pub words: Vec<u64>,
    /// The executable mappings of a file.
    pub code: Vec<Mapping>,
}

/// The hidden mode of the executable; `None` for any other command line.
pub fn hidden_main() -> Option<ExitCode> {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1)?.to_str()? != CRASH_ARG {
        return None;
    }
    Some(trace_main(&args[2..]))
}

fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "cargo-aotcheck: {msg}");
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
fn trace_main(_args: &[OsString]) -> ExitCode {
    say("finding a crash's site is implemented for x86_64 Linux only");
    ExitCode::from(TRACER_FAILED)
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn trace_main(args: &[OsString]) -> ExitCode {
    match linux::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            say(&e);
            ExitCode::from(TRACER_FAILED)
        }
    }
}

/// One line of `/proc/PID/maps`: `start-end perms offset dev inode path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub exec: bool,
    pub offset: u64,
    /// The file's inode (0 for memory mapped from no file).
    #[serde(default)]
    pub inode: u64,
    pub path: String,
}

pub fn parse_maps(text: &str) -> Vec<Mapping> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.splitn(6, ' ');
            let (range, perms, offset) = (f.next()?, f.next()?, f.next()?);
            let (_dev, inode) = (f.next()?, f.next()?);
            let path = f.next().unwrap_or("").trim_start().to_string();
            let (start, end) = range.split_once('-')?;
            Some(Mapping {
                start: u64::from_str_radix(start, 16).ok()?,
                end: u64::from_str_radix(end, 16).ok()?,
                exec: perms.as_bytes().get(2) == Some(&b'x'),
                offset: u64::from_str_radix(offset, 16).ok()?,
                inode: inode.parse().ok()?,
                path,
            })
        })
        .collect()
}

/// The offset in its file of address `a`, when one of the mappings `code` holds it.
pub fn offset_in<'a>(mut code: impl Iterator<Item = &'a Mapping>, a: u64) -> Option<u64> {
    code.find(|m| m.start <= a && a < m.end)
        .map(|m| a - m.start + m.offset)
}

/// The capture from the registers and the stack's words: `code` are BINARY's executable
/// mappings, `around` the mapping that holds the instruction pointer, if any.
pub fn capture(
    signal: i32,
    rip: u64,
    around: Option<&Mapping>,
    code: &[&Mapping],
    words: impl Iterator<Item = u64>,
) -> Capture {
    let offset_in = |a: u64| offset_in(code.iter().copied(), a);
    let rip_offset = offset_in(rip);
    Capture {
        signal,
        rip: rip_offset,
        rip_file: match (rip_offset, around) {
            (None, Some(m)) if m.path.starts_with('/') => Some(m.path.clone()),
            _ => None,
        },
        stack: words.filter_map(offset_in).collect(),
        machine: None,
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod linux {
    use std::ffi::OsString;
    use std::fs::File;
    use std::os::unix::fs::FileExt;
    use std::path::Path;

    use nix::errno::Errno;
    use nix::sys::ptrace::{self, Options};
    use nix::sys::signal::Signal;
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    use nix::unistd::Pid;

    use super::{Capture, Machine, Mapping, STACK_LIMIT, capture, parse_maps};
    use crate::image::tracer::start_seized;

    /// Trace `args[3..]`; write the capture to `args[0]` at the first `args[2]` (a signal
    /// number) that a process running `args[1]` gets. The program's exit status.
    pub fn run(args: &[OsString]) -> Result<u8, String> {
        let usage = "usage: __aotcheck-crash-site OUT BINARY SIGNAL PROGRAM [ARGS...]";
        let (Some(out), Some(binary), Some(signal), Some(program)) =
            (args.first(), args.get(1), args.get(2), args.get(3))
        else {
            return Err(usage.into());
        };
        let signal: i32 = signal
            .to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| usage.to_string())?;
        let binary = std::fs::canonicalize(binary)
            .map_err(|e| format!("cannot find {}: {e}", binary.to_string_lossy()))?;
        let (main, _) = start_seized(program, &args[4..], Options::empty())?;
        let mut done = false;
        loop {
            match waitpid(None, Some(WaitPidFlag::__WALL)) {
                Ok(WaitStatus::PtraceEvent(pid, _, _)) => {
                    let _ = ptrace::cont(pid, None);
                }
                Ok(WaitStatus::Stopped(pid, sig)) => {
                    if !done
                        && sig as i32 == signal
                        && let Some(c) = look(pid, sig, &binary)
                    {
                        done = true;
                        write(out, &c)?;
                    }
                    let _ = ptrace::cont(pid, Some(sig));
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

    fn write(out: &OsString, c: &Capture) -> Result<(), String> {
        let text = serde_json::to_string(c).map_err(|e| e.to_string())?;
        std::fs::write(out, text)
            .map_err(|e| format!("cannot write {}: {e}", out.to_string_lossy()))
    }

    /// The capture of `pid`, stopped before `sig` is delivered, if it runs `binary`.
    fn look(pid: Pid, sig: Signal, binary: &Path) -> Option<Capture> {
        let maps = parse_maps(&std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?);
        let name = binary.to_string_lossy();
        let code: Vec<&Mapping> = maps.iter().filter(|m| m.exec && m.path == name).collect();
        if code.is_empty() {
            return None;
        }
        let regs = ptrace::getregs(pid).ok()?;
        let around = maps
            .iter()
            .find(|m| m.start <= regs.rip && regs.rip < m.end);
        let stack_end = maps
            .iter()
            .find(|m| m.start <= regs.rsp && regs.rsp < m.end)
            .map_or(regs.rsp, |m| m.end)
            .min(regs.rsp.saturating_add(STACK_LIMIT));
        let words = read_words(pid, regs.rsp, stack_end);
        let mut c = capture(sig as i32, regs.rip, around, &code, words.iter().copied());
        let r = &regs;
        c.machine = Some(Machine {
            regs: vec![
                r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9, r.r10, r.r11,
                r.r12, r.r13, r.r14, r.r15, r.rip,
            ],
            words,
            code: maps
                .iter()
                .filter(|m| m.exec && m.path.starts_with('/'))
                .cloned()
                .collect(),
        });
        Some(c)
    }

    /// The 8-byte words of the tracee's memory in `[from, to)`: through `/proc/PID/mem`, else
    /// word by word with `PTRACE_PEEKDATA` (which only the tracer needs no permission for).
    fn read_words(pid: Pid, from: u64, to: u64) -> Vec<u64> {
        let len = to.saturating_sub(from) as usize & !7;
        let mut bytes = vec![0u8; len];
        let read = File::open(format!("/proc/{pid}/mem")).ok().and_then(|mem| {
            let mut got = 0;
            while got < len {
                match mem.read_at(&mut bytes[got..], from + got as u64) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got += n,
                }
            }
            (got > 0).then_some(got & !7)
        });
        match read {
            Some(n) => bytes[..n]
                .chunks_exact(8)
                .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
                .collect(),
            None => (from..from + len as u64)
                .step_by(8)
                .map_while(|a| ptrace::read(pid, a as ptrace::AddressType).ok())
                .map(|w| w as u64)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_lines_are_read() {
        let maps = parse_maps(
            "5555d000-5556e000 r-xp 00001000 08:01 123 /opt/app bin\n\
             7ffd0000-7ffd2000 rw-p 00000000 00:00 0                          [stack]\n\
             7f000000-7f001000 rw-p 00000000 00:00 0\n\
             garbage\n",
        );
        assert_eq!(maps.len(), 3);
        assert_eq!(
            maps[0],
            Mapping {
                start: 0x5555_d000,
                end: 0x5556_e000,
                exec: true,
                offset: 0x1000,
                inode: 123,
                path: "/opt/app bin".into()
            }
        );
        assert_eq!(maps[1].path, "[stack]");
        assert!(!maps[1].exec);
        assert_eq!(maps[2].path, "");
    }

    /// Words in the binary's code become file offsets, the rest are dropped; an instruction
    /// pointer elsewhere names the file it is in.
    #[test]
    fn a_capture_keeps_what_points_into_the_code() {
        let code = Mapping {
            start: 0x1000,
            end: 0x3000,
            exec: true,
            offset: 0x400,
            inode: 0,
            path: "/bin/app".into(),
        };
        let lib = Mapping {
            start: 0x9000,
            end: 0xa000,
            exec: true,
            offset: 0,
            inode: 0,
            path: "/lib/libnss_x.so.2".into(),
        };
        let c = capture(
            11,
            0x9010,
            Some(&lib),
            &[&code],
            [0x5, 0x1010, 0x3000, 0x2fff].into_iter(),
        );
        assert_eq!(c.rip, None);
        assert_eq!(c.rip_file.as_deref(), Some("/lib/libnss_x.so.2"));
        assert_eq!(c.stack, vec![0x410, 0x23ff]);
        let c = capture(11, 0x1800, Some(&code), &[&code], std::iter::empty());
        assert_eq!((c.rip, c.rip_file), (Some(0xc00), None));
    }
}
