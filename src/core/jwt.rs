//! Just enough JWT for this harness: HS256 signing and verification (the
//! reference backend; a token "signed with another secret"), reading a
//! token's header and claims without verifying them (the "is a JWT" check),
//! and the altered tokens a backend must refuse (alg none, no signature, a
//! payload changed under the original signature).
//! HS256 is one HMAC over two base64url segments; a full JWT library would
//! bring RSA and EC code this harness never uses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], signing_input: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(signing_input.as_bytes());
    mac
}

/// Now in seconds since the epoch, as JWT `iat` and `exp` count.
pub fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Signs `claims` as an HS256 JWT with `secret`.
pub fn sign_hs256(claims: &Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let sig = URL_SAFE_NO_PAD.encode(mac(secret, &input).finalize().into_bytes());
    format!("{input}.{sig}")
}

/// Signs `claims` as an HS384 JWT with `secret` (the algorithm-pinning
/// advisory: a backend that issues HS256 should refuse it).
pub fn sign_hs384(claims: &Value, secret: &[u8]) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS384","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let mut m = Hmac::<sha2::Sha384>::new_from_slice(secret).expect("any key length");
    m.update(input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{input}.{sig}")
}

/// The claims of an HS384 token whose signature verifies with `secret`
/// (what jsonwebtoken accepts when `algorithms` is not pinned).
pub fn verify_hs384(token: &str, secret: &[u8]) -> Option<Value> {
    let (header, claims) = decode_unverified(token)?;
    if header.get("alg")?.as_str()? != "HS384" {
        return None;
    }
    let (input, sig) = token.rsplit_once('.')?;
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    let mut m = Hmac::<sha2::Sha384>::new_from_slice(secret).expect("any key length");
    m.update(input.as_bytes());
    m.verify_slice(&sig).ok()?;
    Some(claims)
}

/// The claims of an HS256 token whose signature verifies with `secret`.
pub fn verify_hs256(token: &str, secret: &[u8]) -> Option<Value> {
    let (input, sig) = token.rsplit_once('.')?;
    let (header, _) = decode_unverified(token)?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    mac(secret, input).verify_slice(&sig).ok()?;
    decode_unverified(token).map(|(_, claims)| claims)
}

/// Header and claims of a compact JWT, without checking the signature.
pub fn decode_unverified(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || s.is_empty() {
        return None;
    }
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    Some((header, claims))
}

/// The token's payload under a header saying `alg: none`, unsigned.
pub fn alg_none(token: &str) -> Option<String> {
    let (_, payload, _) = parts(token)?;
    Some(format!(
        "{}.{payload}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#)
    ))
}

/// The token with its signature emptied.
pub fn without_signature(token: &str) -> Option<String> {
    let (header, payload, _) = parts(token)?;
    Some(format!("{header}.{payload}."))
}

/// The token with one hour more of life, under its original signature.
pub fn payload_changed(token: &str) -> Option<String> {
    let (header, _, sig) = parts(token)?;
    let (_, mut claims) = decode_unverified(token)?;
    let exp = claims["exp"].as_i64().unwrap_or_else(now_secs);
    claims["exp"] = json!(exp + 3600);
    Some(format!(
        "{header}.{}.{sig}",
        URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes())
    ))
}

