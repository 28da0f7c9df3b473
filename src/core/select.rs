//! Which scenarios a run picks, as pure data and one decision per
//! scenario: cucumber's selection (a tag expression, a name regex) and the
//! test runner's (libtest filters, `--exact`, `--skip`, `--ignored`), over
//! the scenarios the suite found ([`ScenarioInfo`], each with a stable,
//! unique test name such as `login::the_admin_logs_in_with_good_credentials`).

use std::collections::HashMap;
use std::path::PathBuf;

use cucumber::gherkin::tagexpr::TagOperation;
use regex::Regex;

/// One scenario of the feature files (an outline already expanded to one
/// example), as the suite found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioInfo {
    /// Its test name: unique in the run, stable while the feature file's
    /// path and the scenario's name stay.
    pub test_name: String,
    /// The feature file as parsed (canonical path): the key cucumber's
    /// filter sees.
    pub source: PathBuf,
    /// The feature file as people read it (relative to the project).
    pub path: String,
    /// The scenario's line in its file.
    pub line: usize,
    /// The feature's name.
    pub feature: String,
    /// The scenario's name.
    pub name: String,
    /// Every tag that applies (feature, rule, scenario, examples), without `@`.
    pub tags: Vec<String>,
    /// Its preconditions whose login the run shares (its background's
    /// included).
    pub shared: SharedLogins,
}

/// Which preconditions whose login a run shares a scenario (or a run's
/// selection) has: the run then fetches the shared token first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SharedLogins {
    /// "I have an access token for the admin": the shared token, on
    /// every dialect.
    pub token: bool,
    /// "I am logged in as the admin", "I have logged in a second time in
    /// another session": sessions opened with the shared token on a
    /// dialect that opens them from a token (v2); v1 posts the credentials.
    pub session: bool,
}

/// The precondition phrase that gets the shared token.
pub const TOKEN_PRECONDITION: &str = "I have an access token for the admin";

/// The precondition phrases that open a session (v2: with the shared
/// token).
pub const SESSION_PRECONDITIONS: [&str; 2] = [
    "I am logged in as the admin",
    "I have logged in a second time in another session",
];

impl SharedLogins {
    /// The preconditions among `steps` (step texts).
    pub fn of<'a>(steps: impl IntoIterator<Item = &'a str>) -> SharedLogins {
        let mut found = SharedLogins::default();
        for text in steps {
            found.token |= text == TOKEN_PRECONDITION;
            found.session |= SESSION_PRECONDITIONS.contains(&text);
        }
        found
    }

    /// Both sets of preconditions together.
    pub fn with(self, other: SharedLogins) -> SharedLogins {
        SharedLogins {
            token: self.token || other.token,
            session: self.session || other.session,
        }
    }

    /// Whether these preconditions use the shared token on a dialect that
    /// opens sessions from a token (`session_from_token`) or not.
    pub fn use_the_token(self, session_from_token: bool) -> bool {
        self.token || (self.session && session_from_token)
    }
}

/// A cucumber tag expression (`@login and not @api-token`), parsed.
#[derive(Debug, Clone)]
pub struct TagExpr {
    text: String,
    op: TagOperation,
}

impl TagExpr {
    /// Parses `text`; the error says where it stops making sense.
    pub fn parse(text: &str) -> Result<TagExpr, String> {
        let op = text.trim().parse::<TagOperation>().map_err(|e| {
            format!(
                "expected a tag (@name), 'and', 'or', 'not' or parentheses at column {}",
                e.location.column
            )
        })?;
        Ok(TagExpr {
            text: text.trim().to_owned(),
            op,
        })
    }

    /// The expression as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether `tags` (without `@`) satisfy it.
    pub fn matches(&self, tags: &[String]) -> bool {
        eval(&self.op, tags)
    }
}

fn eval(op: &TagOperation, tags: &[String]) -> bool {
    match op {
        TagOperation::And(l, r) => eval(l, tags) && eval(r, tags),
        TagOperation::Or(l, r) => eval(l, tags) || eval(r, tags),
        TagOperation::Not(t) => !eval(t, tags),
        TagOperation::Tag(t) => tags.iter().any(|x| x == t),
    }
}

/// What the test runner's `--ignored` / `--include-ignored` ask for.
/// Ignored tests are the scenarios a run leaves out (those tagged with
/// what the run was not given, such as @api-token without an API token):
/// `nextest` shows them as skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ignored {
    /// Not ignored ones only (the default; ignored ones are left out).
    #[default]
    Exclude,
    /// Only the ignored ones (`--ignored`).
    Only,
    /// Both (`--include-ignored`).
    Include,
}

