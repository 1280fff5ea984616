//! The readiness report three ways: `readiness.html` (tera, autoescaped,
//! self-contained), `badge.svg` (shields style) and the terminal summary.

use super::{Level, Readiness};
use std::sync::LazyLock;
use tera::{Context, Tera};

static TEMPLATES: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_template("readiness.html", include_str!("../../templates/readiness.html"))
        .map_err(|e| e.to_string())?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
});

/// `readiness.html`: one self-contained page (no script, no network);
/// every link to an exchange opens the scenario's `report.html` at it.
/// Everything the SP sent is escaped by tera. The console can serve the
/// same page.
pub fn render_html(r: &Readiness) -> String {
    let render = || -> Result<String, String> {
        let tera = TEMPLATES.as_ref().map_err(Clone::clone)?;
        let mut ctx = Context::from_serialize(r).map_err(|e| e.to_string())?;
        ctx.insert("verdict_text", r.verdict.as_str());
        let levels: Vec<&str> = r.capabilities.iter().map(|c| c.verdict.as_str()).collect();
        ctx.insert("levels", &levels);
        ctx.insert("badge", &badge_svg(r));
        tera.render("readiness.html", &ctx).map_err(|e| {
            let mut s = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                s.push_str(&format!(": {c}"));
                cause = c.source();
            }
            s
        })
    };
    render().unwrap_or_else(|e| {
        let escaped = e.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        format!(
            "<!doctype html><meta charset=utf-8><title>readiness</title><p>cannot render the report: {escaped}</p>\n"
        )
    })
}

/// The badge's message and colour.
fn badge_parts(r: &Readiness) -> (String, &'static str) {
    let not_ready = r.capabilities.iter().filter(|c| c.verdict == Level::NotReady).count();
    let at_risk = r.capabilities.iter().filter(|c| c.verdict == Level::AtRisk).count();
    match r.verdict {
        Level::Ready => (format!("ready {}/{}", r.ready, r.total), "#4c1"),
        Level::AtRisk => (format!("ready {}/{} · {at_risk} at risk", r.ready, r.total), "#dfb317"),
        Level::NotReady => (format!("ready {}/{} · {not_ready} not ready", r.ready, r.total), "#e05d44"),
    }
}

/// Text width in Verdana 11px, near enough for a badge (shields measures
/// the same font; ASCII letters average 6.5 px, narrow ones less).
fn width(text: &str) -> u32 {
    let w: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ' ' | '|' | '/' | '·' | 'I' | 't' | 'f' | 'r' => 4.0,
            'm' | 'w' | 'M' | 'W' => 9.5,
            c if c.is_ascii_uppercase() => 7.5,
            _ => 6.8,
        })
        .sum();
    w.ceil() as u32 + 10
}

/// `badge.svg` in the shields flat style: "JumpCloud SCIM | ready 6/6",
/// green when every capability is ready, yellow with one at risk, red with
/// one not ready.
pub fn badge_svg(r: &Readiness) -> String {
    let label = "JumpCloud SCIM";
    let (message, colour) = badge_parts(r);
    let (lw, mw) = (width(label), width(&message));
    let total = lw + mw;
    let (lx, mx) = (lw * 5, lw * 10 + mw * 5);
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {message}"><title>{label}: {message}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{mw}" height="20" fill="{colour}"/><rect width="{total}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110"><text aria-hidden="true" x="{lx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{label}</text><text x="{lx}" y="140" transform="scale(.1)">{label}</text><text aria-hidden="true" x="{mx}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)">{message}</text><text x="{mx}" y="140" transform="scale(.1)">{message}</text></g></svg>
"##
    )
}

/// The terminal summary: at most about 25 lines, whatever the SP did.
pub fn terminal_summary(r: &Readiness, dir: &std::path::Path) -> String {
    let l = crate::term::one_line;
    let mut out = format!(
        "JumpCloud readiness of {} ({}): {} · ready {}/{}\n",
        r.provenance.target,
        r.provenance.target_kind,
        r.verdict.as_str(),
        r.ready,
        r.total
    );
    for c in &r.capabilities {
        let mark = match c.verdict {
            Level::Ready => "✓",
            Level::AtRisk => "!",
            Level::NotReady => "✗",
        };
        let line = format!("  {mark} {:9}  {:19}  {}", c.verdict.as_str(), c.name, c.summary);
        out.push_str(&l(&line));
        out.push('\n');
    }
    let first: Vec<(&str, &super::Cause)> = r
        .capabilities
        .iter()
        .flat_map(|c| c.causes.iter().map(move |k| (c.name.as_str(), k)))
        .filter(|(_, k)| k.severity == "error")
        .take(4)
        .collect();
    if !first.is_empty() {
        out.push_str("Fix first:\n");
        for (i, (cap, k)) in first.iter().enumerate() {
            out.push_str(&l(&format!("  {}. {} on {} ({cap}): {}", i + 1, k.rule, k.request, k.fix)));
            out.push('\n');
        }
    }
    let dropped: Vec<&str> = r
        .attributes
        .iter()
        .filter(|a| matches!(a.outcome.as_str(), "dropped" | "changed"))
        .map(|a| a.label.as_str())
        .collect();
    let checked = r.attributes.iter().filter(|a| a.outcome != "not_checked").count();
    out.push_str(&l(&format!(
        "Attributes: {} of {checked} returned as sent{}",
        r.attributes.iter().filter(|a| a.outcome == "stored").count(),
        if dropped.is_empty() { String::new() } else { format!("; not as sent: {}", dropped.join(", ")) }
    )));
    out.push('\n');
    let risky: Vec<String> =
        r.compat.iter().filter(|k| k.verdict != "robust").map(|k| format!("{} ({})", k.knob, k.verdict)).collect();
    if !risky.is_empty() {
        out.push_str(&l(&format!("Request forms the SP depends on: {}", risky.join(", "))));
        out.push('\n');
    }
    for g in &r.regressions {
        out.push_str(&format!("regression: {} was {}, now {}\n", g.name, g.was.as_str(), g.now.as_str()));
    }
    let s = &r.scenarios;
    out.push_str(&format!(
        "{} scenarios: {} passed, {} failed, {} skipped · {}\n",
        s.run + s.skipped,
        s.passed,
        s.failed,
        s.skipped,
        dir.join("readiness.html").display()
    ));
    out
}
