//! Which scenarios run: the one tag `MEDUSA_TAGS` names (if any), and not
//! the @api-token ones when there is no API token. Those are left out on
//! purpose and noted as [`LeftOutScenario`] records, never passed over in
//! silence.

use std::path::Path;
use std::sync::{Arc, Mutex};

use cucumber::gherkin;

use crate::core::record::{LeftOutScenario, NO_API_TOKEN, StepRecord, relative_path};

/// The scenarios a run left out, noted by its filter. Clones share the list.
#[derive(Debug, Clone, Default)]
pub struct LeftOut(Arc<Mutex<Vec<LeftOutScenario>>>);

impl LeftOut {
    /// Notes `entry`.
    fn note(&self, entry: LeftOutScenario) {
        if let Ok(mut list) = self.0.lock() {
            list.push(entry);
        }
    }

    /// Every left-out scenario, by file and line.
    pub fn list(&self) -> Vec<LeftOutScenario> {
        let mut list = self.0.lock().map(|l| l.clone()).unwrap_or_default();
        list.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        list
    }
}

/// What decides whether a scenario runs.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Only scenarios with this tag (`@login`), if set.
    pub tags: Option<String>,
    /// Whether an API token is configured (else @api-token scenarios are
    /// left out).
    pub have_token: bool,
    /// The folder feature paths are shown relative to (as cucumber's
    /// writers show them).
    pub path_base: String,
    /// Where left-out scenarios are noted.
    pub left_out: LeftOut,
}

impl Selection {
    /// Whether the scenario runs; notes it if it is left out on purpose.
    pub fn admits(
        &self,
        feat: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
    ) -> bool {
        let all_tags: Vec<&String> = feat
            .tags
            .iter()
            .chain(rule.iter().flat_map(|r| &r.tags))
            .chain(sc.tags.iter())
            .collect();
        if let Some(t) = &self.tags
            && !all_tags.iter().any(|x| format!("@{x}") == *t || *x == t)
        {
            return false;
        }
        if !self.have_token && all_tags.iter().any(|t| t.as_str() == "api-token") {
            self.left_out
                .note(self.record(feat, rule, sc, NO_API_TOKEN));
            return false;
        }
        true
    }

    /// The record of a left-out scenario (plain data: reports read it).
    fn record(
        &self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
        reason: &str,
    ) -> LeftOutScenario {
        LeftOutScenario {
            feature: feature.name.clone(),
            feature_keyword: feature.keyword.clone(),
            path: feature
                .path
                .as_deref()
                .and_then(Path::to_str)
                .map(|p| relative_path(p, &self.path_base).to_owned()),
            feature_tags: feature.tags.clone(),
            rule: rule.map(|r| r.name.clone()),
            background: feature
                .background
                .as_ref()
                .map(|bg| (bg.keyword.clone(), steps(&bg.steps))),
            keyword: sc.keyword.clone(),
            name: sc.name.clone(),
            line: sc.position.line,
            col: sc.position.col,
            tags: sc.tags.clone(),
            steps: steps(&sc.steps),
            reason: reason.to_owned(),
        }
    }
}

fn steps(steps: &[gherkin::Step]) -> Vec<StepRecord> {
    steps
        .iter()
        .map(|st| StepRecord {
            keyword: st.keyword.clone(),
            line: st.position.line,
            text: st.value.clone(),
        })
        .collect()
}
