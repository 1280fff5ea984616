//! `jcsim readiness`: preflight an external target, run the readiness
//! checks, compare with a baseline, write the three files and print the
//! summary.

use crate::cli::ReadinessArgs;
use crate::engine::Namespace;
use crate::output::Format;
use crate::readiness::{self, Readiness, ReadinessOptions};
use crate::record::Exit;

pub(crate) async fn main(args: ReadinessArgs) -> anyhow::Result<Exit> {
    let (opts, baseline) = match options(&args) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(Exit::Invalid);
        }
    };
    if let (Some(t), false) = (&opts.target, args.external.no_preflight) {
        let (warnings, problem) =
            super::run::preflight_target(&t.client_config(&Default::default()), &format!("--target {}", t.base_url))
                .await;
        for w in warnings {
            eprintln!("{w}");
        }
        if let Some(p) = problem {
            eprintln!("{p}");
            return Ok(Exit::Unreachable);
        }
    }
    tokio::spawn(super::cancel_on_signal(opts.cancel.clone()));
    let ran = match readiness::run(&opts, &crate::compat::ReadinessForms).await {
        Ok(r) => r,
        Err(readiness::ReadinessError::Usage(m)) => {
            eprintln!("error: {m}");
            return Ok(Exit::Invalid);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Unreachable);
        }
    };
    let mut r = ran.readiness;
    if let Some(b) = &baseline {
        r.regressions = readiness::regressions(&r, b);
        r.exit_code = readiness::exit_code(&r, args.strict);
    }
    if let Err(e) = readiness::write(&ran.dir, &r) {
        eprintln!("error: {e}");
        return Ok(Exit::Unreachable);
    }
    match args.format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&r)?;
            text.push('\n');
            super::print_stdout(text.as_bytes())?;
        }
        Format::Human => super::print_stdout(readiness::terminal_summary(&r, &ran.dir).as_bytes())?,
    }
    if opts.cancel.is_cancelled() {
        return Ok(Exit::Interrupted);
    }
    Ok(if r.exit_code == 0 { Exit::Pass } else { Exit::Fail })
}

/// The arguments, checked, and the baseline, read.
fn options(args: &ReadinessArgs) -> Result<(ReadinessOptions, Option<Readiness>), String> {
    let target = args.target.resolve()?;
    super::announce_target(target.as_ref());
    let namespace = Namespace::parse(&args.external.namespace).map_err(|m| format!("--namespace {m}"))?;
    for q in &args.quirks {
        q.parse::<crate::sp::Quirk>().map_err(|e| format!("--quirk {e}"))?;
    }
    if let Some(p) = &args.profile {
        crate::scenario::profile::find(p).map_err(|m| format!("--profile {m}"))?;
    }
    let baseline = match &args.baseline {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--baseline {}: {e}", path.display()))?;
            let b: Readiness = serde_json::from_str(&text)
                .map_err(|e| format!("--baseline {}: not a readiness.json: {e}", path.display()))?;
            Some(b)
        }
        None => None,
    };
    let secret = target.as_ref().and_then(|t| t.credentials.as_ref()).map(|c| c.secret().to_string());
    let command = redacted_command(std::env::args(), secret.as_deref());
    let opts = ReadinessOptions {
        out_dir: args.out.clone(),
        target,
        quirks: args.quirks.clone(),
        profile: args.profile.clone(),
        strict: args.strict,
        namespace,
        cleanup: !args.external.keep,
        cancel: crate::engine::Cancel::default(),
        command,
        progress: (args.format == Format::Human && std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .then_some(progress as fn(usize, usize, &str)),
    };
    Ok((opts, baseline))
}

/// One line on stderr per scenario, overwritten (a terminal only).
fn progress(n: usize, total: usize, name: &str) {
    let name = crate::term::one_line(name);
    eprint!("\r\x1b[2K[{n}/{total}] {name}");
    if n == total {
        eprint!("\r\x1b[2K");
    }
}

/// The command line as the report shows it: `--token`'s value, the
/// token itself wherever it appears, and userinfo in URLs masked.
pub(crate) fn redacted_command(args: impl Iterator<Item = String>, secret: Option<&str>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut mask_next = false;
    for (i, a) in args.enumerate() {
        let a = if i == 0 { "jcsim".to_string() } else { a };
        let shown = if mask_next {
            mask_next = false;
            "***".to_string()
        } else if a == "--token" {
            mask_next = true;
            a
        } else if let Some(rest) = a.strip_prefix("--token=") {
            let _ = rest;
            "--token=***".to_string()
        } else {
            let mut a = a;
            if let Some(s) = secret.filter(|s| !s.is_empty()) {
                a = a.replace(s, "***");
            }
            if let Some((scheme, rest)) = a.split_once("://")
                && let Some((user, host)) = rest.split_once('@')
                && !user.contains('/')
            {
                a = format!("{scheme}://***@{host}");
            }
            a
        };
        out.push(if shown.chars().any(|c| c.is_whitespace() || c == '\'' || c == '"') {
            format!("'{}'", shown.replace('\'', "'\\''"))
        } else {
            shown
        });
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use crate::readiness::{CAPABILITIES, Forms};

    /// Every knob compat tries falls under a capability by the step its
    /// probe exercises, never by default.
    #[test]
    fn every_compat_knob_falls_in_a_capability_by_its_exercise() {
        for k in crate::compat::knobs() {
            let step = crate::compat::ReadinessForms.exercise_step(k.name).unwrap();
            assert!(
                CAPABILITIES.iter().any(|c| c.steps.contains(&step)),
                "{}: step {step} is in no capability",
                k.name
            );
        }
        assert_eq!(crate::compat::ReadinessForms.exercise_step("member_removal"), Some("remove_from_group"));
    }

    #[test]
    fn the_command_line_hides_tokens_and_userinfo() {
        let args =
            ["/usr/bin/jcsim", "readiness", "--token", "s3cret", "--target", "https://u:p@h/scim", "--token=abc"];
        let shown = super::redacted_command(args.iter().map(|s| s.to_string()), Some("s3cret"));
        assert_eq!(shown, "jcsim readiness --token *** --target https://***@h/scim --token=***");
        let shown = super::redacted_command(["jcsim", "x", "a s3cret b"].iter().map(|s| s.to_string()), Some("s3cret"));
        assert_eq!(shown, "jcsim x 'a *** b'");
    }
}
