//! One declaration per route. A handler carries its OpenAPI operation in `#[utoipa::path]` (its
//! method, path, parameters, body and answers, with the types it takes and returns); the
//! module's `routes()` pairs it with its access rule in [`route!`]. The router, the access
//! policy and the OpenAPI document are all built from these declarations, so a route cannot be
//! served without an access rule or documented differently from how it is served.

use crate::app::App;
use crate::policy::Access;
use axum::extract::DefaultBodyLimit;
use axum::routing::MethodRouter;
use std::sync::Arc;
use utoipa::openapi::RefOr;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::schema::Schema;

/// A route: its method and path template, who may use it, its handler and its operation.
pub struct Route {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The path template as axum matches it, e.g. `/api/v1/branches/{branch}/tickets`.
    pub path: String,
    pub access: Access,
    pub(super) handler: MethodRouter<Arc<App>>,
    pub(super) operation: Operation,
    /// The schemas of the types the operation names.
    pub(super) schemas: Vec<(String, RefOr<Schema>)>,
}

/// Declares the route of `handler` (which has a `#[utoipa::path]`) with its access rule.
macro_rules! route {
    ($access:expr, $handler:ident) => {
        $crate::http::route::Route::new(
            $access,
            concat!(module_path!(), "::", stringify!($handler)),
            utoipa_axum::routes!($handler),
        )
    };
}
pub(crate) use route;

impl Route {
    /// A route from what `utoipa_axum::routes!` made of one handler. `name` is the handler's
    /// full path, whose last two parts name the operation (`tickets_issue`).
    pub fn new(
        access: Access,
        name: &str,
        (schemas, paths, handler): utoipa_axum::router::UtoipaMethodRouter<Arc<App>>,
    ) -> Route {
        let mut items = paths.paths.into_iter();
        let (path, item) = match (items.next(), items.next()) {
            (Some(only), None) => only,
            _ => panic!("{name} must document exactly one path"),
        };
        let (method, mut operation) = the_operation(item)
            .unwrap_or_else(|| panic!("{name} must document exactly one method"));
        let mut parts = name.rsplit("::");
        let (function, module) = (parts.next().unwrap_or(name), parts.next().unwrap_or(""));
        operation.operation_id = Some(format!("{module}_{function}"));
        Route {
            method,
            path,
            access,
            handler,
            operation,
            schemas,
        }
    }

    /// Takes bodies of up to `bytes` instead of the usual limit.
    pub fn body_limit(mut self, bytes: usize) -> Route {
        self.handler = self.handler.layer(DefaultBodyLimit::max(bytes));
        self
    }
}

/// The one operation of a path item and its method.
fn the_operation(item: PathItem) -> Option<(&'static str, Operation)> {
    let operations = [
        ("GET", item.get),
        ("POST", item.post),
        ("PUT", item.put),
        ("DELETE", item.delete),
        ("PATCH", item.patch),
        ("HEAD", item.head),
        ("OPTIONS", item.options),
        ("TRACE", item.trace),
    ];
    let mut present = operations
        .into_iter()
        .filter_map(|(method, operation)| Some((method, operation?)));
    match (present.next(), present.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}
