//! The whole network's configuration as one TOML file: `GET` and `POST /api/v1/config`,
//! `talon export` and `talon import`.
//!
//! The file names things by keys a person can read, never by internal ids: a branch by its
//! name, a service by its prefix, a customer category by its English name (without one, by its
//! first name), a work profile and a workplace by their names. Each item is the engine's own
//! type serialised as it is, less its id, so fields added to those types travel through without
//! this module naming them; only the references between items (the services and categories of
//! a profile's entries, a category's `profiles`) are translated to and from keys. A category
//! has no key field of its own in the file: its key comes from its names, the same way for
//! what the file says and what the branch has, so importing a file twice changes nothing the
//! second time.
//!
//! An import updates what its keys match, adds what is new and removes nothing. It is checked
//! completely before anything changes: the syntax, every item's fields, every reference, and
//! then every resulting command is run by the real engine on a scratch copy of its branch. Only
//! then do the commands go to the branch actors. Branches commit one by one, so applying can
//! still stop halfway on a storage failure; what came before stays, and because an import is
//! an upsert, importing the same file again completes it.

use crate::app::App;
use crate::branch::BranchHandle;
use crate::error::{ApiError, public_message};
use crate::http::config as defaults;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use talon_core::{
    BranchId, BranchSettings, BranchState, Category, Command, DomainError, Language, Service,
    WorkProfile, Workplace,
};
use toml::{Table, Value};

/// The media type of the file.
pub const MEDIA_TYPE: &str = "application/toml; charset=utf-8";

/// What the file says about itself, at its top.
const HEADER: &str = "\
# Talon configuration: every branch with its settings, services, customer categories, work
# profiles and workplaces. Import it with `talon import FILE` or `POST /api/v1/config`.
#
# Things are known by keys, never by internal ids: a branch by its name, a service by its
# prefix, a category by its English name (without one, by its first name), a work profile and
# a workplace by their names. Profiles' entries name services and categories, and categories'
# `profiles` name profiles, by those keys. An import updates what its keys match, adds what is
# new and removes nothing: a key renamed here adds a new thing beside the old one.
#
# Users and passwords, device tokens, customer records and tickets are not configuration and
# are not in this file.
";

/// Ids of new things while an import is checked on scratch copies: far above any id the store
/// hands out, and still a TOML integer.
const STAND_IN_IDS: u64 = i64::MAX as u64;

/// One import at a time, so two cannot both create the same new branch.
static IMPORTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The kinds of thing a branch has in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Service,
    Category,
    Profile,
    Workplace,
}

impl Kind {
    /// In the order an import defines them: a profile's entries name services and categories,
    /// which the engine requires to exist; a category's `profiles` it takes as they are.
    const ALL: [Kind; 4] = [
        Kind::Service,
        Kind::Category,
        Kind::Profile,
        Kind::Workplace,
    ];

    /// The branch's list of them in the file.
    fn list(self) -> &'static str {
        match self {
            Kind::Service => "services",
            Kind::Category => "categories",
            Kind::Profile => "profiles",
            Kind::Workplace => "workplaces",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Category => "category",
            Kind::Profile => "profile",
            Kind::Workplace => "workplace",
        }
    }

    /// What its key is.
    fn key_name(self) -> &'static str {
        match self {
            Kind::Service => "prefix",
            Kind::Category => "key",
            Kind::Profile | Kind::Workplace => "name",
        }
    }

    /// The field written first: the key, or for a category the names its key comes from.
    fn first_field(self) -> &'static str {
        match self {
            Kind::Service => "prefix",
            Kind::Category => "names",
            Kind::Profile | Kind::Workplace => "name",
        }
    }
}

/// A category's key: its English name, else its first name.
fn category_key(names: &BTreeMap<Language, String>) -> Option<&str> {
    names
        .get(&Language::En)
        .or_else(|| names.values().next())
        .map(String::as_str)
}

/// Every thing of a kind in the branch: its key and its id.
fn keys_of(state: &BranchState, kind: Kind) -> Vec<(String, u64)> {
    match kind {
        Kind::Service => state
            .services()
            .map(|s| (s.prefix.clone(), s.id.0))
            .collect(),
        Kind::Category => state
            .categories()
            .map(|c| {
                (
                    category_key(&c.names).unwrap_or_default().to_string(),
                    c.id.0,
                )
            })
            .collect(),
        Kind::Profile => state.profiles().map(|p| (p.name.clone(), p.id.0)).collect(),
        Kind::Workplace => state
            .workplaces()
            .map(|w| (w.workplace.name.clone(), w.workplace.id.0))
            .collect(),
    }
}

