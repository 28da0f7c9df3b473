//! The Cucumber JSON report, written from the run's [`RunRecord`]: the
//! standard layout (features, elements, steps with `passed` / `failed` /
//! `undefined` / `skipped` results, durations in nanoseconds, error
//! messages). A feature's background is an element of its own before each
//! scenario, as cucumber writes it. A left-out scenario's steps are all
//! `skipped`, the first saying why; a scenario's retried requests are in
//! its `description`. Every string is masked.

use crate::report::advisories;
use serde_json::{Value, json};

use crate::core::record::{FeatureRun, RunRecord, ScenarioRun, StepRun, StepStatus};
use crate::core::redact::Redactor;
use crate::report::skipped_message;

/// The Cucumber JSON of `record`, every string masked by `redactor`.
pub fn cucumber_json(record: &RunRecord, redactor: &Redactor) -> String {
    let mut list: Vec<Value> = record.features.iter().map(feature).collect();
    if advisories::shown(&record.advisories) {
        list.push(advisories::cucumber_feature(&record.advisories));
    }
    let mut features = Value::Array(list);
    mask_strings(&mut features, redactor);
    serde_json::to_string_pretty(&features).unwrap_or_else(|_| "[]".to_owned())
}

fn feature(f: &FeatureRun) -> Value {
    let id = kebab(&f.name);
    let mut elements = Vec::new();
    for sc in &f.scenarios {
        if let Some(keyword) = &f.background_keyword
            && sc.steps.iter().any(|s| s.background)
        {
            elements.push(background(keyword, &id, sc));
        }
        elements.push(scenario(&id, sc));
    }
    json!({
        "uri": f.path,
        "id": id,
        "keyword": f.keyword,
        "name": f.name,
        "line": f.line,
        "description": "",
        "tags": tags(&f.tags, f.line),
        "elements": elements,
    })
}

fn background(keyword: &str, feature_id: &str, sc: &ScenarioRun) -> Value {
    let steps: Vec<&StepRun> = sc.steps.iter().filter(|s| s.background).collect();
    let line = steps
        .first()
        .map_or(sc.key.line, |s| s.line.saturating_sub(1));
    json!({
        "keyword": keyword,
        "type": "background",
        "id": format!("{feature_id};background"),
        "line": line,
        "name": "",
        "description": "",
        "steps": step_values(sc, steps),
    })
}

fn scenario(feature_id: &str, sc: &ScenarioRun) -> Value {
    let name = match &sc.rule {
        Some(rule) => format!("{rule} {}", sc.name),
        None => sc.name.clone(),
    };
    let mut notes: Vec<String> = sc.retried.iter().map(|r| r.describe()).collect();
    notes.extend(sc.reused.iter().map(|r| r.describe()));
    if let Some(reason) = &sc.left_out {
        notes.push(skipped_message(reason));
    }
    if let (Some(failure), None) = (&sc.failure, sc.failed_step()) {
        notes.push(failure.clone());
    }
    let steps: Vec<&StepRun> = sc.steps.iter().filter(|s| !s.background).collect();
    json!({
        "keyword": &*sc.keyword,
        "type": "scenario",
        "id": format!("{feature_id};{}", kebab(&sc.name)),
        "line": sc.key.line,
        "name": name,
        "description": notes.join("\n"),
        "tags": tags(&sc.tags, sc.key.line),
        "steps": step_values(sc, steps),
    })
}

fn step_values(sc: &ScenarioRun, steps: Vec<&StepRun>) -> Vec<Value> {
    steps
        .into_iter()
        .enumerate()
        .map(|(i, st)| {
            let mut result = json!({
                "status": status(st.status),
                "duration": u64::try_from(st.duration.as_nanos()).unwrap_or(u64::MAX),
            });
            let left_out = sc.left_out.as_ref().filter(|_| i == 0 && !st.background);
            if let Some(error) = st
                .error
                .clone()
                .or_else(|| left_out.map(|r| skipped_message(r)))
            {
                result["error_message"] = Value::String(error);
            }
            json!({
                "keyword": &*st.keyword,
                "line": st.line,
                "name": &*st.text,
                "result": result,
            })
        })
        .collect()
}

fn status(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Undefined => "undefined",
        StepStatus::Skipped => "skipped",
    }
}

fn tags<T: AsRef<str>>(tags: &[T], line: usize) -> Vec<Value> {
    tags.iter()
        .map(|t| json!({"name": format!("@{}", t.as_ref()), "line": line}))
        .collect()
}

fn kebab(s: &str) -> String {
    let words: Vec<String> = s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    words.join("-")
}

fn mask_strings(v: &mut Value, redactor: &Redactor) {
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(m) = redactor.mask(s) {
                *s = m;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| mask_strings(x, redactor)),
        Value::Object(o) => o.values_mut().for_each(|x| mask_strings(x, redactor)),
        _ => {}
    }
}
