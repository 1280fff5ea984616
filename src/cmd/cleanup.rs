//! `jcsim cleanup`: preflight the target, list every jcsim-tagged user and
//! group there, confirm, delete them (groups first).

use crate::cli::CleanupArgs;
use crate::client::Client;
use crate::engine::{preflight, sweep};
use crate::record::Exit;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

pub(crate) async fn main(args: CleanupArgs) -> anyhow::Result<Exit> {
    let target = match super::run::target_override(&args.target) {
        Ok(Some(t)) => t,
        Ok(None) => {
            eprintln!("error: jcsim cleanup needs --target URL (and usually --token-env VAR)");
            return Ok(Exit::Invalid);
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            return Ok(Exit::Invalid);
        }
    };
    let only = match &args.namespace {
        Some(t) => match crate::scenario::namespace::Tag::parse(t) {
            Ok(t) => Some(t.as_str().to_string()),
            Err(msg) => {
                eprintln!("error: --namespace {msg}");
                return Ok(Exit::Invalid);
            }
        },
        None => None,
    };
    if let Some(c) = &target.credentials {
        crate::logging::register_secret(c.secret());
    }
    let cfg = target.client_config(&Default::default());
    let found = preflight::check(&cfg, Duration::from_secs(5)).await;
    for w in &found.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(p) = found.problem {
        eprintln!("preflight: --target {}: {p}", target.base_url);
        return Ok(Exit::Unreachable);
    }
    let client = Client::new(cfg)?;
    let tagged = match sweep::find(&client, only.as_deref()).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: listing resources at {}: {}", target.base_url, crate::term::one_line(&e.to_string()));
            return Ok(Exit::Unreachable);
        }
    };
    if tagged.is_empty() {
        println!("nothing to remove: no user or group at {} carries a jcsim tag", target.base_url);
        return Ok(Exit::Pass);
    }
    for t in &tagged {
        // Names and ids come from the SP: one line each.
        let l = crate::term::one_line;
        println!("  {:<6} {:<40} {}  ({})", t.kind(), l(&t.name), l(&t.id), l(&t.tag));
    }
    let question = format!("Delete these {} resource(s) at {}?", tagged.len(), target.base_url);
    if !args.yes && !confirm(&question)? {
        println!("nothing deleted");
        return Ok(Exit::Fail);
    }
    let failed = sweep::delete(&client, &tagged).await;
    println!("deleted {} of {}", tagged.len() - failed.len(), tagged.len());
    for (t, why) in &failed {
        let l = crate::term::one_line;
        eprintln!("  could not delete {} {} ({}): {}", t.collection, l(&t.id), l(&t.name), l(why));
    }
    Ok(if failed.is_empty() { Exit::Pass } else { Exit::Fail })
}

/// Ask on the terminal; without one, refuse (use --yes in scripts).
fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!("{question} Not asking without a terminal: pass --yes to delete.");
        return Ok(false);
    }
    print!("{question} [y/N] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}