/// Every thing of a kind in the branch as the file writes it (with its id still in): its key
/// and its table.
fn tables_of(state: &BranchState, kind: Kind) -> Result<Vec<(String, Table)>, String> {
    fn keyed<T: Serialize>(key: &str, item: &T) -> Result<(String, Table), String> {
        Ok((key.to_string(), to_table(item)?))
    }
    match kind {
        Kind::Service => state.services().map(|s| keyed(&s.prefix, s)).collect(),
        Kind::Category => state
            .categories()
            .map(|c| keyed(category_key(&c.names).unwrap_or_default(), c))
            .collect(),
        Kind::Profile => state.profiles().map(|p| keyed(&p.name, p)).collect(),
        Kind::Workplace => state
            .workplaces()
            .map(|w| keyed(&w.workplace.name, &w.workplace))
            .collect(),
    }
}

/// A value in TOML: serde's data model without the `None`s TOML cannot write (a field left out
/// reads back as `None`).
fn to_toml(value: serde_json::Value) -> Result<Option<Value>, String> {
    use serde_json::Value as Json;
    Ok(Some(match value {
        Json::Null => return Ok(None),
        Json::Bool(b) => Value::Boolean(b),
        Json::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::Integer(i),
            (None, Some(f)) if !n.is_u64() => Value::Float(f),
            _ => return Err(format!("the number {n} is too large for TOML")),
        },
        Json::String(s) => Value::String(s),
        Json::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| {
                    to_toml(item)?.ok_or_else(|| "a list holds a value TOML cannot write".into())
                })
                .collect::<Result<_, String>>()?,
        ),
        Json::Object(fields) => {
            let mut table = Table::new();
            for (key, value) in fields {
                if let Some(value) = to_toml(value)? {
                    table.insert(key, value);
                }
            }
            Value::Table(table)
        }
    }))
}

fn to_table<T: Serialize>(item: &T) -> Result<Table, String> {
    let json = serde_json::to_value(item).map_err(|e| e.to_string())?;
    match to_toml(json)? {
        Some(Value::Table(table)) => Ok(table),
        _ => Err("a configuration item is not a table".into()),
    }
}

/// A failure at a path within an item: (path, reason).
type Located = (String, String);

/// Calls `f` on every reference of an item to another: the kind it names, the value naming it
/// and that value's path within the item. A profile's entries (its own and each variant's) name
/// services and categories; a category's `profiles` name profiles. Values of another shape are
/// left alone for the item's type to refuse. Fails with (path, reason).
fn each_reference(
    kind: Kind,
    item: &mut Table,
    f: &mut dyn FnMut(Kind, &mut Value) -> Result<(), String>,
) -> Result<(), Located> {
    let mut visit = |named: Kind, value: &mut Value, path: String| {
        f(named, value).map_err(|reason| (path, reason))
    };
    match kind {
        Kind::Profile => {
            entry_references(item, "", &mut visit)?;
            if let Some(Value::Array(variants)) = item.get_mut("variants") {
                for (i, variant) in variants.iter_mut().enumerate() {
                    if let Value::Table(variant) = variant {
                        entry_references(variant, &format!("variants[{i}]."), &mut visit)?;
                    }
                }
            }
        }
        Kind::Category => {
            if let Some(Value::Array(profiles)) = item.get_mut("profiles") {
                for (i, profile) in profiles.iter_mut().enumerate() {
                    visit(Kind::Profile, profile, format!("profiles[{i}]"))?;
                }
            }
        }
        Kind::Service | Kind::Workplace => {}
    }
    Ok(())
}

/// The references in the `entries` of one set of rules, at path prefix `at`.
fn entry_references(
    rules: &mut Table,
    at: &str,
    visit: &mut dyn FnMut(Kind, &mut Value, String) -> Result<(), Located>,
) -> Result<(), Located> {
    let Some(Value::Array(entries)) = rules.get_mut("entries") else {
        return Ok(());
    };
    for (i, entry) in entries.iter_mut().enumerate() {
        let Value::Table(entry) = entry else { continue };
        if let Some(service) = entry.get_mut("service") {
            visit(Kind::Service, service, format!("{at}entries[{i}].service"))?;
        }
        if let Some(Value::Table(filter)) = entry.get_mut("categories")
            && let Some(Value::Array(only)) = filter.get_mut("only")
        {
            for (j, category) in only.iter_mut().enumerate() {
                let path = format!("{at}entries[{i}].categories.only[{j}]");
                visit(Kind::Category, category, path)?;
            }
        }
    }
    Ok(())
}

// ----- export -----

