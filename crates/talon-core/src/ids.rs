//! Internal identifiers. They are numbers handed out by the store and never shown to visitors:
//! a visitor's handle on a ticket is its random token, a person's is the printed number.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A branch (отделение, Filiale).
    BranchId
);
id!(
    /// A service a branch offers; each has its own queue and numbering.
    ServiceId
);
id!(
    /// A counter, window or room where an operator serves.
    WorkplaceId
);
id!(
    /// A staff user acting as an operator.
    OperatorId
);
id!(
    /// A work profile: which services an operator serves and in which order.
    ProfileId
);
id!(
    /// A ticket (талон).
    TicketId
);
id!(
    /// A customer category: VIP, pensioner, disabled, corporate, …
    CategoryId
);
