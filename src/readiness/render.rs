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

/// `text` cut to `max` characters, with an ellipsis.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// The terminal summary: at most about 25 lines, whatever the SP did.
pub fn terminal_summary(r: &Readiness, dir: &std::path::Path) -> String {
    let l = crate::term::one_line;
    let mut out = format!(
        "JumpCloud readiness of {}: {} ({}/{} capabilities ready)\n",
        r.provenance.target,
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
        out.push_str(&cut(&l(&line), 160));
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
            out.push_str(&cut(&l(&format!("  {}. {} on {} ({cap}): {}", i + 1, k.rule, k.request, k.fix)), 200));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readiness::*;

    /// A readiness with SP-sent text in every place the SP can reach.
    fn hostile() -> Readiness {
        let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'&";
        Readiness {
            format: FORMAT_VERSION,
            verdict: Level::NotReady,
            ready: 0,
            total: 1,
            capabilities: vec![CapabilityReport {
                id: "activation".into(),
                name: "Activation".into(),
                covers: "c".into(),
                verdict: Level::NotReady,
                summary: evil.into(),
                causes: vec![Cause {
                    rule: "sp-rejected-request".into(),
                    severity: "error".into(),
                    request: "POST /Users".into(),
                    title: "t".into(),
                    example: format!("SP answered HTTP 400: {evil}"),
                    admin_sees: "a".into(),
                    fix: "f".into(),
                    rfc: "RFC 7644 §3.12".into(),
                    occurrences: 1,
                    links: vec![Link {
                        scenario: evil.into(),
                        step: 2,
                        exchange: Some(7),
                        href: "run/report.html#x-7".into(),
                    }],
                }],
                compat_risks: Vec::new(),
                coverage: Coverage { not_exercised: vec![evil.into()], ..Coverage::default() },
            }],
            compat: vec![CompatRow {
                knob: "member_removal".into(),
                evidence: "unknown".into(),
                verdict: "at risk".into(),
                summary: "s".into(),
                capability: "group_management".into(),
                forms: vec![FormRow {
                    form: "value_array".into(),
                    outcome: "rejected".into(),
                    detail: Some(evil.into()),
                }],
            }],
            compat_defects: vec![evil.into()],
            attributes: vec![AttributeRow {
                key: "job_title".into(),
                label: "Job Title".into(),
                scim: "title".into(),
                outcome: "changed".into(),
                sent: Some("Analyst".into()),
                returned: Some(evil.into()),
                admin_sees: Some("x".into()),
                href: None,
            }],
            scenarios: ScenarioCounts::default(),
            regressions: Vec::new(),
            provenance: Provenance {
                jcsim_version: "0".into(),
                suite_digest: "sha256:0".into(),
                date: "2026-01-01T00:00:00Z".into(),
                target: "https://sp.example.com/scim/v2".into(),
                target_kind: "external".into(),
                quirks: Vec::new(),
                profile: None,
                command: format!("jcsim readiness --target {evil}"),
                strict: false,
                statement: DISCLAIMER.into(),
            },
            exit_code: 1,
        }
    }

    #[test]
    fn sp_sent_text_is_escaped_in_the_html() {
        let html = render_html(&hostile());
        assert!(html.contains("Is this SCIM server JumpCloud-ready?"), "{html}");
        assert!(!html.contains("<script>alert"), "unescaped script");
        assert!(!html.contains("<img src=x"), "unescaped tag");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"), "{html}");
        assert!(!html.contains("<script"), "the page has no script at all");
        assert!(html.contains("not an endorsement or certification by JumpCloud"));
    }

    #[test]
    fn the_badge_is_red_when_a_capability_is_not_ready_and_says_how_many() {
        let svg = badge_svg(&hostile());
        assert!(svg.starts_with("<svg") && svg.contains("ready 0/1 · 1 not ready") && svg.contains("#e05d44"), "{svg}");
    }

    #[test]
    fn the_terminal_summary_is_short_and_inert() {
        let mut r = hostile();
        let cap = r.capabilities[0].clone();
        r.capabilities = (0..6).map(|_| cap.clone()).collect();
        r.regressions = (0..6)
            .map(|_| Regression { capability: "a".into(), name: "A".into(), was: Level::Ready, now: Level::NotReady })
            .collect();
        let text = terminal_summary(&r, std::path::Path::new("runs/x"));
        assert!(text.lines().count() <= 25, "{text}");
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
    }
}