/// The whole configuration as the file, every list sorted by its key so the same configuration
/// always gives the same text.
pub async fn export(app: &App) -> Result<String, ApiError> {
    let mut branches = Vec::new();
    for handle in app.branches.all() {
        if let Some(branch) = handle.read(render_branch).await? {
            branches.push(branch.map_err(not_exportable)?);
        }
    }
    branches.sort();
    if let Some(pair) = branches.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(not_exportable(format!(
            "two branches are named {:?}; give them distinct names to export",
            pair[0].0
        )));
    }
    let mut text = String::from(HEADER);
    for (_, branch) in branches {
        text.push_str(&branch);
    }
    Ok(text)
}

fn not_exportable(reason: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "config_not_exportable", reason)
}

/// One branch of the file, with its name; `None` for a branch whose creation never committed.
fn render_branch(state: &BranchState) -> Option<Result<(String, String), String>> {
    let settings = state.settings()?;
    let words = format!("branch {:?}", settings.name);
    Some(
        write_branch(state, settings)
            .map(|text| (settings.name.clone(), text))
            .map_err(|reason| format!("{words}: {reason}")),
    )
}

fn write_branch(state: &BranchState, settings: &BranchSettings) -> Result<String, String> {
    let mut text = String::from("\n[[branches]]\n");
    let settings = to_table(settings)?;
    if let Some(kind) = Kind::ALL.iter().find(|k| settings.contains_key(k.list())) {
        return Err(format!(
            "a setting is called `{}`, like the branch's list",
            kind.list()
        ));
    }
    write_fields(&mut text, settings, "name")?;
    // What an item may name, by id.
    let keys: HashMap<Kind, HashMap<i64, String>> = [Kind::Service, Kind::Category, Kind::Profile]
        .into_iter()
        .map(|kind| {
            let by_id = keys_of(state, kind)
                .into_iter()
                .filter_map(|(key, id)| Some((i64::try_from(id).ok()?, key)))
                .collect();
            (kind, by_id)
        })
        .collect();
    for kind in Kind::ALL {
        let mut items = tables_of(state, kind)?;
        items.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = items.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(format!(
                "two {} have the {} {:?}; give them distinct names to export",
                kind.list(),
                kind.key_name(),
                pair[0].0
            ));
        }
        for (key, mut table) in items {
            table.remove("id");
            if kind == Kind::Category
                && let Some(Value::Array(profiles)) = table.get_mut("profiles")
            {
                // Removing a profile leaves its id in categories' lists, where it admits
                // nobody, exactly as leaving it out does.
                profiles.retain(|p| {
                    p.as_integer()
                        .is_some_and(|id| keys[&Kind::Profile].contains_key(&id))
                });
            }
            each_reference(kind, &mut table, &mut |named, value| {
                let key = value
                    .as_integer()
                    .and_then(|id| keys.get(&named)?.get(&id))
                    .ok_or_else(|| format!("names a {} the branch does not have", named.noun()))?;
                *value = Value::String(key.clone());
                Ok(())
            })
            .map_err(|(path, reason)| format!("{} {key:?}, {path}: {reason}", kind.noun()))?;
            text.push_str(&format!("\n[[branches.{}]]\n", kind.list()));
            write_fields(&mut text, table, kind.first_field())?;
        }
    }
    Ok(text)
}

/// Writes a table's fields as `key = value` lines, `first` first and the others in order:
/// values inline, a list of tables one table a line.
fn write_fields(text: &mut String, mut table: Table, first: &str) -> Result<(), String> {
    let lead = table.remove(first).map(|value| (first.to_string(), value));
    for (key, value) in lead.into_iter().chain(table) {
        text.push_str(&toml_key(&key)?);
        text.push_str(" = ");
        match &value {
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_table) => {
                text.push_str("[\n");
                for item in items {
                    text.push_str("    ");
                    text.push_str(&inline(item)?);
                    text.push_str(",\n");
                }
                text.push(']');
            }
            _ => text.push_str(&inline(&value)?),
        }
        text.push('\n');
    }
    Ok(())
}

/// A value on one line.
fn inline(value: &Value) -> Result<String, String> {
    let mut text = String::new();
    value
        .serialize(toml::ser::ValueSerializer::new(&mut text))
        .map_err(|e| e.to_string())?;
    Ok(text)
}

/// A key, bare if TOML allows, else quoted.
fn toml_key(key: &str) -> Result<String, String> {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        Ok(key.to_string())
    } else {
        inline(&Value::String(key.to_string()))
    }
}

// ----- import -----

/// Where in the file something is: a path (`branches[0].services[2]`) and words (`branch
/// "Talon Demo", service "A"`).
#[derive(Debug, Clone)]
struct Place {
    path: String,
    words: String,
}

impl Place {
    fn branch(index: usize, name: Option<&str>) -> Place {
        Place {
            path: format!("branches[{index}]"),
            words: match name {
                Some(name) => format!("branch {name:?}"),
                None => format!("branch {}", index + 1),
            },
        }
    }

