//! One helper thread per run drains the program's stdout and stderr (a full pipe must never
//! stall it), keeps the tail of each for error messages, reports the first line that matches
//! the `line:` readiness pattern, and in `exit` mode doubles as the timeout watchdog.
//!
//! A line ends with `\n`, or with the end of the output: when the program exits or closes the
//! stream, an unterminated last line that matches counts, ready at the moment it was read. While
//! the stream stays open such a tail may still grow, so it does not count yet; it is kept in
//! [`Helper::pending`] (for a program that exited while a child holds its pipes, and for the
//! message at the timeout).
//!
//! The pipes are made and the thread is started, already polling them, *before* the program is
//! spawned: neither creating the pipes, nor the thread, nor waking it is part of the timed
//! interval (they cost ~70 us per run on a busy 2-CPU VM when they were).

use std::io::Read;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use regex::Regex;

/// Bytes of each stream kept for error messages.
pub const TAIL_BYTES: usize = 4096;
/// A line longer than this is matched on its first bytes only.
const MAX_LINE: usize = 64 * 1024;

pub struct Job {
    pub stdout: std::io::PipeReader,
    pub stderr: std::io::PipeReader,
    pub pattern: Option<Regex>,
    /// `exit` mode: a watchdog will be armed (see [`Helper::arm`]).
    pub watch: bool,
}

pub enum Event {
    /// A line matched the pattern; the instant is taken right after the read returned it.
    Line(Instant),
    /// Both streams reached end of file; their tails.
    Done { stdout: String, stderr: String },
}

/// The watchdog's target: SIGKILL this process group at this instant unless cancelled.
type Watch = Arc<Mutex<Option<(Instant, Pid)>>>;

pub struct Helper {
    /// Read through [`Helper::recv`], which keeps the tails of the `Done` it hands out.
    events: Receiver<Event>,
    /// The tails of a `Done` already received (by the readiness check in `line:` mode, when
    /// the program closed its output before it was ready), for [`Helper::tails`].
    received: Mutex<Option<(String, String)>>,
    watch: Watch,
    /// Set by the run when the program ended in time: the watchdog must not fire.
    pub cancel: Arc<AtomicBool>,
    /// Set by the watchdog when it killed the program.
    pub fired: Arc<AtomicBool>,
    /// The thread's id, sent once it is about to poll (the run waits until it sleeps there).
    pub thread: Option<Pid>,
    /// When the output so far ends with an unterminated line that matches: the moment it was
    /// read. Cleared once a line matched (then `Event::Line` says so) or the tail stops matching.
    pending: Pending,
}

type Pending = Arc<Mutex<Option<Instant>>>;

impl Helper {
    /// Start draining the read ends of the pipes the program will get. Called before the
    /// program is spawned, so that neither creating the thread nor waking it is timed.
    pub fn start(job: Job) -> Helper {
        // Bounded: its buffer is allocated here, not on the first send (at most a `Line` and
        // a `Done` are ever sent).
        let (ev_tx, ev_rx) = mpsc::sync_channel(2);
        let cancel = Arc::new(AtomicBool::new(false));
        let fired = Arc::new(AtomicBool::new(false));
        let watch: Watch = Arc::new(Mutex::new(None));
        let pending: Pending = Arc::new(Mutex::new(None));
        let (c, f, w) = (cancel.clone(), fired.clone(), watch.clone());
        let shared = Shared {
            cancel: c,
            fired: f,
            pending: pending.clone(),
        };
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        std::thread::spawn(move || run(job, &ev_tx, &w, &shared, &ready_tx));
        Helper {
            events: ev_rx,
            watch,
            cancel,
            fired,
            thread: ready_rx.recv().ok(),
            pending,
            received: Mutex::new(None),
        }
    }

    /// The next event within `wait`. The tails of a `Done` are kept for [`Helper::tails`]
    /// (the run's failure reports them): the caller needs only to know the streams closed.
    pub fn recv(&self, wait: Duration) -> Result<Event, RecvTimeoutError> {
        let e = self.events.recv_timeout(wait)?;
        if let Event::Done { stdout, stderr } = &e
            && let Ok(mut r) = self.received.lock()
        {
            *r = Some((stdout.clone(), stderr.clone()));
        }
        Ok(e)
    }

