//! Talking to a running server over HTTP, as the tools that drive one (`talon bench`, `talon
//! torture`) do: a client, one caller's API with its token, and signing in politely.

use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use talon_server::demo::Credentials;

pub type Error = super::Error;

/// One request may take this long before a tool calls it failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub fn client() -> Result<reqwest::Client, Error> {
    // No proxy: a tool talks to the server it was given and nothing else.
    Ok(reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

/// The REST API as one caller: a connection pool and a token.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: Arc<str>,
    token: Arc<str>,
}

impl Api {
    pub fn new(http: reqwest::Client, url: &str, token: &str) -> Api {
        Api {
            http,
            base: format!("{url}/api/v1").into(),
            token: token.into(),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The same caller on a connection of its own, as a separate device would be.
    pub fn own_connection(&self) -> Result<Api, Error> {
        Ok(Api {
            http: client()?,
            ..self.clone()
        })
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&*self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(http_error)?;
        let status = response.status();
        Ok((status, response.bytes().await.map_err(http_error)?.into()))
    }

    pub async fn expect(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        want: StatusCode,
    ) -> Result<Vec<u8>, Error> {
        let (status, bytes) = self.send(method.clone(), path, body).await?;
        if status == want {
            Ok(bytes)
        } else {
            Err(failed(&method, path, status, &bytes))
        }
    }

    pub async fn fetch<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let bytes = self.expect(Method::GET, path, None, StatusCode::OK).await?;
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// A failed exchange with its causes, since reqwest's own message names only the URL.
pub fn http_error(e: reqwest::Error) -> Error {
    let mut message = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        message = format!("{message}: {c}");
        cause = c.source();
    }
    message.into()
}

pub fn failed(method: &Method, path: &str, status: StatusCode, body: &[u8]) -> Error {
    format!(
        "{method} {path} answered {status}: {}",
        String::from_utf8_lossy(body)
    )
    .into()
}

pub async fn login(http: &reqwest::Client, url: &str, who: &Credentials) -> Result<String, Error> {
    #[derive(Deserialize)]
    struct Session {
        token: String,
    }
    // Sign-ins run a few at a time and are limited per address; a well-behaved client waits its
    // `Retry-After` when told the server is busy or the address must slow down.
    let mut attempts = 0;
    loop {
        let response = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({"username": who.username, "password": who.password}))
            .send()
            .await
            .map_err(http_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let bytes = response.bytes().await.map_err(http_error)?;
        attempts += 1;
        match (status, retry_after) {
            (StatusCode::OK, _) => return Ok(serde_json::from_slice::<Session>(&bytes)?.token),
            (StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS, Some(wait))
                if attempts < 30 =>
            {
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            _ => {
                return Err(format!(
                    "logging in as {} failed: {}",
                    who.username,
                    failed(&Method::POST, "/auth/login", status, &bytes)
                )
                .into());
            }
        }
    }
}
