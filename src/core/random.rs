//! Random identifiers (run ids, throw-away e-mails, seeded secrets).

use rand::Rng as _;
use rand::distr::Alphanumeric;

/// A random alphanumeric string of `len` characters.
pub fn random_id(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
