//! "API Settings": the org's admin API key for JumpCloud's SCIM API (shown
//! masked, copied to the clipboard on request, rotatable) and the default
//! state of users an identity source creates.

use super::ConsoleError;
use super::sessions::Visitor;
use super::state::ConsoleState;
use super::views::{self, Flash};
use crate::directory::ScimDefaultState;
use crate::inbound::{PREFIX, mask};
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tera::Context;

const TO: &str = "/settings/api";

/// `GET /settings/api`.
async fn page_view(state: &ConsoleState, v: &Visitor) -> Result<Response, ConsoleError> {
    let default_state = {
        let core = state.core().await;
        core.dir().settings.scim_default_state
    };
    let mut ctx = Context::new();
    ctx.insert("masked", &mask(&state.api_key()));
    ctx.insert("source", state.api_key_source());
    ctx.insert("scim_url", &format!("{}{PREFIX}", state.config().self_url));
    ctx.insert("default_state", if default_state == ScimDefaultState::Activated { "ACTIVATED" } else { "STAGED" });
    views::page(state, v, "api.html", "api", "API Settings", ctx)
}

pub async fn page(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
) -> Result<Response, ConsoleError> {
    page_view(&state, &v).await
}

/// `POST /settings/api/rotate`: "Generate New API Key".
pub async fn rotate(State(state): State<ConsoleState>, Extension(v): Extension<Visitor>) -> Response {
    state.rotate_api_key().await;
    state.sessions().set_flash(
        &v.sid,
        Flash::ok(
            "New API key generated",
            Some(
                "The previous key no longer works. Use \"Copy API key\" to give the new one to your identity source."
                    .into(),
            ),
        ),
    );
    Redirect::to(TO).into_response()
}

/// `POST /settings/api/copy`: the key for the page's "Copy API key" button,
/// which puts it on the clipboard without showing it. CSRF-protected like
/// every console POST, and never cached.
pub async fn copy(State(state): State<ConsoleState>) -> Response {
    let mut res = Json(json!({ "key": state.api_key() })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Deserialize)]
pub struct StateForm {
    #[serde(default)]
    default_state: String,
}

/// `POST /settings/api/state`: "Default user state for SCIM API".
pub async fn default_state(
    State(state): State<ConsoleState>,
    Extension(v): Extension<Visitor>,
    Form(f): Form<StateForm>,
) -> Response {
    let chosen = match f.default_state.as_str() {
        "STAGED" => ScimDefaultState::Staged,
        "ACTIVATED" => ScimDefaultState::Activated,
        _ => {
            state.sessions().set_flash(&v.sid, Flash::err("Unknown user state", None));
            return Redirect::to(TO).into_response();
        }
    };
    let saved = {
        let mut core = state.core().await;
        core.set_scim_default_state(chosen);
        core.save()
    };
    let flash = match saved {
        Ok(()) => Flash::ok(
            "Settings saved",
            Some(format!("Users created through the SCIM API from now on are {}.", f.default_state)),
        ),
        Err(e) => Flash::err("Settings not saved", Some(e.to_string())),
    };
    state.sessions().set_flash(&v.sid, flash);
    Redirect::to(TO).into_response()
}
