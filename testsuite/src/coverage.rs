//! Which conformance cases make each syscall under ninux, and how those cases
//! came out: the "cases" and "pass" columns of the compatibility report
//! (`ninux syscalls --format md`).
//!
//! Each ninux run of the suite logs the syscalls its guests make
//! (`NINUX_SYSCALL_LOG`); a full run of the suite collects them into a
//! [`Coverage`], committed as `docs/coverage.tsv`: one line per (syscall,
//! case) with the case's outcome. Some cases make some syscalls only now and
//! then (a Go runtime's `sched_yield` or `epoll_pwait`, a contended `futex`,
//! a sleep that did not need to wait), even syscalls no other case makes,
//! so the committed file is the union of the runs that regenerated it: a
//! pair means "this case made this syscall in a recorded run". It is stale
//! when a full run has a case it does not list (or lists a case that no
//! longer exists), or a case's outcome changed: what a regeneration must
//! follow. Which syscalls a listed case makes is refreshed whenever it is
//! regenerated, never judged, so a timing accident cannot fail the suite.
//! `NINUX_UPDATE_COVERAGE=1` adds the
//! run's pairs; `=fresh` starts over from one run.

use std::collections::{BTreeMap, BTreeSet};

use crate::report::{CaseReport, Outcome};

/// (syscall, case id) → the case's outcome label (`pass`, `known-divergence`…).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage(pub BTreeMap<(String, String), String>);

const HEADER: &str = "\
# Which conformance cases make each syscall under ninux, with the case's
# outcome: the compatibility report's \"cases\" and \"pass\" columns
# (ninux syscalls --format md). Written by a full run of the suite:
#   NINUX_UPDATE_COVERAGE=1 cargo test --release -p tools --test conformance
# (=1 adds to what is here, =fresh starts over), then rebuild ninux and
# regenerate docs/syscalls.md. Do not edit by hand.
# syscall\tcase\toutcome
";

impl Coverage {
    /// What a suite run saw: every case that ran under ninux, with the
    /// syscalls its guests made.
    pub fn from_cases(cases: &[CaseReport]) -> Coverage {
        let mut map = BTreeMap::new();
        for c in cases.iter().filter(|c| c.ninux.is_some()) {
            for s in &c.syscalls {
                map.insert((s.clone(), c.id.clone()), c.outcome.label().to_string());
            }
        }
        Coverage(map)
    }

