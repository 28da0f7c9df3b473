//! Logging out.

use cucumber::when;

use crate::core::contract::Call;
use crate::core::exchange::Body;
use crate::suite::world::{AuthWorld, StepResult};

#[when(regex = r"^I log out with (.+)$")]
async fn logout(w: &mut AuthWorld, phrase: String) -> StepResult {
    let auth = w.credentials(&phrase)?;
    w.send(Call::DeleteSession, auth, Body::None).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::steps::testing::against;

    #[test]
    fn logging_out_sends_the_phrase_credentials() {
        let ok = |_: &str, _: &str, _: &str| {
            (
                200,
                vec!["content-type: text/plain; charset=utf-8".to_owned()],
                "OK".to_owned(),
            )
        };
        let (r, w) = against(ok, async |w| logout(w, "the API token".into()).await);
        assert!(r.is_ok(), "{r:?}");
        let ex = w.last.unwrap();
        assert_eq!(ex.method, "DELETE");
        assert!(
            ex.request_headers
                .iter()
                .any(|(k, _)| k == "x-medusa-access-token")
        );
        let (r, _) = against(ok, async |w| logout(w, "no such phrase".into()).await);
        assert!(r.is_err());
    }
}