/// The three dot-separated parts of a compact JWT.
fn parts(token: &str) -> Option<(&str, &str, &str)> {
    let mut it = token.split('.');
    let parts = (it.next()?, it.next()?, it.next()?);
    it.next().is_none().then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HS384, exactly (computed apart with Python's hmac and hashlib).
    #[test]
    fn hs384_signs_and_verifies_exactly() {
        let claims = json!({"user_id": "usr_1"});
        let known = "eyJhbGciOiJIUzM4NCIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoidXNyXzEifQ.\
                     Bwxl6O-HSOIwjh-A9QOE9ch7fIAktrVTNNU1FbUuUuat7p-XX-OYcpt7Mi-l2zQF";
        assert_eq!(sign_hs384(&claims, b"k"), known);
        assert_eq!(verify_hs384(known, b"k"), Some(claims.clone()));
        assert_eq!(verify_hs384(known, b"other"), None);
        // Another algorithm is not HS384, even with a good HS256 signature.
        assert_eq!(verify_hs384(&sign_hs256(&claims, b"k"), b"k"), None);
        assert_eq!(verify_hs256(known, b"k"), None);
    }

    #[test]
    fn round_trip_and_wrong_secret() {
        let t = sign_hs256(&json!({"user_id": "u", "domain": "admin"}), b"s3cret");
        assert_eq!(verify_hs256(&t, b"s3cret").unwrap()["user_id"], "u");
        assert!(verify_hs256(&t, b"other").is_none());
        let (h, c) = decode_unverified(&t).unwrap();
        assert_eq!(h["alg"], "HS256");
        assert_eq!(c["domain"], "admin");
    }

    #[test]
    fn tampered_payload_fails() {
        let t = sign_hs256(&json!({"user_id": "u"}), b"k");
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"user_id":"v"}"#);
        parts[1] = &forged;
        assert!(verify_hs256(&parts.join("."), b"k").is_none());
        assert!(decode_unverified("a.b").is_none());
    }

    #[test]
    fn altered_tokens() {
        let t = sign_hs256(&json!({"user_id": "u", "exp": 100}), b"k");
        let none = alg_none(&t).unwrap();
        assert!(none.ends_with('.'));
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(none.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], "none");
        assert_eq!(none.split('.').nth(1), t.split('.').nth(1));
        let bare = without_signature(&t).unwrap();
        assert_eq!(bare, t[..=t.rfind('.').unwrap()]);
        let changed = payload_changed(&t).unwrap();
        assert_eq!(changed.rsplit('.').next(), t.rsplit('.').next());
        assert!(verify_hs256(&changed, b"k").is_none());
        let (_, c) = decode_unverified(&changed).unwrap();
        assert_eq!(c["exp"], 3700);
        assert!(alg_none("not-a-jwt").is_none());
    }

    /// 2025-01-01T00:00:00Z: any clock this runs on is later.
    const PAST: i64 = 1_735_689_600;

    #[test]
    fn now_is_in_epoch_seconds() {
        // A bound, not a comparison with another clock reading.
        let now = now_secs();
        assert!(now > PAST && now < PAST * 2, "{now}");
    }

    #[test]
    fn only_hs256_verifies() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"user_id":"u"}"#);
        let input = format!("{header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(mac(b"k", &input).finalize().into_bytes());
        assert!(verify_hs256(&format!("{input}.{sig}"), b"k").is_none());
        let good = sign_hs256(&json!({"user_id": "u"}), b"k");
        assert_eq!(verify_hs256(&good, b"k"), Some(json!({"user_id": "u"})));
    }

    #[test]
    fn a_jwt_has_exactly_three_parts_and_a_signature() {
        let t = sign_hs256(&json!({"user_id": "u"}), b"k");
        assert!(decode_unverified(&t).is_some());
        assert!(decode_unverified(&format!("{t}.{}", t.split('.').next().unwrap())).is_none());
        assert!(decode_unverified(&without_signature(&t).unwrap()).is_none());
        assert!(alg_none(&format!("{t}.x")).is_none());
        assert!(without_signature(&format!("{t}.x")).is_none());
        assert!(payload_changed(&format!("{t}.x")).is_none());
        assert_eq!(parts("a.b.c"), Some(("a", "b", "c")));
        assert_eq!(parts("a.b"), None);
    }

    #[test]
    fn a_payload_without_exp_lives_one_hour_more_than_now() {
        let t = sign_hs256(&json!({"user_id": "u"}), b"k");
        let (_, c) = decode_unverified(&payload_changed(&t).unwrap()).unwrap();
        let exp = c["exp"].as_i64().unwrap();
        assert!(exp > PAST + 3599, "{exp}");
        assert!(exp >= now_secs() + 3600 - 60, "{exp}");
    }
}
