//! Customer records: staff record a visitor's category under an identifier, look it up, and
//! forget it. Answers never contain the identifier or its hash.

use super::tickets::STAFF;
use crate::app::App;
use crate::auth::{Principal, Role};
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
    principal: Principal,
    Path(branch): Path<BranchId>,
    Json(request): Json<SaveRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    principal.require(STAFF, Some(branch))?;
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
    principal: Principal,
    Path(branch): Path<BranchId>,
    Json(request): Json<IdentifierRequest>,
) -> Result<axum::Json<CustomerView>, ApiError> {
    principal.require(STAFF, Some(branch))?;
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
    principal: Principal,
    Path(branch): Path<BranchId>,
    Json(request): Json<IdentifierRequest>,
) -> Result<StatusCode, ApiError> {
    principal.require(&[Role::Admin], Some(branch))?;
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
