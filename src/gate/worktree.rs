//! A temporary git worktree at a revision, for `--baseline-ref`. Removed when dropped, so a
//! failed build does not leave it behind (a process killed by a signal does not drop it, and
//! leaves a registration that `git worktree prune` clears).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

pub struct Worktree {
    /// The top level of the repository the worktree belongs to.
    repo: PathBuf,
    /// The worktree's own top level.
    pub path: PathBuf,
    /// The commit checked out (full hash).
    pub commit: String,
    // Declared last: dropped after `Drop::drop` has removed the worktree.
    _dir: tempfile::TempDir,
}

fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: "git".into(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::Usage(format!(
            "`git {}` in `{}` failed: {}",
            args.join(" "),
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `git` could not be run at all (not installed, not on `PATH`): say what needs it.
fn missing_git(e: Error) -> Error {
    match e {
        Error::Spawn { .. } => Error::Prerequisite {
            what: format!("--baseline-ref needs git, and {e}"),
            help: "install git or put it on PATH, or compare with a report saved by \
                   --save-baseline (--baseline FILE)"
                .into(),
        },
        other => other,
    }
}

/// A revision resolved to a commit of the repository containing a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// As the user wrote it.
    pub rev: String,
    /// The repository's top level.
    pub repo: PathBuf,
    /// The full commit hash.
    pub commit: String,
}

impl Revision {
    /// Resolve `rev` in the repository containing `dir`: done before anything is built, so a
    /// typo costs a second, not a build.
    pub fn resolve(dir: &Path, rev: &str) -> Result<Self> {
        // Git's own words say why: not a repository, or one git refuses (`safe.directory`).
        let repo = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| match e {
            Error::Usage(why) => {
                Error::Usage(format!("--baseline-ref needs a git repository: {why}"))
            }
            other => missing_git(other),
        })?;
        let repo = PathBuf::from(repo);
        let spec = format!("{rev}^{{commit}}");
        // `--verify --quiet` fails silently, for one reason only: no such commit.
        let commit =
            git(&repo, &["rev-parse", "--verify", "--quiet", &spec]).map_err(|e| match e {
                Error::Usage(_) => not_a_commit(&repo, rev),
                other => missing_git(other),
            })?;
        Ok(Revision {
            rev: rev.to_string(),
            repo,
            commit,
        })
    }
}

/// Why `rev` names no commit of `repo`: another kind of object it names (QA cu F8:
/// `main^{tree}` was told to be fetched), or nothing at all here.
fn not_a_commit(repo: &Path, rev: &str) -> Error {
    // `cat-file -t` reads any object name, `REV:PATH` too (QA cv F1: `HEAD:Cargo.toml` with
    // `^{object}` after it is read as a path).
    let kind = git(repo, &["cat-file", "-t", rev]);
    match kind {
        Ok(kind) => Error::Usage(format!(
            "--baseline-ref: `{rev}` names a {kind} in `{}`, not a commit (give a branch, a tag \
             or a commit)",
            repo.display()
        )),
        Err(_) => Error::Usage(format!(
            "--baseline-ref: `{rev}` is not a commit in `{}` (fetch it first, e.g. \
             `git fetch origin main` and `--baseline-ref origin/main`)",
            repo.display()
        )),
    }
}

impl Worktree {
    /// Check out `rev` into a new temporary directory.
    pub fn add(rev: &Revision) -> Result<Self> {
        let (repo, commit) = (rev.repo.clone(), rev.commit.clone());
        let tmp = tempfile::Builder::new()
            .prefix("aotcheck-baseline-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        let path = tmp.path().join("tree");
        let path_str = path.to_string_lossy().into_owned();
        git(
            &repo,
            &["worktree", "add", "--detach", "--quiet", &path_str, &commit],
        )?;
        Ok(Worktree {
            repo,
            path,
            commit,
            _dir: tmp,
        })
    }

    /// Where `file` of the current checkout is in this worktree.
    pub fn map(&self, file: &Path) -> Result<PathBuf> {
        let canon = |p: &Path| std::fs::canonicalize(p).map_err(|e| Error::io(p, e));
        let (file_c, repo_c) = (canon(file)?, canon(&self.repo)?);
        let rel = file_c.strip_prefix(&repo_c).map_err(|_| {
            Error::Usage(format!(
                "`{}` is outside the git repository `{}`",
                file.display(),
                self.repo.display()
            ))
        })?;
        let mapped = self.path.join(rel);
        if !mapped.is_file() {
            return Err(Error::Usage(format!(
                "--baseline-ref: `{}` does not exist at commit {}",
                rel.display(),
                self.commit
            )));
        }
        Ok(mapped)
    }

    /// A revision without a committed `Cargo.lock` is built with the current one, so both
    /// builds resolve the same dependencies where they share them. Returns whether it copied
    /// the file: cargo must then be free to prune it for the older manifest (a dependency the
    /// branch added), which `--locked` forbids.
    pub fn bring_lock_file(&self, workspace_root: &Path) -> Result<bool> {
        let lock = workspace_root.join("Cargo.lock");
        let mapped_root = self.map(&workspace_root.join("Cargo.toml"))?;
        let Some(dest_dir) = mapped_root.parent() else {
            return Ok(false);
        };
        let dest = dest_dir.join("Cargo.lock");
        if lock.is_file() && !dest.exists() {
            std::fs::copy(&lock, &dest).map_err(|e| Error::io(&dest, e))?;
            return Ok(true);
        }
        Ok(false)
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let path = self.path.to_string_lossy().into_owned();
        // Best effort: the temporary directory goes anyway. Should git fail here, what is left
        // is a registration `git worktree prune` clears; we do not prune for the user, which
        // would touch worktrees that are not ours.
        let _ = git(&self.repo, &["worktree", "remove", "--force", &path]);
    }
}
