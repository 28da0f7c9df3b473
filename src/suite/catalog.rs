//! The scenarios of the feature files, found before anything runs: read
//! as the run reads them (so outlines expand and paths read exactly as in
//! the run), each with its test name, file, line and tags. `--list`, the
//! test runner's filters and the run's selection all read this list.

use std::path::Path;

use cucumber::gherkin;

use crate::core::record::relative_path;
use crate::core::select::{ScenarioInfo, SharedLogins, test_names};
use crate::suite::feed;

/// What the feature files hold.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Every scenario, in file order.
    pub scenarios: Vec<ScenarioInfo>,
    /// Feature files that did not parse, with cucumber's error.
    pub parse_errors: Vec<String>,
}

/// Reads the feature files under `features`; paths are shown relative to
/// `path_base`.
pub fn discover(features: &Path, path_base: &str) -> Catalog {
    let root = features
        .canonicalize()
        .unwrap_or_else(|_| features.to_owned());
    let mut found = Vec::new();
    let mut parse_errors = Vec::new();
    // One file at a time, as the run's feed reads them: cucumber's own
    // parser would hold every file's syntax tree at once, the peak memory
    // of a large suite.
    let parsed: Box<dyn Iterator<Item = cucumber::parser::Result<gherkin::Feature>>> =
        match feed::feature_files(features) {
            Ok(paths) => Box::new(paths.into_iter().map(|p| feed::parse_file(&p))),
            Err(e) => Box::new(std::iter::once(Err(e.into()))),
        };
    for feature in parsed {
        match feature {
            Ok(f) => found.extend(scenarios(&f, &root, path_base)),
            Err(e) => parse_errors.push(e.to_string()),
        }
    }
    let names = test_names(
        found
            .iter()
            .map(|(stem, s)| (stem.as_str(), s.name.as_str(), s.line)),
    );
    let scenarios = found
        .into_iter()
        .zip(names)
        .map(|((_, mut s), name)| {
            s.test_name = name;
            s
        })
        .collect();
    Catalog {
        scenarios,
        parse_errors,
    }
}

/// The scenarios of `f` (rules included), each with its file's stem path
/// under `root` (`login`, `admin::login`); test names come later.
fn scenarios(f: &gherkin::Feature, root: &Path, path_base: &str) -> Vec<(String, ScenarioInfo)> {
    let source = f.path.clone().unwrap_or_default();
    let stem = source
        .strip_prefix(root)
        .unwrap_or(&source)
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("::");
    let path = relative_path(&source.to_string_lossy(), path_base).to_owned();
    let plain = f.scenarios.iter().map(|s| (None, s));
    let ruled = f
        .rules
        .iter()
        .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
    plain
        .chain(ruled)
        .map(|(rule, s)| {
            let tags = f
                .tags
                .iter()
                .chain(rule.iter().flat_map(|r| &r.tags))
                .chain(&s.tags)
                .cloned()
                .collect();
            let steps = f
                .background
                .iter()
                .chain(rule.and_then(|r| r.background.as_ref()))
                .flat_map(|b| &b.steps)
                .chain(&s.steps)
                .map(|step| step.value.as_str());
            let info = ScenarioInfo {
                test_name: String::new(),
                source: source.clone(),
                path: path.clone(),
                line: s.position.line,
                feature: f.name.clone(),
                name: s.name.clone(),
                tags,
                shared: SharedLogins::of(steps),
            };
            (stem.clone(), info)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_features_of_this_repository() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("features");
        let c = discover(&dir, env!("CARGO_MANIFEST_DIR"));
        assert!(c.parse_errors.is_empty(), "{:?}", c.parse_errors);
        assert!(c.scenarios.len() >= 30, "{}", c.scenarios.len());
        let login = c
            .scenarios
            .iter()
            .find(|s| s.test_name == "login::the_admin_logs_in_with_good_credentials")
            .expect("the first login scenario");
        assert_eq!(login.path, "features/login.feature");
        assert!(login.tags.contains(&"login".to_owned()), "{:?}", login.tags);
        let mut names: Vec<_> = c.scenarios.iter().map(|s| &s.test_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), c.scenarios.len(), "test names are unique");
        // An outline's rows are scenarios of their own, at their rows' lines.
        let outline: Vec<_> = c
            .scenarios
            .iter()
            .filter(|s| s.name.starts_with("A malformed login request"))
            .collect();
        assert!(outline.len() > 1 && outline[0].line != outline[1].line);
        // The shared logins of the preconditions, the background's included.
        let shared = |name: &str| {
            let s = c.scenarios.iter().find(|s| s.name == name).expect(name);
            (s.shared.token, s.shared.session)
        };
        assert_eq!(shared(&login.name), (false, false));
        assert_eq!(shared("Logging out ends the cookie session"), (false, true));
        assert_eq!(
            shared("A bearer access token keeps working after the cookie session ends"),
            (true, true)
        );
        assert_eq!(
            shared("A token refreshed with a bearer token is a new token the backend accepts"),
            (true, false)
        );
    }

    #[test]
    fn same_names_in_two_files_and_a_broken_file() {
        let dir = std::env::temp_dir().join(format!("mc-catalog-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("admin")).unwrap();
        let feature = "@f\nFeature: F\n  Scenario: Same\n    Given x\n\n  @s\n  Scenario: Same\n    Given y\n";
        std::fs::write(dir.join("a.feature"), feature).unwrap();
        std::fs::write(dir.join("admin/a.feature"), feature).unwrap();
        std::fs::write(
            dir.join("broken.feature"),
            "Feature: B\n  Examples without outline\n",
        )
        .unwrap();
        let c = discover(&dir, "");
        let _ = std::fs::remove_dir_all(&dir);
        let names: Vec<_> = c.scenarios.iter().map(|s| s.test_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a::same_line_3",
                "a::same_line_7",
                "admin::a::same_line_3",
                "admin::a::same_line_7"
            ]
        );
        assert_eq!(c.scenarios[1].tags, ["f", "s"]);
        assert_eq!(c.parse_errors.len(), 1, "{:?}", c.parse_errors);
    }
}
