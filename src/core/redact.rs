//! The single place where secrets are masked.
//!
//! Every byte the harness writes (console, failure reports, diffs, report
//! files) passes through a [`Redactor`]. It knows the configured secrets
//! (admin password, API token) and every token the run captures (access
//! tokens, session cookie values), and masks them together with the usual
//! encodings they travel in. Two patterns (JWTs and `connect.sid` values) are
//! masked even when the redactor was never told about them, as a second line
//! of defence.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::{Arc, LazyLock, Mutex, Weak};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine as _;
use regex::Regex;

/// What a masked secret is replaced with.
pub const MASK: &str = "[REDACTED]";

/// Secrets shorter than this are not masked by value: masking "a" or "1"
/// would shred the output without protecting anything.
const MIN_SECRET_LEN: usize = 4;

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?")
        .expect("valid regex")
});
static SESSION_COOKIE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"connect\.sid=([^;,\s\x22]+)").expect("valid regex"));
static API_TOKEN_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#""api_token"\s*:\s*"((?:[^"\\]|\\.)*)""#).expect("valid regex"));

/// The scoped redactors still in use, so that [`Redactor::global`] (panic
/// messages) knows the secrets of every scenario still running, and forgets
/// them when the scenario is gone.
static LIVE_SCOPES: Mutex<Vec<Weak<Mutex<Needles>>>> = Mutex::new(Vec::new());

/// A string that must never be printed. Its `Debug` and `Display` show
/// only [`MASK`]; the value is read with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MASK)
    }
}

/// A set of needles (secrets in all their forms) and the automaton that
/// finds every one of them in a single pass over a text. The automaton is
/// built when a text is first masked after a change, not on every add: a
/// passing scenario learns tokens but never masks anything with them.
#[derive(Default)]
struct Needles {
    set: HashSet<String>,
    matcher: Option<Arc<AhoCorasick>>,
}

impl Needles {
    fn insert(&mut self, forms: Vec<String>) {
        for form in forms {
            if form.len() >= MIN_SECRET_LEN && self.set.insert(form) {
                self.matcher = None;
            }
        }
    }

    /// The automaton, (re)built if the set changed; `None` if empty.
    fn matcher(&mut self) -> Option<Arc<AhoCorasick>> {
        if self.set.is_empty() {
            return None;
        }
        if self.matcher.is_none() {
            // Standard semantics: overlapping matches can all be reported,
            // so two secrets that overlap in a text are both masked whole.
            // An NFA, not the DFA chosen for few needles: the automaton is
            // rebuilt after every new secret (each scenario learns some),
            // and a DFA's build costs far more than it saves on searches
            // of a line or a report (most of a failing run's CPU time).
            let built = AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .match_kind(MatchKind::Standard)
                .build(&self.set)
                .expect("literal needles of bounded size always build");
            self.matcher = Some(Arc::new(built));
        }
        self.matcher.clone()
    }
}

fn lock(n: &Mutex<Needles>) -> std::sync::MutexGuard<'_, Needles> {
    // A panic while holding the lock leaves the set whole (inserts are
    // atomic enough for masking): keep using it rather than mask nothing.
    n.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Masks known secrets and secret-shaped values in text. Cheap to clone:
/// clones share their secrets.
///
/// A run has one redactor for the secrets of the whole run (the configured
/// password and API token); each scenario masks with a [`Redactor::scoped`]
/// child that also knows the tokens that scenario captured, and drops them
/// with the scenario. So the cost of masking does not grow with the number
/// of scenarios run, nor does the memory.
#[derive(Clone, Default)]
pub struct Redactor {
    own: Arc<Mutex<Needles>>,
    /// The run's secrets, for a scoped redactor.
    parent: Option<Arc<Mutex<Needles>>>,
    /// The process-wide redactor also masks every live scope's secrets.
    global: bool,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let own = lock(&self.own).set.len();
        let parent = self.parent.as_ref().map_or(0, |p| lock(p).set.len());
        write!(f, "Redactor({} needles)", own + parent)
    }
}

