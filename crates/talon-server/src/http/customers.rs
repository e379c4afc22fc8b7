//! Customer records: staff record a visitor's category under an identifier, look it up, and
//! forget it. Answers never contain the identifier or its hash.

use crate::app::App;
use crate::customers::{Source, category_of};
use crate::error::ApiError;
use crate::extract::{Json, Path};
use crate::identity::{Identifier, IdentifierInput, IdentifierKind};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, CategoryId, DomainError, Entity};
use talon_store::Customer;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    identifier: IdentifierInput,
    category: Option<CategoryId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentifierRequest {
    identifier: IdentifierInput,
}

#[derive(Serialize)]
pub struct CustomerView {
    kind: IdentifierKind,
    last4: Option<String>,
    category: Option<CategoryId>,
    /// Where the category comes from, when the visitor is known.
    source: Option<Source>,
}

pub async fn save(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<SaveRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    let handle = app.branch(branch)?;
    let identifier = Identifier::parse(&request.identifier)?;
    if let Some(category) = request.category
        && !handle.read(move |s| s.category(category).is_some()).await?
    {
        return Err(DomainError::NotFound(Entity::Category).into());
    }
    app.store
        .save_customer(Customer {
            branch,
            identifier_hash: app.identity_key.hash(&identifier),
            kind: identifier.kind().as_str().to_string(),
            last4: identifier.last4(),
            category: request.category,
        })
        .await?;
    Ok(axum::Json(CustomerView {
        kind: identifier.kind(),
        last4: identifier.last4(),
        category: request.category,
        source: request.category.map(|_| Source::Record),
    }))
}

pub async fn lookup(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<IdentifierRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    let handle = app.branch(branch)?;
    let identifier = Identifier::parse(&request.identifier)?;
    let found = category_of(&app, &handle, &identifier).await?;
    Ok(axum::Json(CustomerView {
        kind: identifier.kind(),
        last4: identifier.last4(),
        category: found.map(|(c, _)| c),
        source: found.map(|(_, s)| s),
    }))
}

pub async fn forget(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<IdentifierRequest>,
) -> Result<StatusCode, ApiError> {
    app.branch(branch)?;
    let identifier = Identifier::parse(&request.identifier)?;
    if app
        .store
        .delete_customer(branch, &app.identity_key.hash(&identifier))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "customer_not_found",
            "no record of this identifier",
        ))
    }
}

/// Everything kept about a visitor, for their request to see it: the kind of identifier, a
/// card's last four digits, the category and when the record was made and last changed.
#[derive(Serialize)]
pub struct CustomerExport {
    kind: String,
    last4: Option<String>,
    category: Option<CategoryId>,
    created_at: jiff::Timestamp,
    updated_at: jiff::Timestamp,
}

pub async fn export(
    State(app): State<Arc<App>>,
    Path(branch): Path<BranchId>,
    Json(request): Json<IdentifierRequest>,
) -> Result<axum::Json<CustomerExport>, ApiError> {
    app.branch(branch)?;
    let identifier = Identifier::parse(&request.identifier)?;
    let hash = app.identity_key.hash(&identifier);
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "customer_not_found",
            "no record of this identifier",
        )
    };
    let record = app
        .store
        .customer(branch, &hash)
        .await?
        .ok_or_else(not_found)?;
    let times = app
        .store
        .customer_times(branch, &hash)
        .await?
        .ok_or_else(not_found)?;
    Ok(axum::Json(CustomerExport {
        kind: record.kind,
        last4: record.last4,
        category: record.category,
        created_at: times.created_at,
        updated_at: times.updated_at,
    }))
}
