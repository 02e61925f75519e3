//! The rounds of one probe group: every binary once per round (the spawn floor last), warmup
//! rounds first, so that drift of the machine hits every binary alike.

use std::path::Path;

use regex::Regex;

use super::Series;
use super::spawn::{self, RunResult, RunSpec};
use crate::error::Result;
use crate::options::Ready;
use crate::plan::ProbeSettings;
use crate::progress::Progress;

/// The rounds of one group: every series once per round, warmup rounds first.
pub(super) struct Rounds<'a> {
    pub opts: &'a ProbeSettings,
    pub gate: Option<&'a Path>,
    pub pattern: Option<&'a Regex>,
    /// The spawn floor's series, run in `exit` mode without arguments.
    pub floor_at: Option<usize>,
}

impl<'a> Rounds<'a> {
    pub fn run(&self, all: &mut [Series], progress: &mut dyn FnMut(&Progress)) -> Result<()> {
        let warmup = self.opts.warmup;
        let rounds = warmup + self.opts.runs;
        let mut done = 0u64;
        for round in 0..rounds {
            let order = self.order(all.len(), round);
            for (k, &j) in order.iter().enumerate() {
                if all[j].gave_up.is_some() {
                    continue;
                }
                // Ctrl-C between runs (every run before has been stopped and reaped), or
                // during one: that run was stopped for it, which is no failure of the program.
                crate::interrupt::check()?;
                let floor_run = Some(j) == self.floor_at;
                let (r, ready) = self.run_one(&all[j].path.clone(), floor_run);
                crate::interrupt::check()?;
                all[j].record(round + 1, round < warmup, r, ready, round + 1 < rounds);
                done += 1;
                let active = all.iter().filter(|x| x.gave_up.is_none()).count() as u64;
                let rest_of_round = order[k + 1..]
                    .iter()
                    .filter(|&&x| all[x].gave_up.is_none())
                    .count();
                progress(&Progress {
                    label: &all[j].label,
                    done,
                    total: done + rest_of_round as u64 + active * u64::from(rounds - round - 1),
                });
            }
        }
        Ok(())
    }

    /// The order of the series in `round`: the measured ones turned by one place a round, the
    /// floor last. In a fixed order the first place cost its binary (QA t, B1: advise's base,
    /// always first, read 0.02-0.2 ms slower than builds of the same code in 8 of 8 runs,
    /// where `hyperfine -N` saw no difference); turned, every series takes every place.
    fn order(&self, len: usize, round: u32) -> Vec<usize> {
        let measured = len - usize::from(self.floor_at.is_some());
        let mut order: Vec<usize> = (0..measured).collect();
        if measured > 0 {
            order.rotate_left(round as usize % measured);
        }
        order.extend(self.floor_at);
        order
    }

    /// One run, and the readiness it was judged by.
    fn run_one(&self, path: &Path, floor_run: bool) -> (RunResult, &'a Ready) {
        const EXIT: Ready = Ready::EXIT;
        let opts: &'a ProbeSettings = self.opts;
        let ready: &'a Ready = if floor_run { &EXIT } else { &opts.ready };
        let spec = RunSpec {
            program: path,
            gate: self.gate,
            args: if floor_run { &[] } else { &opts.args },
            env: if floor_run { &[] } else { &opts.env },
            env_remove: &[],
            ready,
            pattern: if floor_run { None } else { self.pattern },
            timeout: opts.timeout,
            grace: opts.grace,
            trace: false,
        };
        let r = match spawn::run_once(&spec) {
            // `exit` mode: the time from an untraced run, the memory from a traced one.
            Ok(timed) if spec.ready.is_exit() && !floor_run => Ok(with_memory(
                timed,
                spawn::run_once(&RunSpec {
                    trace: true,
                    ..spec
                }),
            )),
            other => other,
        };
        (r, ready)
    }
}

/// An untraced `exit`-mode run, with the memory of the traced run made right after it. What
/// the traced run left behind counts too: every process the probe had to kill is reported.
fn with_memory(mut timed: spawn::RunOk, traced: RunResult) -> spawn::RunOk {
    match traced {
        Ok(t) => {
            timed.memory = t.memory;
            timed.processes = t.processes;
            timed.unknown = t.unknown;
            // Made right after the timed run, under the same load.
            timed.cpu_wait = t.cpu_wait;
            timed.stop.absorb(t.stop);
        }
        Err(f) => {
            let f = *f;
            timed.unknown.push((
                "memory_kib",
                format!("the traced run that reads memory failed: {}", f.told()),
            ));
            timed.stop.absorb(f.stop);
        }
    }
    timed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rounds(floor_at: Option<usize>) -> Rounds<'static> {
        static OPTS: std::sync::LazyLock<ProbeSettings> =
            std::sync::LazyLock::new(ProbeSettings::default);
        Rounds {
            opts: &OPTS,
            gate: None,
            pattern: None,
            floor_at,
        }
    }

    /// QA t, B1: the first binary of every round read slower. Over as many rounds as there
    /// are binaries, each runs first once, and in each position once; the floor stays last.
    #[test]
    fn each_binary_takes_each_place_in_turn_and_the_floor_stays_last() {
        let r = rounds(Some(3));
        let orders: Vec<Vec<usize>> = (0..3).map(|round| r.order(4, round)).collect();
        assert_eq!(orders, [[0, 1, 2, 3], [1, 2, 0, 3], [2, 0, 1, 3]]);
        for place in 0..3 {
            let mut seen: Vec<usize> = orders.iter().map(|o| o[place]).collect();
            seen.sort_unstable();
            assert_eq!(seen, [0, 1, 2], "place {place}");
        }
        assert_eq!(r.order(4, 3), r.order(4, 0));
        // Without a floor every series turns; a lone one and none are fine.
        assert_eq!(rounds(None).order(2, 1), [1, 0]);
        assert_eq!(rounds(None).order(1, 7), [0]);
        assert_eq!(rounds(Some(0)).order(1, 5), [0]);
        assert!(rounds(None).order(0, 2).is_empty());
    }

    /// QA dg F2: the memory line of a start whose traced run failed for want of a terminal
    /// said "pass --ready exit:1", beside failed runs told that no terminal was found.
    #[test]
    fn a_traced_run_without_a_terminal_is_told_so_not_an_exit_status() {
        let fail = spawn::RunFail {
            kind: "exit-status",
            message: format!(
                "exited with status 1 {}{}1",
                spawn::FAILED_RUN_NOTE,
                spawn::OTHER_STATUS
            ),
            exit_code: Some(1),
            signal: None,
            core_dumped: false,
            stdout_tail: String::new(),
            stderr_tail: "Error: No such device or address (os error 6)\n".into(),
            stop: Default::default(),
            answer: None,
        };
        let ok = with_memory(spawn::RunOk::default(), Err(Box::new(fail)));
        let (key, why) = &ok.unknown[0];
        assert_eq!(*key, "memory_kib");
        assert!(
            why.ends_with(spawn::NO_TTY) && !why.contains("exit:1"),
            "{why}"
        );
    }
}
