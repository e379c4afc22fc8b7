//! What each operator did on a business day, kept as a fold of the events so their screen
//! reads it without replaying the day.

use serde::{Deserialize, Serialize};

/// An operator's tickets of one business day: finished, marked as no-shows and transferred
/// away from their workplace, and the service time of those finished after a start.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorDay {
    pub served: u32,
    pub no_show: u32,
    pub transferred: u32,
    /// The seconds from start to finish, summed over `timed` services.
    pub service_secs: u64,
    pub timed: u32,
}

impl OperatorDay {
    /// The mean time from start to finish, rounded to whole seconds; `None` until a service
    /// with a start has finished.
    pub fn average_service_secs(&self) -> Option<u64> {
        let timed = u64::from(self.timed);
        (timed > 0).then(|| (self.service_secs + timed / 2) / timed)
    }
}
