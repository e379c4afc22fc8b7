//! A cap on wrong pairing codes. A code names no branch until it is found, so wrong guesses
//! are counted across the installation: past [`MAX_WRONG`] in [`WINDOW`], from any number of
//! addresses, every open code is voided (each might be the one being guessed), each branch's
//! managers see why and when, and the audit log records it per branch.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use talon_core::BranchId;
use utoipa::ToSchema;

/// Wrong codes allowed within a window, from all addresses together.
pub const MAX_WRONG: u32 = 100;
/// The window they are counted in.
pub const WINDOW: Duration = Duration::from_secs(600);

/// When a branch's open codes were voided, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Voided {
    pub at: Timestamp,
    /// The wrong codes entered in the window that reached the cap.
    pub wrong_guesses: u32,
    /// How many of the branch's codes were voided.
    pub codes: u64,
}

pub struct PairingGuard {
    /// The current window's start and its wrong codes so far.
    window: Mutex<(Instant, u32)>,
    voided: Mutex<HashMap<BranchId, Voided>>,
}

impl Default for PairingGuard {
    fn default() -> Self {
        PairingGuard {
            window: Mutex::new((Instant::now(), 0)),
            voided: Mutex::new(HashMap::new()),
        }
    }
}

impl PairingGuard {
    /// Counts a wrong code; answers the window's count when this one reaches the cap, which
    /// starts a new window.
    pub fn wrong(&self) -> Option<u32> {
        let mut window = self.window.lock().ok()?;
        let now = Instant::now();
        if now.duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        window.1 += 1;
        (window.1 >= MAX_WRONG).then(|| {
            let count = window.1;
            *window = (now, 0);
            count
        })
    }

    /// Notes that a branch's codes were voided.
    pub fn note_voided(&self, branch: BranchId, voided: Voided) {
        if let Ok(mut all) = self.voided.lock() {
            all.insert(branch, voided);
        }
    }

    /// The latest voiding of a branch's codes since the server started, if any.
    pub fn voided(&self, branch: BranchId) -> Option<Voided> {
        self.voided.lock().ok()?.get(&branch).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_reached_once_per_window() {
        let guard = PairingGuard::default();
        for _ in 1..MAX_WRONG {
            assert_eq!(guard.wrong(), None);
        }
        assert_eq!(guard.wrong(), Some(MAX_WRONG));
        assert_eq!(guard.wrong(), None, "a new window starts");
    }
}