    /// The moment an unterminated last line that matches was read, if the output so far ends
    /// with one (see the module's doc).
    pub fn pending(&self) -> Option<Instant> {
        self.pending.lock().ok().and_then(|g| *g)
    }

    /// Arm the watchdog once the program's pid (= its process group) is known.
    pub fn arm(&self, deadline: Instant, pgid: Pid) {
        if let Ok(mut w) = self.watch.lock() {
            *w = Some((deadline, pgid));
        }
    }

    /// The tails, once both streams are closed; empty after `wait` (something outside our
    /// reach still holds the pipes: the thread is left to finish on its own).
    pub fn tails(&self, wait: Duration) -> (String, String) {
        if let Some(t) = self.received.lock().ok().and_then(|mut r| r.take()) {
            return t;
        }
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Done { stdout, stderr }) => return (stdout, stderr),
                Ok(Event::Line(_)) => continue,
                Err(_) => return (String::new(), String::new()),
            }
        }
    }
}

/// What the drain thread shares with the run besides its events.
struct Shared {
    cancel: Arc<AtomicBool>,
    fired: Arc<AtomicBool>,
    pending: Pending,
}

struct Stream<R> {
    reader: R,
    open: bool,
    tail: Vec<u8>,
    line: Vec<u8>,
    /// The read that last added to `line` while it had no newline yet.
    line_read_at: Option<Instant>,
}

impl<R: Read> Stream<R> {
    fn new(reader: R) -> Self {
        Stream {
            reader,
            open: true,
            tail: Vec::with_capacity(2 * TAIL_BYTES),
            line: Vec::with_capacity(256),
            line_read_at: None,
        }
    }