/// What decides which scenarios run.
#[derive(Debug, Clone, Default)]
pub struct Criteria {
    /// Only scenarios whose tags satisfy this expression.
    pub tags: Option<TagExpr>,
    /// Only scenarios whose name this matches.
    pub name: Option<Regex>,
    /// Test-runner filters: a test runs if its name contains any (equals
    /// any, with `exact`). Empty: every test.
    pub filters: Vec<String>,
    /// Tests whose name contains any of these (equals, with `exact`) do not run.
    pub skip: Vec<String>,
    /// Filters and skips compare whole names.
    pub exact: bool,
    /// Ignored tests in or out.
    pub ignored: Ignored,
}

/// The decision for one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    /// It runs.
    Run,
    /// It was asked for but cannot run (why); noted, never passed over in
    /// silence. An ignored test to the test runner.
    LeftOut(String),
    /// Not selected.
    Out,
}

impl Criteria {
    /// Whether the test runner narrowed the run (a filter, `--skip`,
    /// `--ignored`): then a run that selects nothing is a run of zero
    /// tests, as `cargo test <filter>` expects of every test binary, not
    /// a gate that checked nothing.
    pub fn narrows(&self) -> bool {
        !self.filters.is_empty() || !self.skip.is_empty() || self.ignored == Ignored::Only
    }

    /// The decision for `s`, given the tags (without `@`) whose scenarios
    /// the run cannot run, each with why.
    pub fn pick(&self, s: &ScenarioInfo, unavailable: &[(&str, &str)]) -> Pick {
        let name_ok = |f: &String| {
            if self.exact {
                s.test_name == *f
            } else {
                s.test_name.contains(f.as_str())
            }
        };
        let selected = self.tags.as_ref().is_none_or(|t| t.matches(&s.tags))
            && self.name.as_ref().is_none_or(|re| re.is_match(&s.name))
            && (self.filters.is_empty() || self.filters.iter().any(name_ok))
            && !self.skip.iter().any(name_ok);
        let why: Vec<&str> = unavailable
            .iter()
            .filter(|(tag, _)| s.tags.iter().any(|t| t == tag))
            .map(|(_, why)| *why)
            .collect();
        match (selected, why.is_empty(), self.ignored) {
            (false, _, _) | (true, true, Ignored::Only) => Pick::Out,
            (true, false, _) => Pick::LeftOut(why.join(", ")),
            (true, true, _) => Pick::Run,
        }
    }
}

/// `name` as a test-name segment: lower case ASCII letters and digits,
/// everything else one `_`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

