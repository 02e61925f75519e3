//! A static build and its dynamic build (the same package and binary): what is compared, run
//! beside and judged against one another.

use super::{Artifact, LinkMode, Report};

impl Report {
    /// Whether artifact `a` is a static build whose probe had no run that got ready while its
    /// dynamic build (the same package and binary), probed with the same arguments, got
    /// ready: the static build fails alone, which is a verdict on it (`fail`, exit code 1),
    /// not a run that could not do its job (QA ax F5: lsd's static build crashed on a file of
    /// an unknown owner, `--hostile` showed why, and the run exited 2).
    pub fn fails_alone(&self, a: &Artifact) -> bool {
        let ready = |x: &Artifact| x.probe.as_ref().map(|p| p.runs > 0);
        ready(a) == Some(false) && self.dynamic_twin(a).is_some_and(|d| ready(d) == Some(true))
    }

    /// Whether `a`'s probe fails it ([`Report::fails_alone`], [`Report::crashed_in_probe`]):
    /// a verdict on the binary (exit code 1), where a probe with no run that got ready for
    /// another cause is a run that could not do its job (exit code 2).
    pub fn fails_probe(&self, a: &Artifact) -> bool {
        self.fails_alone(a) || Self::crashed_in_probe(a)
    }

    /// The dynamic build of `a` (the same package and binary): what a static build is compared
    /// with, and run beside under `--hostile`.
    pub fn dynamic_of(&self, a: &Artifact) -> Option<&Artifact> {
        self.artifacts.iter().find(|d| {
            d.link_mode == Some(LinkMode::Dynamic) && d.package == a.package && d.name == a.name
        })
    }

    /// The probed dynamic build of the static build `a` ([`Report::dynamic_of`]).
    pub fn dynamic_twin(&self, a: &Artifact) -> Option<&Artifact> {
        let twin = self.dynamic_of(a).filter(|d| d.probe.is_some());
        twin.filter(|_| a.link_mode == Some(LinkMode::Static))
    }

    /// Whether `a` crashed in some probe runs ([`Probe::crashes`](super::Probe::crashes)), got it ready in others or
    /// not: a `fail`, as a crash is no slow start (QA cn F1: procs's static build crashed in
    /// 10 of 23 runs, its dynamic build in none, and the gate passed), nor a run that could
    /// not do its job (QA cp F4: one that crashed in every run exited 2, "inconclusive").
    pub fn crashed_in_probe(a: &Artifact) -> bool {
        a.probe.as_ref().is_some_and(|p| !p.crashes().is_empty())
    }
}
