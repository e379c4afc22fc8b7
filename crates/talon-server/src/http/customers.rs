//! Customer records: staff record a visitor's category under an identifier, look it up, and
//! forget it. Answers never contain the identifier or its hash.

use crate::app::App;
use crate::customers::{Source, category_of};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Path};
use crate::http::route::{Route, route};
use crate::identity::{Identifier, IdentifierInput, IdentifierKind};
use crate::policy::{ERASE, PERSONAL};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use talon_core::{BranchId, CategoryId, DomainError, Entity};
use talon_store::Customer;
use utoipa::ToSchema;

pub fn routes() -> Vec<Route> {
    vec![
        route!(PERSONAL, save),
        route!(PERSONAL, lookup),
        route!(ERASE, forget),
        route!(ERASE, export),
    ]
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    identifier: IdentifierInput,
    category: Option<CategoryId>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentifierRequest {
    identifier: IdentifierInput,
}

/// What the branch knows of an identified visitor: never the identifier itself.
#[derive(Serialize, ToSchema)]
pub struct CustomerView {
    kind: IdentifierKind,
    last4: Option<String>,
    category: Option<CategoryId>,
    /// Where the category comes from, when the visitor is known.
    source: Option<Source>,
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/customers",
    tag = "customers",
    summary = "Record a visitor's category under their identifier",
    description = "Only a keyed hash of the identifier is kept (and a card's last four digits).",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = SaveRequest,
    responses(
        (status = 200, description = "The record as saved.", body = CustomerView),
        (status = 404, description = "Not found. Codes: `branch_not_found`, \
            `category_not_found`, `not_found`.", body = ErrorBody),
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/customers/lookup",
    tag = "customers",
    summary = "The category of an identified visitor: the branch's record, else the CRM",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = IdentifierRequest,
    responses(
        (status = 200, description = "The visitor as known; no category if unknown.",
            body = CustomerView),
        (status = 404, description = "Not found. Codes: `branch_not_found`, `not_found`.",
            body = ErrorBody),
    )
)]
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

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/customers/forget",
    tag = "customers",
    summary = "Erase the record of an identifier, at the visitor's request",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = IdentifierRequest,
    responses(
        (status = 204, description = "Erased."),
        (status = 404, description = "Not found. Codes: `branch_not_found`, \
            `customer_not_found`, `not_found`.", body = ErrorBody),
    )
)]
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
#[derive(Serialize, ToSchema)]
pub struct CustomerExport {
    kind: String,
    last4: Option<String>,
    category: Option<CategoryId>,
    created_at: jiff::Timestamp,
    updated_at: jiff::Timestamp,
}

#[utoipa::path(
    post,
    path = "/api/v1/branches/{branch}/customers/export",
    tag = "customers",
    summary = "Everything kept about a visitor, for their request to see it",
    description = "The identifier itself is never kept: only its kind, a card's last four \
        digits, the category and when the record was made and last changed.",
    params(("branch" = u64, Path, description = "Branch id.")),
    request_body = IdentifierRequest,
    responses(
        (status = 200, description = "The record.", body = CustomerExport),
        (status = 404, description = "Not found. Codes: `branch_not_found`, \
            `customer_not_found`, `not_found`.", body = ErrorBody),
    )
)]
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