    fn item(&self, kind: Kind, index: usize, key: Option<&str>) -> Place {
        let what = match key {
            Some(key) => format!("{} {key:?}", kind.noun()),
            None => format!("{} {}", kind.noun(), index + 1),
        };
        Place {
            path: format!("{}.{}[{index}]", self.path, kind.list()),
            words: format!("{}, {what}", self.words),
        }
    }

    /// An error here, or at `field` within it.
    fn error(&self, field: Option<&str>, reason: impl fmt::Display) -> ImportError {
        let path = match field {
            Some(field) if !field.is_empty() => format!("{}.{field}", self.path),
            _ => self.path.clone(),
        };
        ImportError {
            message: format!("{} ({path}): {reason}", self.words),
            field: Some(path),
        }
    }
}

/// Why a file cannot be imported, and where.
#[derive(Debug)]
struct ImportError {
    field: Option<String>,
    message: String,
}

impl ImportError {
    fn at_top(field: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            field: Some(field.to_string()),
            message: message.into(),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        ApiError {
            field: e.field,
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import_invalid",
                e.message,
            )
        }
    }
}

/// A branch as the file has it.
struct FileBranch {
    place: Place,
    settings: BranchSettings,
    /// In the order of [`Kind::ALL`], each kind in the file's order.
    items: Vec<FileItem>,
}

/// A service, category, profile or workplace as the file has it: references still by key.
struct FileItem {
    kind: Kind,
    key: String,
    place: Place,
    table: Table,
}

/// Reads the file: its syntax, each branch's settings, and each item's key, each key once.
fn parse(text: &str) -> Result<Vec<FileBranch>, ImportError> {
    let mut root: Table = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
    let branches = root.remove("branches");
    if let Some(key) = root.keys().next() {
        return Err(ImportError::at_top(
            key,
            format!("unknown key {key:?}: the file holds a list of [[branches]]"),
        ));
    }
    let branches = match branches {
        None => Vec::new(),
        Some(Value::Array(branches)) => branches,
        Some(_) => {
            return Err(ImportError::at_top(
                "branches",
                "branches is a list of tables, each starting with [[branches]]",
            ));
        }
    };
    let mut parsed: Vec<FileBranch> = Vec::new();
    for (i, branch) in branches.into_iter().enumerate() {
        let Value::Table(mut table) = branch else {
            return Err(Place::branch(i, None).error(None, "a branch is a table"));
        };
        let place = Place::branch(i, table.get("name").and_then(Value::as_str));
        let lists: Vec<(Kind, Option<Value>)> = Kind::ALL
            .into_iter()
            .map(|kind| (kind, table.remove(kind.list())))
            .collect();
        let settings: BranchSettings = read(&place, table)?;
        if let Some(twin) = parsed.iter().find(|b| b.settings.name == settings.name) {
            return Err(place.error(
                Some("name"),
                format!("the branch is listed twice (also {})", twin.place.path),
            ));
        }
        let mut items: Vec<FileItem> = Vec::new();
        for (kind, list) in lists {
            let list = match list {
                None => Vec::new(),
                Some(Value::Array(list)) => list,
                Some(_) => {
                    return Err(place.error(
                        Some(kind.list()),
                        format!(
                            "a list of tables, each starting with [[branches.{}]]",
                            kind.list()
                        ),
                    ));
                }
            };
            for (j, item) in list.into_iter().enumerate() {
                let unnamed = place.item(kind, j, None);
                let Value::Table(table) = item else {
                    return Err(unnamed.error(None, format!("a {} is a table", kind.noun())));
                };
                let key = item_key(kind, &table)
                    .map_err(|(field, reason)| unnamed.error(Some(field), reason))?;
                let item_place = place.item(kind, j, Some(&key));
                if let Some(twin) = items.iter().find(|x| x.kind == kind && x.key == key) {
                    return Err(item_place.error(
                        None,
                        format!(
                            "the {} {key:?} is listed twice (also {})",
                            kind.key_name(),
                            twin.place.path
                        ),
                    ));
                }
                items.push(FileItem {
                    kind,
                    key,
                    place: item_place,
                    table,
                });
            }
        }
        parsed.push(FileBranch {
            place,
            settings,
            items,
        });
    }
    Ok(parsed)
}

/// A syntax error with its line and column.
fn syntax_error(text: &str, e: &toml::de::Error) -> ImportError {
    let at = e.span().map_or_else(String::new, |span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        format!(" at line {line}, column {column}")
    });
    ImportError {
        field: None,
        message: format!("not valid TOML{at}: {}", e.message().trim()),
    }
}