    /// Reads `docs/coverage.tsv`'s text.
    pub fn parse(text: &str) -> Result<Coverage, String> {
        let mut map = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f = line.split('\t');
            match (f.next(), f.next(), f.next(), f.next()) {
                (Some(s), Some(c), Some(o), None) if !s.is_empty() && !c.is_empty() => {
                    map.insert((s.to_string(), c.to_string()), o.to_string());
                }
                _ => {
                    return Err(format!(
                        "coverage line {}: want syscall<TAB>case<TAB>outcome, got {line:?}",
                        i + 1
                    ))
                }
            }
        }
        Ok(Coverage(map))
    }

    /// The file's text, sorted by syscall then case.
    pub fn render(&self) -> String {
        let mut out = String::from(HEADER);
        for ((s, c), o) in &self.0 {
            out.push_str(&format!("{s}\t{c}\t{o}\n"));
        }
        out
    }

    /// `self` (committed) updated by a full run `seen`: pairs of cases no
    /// longer in `catalog` dropped, every case's outcome as `seen` has it,
    /// `seen`'s new pairs added.
    pub fn merged(&self, seen: &Coverage, catalog: &BTreeSet<String>) -> Coverage {
        let outcome = seen.outcomes();
        let mut map: BTreeMap<_, _> = self
            .0
            .iter()
            .filter(|((_, c), _)| catalog.contains(c))
            .map(|((s, c), o)| {
                let o = outcome.get(c).cloned().unwrap_or_else(|| o.clone());
                ((s.clone(), c.clone()), o)
            })
            .collect();
        map.extend(seen.0.clone());
        Coverage(map)
    }

    /// Why `self` (committed) is stale after the full run `seen`: empty when
    /// it is current. See the module doc for what counts.
    pub fn stale(&self, seen: &Coverage, catalog: &BTreeSet<String>) -> Vec<String> {
        let mut why = Vec::new();
        let listed = self.outcomes();
        for (c, o) in seen.outcomes() {
            match listed.get(&c) {
                None => why.push(format!("{c} is not listed")),
                Some(old) if *old != o => why.push(format!("{c} is {o}, listed as {old}")),
                Some(_) => {}
            }
        }
        why.extend(
            listed
                .keys()
                .filter(|c| !catalog.contains(*c))
                .map(|c| format!("{c} is no longer a case")),
        );
        why
    }

    fn outcomes(&self) -> BTreeMap<String, String> {
        self.0
            .iter()
            .map(|((_, c), o)| (c.clone(), o.clone()))
            .collect()
    }

    /// Per syscall: the cases making it, and how many of them pass.
    pub fn by_syscall(&self) -> BTreeMap<String, (Vec<String>, usize)> {
        let mut out: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
        for ((s, c), o) in &self.0 {
            let e = out.entry(s.clone()).or_default();
            e.0.push(c.clone());
            if o == Outcome::Pass.label() {
                e.1 += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cov(rows: &[(&str, &str, &str)]) -> Coverage {
        Coverage(
            rows.iter()
                .map(|(s, c, o)| ((s.to_string(), c.to_string()), o.to_string()))
                .collect(),
        )
    }

    #[test]
    fn renders_and_parses_back() {
        let c = cov(&[
            ("read", "files/a", "pass"),
            ("write", "files/b", "known-divergence"),
        ]);
        assert_eq!(Coverage::parse(&c.render()).unwrap(), c);
        assert!(Coverage::parse("read\tfiles/a\n").is_err());
        assert!(Coverage::parse("read\tfiles/a\tpass\textra\n").is_err());
    }

    #[test]
    fn staleness_ignores_timing_accidents_but_not_new_cases_or_outcomes() {
        let catalog: BTreeSet<String> = ["files/a", "go/b"].iter().map(|s| s.to_string()).collect();
        let committed = cov(&[("read", "files/a", "pass"), ("sched_yield", "go/b", "pass")]);
        // This run's Go case did not yield but made a futex no case made
        // before: still current.
        let seen = cov(&[("read", "files/a", "pass"), ("futex", "go/b", "pass")]);
        assert!(committed.stale(&seen, &catalog).is_empty());
        // A changed outcome, a new case, a case removed from the catalog.
        let seen = cov(&[
            ("read", "files/a", "known-divergence"),
            ("futex", "go/b", "pass"),
        ]);
        let why = committed.stale(&seen, &catalog);
        assert_eq!(
            why,
            vec!["files/a is known-divergence, listed as pass".to_string()]
        );
        let with_new: BTreeSet<String> = ["files/a", "go/b", "new/c"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let why = committed.stale(&cov(&[("read", "new/c", "pass")]), &with_new);
        assert_eq!(why, vec!["new/c is not listed".to_string()]);
        let fewer: BTreeSet<String> = ["files/a".to_string()].into();
        assert!(committed
            .stale(&cov(&[]), &fewer)
            .iter()
            .any(|w| w.contains("go/b is no longer")));
        // Merging makes it current, keeping the unrepeated pair.
        let merged = committed.merged(&seen, &catalog);
        assert!(merged.stale(&seen, &catalog).is_empty());
        assert!(merged
            .0
            .contains_key(&("sched_yield".into(), "go/b".into())));
        assert_eq!(
            merged.0[&("read".into(), "files/a".into())],
            "known-divergence"
        );
        let by = merged.by_syscall();
        assert_eq!(by["read"], (vec!["files/a".to_string()], 0));
        assert_eq!(by["futex"].1, 1);
    }
}
