//! JSON Schemas of the types whose JSON form is written by hand (a time zone's name, a span of
//! hours), for the server's OpenAPI document. Every other type derives its schema beside its
//! definition.

use crate::config::{Interval, TimeZoneName};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

impl PartialSchema for TimeZoneName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("An IANA time zone name."))
            .examples(["Europe/Moscow"])
            .into()
    }
}

impl ToSchema for TimeZoneName {}

impl PartialSchema for Interval {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A span of local time, `HH:MM-HH:MM`, the end excluded; `24:00` ends at midnight.",
            ))
            .pattern(Some(
                r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
            ))
            .examples(["09:00-18:00"])
            .into()
    }
}

impl ToSchema for Interval {}
