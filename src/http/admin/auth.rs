//! Who may use `/admin`: the API takes `Authorization: Bearer
//! <OE_ADMIN_TOKEN>` only; the page, which a browser opens from a link,
//! takes a session cookie set by its sign-in form (HttpOnly,
//! SameSite=Strict, so another site can neither read it nor make the
//! browser send it with a forged form). Comparisons are constant-time.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::http::ApiError;

/// The page's session cookie.
pub(super) const COOKIE: &str = "oe_admin";

/// `OE_ADMIN_TOKEN`, and the session value derived from it.
#[derive(Clone)]
pub struct AdminToken {
    token: SecretString,
    /// HMAC-SHA256(token, "oe-webhooks admin session"), hex: what the cookie
    /// holds, so the token itself never sits in a browser's cookie jar.
    session: SecretString,
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

impl AdminToken {
    pub fn new(token: SecretString) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(token.expose_secret().as_bytes()).expect("any key length");
        mac.update(b"oe-webhooks admin session");
        let session = hex::encode(mac.finalize().into_bytes()).into();
        Self { token, session }
    }

    /// Whether `given` is the token (constant time).
    pub(super) fn is_token(&self, given: &str) -> bool {
        bool::from(given.as_bytes().ct_eq(self.token.expose_secret().as_bytes()))
    }

    fn is_session(&self, given: &str) -> bool {
        bool::from(given.as_bytes().ct_eq(self.session.expose_secret().as_bytes()))
    }

    /// The cookie value a signed-in browser holds.
    pub(super) fn session(&self) -> &str {
        self.session.expose_secret()
    }
}

fn token(req: &HttpRequest) -> Option<web::Data<AdminToken>> {
    req.app_data::<web::Data<AdminToken>>().cloned()
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(actix_web::http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// A request of the admin API, authenticated by its bearer token.
pub(super) struct Admin;

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ok = token(req).zip(bearer(req)).is_some_and(|(t, given)| t.is_token(given));
        if !ok {
            tracing::warn!(path = req.path(), "admin: refused a request without a valid token");
        }
        ready(if ok { Ok(Admin) } else { Err(ApiError::AdminUnauthorized) })
    }
}

/// Whether the page's request carries a valid session cookie (or the
/// bearer token, for scripts and tests).
pub(super) fn signed_in(req: &HttpRequest) -> bool {
    let Some(t) = token(req) else { return false };
    req.cookie(COOKIE).is_some_and(|c| t.is_session(c.value())) || bearer(req).is_some_and(|b| t.is_token(b))
}

/// Adds the bearer scheme the description's `security` names.
pub(super) struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("OE_ADMIN_TOKEN")).build(),
            ),
        );
    }
}
