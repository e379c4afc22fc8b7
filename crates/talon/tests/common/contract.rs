//! The API's contract, checked on every answer the tests receive: the operation (method and
//! path template) must document the answer's status, and a JSON body must fit the documented
//! schema, with no field the schema does not name. The document is the one the server serves,
//! generated from the same declarations.
//!
//! The checker covers the part of JSON Schema the generated document uses: `$ref`, `allOf`,
//! `oneOf`/`anyOf`, `type` (one or several), `enum`, `properties`/`required`,
//! `additionalProperties`, `items`, `minimum`/`maximum`. An object schema with properties is
//! closed unless it says `additionalProperties`.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex};

/// The served document.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(talon_server::openapi_json()).expect("the document is JSON")
});

/// Every (method, path template, status) an answer was checked against, for the coverage test.
pub static CHECKED: LazyLock<Mutex<BTreeSet<(String, String, u16)>>> =
    LazyLock::new(|| Mutex::new(BTreeSet::new()));

pub fn document() -> &'static Value {
    &DOCUMENT
}

/// The path template of `path` among the documented ones: the one with the most literal
/// segments that matches, as the router chooses.
pub fn template_of(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    DOCUMENT["paths"]
        .as_object()?
        .keys()
        .filter_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            let fits = parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && t.ends_with('}')));
            fits.then(|| {
                let literal = parts.iter().filter(|p| !p.starts_with('{')).count();
                (literal, template.as_str())
            })
        })
        .max()
        .map(|(_, template)| template)
}

/// Checks an answer against the document. Paths the document does not know are not checked:
/// the router answers them `404 route_not_found`, which its own tests cover.
pub fn check(method: &Method, path: &str, status: StatusCode, content_type: &str, body: &str) {
    let Some(template) = template_of(path) else {
        return;
    };
    let operation = &DOCUMENT["paths"][template][method.as_str().to_lowercase()];
    if operation.is_null() {
        // A method the path does not take: the router answers 405 for it.
        assert_eq!(
            status, 405,
            "{method} {path} is not documented but answered {status}"
        );
        return;
    }
    let what = format!("{method} {template} → {status}");
    let response = &operation["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "{what}: the status is not documented (body {body})"
    );
    CHECKED.lock().expect("the coverage").insert((
        method.to_string(),
        template.to_string(),
        status.as_u16(),
    ));
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    let Some(content) = response["content"].as_object() else {
        assert!(
            body.is_empty(),
            "{what}: documented without a body, but has one: {body}"
        );
        return;
    };
    let Some(documented) = content.get(&essence) else {
        panic!(
            "{what}: answered {essence:?}, documented {:?}",
            content.keys().collect::<Vec<_>>()
        );
    };
    if essence == "application/json" {
        let value: Value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("{what}: the body is not JSON ({e}): {body}"));
        if let Err(problem) = fits(&value, &documented["schema"], "$") {
            panic!("{what}: {problem}\nbody: {body}");
        }
    }
}

/// Resolves a `$ref` to the schema it names.
fn resolve(schema: &Value) -> &Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("an unknown reference {reference}"));
            let target = &DOCUMENT["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} is not in the document");
            resolve(target)
        }
        None => schema,
    }
}

/// The properties an object schema names, through `allOf`, `oneOf` and `anyOf`.
fn named_properties(schema: &Value, into: &mut Map<String, Value>) {
    let schema = resolve(schema);
    if let Some(properties) = schema["properties"].as_object() {
        for (name, property) in properties {
            into.insert(name.clone(), property.clone());
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            named_properties(part, into);
        }
    }
}

/// Whether a schema lets properties it does not name in: it says so, or it names none.
fn is_open(schema: &Value) -> bool {
    let schema = resolve(schema);
    let says_open = match &schema["additionalProperties"] {
        Value::Bool(open) => *open,
        Value::Object(_) => true,
        _ => false,
    };
    let describes = ["properties", "allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| !schema[*k].is_null());
    says_open
        || !describes
        || ["allOf", "oneOf", "anyOf"].iter().any(|k| {
            schema[*k].as_array().is_some_and(|parts| {
                parts.iter().any(|p| {
                    let p = resolve(p);
                    p["additionalProperties"].is_object() || p["additionalProperties"] == true
                })
            })
        })
}

/// Whether `value` fits `schema`, with no field the schema does not name; the problem with its
/// place if not.
pub fn fits(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    fits_as(value, schema, at, true)
}

/// Whether `value` fits `schema`; `closed` also refuses fields the schema does not name (the
/// parts of an `allOf` are checked open, and the whole closed).
fn fits_as(value: &Value, schema: &Value, at: &str, closed: bool) -> Result<(), String> {
    let schema = resolve(schema);
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            fits_as(value, part, at, false)?;
        }
        return if closed {
            extras(value, schema, at)
        } else {
            Ok(())
        };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let problems: Vec<String> = options
                .iter()
                .filter_map(|o| fits_as(value, o, at, closed).err())
                .collect();
            return if problems.len() < options.len() {
                Ok(())
            } else {
                Err(format!(
                    "{at} fits none of the {key} options: {}",
                    problems.join("; ")
                ))
            };
        }
    }
    if let Some(types) = type_names(schema)
        && !types.iter().any(|t| has_type(value, t))
    {
        return Err(format!("{at} is {value}, not {}", types.join(" or ")));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at} is {value}, not one of {allowed:?}"));
    }
    if let (Some(n), Some(minimum)) = (value.as_f64(), schema["minimum"].as_f64())
        && n < minimum
    {
        return Err(format!("{at} is {n}, below {minimum}"));
    }
    if let (Some(n), Some(maximum)) = (value.as_f64(), schema["maximum"].as_f64())
        && n > maximum
    {
        return Err(format!("{at} is {n}, above {maximum}"));
    }
    if let Some(object) = value.as_object() {
        for required in schema["required"].as_array().into_iter().flatten() {
            let name = required.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                return Err(format!("{at}.{name} is required but missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, field) in object {
            let place = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(property) => fits(field, property, &place)?,
                None if schema["additionalProperties"].is_object() => {
                    fits(field, &schema["additionalProperties"], &place)?;
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            fits(item, schema, &format!("{at}[{i}]"))?;
        }
    }
    if closed {
        extras(value, schema, at)
    } else {
        Ok(())
    }
}

/// The fields of an object that its schema does not name.
fn extras(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Ok(());
    };
    if is_open(schema) {
        return Ok(());
    }
    let mut named = Map::new();
    named_properties(schema, &mut named);
    match object.keys().find(|k| !named.contains_key(*k)) {
        Some(extra) => Err(format!("{at}.{extra} is not documented")),
        None => Ok(()),
    }
}

fn type_names(schema: &Value) -> Option<Vec<&str>> {
    match &schema["type"] {
        Value::String(t) => Some(vec![t.as_str()]),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}