/// An item's key: its prefix, its name, or for a category the key its names give.
fn item_key(kind: Kind, table: &Table) -> Result<String, (&'static str, String)> {
    if kind == Kind::Category {
        let names: BTreeMap<Language, String> = table
            .get("names")
            .cloned()
            .ok_or(("names", "a category needs its names".to_string()))?
            .try_into()
            .map_err(|e: toml::de::Error| ("names", public_message(e.message())))?;
        return category_key(&names)
            .map(str::to_string)
            .ok_or(("names", "at least one name".to_string()));
    }
    let field = kind.key_name();
    table
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or((
            field,
            format!("a {} needs its {field}, a string", kind.noun()),
        ))
}

/// Reads a `T` from a table of the file, refusing keys `T` has no field for (which serde would
/// otherwise skip without a word: a misspelt `daily_limt` must not pass for no limit).
fn read<T: DeserializeOwned + Serialize>(place: &Place, table: Table) -> Result<T, ImportError> {
    let value: T = Value::Table(table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| place.error(None, public_message(e.message())))?;
    let kept = to_table(&value).map_err(|reason| place.error(None, reason))?;
    if let Some(key) = unknown_key(&table, &kept) {
        return Err(place.error(Some(&key), "unknown field"));
    }
    Ok(value)
}

