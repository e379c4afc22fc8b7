//! Why a simulation could not run: a model that does not hold together, or a configuration
//! the engine itself refuses.

use talon_core::DomainError;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SimError {
    /// `field` is a path into the model, e.g. `shifts[2].breaks`.
    #[error("invalid {field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The engine refused to set the branch up as the model describes it.
    #[error("the engine refused {what}: {error}")]
    Engine { what: String, error: DomainError },
}

impl SimError {
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> SimError {
        SimError::Invalid {
            field: field.to_string(),
            reason: reason.into(),
        }
    }
}
