//! Who calls a piece, and chains that pass where a finding says the code is: through a
//! crate's own symbols, or through a caller whose code may hold a crate's, inlined.

use super::{Graph, dom};
use crate::report::Step;

/// How many pieces [`Graph::calling_crates`] walks back at most: glibc's own callers of a
/// lookup are a few dozen; past that the walk is in the C library's innards.
const CALLERS_WALK: usize = 4096;

/// A caller: its crate, its symbol, and the crate its code was made for when it is generic
/// code instantiated in another ([`Graph::callers_made_for`]).
pub type MadeFor = (String, String, Option<String>);

/// How many functions of the C library (or std) deep [`Graph::reached_through`] looks back
/// from a function for the one a crate's code calls.
const THROUGH_LEVELS: usize = 4;

/// How many functions [`Graph::reached_through`] looks at, at most.
const THROUGH_PIECES: usize = 512;

impl Graph {
    /// The shortest chain from a root to `v` that passes through a symbol of crate `krate`
    /// (the crate a finding blames), when one of its reachable symbols leads to `v`. The
    /// nearest chain to `v` may come through another crate (procs: `getpwuid_r` by dirs-sys,
    /// while the finding is uzers'); this one shows what the blamed crate does.
    pub fn reach_through(&self, v: u32, krate: &str) -> Option<Vec<Step>> {
        let k = self.group_named(krate)?;
        let of = |u: u32| self.group.get(u as usize) == Some(&k);
        if of(v) {
            return None;
        }
        self.reach_via(v, |u| of(u) && self.symbol.get(u as usize) == Some(&true))
    }

    /// The shortest chain from a root to `v` whose last step before it (past code of no
    /// crate, of the C runtimes and of the crates `through`) is a symbol of a crate that
    /// `may_hold` accepts. A crate without code of its own in the binary (inlined under LTO)
    /// makes its calls from its callers' functions: the nearest chain to its lookup may be
    /// another crate's own (starship, QA bc F2: whoami's finding showed dirs-sys's
    /// `home_dir` calling `getpwuid_r`, while whoami's lookup is in the program's
    /// `username::module`).
    pub fn reach_by_caller(
        &self,
        v: u32,
        through: &[&str],
        may_hold: impl Fn(&str) -> bool,
    ) -> Option<Vec<Step>> {
        let callers: Vec<u32> = self
            .caller_pieces(v, through)
            .into_iter()
            .map(|(p, _)| p)
            .filter(|&p| self.symbol.get(p as usize) == Some(&true))
            .filter(|&p| self.code_crate_of(p).is_some_and(&may_hold))
            .collect();
        self.reach_via(v, |u| callers.contains(&u))
    }

    /// The chain to `v`, an entry symbol of crate group `k`, whose last step is a reference
    /// from outside `k` (or from the root): the shortest chain to `v` may enter the crate
    /// elsewhere and reach `v` from inside, which shows nothing of what makes `v` an entry
    /// (QA be F6: `crc32`'s chain went through zlib's `deflate`, while libgit2's indexer calls
    /// it directly). Through the nearest such referrer; the shortest chain when none is
    /// reachable.
    pub(super) fn chain_into(&self, v: u32, k: u32) -> Vec<Step> {
        let path = dom::path(&self.parent, self.root, v);
        let outside = |p: u32| p == self.root || self.group.get(p as usize) != Some(&k);
        let entered_from_outside =
            path.len() < 2 || path.iter().rev().nth(1).is_some_and(|&(p, _)| outside(p));
        if entered_from_outside {
            return self.steps(path);
        }
        let depth = |u: u32| dom::path(&self.parent, self.root, u).len();
        let referrer = self
            .preds()
            .succ_kinds(v)
            .filter(|&(u, _)| {
                u != self.root && outside(u) && self.reachable.get(u as usize) == Some(&true)
            })
            .min_by_key(|&(u, _)| (depth(u), u));
        match referrer {
            Some((u, kind)) => {
                let mut steps = self.chain(u);
                steps.push(self.step(v, kind));
                steps
            }
            None => self.steps(path),
        }
    }