/// The first key of `given` that `kept` lacks, as a path. `kept` is what was read from `given`,
/// written again, so a key it lacks is one no field took. Empty lists and maps are left out:
/// types skip them when writing.
fn unknown_key(given: &Table, kept: &Table) -> Option<String> {
    for (key, value) in given {
        match (value, kept.get(key)) {
            (Value::Array(a), None) if a.is_empty() => {}
            (Value::Table(t), None) if t.is_empty() => {}
            (_, None) => return Some(key.clone()),
            (Value::Table(given), Some(Value::Table(kept))) => {
                if let Some(inner) = unknown_key(given, kept) {
                    return Some(format!("{key}.{inner}"));
                }
            }
            (Value::Array(given), Some(Value::Array(kept))) => {
                for (i, pair) in given.iter().zip(kept).enumerate() {
                    if let (Value::Table(given), Value::Table(kept)) = pair
                        && let Some(inner) = unknown_key(given, kept)
                    {
                        return Some(format!("{key}[{i}].{inner}"));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// An item read with its id.
enum Item {
    Service(Service),
    Category(Category),
    Profile(WorkProfile),
    Workplace(Workplace),
}

impl Item {
    fn read(kind: Kind, place: &Place, table: Table) -> Result<Item, ImportError> {
        Ok(match kind {
            Kind::Service => Item::Service(read(place, table)?),
            Kind::Category => Item::Category(read(place, table)?),
            Kind::Profile => Item::Profile(read(place, table)?),
            Kind::Workplace => Item::Workplace(read(place, table)?),
        })
    }

    /// Whether the branch has it already, exactly so.
    fn unchanged_in(&self, state: &BranchState) -> bool {
        match self {
            Item::Service(s) => state.service(s.id) == Some(s),
            Item::Category(c) => state.category(c.id) == Some(c),
            Item::Profile(p) => state.profile(p.id) == Some(p),
            Item::Workplace(w) => state.workplace(w.id).is_some_and(|x| x.workplace == *w),
        }
    }

    fn command(self) -> Command {
        match self {
            Item::Service(s) => Command::DefineService(s),
            Item::Category(c) => Command::DefineCategory(c),
            Item::Profile(p) => Command::DefineProfile(p),
            Item::Workplace(w) => Command::DefineWorkplace(w),
        }
    }
}

/// Fills in the fields a person may leave out of a new item, with the defaults the API's own
/// forms give them.
fn fill_defaults(kind: Kind, table: &mut Table) {
    fn put<T: Serialize>(table: &mut Table, field: &str, value: T) {
        // Plain numbers, flags and names always serialise.
        if let Ok(value) = Value::try_from(value) {
            table.entry(field).or_insert(value);
        }
    }
    match kind {
        Kind::Service => {
            put(table, "numbering", defaults::default_numbering());
            put(table, "service_norm_secs", defaults::default_service_norm());
            put(table, "waiting_norm_secs", defaults::default_waiting_norm());
            put(table, "enabled", defaults::enabled());
        }
        Kind::Category => put(table, "weight", defaults::enabled_weight()),
        Kind::Profile => put(table, "policy", defaults::longest_waiting()),
        Kind::Workplace => {}
    }
}

/// Which thing an item of the file becomes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Existing(u64),
    /// The n-th new thing of its branch.
    New(usize),
}

/// What an import does to one branch.
struct BranchPlan {
    place: Place,
    settings: BranchSettings,
    /// The branch it changes; `None` for a new one.
    branch: Option<BranchId>,
    /// The branch's state when the import was checked; empty for a new branch.
    base: BranchState,
    items: Vec<(FileItem, Target)>,
    new_items: usize,
}

/// One command of an import, with the place in the file it comes from.
struct Step {
    place: Place,
    command: Command,
}

impl BranchPlan {
    /// Matches the file's branch to `existing` (its id and state), item by item.
    fn new(
        file: FileBranch,
        existing: Option<(BranchId, BranchState)>,
    ) -> Result<BranchPlan, ImportError> {
        let (branch, base) =
            existing.map_or((None, BranchState::new()), |(id, state)| (Some(id), state));
        let installed: HashMap<Kind, Vec<(String, u64)>> = Kind::ALL
            .into_iter()
            .map(|kind| (kind, keys_of(&base, kind)))
            .collect();
        let mut new_items = 0;
        let mut items = Vec::new();
        for item in file.items {
            let matches: Vec<u64> = installed[&item.kind]
                .iter()
                .filter(|(key, _)| *key == item.key)
                .map(|(_, id)| *id)
                .collect();
            let target = match matches[..] {
                [] => {
                    new_items += 1;
                    Target::New(new_items - 1)
                }
                [id] => Target::Existing(id),
                _ => {
                    return Err(item.place.error(
                        None,
                        format!(
                            "the branch has {} {} with this {}; give them distinct names first",
                            matches.len(),
                            item.kind.list(),
                            item.kind.key_name()
                        ),
                    ));
                }
            };
            items.push((item, target));
        }
        Ok(BranchPlan {
            place: file.place,
            settings: file.settings,
            branch,
            base,
            items,
            new_items,
        })
    }

    /// The commands that carry the plan out, with `ids` for the new things, and what they
    /// change. Things the branch has exactly so already get no command.
    fn commands(&self, ids: &[u64]) -> Result<(Vec<Step>, BranchReport), ImportError> {
        let id_of = |target: Target| match target {
            Target::Existing(id) => id,
            Target::New(n) => ids[n],
        };
        // The key of everything the branch will have that an item may name, to its id; `None`
        // for a key two of the branch's things share.
        let mut keys: HashMap<Kind, HashMap<String, Option<u64>>> = HashMap::new();
        for kind in [Kind::Service, Kind::Category, Kind::Profile] {
            let by_key = keys.entry(kind).or_default();
            for (key, id) in keys_of(&self.base, kind) {
                by_key
                    .entry(key)
                    .and_modify(|shared| *shared = None)
                    .or_insert(Some(id));
            }
        }
        for (item, target) in &self.items {
            if let Some(by_key) = keys.get_mut(&item.kind) {
                by_key.insert(item.key.clone(), Some(id_of(*target)));
            }
        }

        let mut report = BranchReport {
            name: self.settings.name.clone(),
            id: self.branch,
            settings: Change::Unchanged,
            created: Named::default(),
            updated: Named::default(),
            unchanged: 0,
        };
        let mut steps = Vec::new();
        match self.branch {
            None => {
                report.settings = Change::Created;
                steps.push(Step {
                    place: self.place.clone(),
                    command: Command::CreateBranch(self.settings.clone()),
                });
            }
            Some(_) if self.base.settings() != Some(&self.settings) => {
                report.settings = Change::Updated;
                steps.push(Step {
                    place: self.place.clone(),
                    command: Command::UpdateBranch(self.settings.clone()),
                });
            }
            Some(_) => {}
        }
        for (item, target) in &self.items {
            let mut table = item.table.clone();
            if table.contains_key("id") {
                return Err(item.place.error(
                    Some("id"),
                    "the file names things by their keys; leave internal ids out",
                ));
            }
            each_reference(item.kind, &mut table, &mut |named, value| {
                let key = value.as_str().ok_or_else(|| {
                    format!(
                        "names a {} by its {}, a string",
                        named.noun(),
                        named.key_name()
                    )
                })?;
                match keys.get(&named).and_then(|by_key| by_key.get(key)) {
                    Some(Some(id)) => {
                        *value = Value::Integer(toml_id(*id)?);
                        Ok(())
                    }
                    Some(None) => Err(format!(
                        "the branch has more than one {} with the {} {key:?}",
                        named.noun(),
                        named.key_name()
                    )),
                    None => Err(format!(
                        "no {} with the {} {key:?} in the file or the branch",
                        named.noun(),
                        named.key_name()
                    )),
                }
            })
            .map_err(|(path, reason)| item.place.error(Some(&path), reason))?;
            fill_defaults(item.kind, &mut table);
            let id = toml_id(id_of(*target)).map_err(|reason| item.place.error(None, reason))?;
            table.insert("id".to_string(), Value::Integer(id));
            let read = Item::read(item.kind, &item.place, table)?;
            let change = match target {
                Target::New(_) => Change::Created,
                Target::Existing(_) if read.unchanged_in(&self.base) => Change::Unchanged,
                Target::Existing(_) => Change::Updated,
            };
            report.note(item.kind, &item.key, change);
            if change != Change::Unchanged {
                steps.push(Step {
                    place: item.place.clone(),
                    command: read.command(),
                });
            }
        }
        Ok((steps, report))
    }

    /// Runs the plan's commands with the real engine on a copy of the branch, new things under
    /// stand-in ids: whatever the engine would refuse is refused now, before anything changes.
    fn check(&self) -> Result<BranchReport, ImportError> {
        let ids: Vec<u64> = (0..self.new_items as u64)
            .map(|n| STAND_IN_IDS - n)
            .collect();
        let (steps, report) = self.commands(&ids)?;
        let mut scratch = self.base.clone();
        let now = Timestamp::now();
        for step in &steps {
            talon_core::execute(&mut scratch, &step.command, now).map_err(|e| match &e {
                DomainError::Invalid { field, .. } => step.place.error(Some(field.as_ref()), &e),
                _ => step.place.error(None, &e),
            })?;
        }
        // Keys must stay distinct, or the next export (and import) could not tell two apart.
        for kind in Kind::ALL {
            let mut seen = HashSet::new();
            for (key, _) in keys_of(&scratch, kind) {
                if !seen.insert(key.clone()) {
                    return Err(self.place.error(
                        None,
                        format!(
                            "the branch would have two {} with the {} {key:?}",
                            kind.list(),
                            kind.key_name()
                        ),
                    ));
                }
            }
        }
        Ok(report)
    }
}

/// An id as a TOML integer.
fn toml_id(id: u64) -> Result<i64, String> {
    i64::try_from(id).map_err(|_| format!("the id {id} is too large"))
}

/// Imports a configuration file: checks all of it, then (unless `dry_run`) applies it branch
/// by branch, and reports what was (or would be) created and updated.
pub async fn import(app: &App, text: &str, dry_run: bool) -> Result<ImportReport, ApiError> {
    let _one_at_a_time = IMPORTS.lock().await;
    let file = parse(text)?;
    let mut installed: Vec<(String, BranchHandle)> = Vec::new();
    for handle in app.branches.all() {
        if let Some(name) = handle
            .read(|state| state.settings().map(|s| s.name.clone()))
            .await?
        {
            installed.push((name, handle));
        }
    }
    let mut plans = Vec::new();
    for branch in file {
        let matching: Vec<&BranchHandle> = installed
            .iter()
            .filter(|(name, _)| *name == branch.settings.name)
            .map(|(_, handle)| handle)
            .collect();
        let existing = match matching[..] {
            [] => None,
            [handle] => Some((handle.id, handle.read(BranchState::clone).await?)),
            _ => {
                return Err(branch
                    .place
                    .error(
                        Some("name"),
                        "the installation has more than one branch of this name; rename one first",
                    )
                    .into());
            }
        };
        plans.push(BranchPlan::new(branch, existing)?);
    }
    let mut branches = Vec::new();
    for plan in &plans {
        branches.push(plan.check()?);
    }
    if !dry_run {
        branches.clear();
        for plan in &plans {
            branches.push(apply(app, plan).await?);
        }
    }
    Ok(ImportReport {
        applied: !dry_run,
        branches,
    })
}

/// Carries out a checked plan through the branch's actor: a new branch starts as `POST
/// /api/v1/branches` starts one.
async fn apply(app: &App, plan: &BranchPlan) -> Result<BranchReport, ApiError> {
    let mut ids = Vec::with_capacity(plan.new_items);
    for _ in 0..plan.new_items {
        ids.push(app.next_id().await?);
    }
    let (steps, mut report) = plan.commands(&ids)?;
    let (handle, created) = match plan.branch {
        Some(id) => (app.branch(id)?, false),
        None => (app.start_new_branch().await?, true),
    };
    report.id = Some(handle.id);
    for (n, step) in steps.into_iter().enumerate() {
        if let Err(e) = handle.execute(step.command, |_, _| ()).await {
            if created && n == 0 {
                // The branch's creation did not commit: forget its actor, as `POST
                // /api/v1/branches` does.
                app.branches.remove(handle.id);
            }
            // The file was checked, so only storage, or a change made to the branch at this
            // very moment, stops it here: not the caller's file, whatever the cause's status.
            return Err(ApiError {
                field: Some(step.place.path.clone()),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "import_interrupted",
                    format!(
                        "applying stopped at {} ({}): {}; what came before it was applied, and \
                         importing the file again completes it",
                        step.place.words, step.place.path, e.message
                    ),
                )
            });
        }
    }
    Ok(report)
}

/// What an import did, or in a dry run would do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// False for a dry run: nothing was changed.
    pub applied: bool,
    pub branches: Vec<BranchReport>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BranchReport {
    pub name: String,
    /// `None` for a branch a dry run would create.
    pub id: Option<BranchId>,
    pub settings: Change,
    pub created: Named,
    pub updated: Named,
    /// How many of the file's services, categories, profiles and workplaces the branch had
    /// exactly so already.
    pub unchanged: usize,
}

impl BranchReport {
    fn note(&mut self, kind: Kind, key: &str, change: Change) {
        let named = match change {
            Change::Created => &mut self.created,
            Change::Updated => &mut self.updated,
            Change::Unchanged => {
                self.unchanged += 1;
                return;
            }
        };
        let list = match kind {
            Kind::Service => &mut named.services,
            Kind::Category => &mut named.categories,
            Kind::Profile => &mut named.profiles,
            Kind::Workplace => &mut named.workplaces,
        };
        list.push(key.to_string());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

/// Things by their keys.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub services: Vec<String>,
    pub categories: Vec<String>,
    pub profiles: Vec<String>,
    pub workplaces: Vec<String>,
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (list, keys) in [
            ("services", &self.services),
            ("categories", &self.categories),
            ("profiles", &self.profiles),
            ("workplaces", &self.workplaces),
        ] {
            if keys.is_empty() {
                continue;
            }
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            let quoted: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            write!(f, "{list} {}", quoted.join(", "))?;
        }
        Ok(())
    }
}

impl Named {
    fn is_empty(&self) -> bool {
        self.services.is_empty()
            && self.categories.is_empty()
            && self.profiles.is_empty()
            && self.workplaces.is_empty()
    }
}

/// The report as `talon import` prints it.
impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for branch in &self.branches {
            let id = branch
                .id
                .map_or_else(|| "new".to_string(), |id| id.to_string());
            let settings = match branch.settings {
                Change::Created => "created",
                Change::Updated => "settings updated",
                Change::Unchanged => "settings unchanged",
            };
            writeln!(f, "branch {:?} ({id}): {settings}", branch.name)?;
            for (what, named) in [("created", &branch.created), ("updated", &branch.updated)] {
                if !named.is_empty() {
                    writeln!(f, "  {what}: {named}")?;
                }
            }
            writeln!(f, "  unchanged: {}", branch.unchanged)?;
        }
        if self.applied {
            let branches = match self.branches.len() {
                1 => "1 branch".to_string(),
                n => format!("{n} branches"),
            };
            writeln!(f, "imported {branches}")
        } else {
            writeln!(f, "dry run: the file is valid; nothing was changed")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).expect("TOML")
    }

    #[test]
    fn a_key_no_field_took_is_found_with_its_path() {
        let kept =
            table("name = \"x\"\nentries = [{ service = 1, weight = 1 }]\nnames = { en = \"a\" }");
        let unknown = |given: &str| unknown_key(&table(given), &kept);
        assert_eq!(unknown("name = \"x\"\ncolour = 1"), Some("colour".into()));
        assert_eq!(
            unknown("entries = [{ service = 1, wieght = 2 }]"),
            Some("entries[0].wieght".into())
        );
        assert_eq!(
            unknown("names = { en = \"a\", xx = \"b\" }"),
            Some("names.xx".into())
        );
        // Empty lists and maps are what types leave out when writing.
        assert_eq!(
            unknown("ratio = []\ngroup = {}\nnames = { en = \"a\" }"),
            None
        );
    }

    #[test]
    fn values_toml_cannot_write_are_left_out_or_refused() {
        let value = serde_json::json!({"a": null, "b": [1, 2], "c": {"d": null, "e": "f"}});
        assert_eq!(
            to_toml(value),
            Ok(Some(Value::Table(table("b = [1, 2]\nc = { e = \"f\" }"))))
        );
        assert!(to_toml(serde_json::json!({"a": u64::MAX})).is_err());
        assert!(to_toml(serde_json::json!([null])).is_err());
    }

    #[test]
    fn a_table_is_written_key_first_with_one_list_item_a_line() {
        let mut text = String::new();
        let fields = table(
            "policy = \"weighted\"\nname = \"Desk 1\"\n\"odd key\" = 1\n\
             entries = [{ service = \"A\" }, { service = \"B\" }]",
        );
        write_fields(&mut text, fields, "name").expect("written");
        assert_eq!(
            text,
            "name = \"Desk 1\"\nentries = [\n    { service = \"A\" },\n    { service = \"B\" },\n]\n\
             \"odd key\" = 1\npolicy = \"weighted\"\n"
        );
        assert_eq!(table(&text)["entries"][1]["service"].as_str(), Some("B"));
    }
}
