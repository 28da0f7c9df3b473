//! Which scenarios run, as the run's plan decided them (see
//! `core::select`): cucumber's filter admits exactly those. Scenarios the
//! plan leaves out on purpose because they need what the run was not given
//! ([`unavailable`]: @api-token without an API token, @jwt-secret without
//! the JWT secret, @admin-origin without the admin origin; @v1 on a v2
//! backend and @v2 on a v1 backend) are noted as
//! [`LeftOutScenario`] records, never passed over in silence.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cucumber::gherkin;

use crate::core::contract::Dialect;
use crate::core::credentials::Credentials;
use crate::core::record::{
    LeftOutScenario, NO_ADMIN_ORIGIN, NO_API_TOKEN, NO_JWT_SECRET, ONLY_V1, ONLY_V2, StepRecord,
    relative_path,
};
use crate::core::select::{Pick, ScenarioInfo, SharedLogins};

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

    /// Every left-out scenario, by file and line, leaving the list empty:
    /// the run's end takes it rather than keep a second copy of thousands.
    pub fn take(&self) -> Vec<LeftOutScenario> {
        let mut list = self
            .0
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        list.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        list
    }
}

/// A scenario's key: its feature file as parsed, and its line.
type Key = (PathBuf, usize);

/// What decides whether a scenario runs.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// The scenarios that run.
    run: HashSet<Key>,
    /// The scenarios left out on purpose, and why.
    left_out_reasons: HashMap<Key, String>,
    /// The shared logins of the scenarios that run.
    shared: SharedLogins,
    /// The folder feature paths are shown relative to (as cucumber's
    /// writers show them).
    pub path_base: String,
    /// Where left-out scenarios are noted.
    pub left_out: LeftOut,
}

impl Selection {
    /// The selection of a plan: each scenario and its [`Pick`].
    pub fn new<'a>(
        picks: impl IntoIterator<Item = (&'a ScenarioInfo, Pick)>,
        path_base: &str,
    ) -> Selection {
        let mut sel = Selection {
            path_base: path_base.to_owned(),
            ..Selection::default()
        };
        for (s, pick) in picks {
            let key = (s.source.clone(), s.line);
            match pick {
                Pick::Run => {
                    sel.shared = sel.shared.with(s.shared);
                    sel.run.insert(key);
                }
                Pick::LeftOut(reason) => {
                    sel.left_out_reasons.insert(key, reason);
                }
                Pick::Out => {}
            }
        }
        sel
    }

    /// The preconditions whose login the run shares, among the scenarios
    /// that run.
    pub fn shared_logins(&self) -> SharedLogins {
        self.shared
    }

    /// Whether the scenario runs; notes it if it is left out on purpose.
    pub fn admits(
        &self,
        feat: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
    ) -> bool {
        let key = (feat.path.clone().unwrap_or_default(), sc.position.line);
        if self.run.contains(&key) {
            return true;
        }
        if let Some(reason) = self.left_out_reasons.get(&key) {
            self.left_out.note(self.record(feat, rule, sc, reason));
        }
        false
    }

    /// Whether the scenario runs (notes nothing: for repeats).
    pub fn runs(&self, feat: &gherkin::Feature, sc: &gherkin::Scenario) -> bool {
        let key = (feat.path.clone().unwrap_or_default(), sc.position.line);
        self.run.contains(&key)
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

/// The tags (without `@`) whose scenarios need what `credentials` lacks,
/// each with why they are left out.
pub fn unavailable(
    credentials: &Credentials,
    dialect: Option<&Dialect>,
) -> Vec<(&'static str, &'static str)> {
    let name = dialect.map(|d| d.name);
    [
        (name == Some("v2"), "v1", ONLY_V1),
        (name == Some("v1"), "v2", ONLY_V2),
        (credentials.api_token.is_none(), "api-token", NO_API_TOKEN),
        (
            credentials.jwt_secret.is_none(),
            "jwt-secret",
            NO_JWT_SECRET,
        ),
        (
            credentials.admin_origin.is_none(),
            "admin-origin",
            NO_ADMIN_ORIGIN,
        ),
    ]
    .into_iter()
    .filter(|(absent, _, _)| *absent)
    .map(|(_, tag, why)| (tag, why))
    .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_missing_leaves_its_tag_out() {
        use crate::core::redact::Secret;
        let mut c = Credentials {
            admin_email: "a@b.co".into(),
            admin_password: Secret::new("pw-0123456789"),
            api_token: None,
            jwt_secret: None,
            admin_origin: None,
        };
        assert_eq!(
            unavailable(&c, None),
            vec![
                ("api-token", NO_API_TOKEN),
                ("jwt-secret", NO_JWT_SECRET),
                ("admin-origin", NO_ADMIN_ORIGIN)
            ]
        );
        c.api_token = Some(Secret::new("tok-0123456789"));
        c.admin_origin = Some("http://localhost:7000".into());
        assert_eq!(unavailable(&c, None), vec![("jwt-secret", NO_JWT_SECRET)]);
        // The other dialect's scenarios are left out; unknown: none.
        use crate::core::contract::{V1, V2};
        assert_eq!(
            unavailable(&c, Some(&V1)),
            vec![("v2", ONLY_V2), ("jwt-secret", NO_JWT_SECRET)]
        );
        assert_eq!(
            unavailable(&c, Some(&V2)),
            vec![("v1", ONLY_V1), ("jwt-secret", NO_JWT_SECRET)]
        );
    }
}
