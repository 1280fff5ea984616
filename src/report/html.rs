//! The tera templates, compiled into the binary once, and the two pages built
//! from them. Autoescape is on (`.html` names); the only unescaped values are
//! our own CSS/JS constants and the script-safe JSON streamed by `view`.

use super::ReportError;
use super::index::IndexPage;
use super::run::Run;
use super::view;
use std::path::Path;
use std::sync::LazyLock;
use tera::{Context, Tera};

const CSS: &str = include_str!("../../templates/report.css");
const JS: &[&str] = &[
    include_str!("../../templates/js/util.js"),
    include_str!("../../templates/js/detail.js"),
    include_str!("../../templates/js/timeline.js"),
    include_str!("../../templates/js/init.js"),
];

static TEMPLATES: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates(vec![
        ("report.html", include_str!("../../templates/report.html")),
        ("index.html", include_str!("../../templates/index.html")),
    ])
    .map_err(|e| chain(&e))?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
});

static SCRIPT: LazyLock<String> = LazyLock::new(|| JS.concat());

/// Placeholders for the streamed JSON, each found inside its `<script>` element:
/// only the template itself can produce `id="…">`, as every value has `<`,
/// `"` and `>` escaped.
const DATA_MARK: &str = "@@JC-DATA@@";
const DETAILS_MARK: &str = "@@JC-DETAILS@@";

/// Write report.html for one run into `w`: the page rendered by tera, with
/// the timeline rows and exchange details streamed from `events.jsonl` into
/// its two data blocks.
pub(crate) fn write_report(run: &Run, w: &mut dyn std::io::Write) -> Result<(), std::io::Error> {
    let page = view::page(run);
    let nonce = nonce(&[&run.digest.to_string(), &page.run_id]);
    let extra = [("data_json", DATA_MARK), ("details_json", DETAILS_MARK)];
    let html = render_with("report.html", &page, Some(nonce), &extra).map_err(std::io::Error::other)?;
    let slot = |id: &str, mark: &str| {
        let tag = format!(r#"id="{id}">{mark}</script>"#);
        let at = html.find(&tag).ok_or_else(|| std::io::Error::other(format!("report.html template lacks {tag}")))?;
        let start = at + tag.len() - mark.len() - "</script>".len();
        Ok::<_, std::io::Error>((start, start + mark.len()))
    };
    let (a, a_end) = slot("jc-data", DATA_MARK)?;
    let (b, b_end) = slot("jc-details", DETAILS_MARK)?;
    if b < a_end {
        return Err(std::io::Error::other("report.html template has the data blocks out of order"));
    }
    w.write_all(&html.as_bytes()[..a])?;
    view::write_data(run, w)?;
    w.write_all(&html.as_bytes()[a_end..b])?;
    view::write_details(run, w)?;
    w.write_all(&html.as_bytes()[b_end..])
}

/// index.html linking `runs`, with links relative to `dir`.
pub(crate) fn index(runs: &[Run], dir: &Path) -> Result<String, ReportError> {
    render("index.html", &IndexPage::new(runs, dir), None)
}

fn render<T: serde::Serialize>(name: &'static str, page: &T, nonce: Option<String>) -> Result<String, ReportError> {
    render_with(name, page, nonce, &[])
}

fn render_with<T: serde::Serialize>(
    name: &'static str,
    page: &T,
    nonce: Option<String>,
    extra: &[(&str, &str)],
) -> Result<String, ReportError> {
    let err = |message| ReportError::Render { what: name, message };
    let tera = TEMPLATES.as_ref().map_err(|e| err(e.clone()))?;
    let mut ctx = Context::from_serialize(page).map_err(|e| err(chain(&e)))?;
    ctx.insert("css", CSS);
    ctx.insert("js", SCRIPT.as_str());
    if let Some(n) = nonce {
        ctx.insert("nonce", &n);
    }
    for (k, v) in extra {
        ctx.insert(*k, v);
    }
    tera.render(name, &ctx).map_err(|e| err(chain(&e)))
}

/// A per-page script nonce for the Content-Security-Policy: derived from the
/// page data, so renders are reproducible yet no payload can predict it.
fn nonce(parts: &[&str]) -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// A tera error with its causes (the top level alone says little).
fn chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_compile() {
        assert!(TEMPLATES.is_ok(), "{:?}", TEMPLATES.as_ref().err());
    }

    #[test]
    fn inline_assets_cannot_close_their_element() {
        for part in JS {
            assert!(!part.to_ascii_lowercase().contains("</script"));
            assert!(!part.contains("<!--"));
        }
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
    }
}
