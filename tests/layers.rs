//! The layering rule, checked cheaply: each top-level module of `src/`
//! (a folder or a file) may name in `crate::...` paths only the modules
//! its row of [`ALLOWED`] lists, so dependencies point downward only
//! (`docs/architecture.md` draws the layers). Also: no function in `src/`
//! outside `#[cfg(test)]` modules is longer than [`MAX_FN_LINES`] lines,
//! counted from its `fn` line to its closing brace.
//!
//! Both scanners are plain text scans (no parser): the unit tests below
//! prove each one fails on a bad example.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, bottom first, and what each may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("exit", &[]),
    ("core", &[]),
    ("http", &["core"]),
    ("suite", &["core", "http"]),
    ("target", &["core", "http"]),
    ("report", &["core"]),
    (
        "app",
        &["exit", "core", "http", "suite", "target", "report"],
    ),
    ("cli", &["exit", "core", "target", "report", "app"]),
];

/// The longest a function may be, in lines from `fn` to its closing brace.
const MAX_FN_LINES: usize = 60;

/// A `crate::` path from one top-level module into one it may not use.
#[derive(Debug, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// The top-level module a file under `src/` belongs to (`None`: `lib.rs`,
/// `main.rs`).
fn top_module(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (name != "lib" && name != "main").then_some(name)
}

/// The top-level modules `line` names through `crate::` (also in a
/// grouped `use crate::{a, b::c};`).
fn crate_paths(line: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    found.insert(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
        rest = after;
    }
    found
}

/// Every `crate::` path in `text` (a file of module `from`) that the
/// allowed-edges table does not allow. Comment lines are prose, not code.
fn scan(file: &str, from: &str, text: &str) -> Vec<Violation> {
    let allowed: Option<&[&str]> = ALLOWED.iter().find(|(m, _)| *m == from).map(|(_, a)| *a);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for to in crate_paths(line) {
            let ok = to == from || allowed.is_some_and(|a| a.contains(&to.as_str()));
            if !ok {
                out.push(Violation {
                    file: file.to_owned(),
                    line: i + 1,
                    from: from.to_owned(),
                    to,
                });
            }
        }
    }
    out
}

/// Functions of `text` (outside a trailing `#[cfg(test)]` module) longer
/// than `max` lines: `(line of fn, name, length)`.
fn long_functions(text: &str, max: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let end_of_code = lines
        .iter()
        .position(|l| *l == "#[cfg(test)]")
        .unwrap_or(lines.len());
    let mut out = Vec::new();
    for (i, line) in lines[..end_of_code].iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        if line.trim_end().ends_with('}') || line.trim_end().ends_with(';') {
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let close = format!("{indent}}}");
        let end = lines[i + 1..end_of_code]
            .iter()
            .position(|l| *l == close)
            .map(|p| i + 1 + p);
        if let Some(end) = end
            && end - i + 1 > max
        {
            out.push((i + 1, name, end - i + 1));
        }
    }
    out
}

/// The name of the function a line declares, if it does.
fn fn_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.next() {
        match w {
            "pub" | "async" | "const" | "unsafe" | "extern" => continue,
            w if w.starts_with("pub(") => continue,
            "fn" => {
                let name: String = words
                    .next()?
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                return Some(name);
            }
            _ => return None,
        }
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(String, Option<String>, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&src).expect("under src/").to_owned();
            let text = std::fs::read_to_string(&path).expect("a source file reads");
            (format!("src/{}", rel.display()), top_module(&rel), text)
        })
        .collect()
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let mut violations = Vec::new();
    let mut modules = BTreeSet::new();
    for (file, top, text) in sources() {
        let Some(top) = top else { continue };
        assert!(
            ALLOWED.iter().any(|(m, _)| *m == top),
            "{file}: top-level module {top} is not in the allowed-edges table of tests/layers.rs"
        );
        modules.insert(top.clone());
        violations.extend(scan(&file, &top, &text));
    }
    assert_eq!(
        modules.len(),
        ALLOWED.len(),
        "every layer has source: {modules:?}"
    );
    assert!(
        violations.is_empty(),
        "upward or sideways edges (see ALLOWED in tests/layers.rs):\n{}",
        violations
            .iter()
            .map(|v| format!("  {}:{}: {} uses crate::{}", v.file, v.line, v.from, v.to))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn no_function_is_longer_than_the_limit() {
    let mut long = Vec::new();
    for (file, _, text) in sources() {
        for (line, name, len) in long_functions(&text, MAX_FN_LINES) {
            long.push(format!("  {file}:{line}: fn {name} is {len} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_layer_scanner_catches_an_upward_edge() {
    let bad = "use crate::core::record::Outcome;\nuse crate::{app::Config, http};\n// crate::cli in prose is fine\n";
    let v = scan("src/report/x.rs", "report", bad);
    let edges: Vec<(usize, &str)> = v.iter().map(|v| (v.line, v.to.as_str())).collect();
    assert_eq!(edges, vec![(2, "app"), (2, "http")]);
    assert!(
        scan(
            "src/core/x.rs",
            "core",
            "use crate::suite::world::AuthWorld;"
        )
        .len()
            == 1
    );
    assert!(scan("src/app/x.rs", "app", bad).is_empty());
    assert_eq!(
        top_module(Path::new("target/container/plan.rs")),
        Some("target".to_owned())
    );
    assert_eq!(top_module(Path::new("exit.rs")), Some("exit".to_owned()));
    assert_eq!(top_module(Path::new("lib.rs")), None);
}

#[test]
fn the_length_scanner_catches_a_long_function() {
    let body = "    let x = 1;\n".repeat(70);
    let text = format!(
        "fn short() {{ 1 }}\n\npub(crate) async fn long(\n    a: u8,\n) -> u8 {{\n{body}}}\n\n#[cfg(test)]\nmod tests {{\n    fn ignored() {{\n{body}    }}\n}}\n"
    );
    assert_eq!(
        long_functions(&text, MAX_FN_LINES),
        vec![(3, "long".to_owned(), 74)]
    );
    assert!(long_functions(&text, 80).is_empty());
}
