//! Templates compiled into the binary (autoescaped: every name ends in `.html`),
//! the embedded CSS and JS, flash banners and the page frame.

use super::ConsoleError;
pub use super::sessions::Flash;
use super::sessions::Visitor;
use super::state::ConsoleState;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use std::sync::LazyLock;
use tera::{Context, Tera};

static TEMPLATES: LazyLock<Tera> = LazyLock::new(|| {
    let mut t = Tera::default();
    let all = [
        ("base.html", include_str!("../../../templates/console/base.html")),
        ("login.html", include_str!("../../../templates/console/login.html")),
        ("home.html", include_str!("../../../templates/console/home.html")),
        ("users.html", include_str!("../../../templates/console/users.html")),
        ("user.html", include_str!("../../../templates/console/user.html")),
        ("groups.html", include_str!("../../../templates/console/groups.html")),
        ("group.html", include_str!("../../../templates/console/group.html")),
        ("apps.html", include_str!("../../../templates/console/apps.html")),
        ("app.html", include_str!("../../../templates/console/app.html")),
        ("insights.html", include_str!("../../../templates/console/insights.html")),
        ("export.html", include_str!("../../../templates/console/export.html")),
        ("runs.html", include_str!("../../../templates/console/runs.html")),
        ("api.html", include_str!("../../../templates/console/api.html")),
        ("readiness.html", include_str!("../../../templates/console/readiness.html")),
        ("not_found.html", include_str!("../../../templates/console/not_found.html")),
    ];
    // A template error is a build defect: the tests render every page.
    if let Err(e) = t.add_raw_templates(all) {
        panic!("console templates: {e:?}");
    }
    t.register_filter("code", code_filter);
    t
});

/// `{{ text | code | safe }}`: the text HTML-escaped, with each `span` in
/// backticks rendered as `<code>` (rule texts and fixes quote code that way).
fn code_filter(v: &tera::Value, _: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let text = v.as_str().unwrap_or_default();
    Ok(tera::Value::String(code_spans(text)))
}

pub(crate) fn code_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let parts: Vec<&str> = text.split('`').collect();
    // An odd number of parts: every backtick is paired.
    let paired = parts.len() % 2 == 1;
    for (i, part) in parts.iter().enumerate() {
        let escaped = tera::escape_html(part);
        if i % 2 == 1 && paired {
            out.push_str("<code>");
            out.push_str(&escaped);
            out.push_str("</code>");
        } else {
            if i > 0 && !paired {
                out.push('`');
            }
            out.push_str(&escaped);
        }
    }
    out
}

const CSS: &str = include_str!("../../../templates/console/static/console.css");
const JS: &str = include_str!("../../../templates/console/static/console.js");

pub async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

pub async fn js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], JS).into_response()
}

/// Render a template (a failure becomes a logged 500 through `ConsoleError`).
pub fn render(name: &'static str, ctx: &Context) -> Result<Response, ConsoleError> {
    let html =
        TEMPLATES.render(name, ctx).map_err(|e| ConsoleError::Render { what: name, message: format!("{e:?}") })?;
    Ok(Html(html).into_response())
}

/// Render a console page inside the frame: navigation, CSRF token, banner.
pub fn page(
    state: &ConsoleState,
    v: &Visitor,
    name: &'static str,
    nav: &str,
    title: &str,
    mut ctx: Context,
) -> Result<Response, ConsoleError> {
    ctx.insert("csrf", &v.csrf);
    ctx.insert("nav", nav);
    ctx.insert("title", title);
    ctx.insert("flash", &state.sessions().take_flash(&v.sid));
    ctx.insert("login_enabled", &state.config().admin_token.is_some());
    ctx.insert("run_id", state.run_id());
    render(name, &ctx)
}
