//! The docs cannot silently fall behind the suite: every scenario of
//! `features/` and every fault of the catalog has its row in
//! `docs/contract.md`, every fault is in the README's fault table, and no
//! link in the docs points at a file that is not in the repository.
//! The checkers are tested on made-up input too, so each can go red.

use std::path::{Path, PathBuf};

use medusa_conformance::target::reference::Fault;
use regex::Regex;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The scenario titles of a feature file, as written (outlines keep their
/// `<placeholders>`).
fn scenario_titles(feature: &str) -> Vec<String> {
    feature
        .lines()
        .map(str::trim)
        .filter_map(|l| {
            l.strip_prefix("Scenario Outline:")
                .or_else(|| l.strip_prefix("Scenario:"))
        })
        .map(|t| t.trim().to_owned())
        .collect()
}

/// A title as the doc may name it: each `<placeholder>` stands for the
/// example's words (on the same table cell).
fn title_pattern(title: &str) -> Regex {
    let placeholder = Regex::new(r"<[^>]+>").expect("valid regex");
    let parts: Vec<String> = placeholder.split(title).map(regex::escape).collect();
    Regex::new(&parts.join(r"[^|\n]+?")).expect("an escaped title is a valid regex")
}

/// The titles no line of `doc` names.
fn missing_titles(titles: &[String], doc: &str) -> Vec<String> {
    titles
        .iter()
        .filter(|t| !title_pattern(t).is_match(doc))
        .cloned()
        .collect()
}

/// The names `doc` does not hold as a code span (`` `name` ``).
fn missing_names<'a>(names: impl IntoIterator<Item = &'a str>, doc: &str) -> Vec<&'a str> {
    names
        .into_iter()
        .filter(|n| !doc.contains(&format!("`{n}`")))
        .collect()
}

/// The relative links of a markdown file at `file` (in `root`) whose
/// target does not exist or is outside `root`.
fn broken_links(root: &Path, file: &Path, text: &str) -> Vec<String> {
    let link = Regex::new(r"\]\(([^)\s]+)\)").expect("valid regex");
    let root = root.canonicalize().expect("the repository exists");
    link.captures_iter(text)
        .map(|c| c[1].to_owned())
        .filter(|t| !t.starts_with("http://") && !t.starts_with("https://") && !t.starts_with('#'))
        .filter(|t| {
            let path = t.split('#').next().unwrap_or_default();
            let target = file.parent().expect("a file has a folder").join(path);
            !target.canonicalize().is_ok_and(|p| p.starts_with(&root))
        })
        .collect()
}

#[test]
fn every_scenario_has_its_row_in_the_contract() {
    let doc = read("docs/contract.md");
    let mut missing = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("features")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "feature") {
            let titles = scenario_titles(&std::fs::read_to_string(&path).unwrap());
            count += titles.len();
            missing.extend(missing_titles(&titles, &doc));
        }
    }
    assert!(
        count >= 30,
        "only {count} scenario titles found: the reader is wrong"
    );
    assert!(
        missing.is_empty(),
        "scenarios without a row in docs/contract.md: {missing:#?}"
    );
}

#[test]
fn every_fault_is_in_the_contract_and_the_readme() {
    let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
    let contract = missing_names(names.iter().copied(), &read("docs/contract.md"));
    assert!(
        contract.is_empty(),
        "faults not in docs/contract.md: {contract:?}"
    );
    let readme = read("README.md");
    let table: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !readme.contains(&format!("\n| {n} |")))
        .collect();
    assert!(
        table.is_empty(),
        "faults not in the README's fault table: {table:?}"
    );
}

#[test]
fn doc_links_stay_inside_the_repository() {
    let mut files = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut broken = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for link in broken_links(&root(), file, &text) {
            broken.push(format!("{}: {link}", file.display()));
        }
    }
    assert!(
        broken.is_empty(),
        "links to nothing in the repository: {broken:#?}"
    );
}

#[test]
fn the_checkers_can_go_red() {
    let doc = "| A login sent as a form is refused | `known-fault` |";
    let titles = vec![
        "A login sent as <shape> is refused".to_owned(),
        "A logout sent as <shape> is refused".to_owned(),
    ];
    assert_eq!(missing_titles(&titles, doc), vec![titles[1].clone()]);
    // A placeholder stands for words of one cell, not for the table.
    assert!(!title_pattern("A <x> B").is_match("A | B"));
    assert_eq!(missing_names(["known-fault", "known"], doc), vec!["known"]);
    let here = root().join("docs/contract.md");
    let text = "[ok](../README.md) [web](https://example.com) [gone](../NOPE.md) [out](../../x)";
    assert_eq!(
        broken_links(&root(), &here, text),
        vec!["../NOPE.md".to_owned(), "../../x".to_owned()]
    );
}

#[test]
fn every_advisory_has_its_row_in_docs_advisories() {
    let doc = read("docs/advisories.md");
    let missing: Vec<&str> = medusa_conformance::core::advisory::CATALOG
        .iter()
        .map(|a| a.id)
        .filter(|id| !doc.contains(&format!("| `{id}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "no row in docs/advisories.md: {missing:?}"
    );
}
