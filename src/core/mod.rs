//! Layer 0, pure: what the contract is and how a response is judged, as
//! data and functions. No async runtime, no HTTP client, no cucumber, no
//! file system, no environment: everything above may use it, it uses
//! nothing above.

pub mod advisory;
pub mod answer;
pub mod check;
pub mod contract;
pub mod cookies;
pub mod credentials;
pub mod echo;
pub mod exchange;
pub mod jwt;
pub mod latency;
pub mod random;
pub mod record;
pub mod redact;
pub mod select;
