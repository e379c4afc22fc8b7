//! The OpenAPI 3.1 document, generated from the route declarations: each operation as its
//! handler declares it, with who may call it (its security requirement names the roles, as
//! OpenAPI 3.1 allows for schemes other than OAuth) and the answers every route of its kind can
//! give (no token, wrong role, a malformed body, an overloaded server) added here once.

use super::route::Route;
use crate::error::ErrorBody;
use crate::policy::Access;
use utoipa::openapi::path::{Operation, PathItem, Paths};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr,
};
use utoipa::{PartialSchema, ToSchema};

const DESCRIPTION: &str = "The REST API of Talon, the electronic queue. Every error is JSON \
    `{\"error\": {\"code\", \"message\"}}` with a stable code (and `field`, the path of the value a \
    validation error concerns). Staff get a bearer token from `/api/v1/auth/login`, or a session \
    cookie with `\"cookie\": true` whose changes carry `X-CSRF-Token`; kiosks and displays use \
    device tokens bound to one branch. An operation's security requirement names the roles that \
    may call it.";

/// The document of these routes.
pub fn document(routes: &[Route]) -> OpenApi {
    let mut paths = Paths::new();
    let mut components = ComponentsBuilder::new()
        .schema(ErrorBody::name(), ErrorBody::schema())
        .security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        )
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The staff pages' session cookie (`cookie: true` at sign-in); changes need \
                 `X-CSRF-Token`. With `page` at sign-in the cookie is that page's \
                 (`talon_session_admin`, `talon_session_operator`), and each request names it \
                 with `X-Talon-Page` (`?page=` on an event stream).",
            ))),
        );
    for route in routes {
        for (name, schema) in &route.schemas {
            components = components.schema(name.clone(), schema.clone());
        }
        let operation = complete(route.operation.clone(), route.access);
        let item = paths.paths.entry(route.path.clone()).or_default();
        put(item, route.method, operation);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Talon")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build()
}

fn put(item: &mut PathItem, method: &str, operation: Operation) {
    let slot = match method {
        "GET" => &mut item.get,
        "POST" => &mut item.post,
        "PUT" => &mut item.put,
        "DELETE" => &mut item.delete,
        "PATCH" => &mut item.patch,
        "HEAD" => &mut item.head,
        "OPTIONS" => &mut item.options,
        _ => &mut item.trace,
    };
    *slot = Some(operation);
}

/// The operation with its security requirement and the answers its kind of route can give.
fn complete(mut operation: Operation, access: Access) -> Operation {
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(error(description)));
    };
    match access {
        Access::Public => operation.security = Some(Vec::new()),
        Access::Roles(roles) => {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            operation.security = Some(vec![
                SecurityRequirement::new("bearer", names.clone()),
                SecurityRequirement::new("session", names),
            ]);
            add(
                "401",
                "No valid token, or a session cookie without its CSRF token on a change. Codes: \
                 `unauthorized`.",
            );
            add(
                "403",
                "The caller's role or branch does not allow this. Codes: `forbidden`, \
                 `csrf_failed`.",
            );
        }
    }
    if operation.request_body.is_some() {
        add(
            "400",
            "The body is not well-formed JSON. Codes: `invalid_json`, `invalid_body`.",
        );
        add(
            "413",
            "The body is larger than the route takes. Codes: `payload_too_large`.",
        );
        add(
            "415",
            "The body is not of the content type the route takes. Codes: \
             `unsupported_media_type`.",
        );
        add(
            "422",
            "A value is missing or invalid; `field` names it. Codes: `validation_failed`.",
        );
    }
    let has_path_parameters = operation.parameters.iter().flatten().any(
        |p| matches!(p, RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Path),
    );
    if has_path_parameters {
        add(
            "404",
            "No such resource (ids are whole numbers). Codes: `not_found`.",
        );
    }
    add(
        "500",
        "Something went wrong on Talon's side; nothing was changed. Codes: `internal`.",
    );
    add(
        "503",
        "Not available right now: the answer took too long, or the store or the branch is \
         unavailable (nothing was changed); or a staff action could not be recorded in the \
         audit log and is not acknowledged (it may have been done). Codes: `timeout`, \
         `storage_unavailable`, `branch_unavailable`, `conflict`, `audit_unavailable`.",
    );
    operation
}

/// An error answer.
pub fn error(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
        .build()
}
