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