    /// The shortest chain from a root to `v` through one of the reachable pieces `pick`
    /// chooses (fewest steps in all).
    fn reach_via(&self, v: u32, pick: impl Fn(u32) -> bool) -> Option<Vec<Step>> {
        // The pieces, and the virtual root after them.
        let n = self.plain.len();
        if v as usize >= n {
            return None;
        }
        // Backwards from `v`: each piece's next step towards it, and how far it is.
        let preds = self.preds();
        let mut toward = vec![(dom::NONE, 0u8); n];
        let mut dist = vec![u32::MAX; n];
        dist[v as usize] = 0;
        let mut queue = std::collections::VecDeque::from([v]);
        while let Some(w) = queue.pop_front() {
            for (p, kind) in preds.succ_kinds(w) {
                if dist[p as usize] == u32::MAX {
                    dist[p as usize] = dist[w as usize] + 1;
                    toward[p as usize] = (w, kind);
                    queue.push_back(p);
                }
            }
        }
        let depth = |u: u32| dom::path(&self.parent, self.root, u).len() as u32;
        let via = (0..n as u32)
            .filter(|&u| {
                let i = u as usize;
                u != v && self.reachable.get(i) == Some(&true) && dist[i] != u32::MAX && pick(u)
            })
            .min_by_key(|&u| (depth(u) + dist[u as usize], u))?;
        let mut steps = self.chain(via);
        let mut at = via;
        while at != v {
            let (w, kind) = toward[at as usize];
            steps.push(self.step(w, kind));
            at = w;
        }
        Some(steps)
    }

    /// The crates whose code refers to `v`, reachable or not, nearest first, each with its
    /// symbol that does: walking back from `v` past code of no crate and of the C runtimes
    /// (`[libc]`: glibc's `gethostbyname` is called by its own `gethostbyname_r`'s callers),
    /// never back along an unwind table's edge (an FDE describes, it does not call). At most
    /// [`CALLERS_WALK`] pieces are walked.
    pub fn calling_crates(&self, v: u32) -> Vec<(String, String)> {
        let mut out = self.callers(v);
        let mut seen: Vec<String> = Vec::new();
        out.retain(|(k, _)| {
            let new = !seen.contains(k);
            if new {
                seen.push(k.clone());
            }
            new
        });
        out
    }

    /// As [`Graph::calling_crates`], every symbol of each crate that refers to `v`.
    pub fn callers(&self, v: u32) -> Vec<(String, String)> {
        self.callers_through(v, &[])
    }

    /// As [`Graph::callers`], walking back past the code of the crates `through` too (std's:
    /// a lookup in std's generic code, `FilterMap::next`, is made for the crate that calls it).
    pub fn callers_through(&self, v: u32, through: &[&str]) -> Vec<(String, String)> {
        self.callers_made_for(v, through)
            .into_iter()
            .map(|(k, symbol, _)| (k, symbol))
            .collect()
    }