/// Gives every scenario its test name: the feature file's path under the
/// features folder (`login`, `admin::login`), then the scenario's name
/// (`login::the_admin_logs_in_with_good_credentials`). Scenarios whose
/// names would be equal get their line as well (`..._line_23`), so every
/// name is unique and does not depend on the order of the run.
/// `stem_and_name` yields, per scenario, its file stem path and name.
pub fn test_names<'a>(
    stem_and_name: impl IntoIterator<Item = (&'a str, &'a str, usize)>,
) -> Vec<String> {
    let base: Vec<(String, usize)> = stem_and_name
        .into_iter()
        .map(|(stem, name, line)| {
            let name = match slug(name) {
                s if s.is_empty() => "scenario".to_owned(),
                s => s,
            };
            (format!("{stem}::{name}"), line)
        })
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (n, _) in &base {
        *count.entry(n.as_str()).or_default() += 1;
    }
    base.iter()
        .map(|(n, line)| {
            if count[n.as_str()] > 1 {
                format!("{n}_line_{line}")
            } else {
                n.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_TOKEN: &[(&str, &str)] = &[("api-token", "MEDUSA_API_TOKEN is not set")];
    const ALL: &[(&str, &str)] = &[];

    fn left_out() -> Pick {
        Pick::LeftOut("MEDUSA_API_TOKEN is not set".into())
    }

    fn info(name: &str, tags: &[&str]) -> ScenarioInfo {
        ScenarioInfo {
            test_name: format!("login::{}", slug(name)),
            source: PathBuf::from("/p/features/login.feature"),
            path: "features/login.feature".into(),
            line: 3,
            feature: "Login".into(),
            name: name.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            shared: SharedLogins::default(),
        }
    }

    #[test]
    fn shared_logins_are_the_precondition_phrases() {
        let none = SharedLogins::of(["I ask who I am with the session cookie", "I log in"]);
        assert_eq!(none, SharedLogins::default());
        let token = SharedLogins::of(["I have an access token for the admin"]);
        assert_eq!((token.token, token.session), (true, false));
        for phrase in SESSION_PRECONDITIONS {
            let session = SharedLogins::of(["x", phrase]);
            assert_eq!((session.token, session.session), (false, true));
        }
        assert_eq!(
            none.with(token),
            SharedLogins {
                token: true,
                session: false
            }
        );
        let session = SharedLogins::of(["I am logged in as the admin"]);
        // v1 posts the credentials for a session: only the token is shared.
        assert!(!session.use_the_token(false));
        assert!(session.use_the_token(true));
        assert!(token.use_the_token(false) && token.use_the_token(true));
        assert!(!none.use_the_token(true));
    }

    #[test]
    fn tag_expressions_parse_and_evaluate() {
        let e = TagExpr::parse("@login and not @api-token").unwrap();
        assert!(e.matches(&["login".into()]));
        assert!(!e.matches(&["login".into(), "api-token".into()]));
        assert!(!e.matches(&["whoami".into()]));
        let e = TagExpr::parse("(@whoami or @logout) and not @api-token").unwrap();
        assert!(e.matches(&["logout".into()]));
        assert!(!e.matches(&["login".into()]));
        assert!(TagExpr::parse("@login not @x").is_err());
        assert!(TagExpr::parse("login").is_err());
        assert!(TagExpr::parse("@a and").unwrap_err().contains("column"));
    }

    #[test]
    fn slugs_and_unique_names() {
        assert_eq!(
            slug("A malformed login request is refused (empty object)"),
            "a_malformed_login_request_is_refused_empty_object"
        );
        assert_eq!(slug("  Ünïcode -- x  "), "n_code_x");
        let names = test_names([
            ("login", "Same", 3),
            ("login", "Same", 9),
            ("login", "Other", 12),
            ("logout", "Same", 3),
            ("logout", "!!", 5),
        ]);
        assert_eq!(
            names,
            [
                "login::same_line_3",
                "login::same_line_9",
                "login::other",
                "logout::same",
                "logout::scenario"
            ]
        );
    }

    #[test]
    fn criteria_pick() {
        let plain = info("The admin logs in", &["login"]);
        let token = info("The API token works", &["whoami", "api-token"]);
        let all = Criteria::default();
        assert_eq!(all.pick(&plain, ALL), Pick::Run);
        assert_eq!(all.pick(&token, ALL), Pick::Run);
        assert_eq!(all.pick(&token, NO_TOKEN), left_out());
        assert!(!all.narrows());

        let filtered = Criteria {
            filters: vec!["admin_logs".into()],
            ..Criteria::default()
        };
        assert!(filtered.narrows());
        assert_eq!(filtered.pick(&plain, ALL), Pick::Run);
        assert_eq!(filtered.pick(&token, ALL), Pick::Out);

        let exact = Criteria {
            filters: vec!["admin_logs".into(), "login::the_admin_logs_in".into()],
            exact: true,
            ..Criteria::default()
        };
        assert_eq!(exact.pick(&plain, ALL), Pick::Run);
        let skip = Criteria {
            skip: vec!["login::".into()],
            ..Criteria::default()
        };
        assert_eq!(skip.pick(&plain, ALL), Pick::Out);

        let only_ignored = Criteria {
            ignored: Ignored::Only,
            ..Criteria::default()
        };
        assert_eq!(only_ignored.pick(&plain, NO_TOKEN), Pick::Out);
        assert_eq!(only_ignored.pick(&token, NO_TOKEN), left_out());
        assert_eq!(only_ignored.pick(&token, ALL), Pick::Out);

        let tagged = Criteria {
            tags: Some(TagExpr::parse("@whoami and not @api-token").unwrap()),
            name: Some(Regex::new("API").unwrap()),
            ..Criteria::default()
        };
        assert_eq!(tagged.pick(&token, ALL), Pick::Out);
        let two = [("api-token", "no token"), ("whoami", "no whoami")];
        assert_eq!(
            all.pick(&token, &two),
            Pick::LeftOut("no token, no whoami".into())
        );
        let named = Criteria {
            name: Some(Regex::new("^The API").unwrap()),
            ..Criteria::default()
        };
        assert_eq!(named.pick(&token, ALL), Pick::Run);
        assert_eq!(named.pick(&plain, ALL), Pick::Out);
    }
}
