//! Plan racing: when the planner finds more than one usable index plan, each candidate runs
//! for a trial period and the most productive one wins, as mongod's multi-planner does.
//!
//! mongod works every candidate one step at a time, round robin, until one of them reaches
//! EOF or has produced 101 results (internalQueryPlanEvaluationMaxResults), or every
//! candidate has done `max(10000, 0.3 × records)` works (internalQueryPlanEvaluationWorks and
//! internalQueryPlanEvaluationCollFraction). Since candidates do not interact, running each
//! one alone up to its stopping point and then cutting every trial at the earliest stopping
//! point gives the same counters as the round robin: a first pass finds where each candidate
//! would stop, a second reruns each up to the earliest of those. One work examines one index
//! key (fetching and filtering its document when the key is in bounds). A plan that needs an
//! in-memory sort produces nothing until its input is exhausted (mongod's blocking SORT).
//!
//! The score is mongod's PlanRanker's: `1 + advanced / works` plus a tie-breaking bonus of
//! `min(1 / (10 × works), 1e-4)` each for needing no in-memory sort and for not being an index
//! intersection (never here); every plan here fetches, so none gets the no-fetch bonus. Ties
//! keep the planner's order. The winner is then run in full (its counters in explain are
//! from that run); the winner is kept per query shape in `plan_cache.rs`.

use std::collections::HashSet;

use docdb_query::matcher::{Filter, MatchContext};

use bson::Document;

use crate::collection::Collection;
use crate::error::Result;
use crate::exec::{key_in_bounds, scan_ranges};
use crate::guard::OpGuard;
use crate::planner::Access;

/// mongod's internalQueryPlanEvaluationMaxResults.
pub const MAX_RESULTS: u64 = 101;
/// mongod's internalQueryPlanEvaluationWorks.
pub const MIN_WORKS: u64 = 10_000;

/// One candidate's trial counters.
#[derive(Debug, Clone)]
pub struct Trial {
    pub access: Access,
    /// The candidate returns documents in the requested order (no SORT stage).
    pub sort_covered: bool,
    pub works: u64,
    pub advanced: u64,
    pub keys_examined: u64,
    pub docs_examined: u64,
    pub eof: bool,
    pub score: f64,
}

/// What a trial needs besides the candidate.
pub struct Race<'a> {
    pub coll: &'a Collection,
    pub filter: &'a Filter,
    pub vars: Option<&'a Document>,
    /// A sort was requested (plans that do not provide it sort in memory).
    pub sorted: bool,
    pub guard: &'a OpGuard,
}

impl Race<'_> {
    /// Races `candidates` (with whether each covers the sort); returns the trials best first.
    pub fn run(&self, candidates: Vec<(Access, bool)>) -> Result<Vec<Trial>> {
        let limit = MIN_WORKS.max(self.coll.len() as u64 * 3 / 10);
        let mut stop = limit;
        for (access, covered) in &candidates {
            let t = self.trial(access, *covered, limit)?;
            if t.eof || t.advanced >= MAX_RESULTS {
                stop = stop.min(t.works);
            }
        }
        let mut trials = Vec::with_capacity(candidates.len());
        for (access, covered) in candidates {
            trials.push(self.trial(&access, covered, stop)?);
        }
        // Stable: among equal scores the planner's order stands.
        trials.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(trials)
    }

    /// Runs one candidate alone for at most `limit` works (a cached plan's trial).
    pub fn trial_one(&self, access: &Access, covered: bool, limit: u64) -> Result<Trial> {
        self.trial(access, covered, limit)
    }

    /// Runs one candidate for at most `limit` works.
    fn trial(&self, access: &Access, covered: bool, limit: u64) -> Result<Trial> {
        let mut t = Trial {
            access: access.clone(),
            sort_covered: covered || !self.sorted,
            works: 0,
            advanced: 0,
            keys_examined: 0,
            docs_examined: 0,
            eof: false,
            score: 0.0,
        };
        let blocking = !t.sort_covered;
        let mut matched = 0u64;
        let filter = self.filter.prepare(&MatchContext {
            text_score: None,
            vars: self.vars,
        });
        let mut seen: HashSet<u64> = HashSet::new();
        let scans: Vec<_> = match access {
            Access::IndexScan {
                index,
                intervals,
                backward,
            } => vec![(*index, intervals.clone(), *backward)],
            Access::Or { branches } => branches
                .iter()
                .map(|(i, iv)| (*i, iv.clone(), false))
                .collect(),
            // Only index plans are raced.
            Access::CollScan | Access::Text { .. } | Access::GeoNear { .. } => Vec::new(),
        };
        let mut finished = true;
        'scans: for (index, intervals, backward) in &scans {
            let Some(idx) = self.coll.indexes.get(*index) else {
                continue;
            };
            for (start, end) in scan_ranges(&idx.spec.fields, intervals, *backward) {
                let range = idx.entries.range(start..=end);
                let iter: Box<dyn Iterator<Item = &crate::index::IndexEntry>> = if *backward {
                    Box::new(range.rev())
                } else {
                    Box::new(range)
                };
                for entry in iter {
                    if t.works >= limit || (!blocking && t.advanced >= MAX_RESULTS) {
                        finished = false;
                        break 'scans;
                    }
                    t.works += 1;
                    t.keys_examined += 1;
                    if t.works.is_multiple_of(512) {
                        self.guard.check()?;
                    }
                    if !key_in_bounds(&entry.key, intervals) || !seen.insert(entry.record) {
                        continue;
                    }
                    let Some(doc) = self.coll.records.document(entry.record) else {
                        continue;
                    };
                    t.docs_examined += 1;
                    if filter.matches(&doc) {
                        matched += 1;
                        if !blocking {
                            t.advanced += 1;
                        }
                    }
                }
            }
        }
        // The EOF check is a work of its own, as mongod's scans report it.
        if finished && t.works < limit {
            t.works += 1;
            t.eof = true;
            if blocking {
                t.advanced = matched.min(MAX_RESULTS);
            }
        }
        let works = t.works.max(1) as f64;
        let epsilon = (1.0 / (10.0 * works)).min(1e-4);
        let no_sort_bonus = if t.sort_covered { epsilon } else { 0.0 };
        let no_ixisect_bonus = epsilon;
        t.score = 1.0 + t.advanced as f64 / works + no_sort_bonus + no_ixisect_bonus;
        Ok(t)
    }
}