impl Redactor {
    /// A redactor that knows no secret yet (the patterns still apply).
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide redactor, for output that has no run at hand
    /// (panic messages): it knows every secret any run redactor learns,
    /// and the secrets of every scoped redactor still alive.
    pub fn global() -> &'static Redactor {
        static GLOBAL: LazyLock<Redactor> = LazyLock::new(|| Redactor {
            global: true,
            ..Redactor::default()
        });
        &GLOBAL
    }

    /// A redactor for one scenario: it masks what `self` masks (now and
    /// later) and the secrets added to it, which `self` never learns and
    /// which are forgotten when the last clone of the scoped redactor is
    /// dropped.
    pub fn scoped(&self) -> Redactor {
        let scoped = Redactor {
            own: Arc::default(),
            parent: Some(self.parent.clone().unwrap_or_else(|| self.own.clone())),
            global: false,
        };
        let mut live = LIVE_SCOPES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        live.retain(|w| w.strong_count() > 0);
        live.push(Arc::downgrade(&scoped.own));
        scoped
    }

    /// Registers a secret: its value and the encodings it is sent or
    /// printed in (URL-encoded, base64, JSON-escaped, `Bearer ...`). A run
    /// redactor also teaches [`Redactor::global`]; a scoped one keeps it.
    pub fn add(&self, secret: &str) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let forms = forms(secret);
        if self.parent.is_none() && !self.global {
            lock(&Redactor::global().own).insert(forms.clone());
        }
        lock(&self.own).insert(forms);
    }

    /// The automata of every needle set this redactor masks with.
    fn matchers(&self) -> Vec<Arc<AhoCorasick>> {
        let mut sets: Vec<Arc<Mutex<Needles>>> = vec![self.own.clone()];
        sets.extend(self.parent.clone());
        if self.global {
            let live = LIVE_SCOPES
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            sets.extend(live.iter().filter_map(Weak::upgrade));
        }
        sets.iter().filter_map(|s| lock(s).matcher()).collect()
    }

    /// Returns `text` with every known secret and secret-shaped value
    /// masked. Every occurrence of every needle and pattern is found in
    /// the original text (overlaps included); each run of overlapping
    /// occurrences becomes one [`MASK`].
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for m in self.matchers() {
            spans.extend(m.find_overlapping_iter(text).map(|m| (m.start(), m.end())));
        }
        spans.extend(JWT.find_iter(text).map(|m| (m.start(), m.end())));
        // The value only: `connect.sid=[REDACTED]`, `"api_token": "[REDACTED]"`
        // (an empty token is an empty span, still shown as the mask).
        for re in [&*SESSION_COOKIE, &*API_TOKEN_FIELD] {
            spans.extend(
                re.captures_iter(text)
                    .filter_map(|c| c.get(1))
                    .map(|g| (g.start(), g.end())),
            );
        }
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        Cow::Owned(replace_spans(text, spans))
    }

    /// Wraps a writer so that everything written through it is masked.
    pub fn writer<W: Write>(&self, inner: W) -> RedactingWriter<W> {
        RedactingWriter {
            inner,
            redactor: self.clone(),
            pending: Vec::new(),
        }
    }
}

/// `text` with each run of overlapping `spans` replaced by one [`MASK`].
fn replace_spans(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut iter = spans.into_iter().peekable();
    while let Some((start, mut end)) = iter.next() {
        // Overlapping (not merely touching) occurrences are one secret.
        while let Some(&(s, e)) = iter.peek() {
            if s >= end {
                break;
            }
            end = end.max(e);
            iter.next();
        }
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// A secret and the encodings it is sent or printed in.
fn forms(secret: &str) -> Vec<String> {
    let mut forms: Vec<String> = vec![secret.to_owned()];
    let url = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    forms.push(url.to_lowercase_hex());
    forms.push(url);
    let std_b64 = base64::engine::general_purpose::STANDARD;
    let url_b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let b64 = std_b64.encode(secret);
    forms.push(b64.trim_end_matches('=').to_owned());
    forms.push(b64);
    forms.push(url_b64.encode(secret));
    if let Ok(json) = serde_json::to_string(secret) {
        forms.push(json.trim_matches('"').to_owned());
    }
    forms
}

trait LowerHex {
    fn to_lowercase_hex(&self) -> String;
}

impl LowerHex for String {
    /// `%2F` and `%2f` are the same byte; some encoders emit lower case.
    fn to_lowercase_hex(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut chars = self.chars();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                for h in chars.by_ref().take(2) {
                    out.push(h.to_ascii_lowercase());
                }
            }
        }
        out
    }
}