    /// Read what is there; the moment a line that matched `pattern` was read: a complete line
    /// now, or at end of file the unterminated last one, when it was read.
    fn pump(&mut self, buf: &mut [u8], pattern: Option<&Regex>) -> Option<Instant> {
        let n = match self.reader.read(buf) {
            Ok(0) | Err(_) => {
                self.open = false;
                // A last line without a newline still counts, as of when it was read.
                let at = self.line_read_at.take();
                return at.filter(|_| pattern.is_some_and(|p| self.take_line(p)));
            }
            Ok(n) => n,
        };
        let now = Instant::now();
        let data = &buf[..n];
        self.tail.extend_from_slice(data);
        if self.tail.len() > 2 * TAIL_BYTES {
            self.tail.drain(..self.tail.len() - TAIL_BYTES);
        }
        let p = pattern?;
        let mut matched = false;
        for chunk in data.split_inclusive(|&b| b == b'\n') {
            if self.line.len() < MAX_LINE {
                let room = MAX_LINE - self.line.len();
                self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            if chunk.ends_with(b"\n") && !matched {
                matched = self.take_line(p);
            } else if chunk.ends_with(b"\n") {
                self.line.clear();
            }
        }
        self.line_read_at = (!self.line.is_empty()).then_some(now);
        matched.then_some(now)
    }

    /// The moment the unterminated line read so far was read, if it matches `p`.
    fn tail_match(&self, p: &Regex) -> Option<Instant> {
        let at = self.line_read_at?;
        p.is_match(&String::from_utf8_lossy(&self.line))
            .then_some(at)
    }

    fn take_line(&mut self, p: &Regex) -> bool {
        let line = String::from_utf8_lossy(&self.line);
        let hit = p.is_match(line.trim_end_matches(['\n', '\r']));
        self.line.clear();
        hit
    }

    /// The last bytes read, as the report may quote them: without terminal escapes.
    fn tail_text(&self) -> String {
        let start = self.tail.len().saturating_sub(TAIL_BYTES);
        crate::format::program_text(&String::from_utf8_lossy(&self.tail[start..]))
    }
}

fn armed(w: &Watch) -> Option<(Instant, Pid)> {
    w.lock().ok().and_then(|g| *g)
}

fn run(job: Job, events: &SyncSender<Event>, w: &Watch, shared: &Shared, ready: &SyncSender<Pid>) {
    let (cancel, fired) = (&*shared.cancel, &*shared.fired);
    let mut out = Stream::new(job.stdout);
    let mut err = Stream::new(job.stderr);
    // Everything the first matching line needs is made ready before the program starts, so
    // that none of it lands in the timed interval: the buffer's pages (calloc may hand out
    // untouched ones), and the regex's search cache, which every clone builds on first use
    // (~6 us measured).
    let mut buf = vec![0u8; 64 * 1024];
    for page in buf.chunks_mut(4096) {
        page[0] = 1;
    }
    std::hint::black_box(&mut buf);
    let mut pattern = job.pattern;
    if let Some(p) = &pattern {
        std::hint::black_box(p.is_match("warm up the search cache"));
    }
    let _ = ready.send(nix::unistd::gettid());
    // Wake at least every 50 ms while a watchdog may fire, to check the clock.
    let tick = Duration::from_millis(50);
    while out.open || err.open {
        let timeout = if !job.watch || cancel.load(Ordering::Acquire) {
            PollTimeout::NONE
        } else {
            let left = armed(w).map_or(tick, |(d, _)| d.saturating_duration_since(Instant::now()));
            PollTimeout::try_from(left.min(tick)).unwrap_or(PollTimeout::MAX)
        };
        let (ro, re) = {
            let mut fds = Vec::with_capacity(2);
            if out.open {
                fds.push(PollFd::new(out.reader.as_fd(), PollFlags::POLLIN));
            }
            if err.open {
                fds.push(PollFd::new(err.reader.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => break,
            }
            let ready = |f: &PollFd| f.revents().is_some_and(|r| !r.is_empty());
            let mut it = fds.iter();
            let ro = out.open && it.next().is_some_and(ready);
            let re = err.open && it.next().is_some_and(ready);
            (ro, re)
        };
        watchdog(armed(w), cancel, fired);
        let mut matched = None;
        if ro {
            matched = matched.or(out.pump(&mut buf, pattern.as_ref()));
        }
        if re {
            matched = matched.or(err.pump(&mut buf, pattern.as_ref()));
        }
        if let Some(at) = matched {
            let _ = events.send(Event::Line(at));
            // Only the first match matters; the rest is drained without matching.
            pattern = None;
        }
        if let (Some(p), Ok(mut g)) = (&pattern, shared.pending.lock()) {
            *g = [out.tail_match(p), err.tail_match(p)]
                .into_iter()
                .flatten()
                .min();
        } else if let Ok(mut g) = shared.pending.lock() {
            *g = None;
        }
    }
    let _ = events.send(Event::Done {
        stdout: out.tail_text(),
        stderr: err.tail_text(),
    });
    // The program may outlive its pipes (it closed them): keep watching the clock.
    while job.watch && !cancel.load(Ordering::Acquire) && !fired.load(Ordering::Acquire) {
        let left = armed(w).map_or(tick, |(d, _)| d.saturating_duration_since(Instant::now()));
        std::thread::sleep(left.min(Duration::from_millis(20)));
        watchdog(armed(w), cancel, fired);
    }
}

/// Kill the armed program's group at its deadline, or at once on Ctrl-C (an `exit`-mode
/// program runs in a group of its own, out of reach of the terminal's SIGINT).
fn watchdog(w: Option<(Instant, Pid)>, cancel: &AtomicBool, fired: &AtomicBool) {
    if let Some((deadline, pgid)) = w
        && (Instant::now() >= deadline || crate::interrupt::requested())
        && !cancel.load(Ordering::Acquire)
        && !fired.swap(true, Ordering::AcqRel)
    {
        let _ = killpg(pgid, Signal::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_reads_and_tails() {
        let p = Regex::new("^ready on [0-9]+$").expect("re");
        let mut s = Stream::new(&b"noise\nready on 80"[..]);
        let mut buf = [0u8; 8];
        let mut hits = Vec::new();
        let mut end_of_file = None;
        while s.open {
            let before = Instant::now();
            hits.extend(s.pump(&mut buf, Some(&p)));
            if !s.open {
                end_of_file = Some(before);
            }
        }
        assert_eq!(hits.len(), 1, "the unterminated last line counts at EOF");
        // As of the read that brought its last bytes, before the read that found end of file.
        assert!(
            end_of_file.is_some_and(|t| hits[0] < t),
            "{hits:?} {end_of_file:?}"
        );
        assert_eq!(s.tail_text(), "noise\nready on 80");
    }
}
