//! Which category an identified visitor has: the branch's own customer record first, then the
//! external CRM if one is configured. A CRM that is slow or down never holds up a ticket: after
//! its timeout the visitor is simply served without a category.

use crate::app::App;
use crate::branch::BranchHandle;
use crate::error::ApiError;
use crate::identity::Identifier;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use talon_core::CategoryId;

/// An external customer database asked over HTTP.
pub struct Crm {
    url: String,
    client: reqwest::Client,
}

impl Crm {
    pub fn new(url: String, timeout: Duration) -> Result<Crm, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Crm { url, client })
    }

    /// `POST url {branch, kind, value}` → `{category}`; any failure is "no category".
    async fn lookup(&self, branch: u64, identifier: &Identifier) -> Option<CategoryId> {
        #[derive(Deserialize)]
        struct Answer {
            category: Option<CategoryId>,
        }
        let request = serde_json::json!({
            "branch": branch,
            "kind": identifier.kind(),
            "value": identifier.value(),
        });
        let sent = self.client.post(&self.url).json(&request).send().await;
        let answer = match sent {
            Ok(response) if response.status().is_success() => response.json::<Answer>().await,
            Ok(response) => {
                tracing::warn!(status = %response.status(), "the CRM refused a lookup");
                return None;
            }
            Err(e) => {
                tracing::warn!(timeout = e.is_timeout(), "the CRM did not answer a lookup");
                return None;
            }
        };
        answer.ok().and_then(|a| a.category)
    }
}

/// Where a visitor's category came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Record,
    Crm,
}

/// The category of an identified visitor in this branch, and where it came from. A category
/// the branch does not have (removed since, or unknown to it) counts as none.
pub async fn category_of(
    app: &App,
    branch: &BranchHandle,
    identifier: &Identifier,
) -> Result<Option<(CategoryId, Source)>, ApiError> {
    let hash = app.identity_key.hash(identifier);
    let recorded = app
        .store
        .customer(branch.id, &hash)
        .await?
        .and_then(|c| c.category)
        .map(|c| (c, Source::Record));
    let found = match (recorded, &app.crm) {
        (Some(found), _) => Some(found),
        (None, Some(crm)) => crm
            .lookup(branch.id.0, identifier)
            .await
            .map(|c| (c, Source::Crm)),
        (None, None) => None,
    };
    let Some((category, source)) = found else {
        return Ok(None);
    };
    let exists = branch
        .read(move |state| state.category(category).is_some())
        .await?;
    Ok(exists.then_some((category, source)))
}
