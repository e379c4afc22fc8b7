//! The one error type of the planning tools: every refusal names what was wrong and why, so the
//! server and the command line can pass it on to the person who asked.

use thiserror::Error;

/// Why a planning request cannot be answered.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanError {
    /// An input field is out of its domain (`field` is the name the caller used).
    #[error("{field}: {reason}")]
    InvalidField {
        /// The field's name as in the query or the request.
        field: &'static str,
        /// What the field must be.
        reason: String,
    },
    /// No number of servers up to the limit reaches the target.
    #[error("no staffing up to {max_servers} servers reaches the target: {reason}")]
    Unreachable {
        /// The largest number of servers tried.
        max_servers: u32,
        /// Which part of the target stays out of reach.
        reason: String,
    },
    /// A line of a CSV file cannot be read (`line` counts from 1, the header is line 1).
    #[error("line {line}: {reason}")]
    Csv {
        /// The line of the file, from 1.
        line: usize,
        /// What is wrong on it.
        reason: String,
    },
    /// The series is too short for what was asked of it.
    #[error("not enough history: {0}")]
    NotEnoughHistory(String),
}

impl PlanError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidField {
            field,
            reason: reason.into(),
        }
    }
}
