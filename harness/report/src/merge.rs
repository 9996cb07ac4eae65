//! Merging the reports of `--shard K/N` runs into one report.

use std::collections::HashMap;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{MergeError, ReportError};
use crate::rollup::{rollup, RequirementInfo, RollupScope};
use crate::schema::{Report, RequirementReport, RunInfo, RunStatus, Summary, SCHEMA_VERSION};

/// How strict [`merge_with`] is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// Merge reports of different selections (paths, `--filter`, `--tags`),
    /// targets or rules dates too (`report merge --allow-mixed`). The
    /// merged report then keeps the first report's.
    pub allow_mixed: bool,
}

/// Merges shard reports into one.
///
/// - scenarios: concatenated in input order; a scenario id in two reports is
///   an error;
/// - summary: recomputed;
/// - requirements: every requirement any input lists, re-rolled from the
///   merged scenarios (worst verdict, scenarios in run order); an entry no
///   merged scenario cites stays listed with `covered: false`. Order is the
///   inputs' order (catalogue order) wherever they fix it;
/// - run info: the first report's, with the earliest start, the latest
///   finish, the wall time between them, scenario files and selected paths
///   unioned, and the shard cleared.
///
/// Reports from different harness versions, rules dates, selections (the
/// paths, `--filter` and `--tags`; shards differ only in `--shard`) or
/// targets (one role played by two different implementations) cannot be
/// merged: one report would misdescribe the run. The targets are the union
/// of the shards' (a shard of card scenarios only names the card). The
/// run errors are concatenated, the status is the worst (`aborted`, then
/// `interrupted`), and `files` is left for the writer to fill.
pub fn merge(reports: Vec<Report>) -> Result<Report, ReportError> {
    merge_with(reports, MergeOptions::default())
}

/// [`merge`] with options.
pub fn merge_with(reports: Vec<Report>, options: MergeOptions) -> Result<Report, ReportError> {
    let mut reports = reports.into_iter();
    let first = reports.next().ok_or(MergeError::NoReports)?;
    let mut run_info = first.run_info.clone();
    run_info.selection.shard = None;
    let mut scenarios = Vec::new();
    let mut scenario_origin: HashMap<String, usize> = HashMap::new();
    let mut requirement_lists = Vec::new();
    let mut run_window = RunWindow::default();
    let mut errors = Vec::new();

    for (index, report) in std::iter::once(first).chain(reports).enumerate() {
        let number = index + 1;
        check_compatible(&run_info, &report.run_info, number, options)?;
        errors.extend(report.errors);
        run_info.status = worse_status(run_info.status, report.run_info.status);
        run_window.include(&report.run_info);
        merge_run_info(&mut run_info, report.run_info);
        for scenario in report.scenarios {
            if let Some(first) = scenario_origin.insert(scenario.id.clone(), number) {
                return Err(MergeError::DuplicateScenario {
                    id: scenario.id,
                    first,
                    second: number,
                }
                .into());
            }
            scenarios.push(scenario);
        }
        requirement_lists.push(report.requirements);
    }
    run_window.apply(&mut run_info);

    let catalogue = merged_catalogue(&requirement_lists);
    Ok(Report {
        schema_version: SCHEMA_VERSION.to_owned(),
        run_info,
        summary: Summary::from_scenarios(&scenarios),
        requirements: rollup(&catalogue, &scenarios, RollupScope::All),
        scenarios,
        errors,
        files: Vec::new(),
    })
}