/// A writer that masks secrets line by line before passing text on. Text is
/// held until a newline (or [`Write::flush`]) so that a secret split across
/// two writes is still seen whole.
pub struct RedactingWriter<W: Write> {
    inner: W,
    redactor: Redactor,
    pending: Vec<u8>,
}

impl<W: Write> RedactingWriter<W> {
    fn emit(&mut self, upto: usize) -> io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        self.inner.write_all(self.redactor.mask(&text).as_bytes())
    }
}

impl<W: Write> Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(pos) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.emit(pos + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let len = self.pending.len();
        self.emit(len)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for RedactingWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_value_and_encodings() {
        let r = Redactor::new();
        r.add("p@ss word/+=");
        for form in [
            "p@ss word/+=",
            "p%40ss%20word%2F%2B%3D",
            "p%40ss%20word%2f%2b%3d",
            "cEBzcyB3b3JkLys9",
            "cEBzcyB3b3JkLys9",
        ] {
            let text = format!("x {form} y");
            assert_eq!(r.mask(&text), format!("x {MASK} y"), "{form}");
        }
    }

    #[test]
    fn masks_jwts_cookies_and_api_tokens_it_was_not_told_about() {
        let r = Redactor::new();
        let text = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.abc_DEF-1 \
                    Cookie: connect.sid=s%3Aabc.def; Path=/ {\"api_token\": \"tok\\\"en\"}";
        let masked = r.mask(text);
        assert!(!masked.contains("eyJ"), "{masked}");
        assert!(!masked.contains("s%3Aabc"), "{masked}");
        assert!(!masked.contains(r#"tok\"en"#), "{masked}");
        assert!(
            masked.contains("connect.sid=[REDACTED]; Path=/"),
            "{masked}"
        );
    }

    #[test]
    fn masks_a_jwt_cut_short() {
        let masked =
            Redactor::new().mask(r#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJkb21haW4iOiJhZG1p"#);
        assert!(!masked.contains("eyJkb21h"), "{masked}");
    }

    #[test]
    fn short_values_are_not_needles() {
        let r = Redactor::new();
        r.add("ab");
        assert_eq!(r.mask("abc"), "abc");
    }

    #[test]
    fn writer_masks_secrets_split_across_writes() {
        let r = Redactor::new();
        r.add("hunter22");
        let mut out = Vec::new();
        {
            let mut w = r.writer(&mut out);
            w.write_all(b"pass: hun").unwrap();
            w.write_all(b"ter22\nnext").unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("pass: {MASK}\nnext")
        );
    }

    #[test]
    fn a_scoped_redactor_masks_the_runs_secrets_and_its_own_only() {
        let run = Redactor::new();
        run.add("run-wide-password");
        let a = run.scoped();
        let b = run.scoped();
        a.add("token-of-scenario-a");
        b.add("token-of-scenario-b");
        let text = "run-wide-password token-of-scenario-a token-of-scenario-b";
        assert_eq!(a.mask(text), format!("{MASK} {MASK} token-of-scenario-b"));
        assert_eq!(b.mask(text), format!("{MASK} token-of-scenario-a {MASK}"));
        // The run never learns a scenario's token; a scope sees what the
        // run learns later.
        assert_eq!(
            run.mask(text),
            format!("{MASK} token-of-scenario-a token-of-scenario-b")
        );
        run.add("learnt-later-secret");
        assert_eq!(a.mask("x learnt-later-secret"), format!("x {MASK}"));
    }

    #[test]
    fn the_global_redactor_knows_live_scopes_and_forgets_dropped_ones() {
        let scope = Redactor::new().scoped();
        scope.add("live-scope-token-123");
        let text = "panic: live-scope-token-123";
        assert_eq!(Redactor::global().mask(text), format!("panic: {MASK}"));
        drop(scope);
        assert_eq!(Redactor::global().mask(text), text);
    }

    #[test]
    fn many_scopes_leave_nothing_behind() {
        let run = Redactor::new();
        for i in 0..2_000 {
            let s = run.scoped();
            s.add(&format!("token-number-{i:05}"));
            assert_eq!(
                s.mask(&format!("t token-number-{i:05}")),
                format!("t {MASK}")
            );
        }
        let live = LIVE_SCOPES.lock().unwrap();
        // Only the scopes other tests hold right now may be counted.
        assert!(
            live.iter().filter(|w| w.strong_count() > 0).count() < 100,
            "dropped scopes are still live"
        );
        assert!(live.len() < 200, "{} scopes registered", live.len());
        assert_eq!(lock(&run.own).set.len(), 0, "the run learnt scoped tokens");
    }

    #[test]
    fn overlapping_secrets_are_masked_whole() {
        let r = Redactor::new();
        r.add("abcdefgh");
        r.add("efghijkl");
        // Either order of replacement would leave a piece of one of them.
        assert_eq!(r.mask("<abcdefghijkl>"), format!("<{MASK}>"));
        // Adjacent (not overlapping) secrets stay two masks.
        assert_eq!(r.mask("abcdefghefghijkl"), format!("{MASK}{MASK}"));
    }

    #[test]
    fn a_secret_inside_a_longer_one_is_masked_once() {
        let r = Redactor::new();
        r.add("inner-secret");
        r.add("outer-inner-secret-tail");
        assert_eq!(r.mask("x outer-inner-secret-tail y"), format!("x {MASK} y"));
        assert_eq!(r.mask("x inner-secret y"), format!("x {MASK} y"));
    }

    #[test]
    fn patterns_mask_only_the_value() {
        let r = Redactor::new();
        assert_eq!(
            r.mask(r#"{"api_token": "", "x": 1}"#),
            format!(r#"{{"api_token": "{MASK}", "x": 1}}"#)
        );
        assert_eq!(
            r.mask("set-cookie: connect.sid=s%3Aabc.def; Path=/"),
            format!("set-cookie: connect.sid={MASK}; Path=/")
        );
        assert_eq!(r.mask("nothing secret here"), "nothing secret here");
    }

    #[test]
    fn secret_debug_is_masked() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s:?} {s}"), format!("{MASK} {MASK}"));
        assert_eq!(s.expose(), "hunter22");
    }

    // The tests below pin what cargo-mutants found unpinned in this file.

    #[test]
    fn a_secret_of_the_minimum_length_is_masked() {
        let r = Redactor::new();
        r.add("abcd");
        assert_eq!(r.mask("x abcd y"), format!("x {MASK} y"));
        r.add("abc");
        assert_eq!(r.mask("x abc y"), "x abc y");
    }

    #[test]
    fn a_run_redactor_teaches_the_global_one() {
        let run = Redactor::new();
        run.add("run-secret-taught-globally");
        assert_eq!(
            Redactor::global().mask("panic: run-secret-taught-globally"),
            format!("panic: {MASK}")
        );
    }

    #[test]
    fn a_new_scope_keeps_the_older_live_scopes_known_to_the_global_redactor() {
        let run = Redactor::new();
        let first = run.scoped();
        first.add("first-live-scope-token");
        let _second = run.scoped();
        assert_eq!(
            Redactor::global().mask("panic: first-live-scope-token"),
            format!("panic: {MASK}")
        );
    }

    #[test]
    fn only_the_hex_digits_of_a_percent_encoding_change_case() {
        // "AB%2FCD": the letters outside the escape keep their case.
        let r = Redactor::new();
        r.add("AB/CD");
        assert_eq!(r.mask("x AB%2fCD y"), format!("x {MASK} y"));
        assert_eq!(r.mask("x AB%2FCD y"), format!("x {MASK} y"));
    }

    /// A writer whose output a test can read while it is still in use.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_writer_passes_each_whole_line_on_at_once() {
        let out = Shared::default();
        let mut w = Redactor::new().writer(out.clone());
        w.write_all(b"first line\nsecond ").unwrap();
        assert_eq!(*out.0.lock().unwrap(), b"first line\n".to_vec());
        drop(w);
        assert_eq!(*out.0.lock().unwrap(), b"first line\nsecond ".to_vec());
    }

    #[test]
    fn the_redactor_debug_counts_needles_and_shows_none() {
        let r = Redactor::new();
        assert_eq!(format!("{r:?}"), "Redactor(0 needles)");
        r.add("debug-secret-value");
        let shown = format!("{r:?}");
        assert!(
            shown.starts_with("Redactor(") && !shown.starts_with("Redactor(0 "),
            "{shown}"
        );
        assert!(!shown.contains("debug-secret-value"), "{shown}");
    }
}
