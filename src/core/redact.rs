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
use std::io::{self, Write};
use std::sync::{Arc, LazyLock, RwLock};

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
    LazyLock::new(|| Regex::new(r"(connect\.sid=)[^;,\s\x22]+").expect("valid regex"));
static API_TOKEN_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"("api_token"\s*:\s*)"(?:[^"\\]|\\.)*""#).expect("valid regex"));

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

/// Masks known secrets and secret-shaped values in text. Cheap to clone:
/// clones share the list, so a token captured by one scenario is masked in
/// every writer's output from then on.
#[derive(Clone, Default)]
pub struct Redactor {
    needles: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.needles.read().map(|v| v.len()).unwrap_or(0);
        write!(f, "Redactor({n} needles)")
    }
}

impl Redactor {
    /// A redactor that knows no secret yet (the patterns still apply).
    pub fn new() -> Self {
        Self::default()
    }

    /// The process-wide redactor: it learns every secret any redactor
    /// learns, for output that has no run at hand (panic messages).
    pub fn global() -> &'static Redactor {
        static GLOBAL: LazyLock<Redactor> = LazyLock::new(Redactor::new);
        &GLOBAL
    }

    /// Registers a secret: its value and the encodings it is sent or
    /// printed in (URL-encoded, base64, JSON-escaped, `Bearer ...`).
    pub fn add(&self, secret: &str) {
        self.add_here(secret);
        let global = Redactor::global();
        if !Arc::ptr_eq(&self.needles, &global.needles) {
            global.add_here(secret);
        }
    }

    fn add_here(&self, secret: &str) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut forms: Vec<String> = vec![secret.to_owned()];
        let url = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
        forms.push(url.clone());
        forms.push(url.to_lowercase_hex());
        let std_b64 = base64::engine::general_purpose::STANDARD;
        let url_b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        forms.push(std_b64.encode(secret));
        forms.push(std_b64.encode(secret).trim_end_matches('=').to_owned());
        forms.push(url_b64.encode(secret));
        if let Ok(json) = serde_json::to_string(secret) {
            forms.push(json.trim_matches('"').to_owned());
        }
        let Ok(mut needles) = self.needles.write() else {
            return;
        };
        // Kept sorted, longest first (so a secret inside a longer encoded
        // form is masked whole), by binary search: a run learns thousands of
        // cookie values, and a linear search plus a sort per value made
        // learning quadratic, under the write lock every writer waits on.
        for form in forms {
            if form.len() < MIN_SECRET_LEN {
                continue;
            }
            let found = needles.binary_search_by(|n| {
                form.len()
                    .cmp(&n.len())
                    .then_with(|| n.as_str().cmp(form.as_str()))
            });
            if let Err(at) = found {
                needles.insert(at, form);
            }
        }
    }

    /// Returns `text` with every known secret and secret-shaped value masked.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        if let Ok(needles) = self.needles.read() {
            for needle in needles.iter() {
                if out.contains(needle.as_str()) {
                    out = Cow::Owned(out.replace(needle.as_str(), MASK));
                }
            }
        }
        for (re, rep) in [
            (&*JWT, MASK.to_owned()),
            (&*SESSION_COOKIE, format!("${{1}}{MASK}")),
            (&*API_TOKEN_FIELD, format!("${{1}}\"{MASK}\"")),
        ] {
            if let Cow::Owned(s) = re.replace_all(&out, rep.as_str()) {
                out = Cow::Owned(s);
            }
        }
        out
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
    fn secret_debug_is_masked() {
        let s = Secret::new("hunter22");
        assert_eq!(format!("{s:?} {s}"), format!("{MASK} {MASK}"));
        assert_eq!(s.expose(), "hunter22");
    }
}
