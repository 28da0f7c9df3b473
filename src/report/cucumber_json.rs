//! The Cucumber JSON report: cucumber's JSON writer fills a buffer during
//! the run; [`finish_cucumber_json`] then adds what cucumber does not know
//! (left-out scenarios as all-skipped elements, retried requests in the
//! scenario's description) and masks every string.

use serde_json::{Value, json};

use crate::core::record::{LeftOutScenario, RetriedRequest, StepRecord};
use crate::core::redact::Redactor;
use crate::report::skipped_message;

/// The Cucumber JSON cucumber wrote, with every left-out scenario added to
/// its feature as an element whose steps are all `skipped` (the first
/// saying why), and every string masked by `redactor`.
pub fn finish_cucumber_json(
    text: &str,
    left_out: &[LeftOutScenario],
    retried: &[RetriedRequest],
    redactor: &Redactor,
) -> Result<String, serde_json::Error> {
    let mut features: Value = if text.trim().is_empty() {
        Value::Array(Vec::new())
    } else {
        serde_json::from_str(text)?
    };
    for r in retried {
        note_retry(&mut features, r);
    }
    if let Value::Array(list) = &mut features {
        for l in left_out {
            add_left_out(list, l);
        }
    }
    mask_strings(&mut features, redactor);
    serde_json::to_string(&features)
}

/// A scenario answered only after retries says so in its description.
fn note_retry(features: &mut Value, r: &RetriedRequest) {
    let elements = features
        .as_array_mut()
        .into_iter()
        .flatten()
        .filter_map(|f| f["elements"].as_array_mut());
    for e in elements
        .flatten()
        .filter(|e| e["name"].as_str().is_some_and(|n| n.ends_with(&r.scenario)))
    {
        let before = e["description"].as_str().unwrap_or_default().to_owned();
        let sep = if before.is_empty() { "" } else { "\n" };
        e["description"] = Value::String(format!("{before}{sep}{}", r.describe()));
    }
}

/// Adds `l` (and its feature's background) to its feature, made if needed.
fn add_left_out(list: &mut Vec<Value>, l: &LeftOutScenario) {
    let pos = list
        .iter()
        .position(|f| f["name"] == l.feature.as_str())
        .unwrap_or_else(|| {
            list.push(json!({
                "uri": l.path,
                "keyword": l.feature_keyword,
                "name": l.feature,
                "tags": l.feature_tags.iter().map(|t| json!({"name": t, "line": 1})).collect::<Vec<_>>(),
                "elements": [],
            }));
            list.len() - 1
        });
    if let Some(Value::Array(elements)) = list[pos].get_mut("elements") {
        if let Some((keyword, steps)) = &l.background {
            elements.push(json_element(l, "background", keyword, steps));
        }
        elements.push(json_element(l, "scenario", &l.keyword, &l.steps));
        elements.sort_by_key(|e| e["line"].as_u64().unwrap_or(0));
    }
}

fn json_element(l: &LeftOutScenario, ty: &str, keyword: &str, steps: &[StepRecord]) -> Value {
    let name = format!(
        "{}{}",
        l.rule.as_ref().map(|r| format!("{r} ")).unwrap_or_default(),
        l.name
    );
    let steps: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let mut result = json!({"status": "skipped", "duration": 0});
            if i == 0 {
                result["error_message"] = Value::String(skipped_message(&l.reason));
            }
            json!({
                "keyword": st.keyword,
                "line": st.line,
                "name": st.text,
                "result": result,
            })
        })
        .collect();
    json!({
        "keyword": keyword,
        "type": ty,
        "id": format!("{}/{}", kebab(&l.feature), kebab(&l.name)),
        "line": l.line,
        "name": name,
        "description": skipped_message(&l.reason),
        "tags": l.tags.iter().map(|t| json!({"name": t, "line": l.line})).collect::<Vec<_>>(),
        "steps": steps,
    })
}

fn kebab(s: &str) -> String {
    let mut out = String::new();
    for word in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&word.to_lowercase());
    }
    out
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