fn worse_status(a: RunStatus, b: RunStatus) -> RunStatus {
    let rank = |status| match status {
        RunStatus::Complete => 0,
        RunStatus::Interrupted => 1,
        RunStatus::Aborted => 2,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

fn check_compatible(
    first: &RunInfo,
    other: &RunInfo,
    index: usize,
    options: MergeOptions,
) -> Result<(), MergeError> {
    if other.harness_version != first.harness_version {
        return Err(MergeError::HarnessVersionMismatch {
            index,
            expected: first.harness_version.clone(),
            found: other.harness_version.clone(),
        });
    }
    if options.allow_mixed {
        return Ok(());
    }
    let (a, b) = (&first.selection, &other.selection);
    if (&a.paths, &a.filter, &a.tags) != (&b.paths, &b.filter, &b.tags) {
        let describe = |s: &crate::schema::Selection| {
            format!(
                "paths [{}], filter {}, tags [{}]",
                s.paths.join(", "),
                s.filter.as_deref().unwrap_or("none"),
                s.tags.join(", ")
            )
        };
        return Err(MergeError::SelectionMismatch {
            index,
            expected: describe(a),
            found: describe(b),
        });
    }
    if other.rules_date != first.rules_date {
        return Err(MergeError::RulesDateMismatch {
            index,
            expected: first.rules_date.clone(),
            found: other.rules_date.clone(),
        });
    }
    for (role, target) in &other.targets {
        if let Some(known) = first.targets.get(role) {
            if known.target != target.target {
                return Err(MergeError::TargetMismatch {
                    index,
                    role: role.clone(),
                    expected: known.target.clone(),
                    found: target.target.clone(),
                });
            }
        }
    }
    Ok(())
}

/// Folds a later shard's run info into the merged one.
fn merge_run_info(merged: &mut RunInfo, other: RunInfo) {
    push_missing(&mut merged.scenario_files, other.scenario_files);
    push_missing(&mut merged.selection.paths, other.selection.paths);
    for (role, target) in other.targets {
        match merged.targets.get_mut(&role) {
            Some(known) => {
                push_missing(&mut known.capabilities, target.capabilities);
                for (key, value) in target.details {
                    known.details.entry(key).or_insert(value);
                }
            }
            None => {
                merged.targets.insert(role, target);
            }
        }
    }
    if merged.expectations_file.is_none() {
        merged.expectations_file = other.expectations_file;
    }
    if merged.requirements_file.is_none() {
        merged.requirements_file = other.requirements_file;
    }
}

fn push_missing<T: PartialEq>(into: &mut Vec<T>, items: Vec<T>) {
    for item in items {
        if !into.contains(&item) {
            into.push(item);
        }
    }
}

/// The earliest start and latest finish over all shards. Timestamps that do
/// not parse as RFC 3339 are ignored (the first report's are kept if none
/// parse).
#[derive(Default)]
struct RunWindow {
    start: Option<(OffsetDateTime, String)>,
    finish: Option<(OffsetDateTime, String)>,
    longest_us: u64,
}

impl RunWindow {
    fn include(&mut self, info: &RunInfo) {
        self.longest_us = self.longest_us.max(info.duration_us);
        if let Ok(start) = OffsetDateTime::parse(&info.started_at, &Rfc3339) {
            if self.start.as_ref().is_none_or(|(t, _)| start < *t) {
                self.start = Some((start, info.started_at.clone()));
            }
        }
        if let Ok(finish) = OffsetDateTime::parse(&info.finished_at, &Rfc3339) {
            if self.finish.as_ref().is_none_or(|(t, _)| finish > *t) {
                self.finish = Some((finish, info.finished_at.clone()));
            }
        }
    }

    fn apply(self, info: &mut RunInfo) {
        info.duration_us = self.longest_us;
        if let (Some((start, _)), Some((finish, _))) = (&self.start, &self.finish) {
            let wall_us = (*finish - *start).whole_microseconds();
            if let Ok(wall_us) = u64::try_from(wall_us) {
                info.duration_us = wall_us;
            }
        }
        if let Some((_, text)) = self.start {
            info.started_at = text;
        }
        if let Some((_, text)) = self.finish {
            info.finished_at = text;
        }
    }
}

/// The requirement entries of all inputs, one per id (the first input's
/// text), ordered so that each input's own order is kept: a topological
/// merge of the lists, ties broken by first appearance.
fn merged_catalogue(lists: &[Vec<RequirementReport>]) -> Vec<RequirementInfo> {
    let mut entries: Vec<RequirementInfo> = Vec::new();
    let mut rank: HashMap<&str, usize> = HashMap::new();
    for entry in lists.iter().flatten() {
        if !rank.contains_key(entry.id.as_str()) {
            rank.insert(&entry.id, entries.len());
            entries.push(RequirementInfo {
                id: entry.id.clone(),
                text: entry.text.clone(),
                level: entry.level,
                family: entry.family.clone(),
                source: entry.source.clone(),
            });
        }
    }
    // successors[a] = entries some input lists right after a.
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    let mut predecessors = vec![0usize; entries.len()];
    for list in lists {
        let ranks: Vec<usize> = list
            .iter()
            .filter_map(|entry| rank.get(entry.id.as_str()).copied())
            .collect();
        for pair in ranks.windows(2) {
            if let [before, after] = *pair {
                let Some(next) = successors.get_mut(before) else {
                    continue;
                };
                if before != after && !next.contains(&after) {
                    next.push(after);
                    if let Some(count) = predecessors.get_mut(after) {
                        *count += 1;
                    }
                }
            }
        }
    }
    let mut placed = vec![false; entries.len()];
    let mut order = Vec::with_capacity(entries.len());
    while order.len() < entries.len() {
        let unplaced = || (0..entries.len()).filter(|i| !placed.get(*i).copied().unwrap_or(true));
        // The earliest-seen entry with nothing left before it; on a cycle
        // (inputs that disagree), simply the earliest-seen one.
        let ready = unplaced().find(|i| predecessors.get(*i) == Some(&0));
        let Some(next) = ready.or_else(|| unplaced().next()) else {
            break;
        };
        if let Some(flag) = placed.get_mut(next) {
            *flag = true;
        }
        for after in successors.get(next).into_iter().flatten() {
            if let Some(count) = predecessors.get_mut(*after) {
                *count = count.saturating_sub(1);
            }
        }
        order.push(next);
    }
    order
        .into_iter()
        .filter_map(|i| entries.get(i).cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(id: &str) -> RequirementReport {
        RequirementReport {
            id: id.to_owned(),
            text: format!("text {id}"),
            ..RequirementReport::default()
        }
    }

    fn ids(lists: &[&[&str]]) -> Vec<String> {
        let lists: Vec<Vec<RequirementReport>> = lists
            .iter()
            .map(|list| list.iter().map(|id| requirement(id)).collect())
            .collect();
        merged_catalogue(&lists)
            .into_iter()
            .map(|info| info.id)
            .collect()
    }

    #[test]
    fn catalogue_order_of_interleaved_subsets_is_restored() {
        assert_eq!(
            ids(&[&["R1", "R3", "R5"], &["R2", "R3", "R4"]]),
            ["R1", "R2", "R3", "R5", "R4"]
        );
        assert_eq!(
            ids(&[&["R2", "R4"], &["R1", "R2", "R3", "R4"]]),
            ["R1", "R2", "R3", "R4"]
        );
    }

    #[test]
    fn contradictory_orders_still_list_every_id_once() {
        let mut merged = ids(&[&["A", "B"], &["B", "A"], &["C"]]);
        merged.sort();
        assert_eq!(merged, ["A", "B", "C"]);
    }
}
