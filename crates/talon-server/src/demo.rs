//! The demo network: one branch with four services, six workplaces, three work profiles, two
//! customer categories, an administrator, six operators, a kiosk and a display, so Talon can be
//! tried at once.

use crate::app::App;
use crate::auth::{Role, hash_password, new_token, random_hex, sha256_hex};
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use talon_core::AfterLast;
use talon_core::{
    BranchId, BranchSettings, Category, CategoryId, Command, Language, NumberRange, Policy,
    ProfileId, Service, ServiceId, TimeZoneName, WorkProfile, Workplace, WorkplaceId,
};
use talon_store::{NewUser, TokenKind, TokenRecord};

/// What a script needs to drive the demo. Kept in the data folder so a restarted demo reuses it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoFacts {
    pub branch: BranchId,
    pub services: Vec<DemoService>,
    pub workplaces: Vec<DemoWorkplace>,
    pub profiles: Vec<DemoProfile>,
    pub categories: Vec<DemoCategory>,
    pub admin: Credentials,
    pub operators: Vec<Credentials>,
    pub kiosk_token: String,
    pub display_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoService {
    pub id: ServiceId,
    pub prefix: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoWorkplace {
    pub id: WorkplaceId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoProfile {
    pub id: ProfileId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoCategory {
    pub id: CategoryId,
    pub name: String,
    pub weight: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// (prefix, English, Russian, German)
const SERVICES: [(&str, &str, &str, &str); 4] = [
    ("A", "Payments", "Платежи", "Zahlungen"),
    ("B", "Loans", "Кредиты", "Kredite"),
    ("C", "Cards", "Карты", "Karten"),
    ("D", "Consultation", "Консультация", "Beratung"),
];

const CREDIT_GROUP: [(Language, &str); 3] = [
    (Language::En, "Loans and cards"),
    (Language::Ru, "Кредиты и карты"),
    (Language::De, "Kredite und Karten"),
];

/// (English, Russian, German, weight, own waiting norm)
const CATEGORIES: [(&str, &str, &str, u32, Option<u32>); 2] = [
    ("VIP", "VIP", "VIP", 3, None),
    ("Pensioner", "Пенсионер", "Rentner", 2, Some(600)),
];

/// Creates the demo network in `app`.
pub async fn create(app: &Arc<App>) -> Result<DemoFacts, ApiError> {
    let handle = app.start_new_branch().await?;
    let branch = handle.id;
    let settings = BranchSettings {
        name: "Talon Demo".to_string(),
        time_zone: TimeZoneName::parse("Europe/Moscow")?,
        languages: vec![Language::Ru, Language::En, Language::De],
        announcements: Default::default(),
        hours: None,
        holidays: Vec::new(),
        ticket_texts: Default::default(),
    };
    handle
        .execute(Command::CreateBranch(settings), |_, _| ())
        .await?;

    let mut services = Vec::new();
    for (prefix, en, ru, de) in SERVICES {
        let id = ServiceId(app.next_id().await?);
        let names = BTreeMap::from([
            (Language::En, en.to_string()),
            (Language::Ru, ru.to_string()),
            (Language::De, de.to_string()),
        ]);
        // Loans and cards share a group, so the kiosk shows a two-level menu.
        let group = if matches!(prefix, "B" | "C") {
            BTreeMap::from(CREDIT_GROUP.map(|(l, n)| (l, n.to_string())))
        } else {
            BTreeMap::new()
        };
        let service = Service {
            id,
            names,
            group,
            prefix: prefix.to_string(),
            numbering: NumberRange {
                first: 1,
                last: 999,
                after_last: AfterLast::Wrap,
            },
            daily_limit: None,
            hours: None,
            service_norm_secs: 300,
            waiting_norm_secs: 900,
            enabled: true,
        };
        handle
            .execute(Command::DefineService(service), |_, _| ())
            .await?;
        services.push(DemoService {
            id,
            prefix: prefix.to_string(),
            name: en.to_string(),
        });
    }
    let ids: Vec<ServiceId> = services.iter().map(|s| s.id).collect();
    let mut profiles = Vec::new();
    for (name, services, policy) in [
        ("All services", ids.clone(), Policy::LongestWaiting),
        ("Payments first", vec![ids[0], ids[3]], Policy::StrictOrder),
        ("Loans and cards", vec![ids[1], ids[2]], Policy::StrictOrder),
    ] {
        let id = ProfileId(app.next_id().await?);
        let profile = WorkProfile::simple(id, name, &services, policy);
        handle
            .execute(Command::DefineProfile(profile), |_, _| ())
            .await?;
        profiles.push(DemoProfile {
            id,
            name: name.to_string(),
        });
    }
    let mut workplaces = Vec::new();
    for n in 1..=6 {
        let workplace = Workplace {
            id: WorkplaceId(app.next_id().await?),
            name: n.to_string(),
        };
        workplaces.push(DemoWorkplace {
            id: workplace.id,
            name: workplace.name.clone(),
        });
        handle
            .execute(Command::DefineWorkplace(workplace), |_, _| ())
            .await?;
    }

    let mut categories = Vec::new();
    for (en, ru, de, weight, waiting_norm_secs) in CATEGORIES {
        let category = Category {
            id: CategoryId(app.next_id().await?),
            names: BTreeMap::from([
                (Language::En, en.to_string()),
                (Language::Ru, ru.to_string()),
                (Language::De, de.to_string()),
            ]),
            weight,
            waiting_norm_secs,
            profiles: None,
        };
        categories.push(DemoCategory {
            id: category.id,
            name: en.to_string(),
            weight,
        });
        handle
            .execute(Command::DefineCategory(category), |_, _| ())
            .await?;
    }

    let admin = add_user(app, "admin", Role::Admin, None).await?;
    let mut operators = Vec::new();
    for n in 1..=6 {
        operators.push(add_user(app, &format!("operator{n}"), Role::Operator, Some(branch)).await?);
    }
    Ok(DemoFacts {
        branch,
        services,
        workplaces,
        profiles,
        categories,
        admin,
        operators,
        kiosk_token: add_device(app, branch, Role::Kiosk, "Demo kiosk").await?,
        display_token: add_device(app, branch, Role::Display, "Demo hall display").await?,
    })
}

async fn add_user(
    app: &App,
    username: &str,
    role: Role,
    branch: Option<BranchId>,
) -> Result<Credentials, ApiError> {
    let password = random_hex(8);
    let to_hash = password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&to_hash))
        .await
        .map_err(|_| ApiError::internal())??;
    app.store
        .create_user(NewUser {
            profiles: None,
            username: username.to_string(),
            password_hash,
            role: role.as_str().to_string(),
            branch,
        })
        .await?;
    Ok(Credentials {
        username: username.to_string(),
        password,
    })
}

async fn add_device(
    app: &App,
    branch: BranchId,
    role: Role,
    name: &str,
) -> Result<String, ApiError> {
    let token = new_token();
    app.store
        .insert_token(TokenRecord {
            printer: None,
            token_hash: sha256_hex(&token),
            kind: TokenKind::Device,
            role: role.as_str().to_string(),
            user_id: None,
            branch: Some(branch),
            name: Some(name.to_string()),
            expires_at: None,
        })
        .await?;
    Ok(token)
}