    /// As [`Graph::callers_through`], each with the crate its code was made for when it is
    /// generic code of its crate instantiated in another (QA cc F2: tokio's `BlockingTask<T>::
    /// poll`, which runs hyper-util's resolver closure inlined, was named as tokio's use of
    /// std).
    pub fn callers_made_for(
        &self,
        v: u32,
        through: &[&str],
    ) -> Vec<(String, String, Option<String>)> {
        self.callers_passing(v, through)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    /// As [`Graph::callers_made_for`], each with whether its way to `v` passes through code of
    /// the crates `through`: std's users of its way to a C function do, C code that calls the
    /// function itself or through the C library does not (QA cq F1: OpenSSL's
    /// `BIO_lookup_ex`).
    pub fn callers_passing(&self, v: u32, through: &[&str]) -> Vec<(MadeFor, bool)> {
        self.caller_pieces_passing(v, through)
            .into_iter()
            .filter_map(|(p, _, passed)| {
                let k = self.code_crate_of(p)?.to_string();
                let made_for = self
                    .made_for
                    .get(&p)
                    .and_then(|&m| self.group_names.get(m as usize));
                Some(((k, self.name(p), made_for.cloned()), passed))
            })
            .collect()
    }

    /// As [`Graph::callers`], each with the function of the C runtimes it calls when it does
    /// not refer to `v` itself: bottom's `read_proc` reaches `getpwuid_r` through glibc's
    /// `getpwuid` (QA bm F5: it was said to call `getpwuid_r`).
    pub fn callers_via(&self, v: u32) -> Vec<(String, String, Option<String>)> {
        self.caller_pieces(v, &[])
            .into_iter()
            .filter_map(|(p, via)| {
                let k = self.code_crate_of(p)?.to_string();
                Some((k, self.name(p), via.map(|w| self.name(w))))
            })
            .collect()
    }

    /// The function through which crate `krate`'s code reaches `v`, when none of its code
    /// refers to `v` itself and it calls a function of code `of` accepts (by its crate) that
    /// does: glibc's `getpwnam` calls `getpwnam_r` (QA bc F4: gix-config-value's
    /// `home_for_user` was said to call both), std's own `env::home_dir` calls `getpwuid_r`
    /// (QA be F1: xdg's `with_env` was said to). A reference through a piece of no crate (a
    /// GOT slot) counts as its referrer's.
    pub fn reached_through(
        &self,
        v: u32,
        krate: &str,
        of: impl Fn(&str) -> bool,
    ) -> Option<String> {
        let mine = |q: u32| {
            self.code_crate_of(q)
                .is_some_and(|k| crate::format::same_crate(k, krate))
        };
        let direct = self.referrers(v);
        if direct.iter().any(|&p| mine(p)) {
            return None;
        }
        // Back through code `of` accepts, nearest first, a few levels at most: glibc's
        // `getaddrinfo` calls `gaih_inet_serv`, which calls `getservbyname_r` (QA db F4:
        // libgit2-sys's `socket_connect` was said to call `getservbyname_r` itself).
        let accepted = |p: &u32| {
            self.symbol.get(*p as usize) == Some(&true) && self.code_crate_of(*p).is_some_and(&of)
        };
        let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::from([v]);
        let mut level: Vec<u32> = direct.into_iter().filter(accepted).collect();
        for _ in 0..THROUGH_LEVELS {
            seen.extend(&level);
            let mut next: Vec<u32> = Vec::new();
            // The first of the level that the crate's code calls is the one (nearest first).
            for p in level {
                let refs = self.referrers(p);
                if refs.iter().any(|&q| mine(q)) {
                    return Some(self.name(p));
                }
                for q in refs.into_iter().filter(accepted) {
                    if seen.len() + next.len() < THROUGH_PIECES && seen.insert(q) {
                        next.push(q);
                    }
                }
            }
            level = next;
        }
        None
    }

    /// The symbol of crate `krate` that refers to `v` itself (a piece of no crate between, a
    /// GOT slot, counted as its referrer's), if one does.
    pub fn direct_caller(&self, v: u32, krate: &str) -> Option<String> {
        self.referrers(v)
            .into_iter()
            .filter(|&p| self.symbol.get(p as usize) == Some(&true))
            .find(|&p| {
                self.code_crate_of(p)
                    .is_some_and(|k| crate::format::same_crate(k, krate))
            })
            .map(|p| self.name(p))
    }

    /// Who refers to `w`, not by an unwind table's description: a piece of no crate between
    /// (a GOT slot) counted as its referrer's.
    fn referrers(&self, w: u32) -> Vec<u32> {
        let preds = self.preds();
        let describes = super::refs::kind_id(crate::report::RefKind::Describes);
        let step = |w: u32| {
            preds
                .succ_kinds(w)
                .filter(move |&(p, kind)| kind != describes && p != self.root)
                .map(|(p, _)| p)
        };
        let mut out = Vec::new();
        for p in step(w) {
            match self.code_crate_of(p) {
                Some(_) => out.push(p),
                None => out.extend(step(p).filter(|&q| self.code_crate_of(q).is_some())),
            }
        }
        out
    }

    /// The pieces of [`Graph::callers_through`], each with the piece of code it refers to on
    /// its way to `v` when that is not `v` itself (a GOT slot between is passed).
    fn caller_pieces(&self, v: u32, through: &[&str]) -> Vec<(u32, Option<u32>)> {
        self.caller_pieces_passing(v, through)
            .into_iter()
            .map(|(p, at, _)| (p, at))
            .collect()
    }

    /// As [`Graph::caller_pieces`], each with whether its way to `v` passes through code of the
    /// crates `through` (not C code that calls `v` itself, or through the C library's own
    /// functions).
    fn caller_pieces_passing(&self, v: u32, through: &[&str]) -> Vec<(u32, Option<u32>, bool)> {
        let n = self.plain.len();
        if v as usize >= n {
            return Vec::new();
        }
        // Whether each walked piece's way to `v` passed through `through`'s code.
        let mut passed = vec![false; n];
        let preds = self.preds();
        let describes = super::refs::kind_id(crate::report::RefKind::Describes);
        let mut seen = vec![false; n];
        seen[v as usize] = true;
        // Each walked piece's next step towards `v`.
        let mut toward = vec![v; n];
        let mut queue = std::collections::VecDeque::from([v]);
        let mut out: Vec<(u32, Option<u32>, bool)> = Vec::new();
        let mut walked = 0;
        while let Some(w) = queue.pop_front() {
            walked += 1;
            if walked > CALLERS_WALK {
                break;
            }
            for (p, kind) in preds.succ_kinds(w) {
                if kind == describes || p == self.root || seen.get(p as usize) != Some(&false) {
                    continue;
                }
                seen[p as usize] = true;
                toward[p as usize] = w;
                match self.code_crate_of(p) {
                    Some(k) if !k.starts_with('[') && !through.contains(&k) => {
                        let mut at = w;
                        while at != v && self.code_crate_of(at).is_none() {
                            at = toward[at as usize];
                        }
                        out.push((p, (at != v).then_some(at), passed[w as usize]));
                    }
                    k => {
                        passed[p as usize] =
                            passed[w as usize] || k.is_some_and(|k| through.contains(&k));
                        queue.push_back(p);
                    }
                }
            }
        }
        out
    }
}
