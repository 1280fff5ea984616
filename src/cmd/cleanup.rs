//! `jcsim cleanup`: preflight the target, list every jcsim-tagged user and
//! group there, confirm, delete them (groups first).

use crate::cli::CleanupArgs;
use crate::client::Client;
use crate::engine::{preflight, sweep};
use crate::record::Exit;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

/// Long on purpose: find, list, confirm and delete are one conversation with
/// the user, each step able to stop it.
pub(crate) async fn main(args: CleanupArgs) -> anyhow::Result<Exit> {
    let target = match args.target.resolve() {
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
    let l = crate::term::one_line;
    let found = match sweep::find(&client, only.as_deref()).await {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: listing resources at {}: {}", target.base_url, l(&e));
            return Ok(Exit::Unreachable);
        }
    };
    report_listing(&found);
    if found.tagged.is_empty() {
        println!("nothing to remove: no user or group at {} carries a jcsim tag", target.base_url);
        return Ok(if found.refused.is_empty() { Exit::Pass } else { Exit::Fail });
    }
    for t in &found.tagged {
        // Names and ids come from the SP: one line each.
        println!("  {:<6} {:<40} {}  ({})", t.kind(), l(&t.name), l(&t.id), l(&t.tag));
    }
    let question = format!("Delete these {} resource(s) at {}?", found.tagged.len(), target.base_url);
    if !args.yes && !confirm(&question)? {
        println!("nothing deleted");
        return Ok(Exit::Fail);
    }
    // Delete, list again, and go on until nothing tagged is left or a pass
    // deletes nothing (an SP that ignores startIndex hides what is past the
    // first page until the first page is gone).
    let (mut deleted, mut remaining, mut failed) = (0, found.tagged, Vec::new());
    let mut refused = found.refused;
    for _ in 0..MAX_PASSES {
        let pass = sweep::delete(&client, &remaining, only.as_deref()).await;
        deleted += pass.deleted;
        failed = pass.failed;
        if pass.deleted == 0 {
            break;
        }
        match sweep::find(&client, only.as_deref()).await {
            Ok(f) => {
                remaining = f.tagged;
                refused = f.refused;
            }
            Err(e) => {
                eprintln!("error: listing resources again at {}: {}", target.base_url, l(&e));
                break;
            }
        }
        if remaining.is_empty() {
            break;
        }
    }
    for (t, why) in &failed {
        eprintln!("  could not delete {} {} ({}): {}", t.collection, l(&t.id), l(&t.name), l(why));
    }
    let left = remaining.len() + refused.len();
    let (s, verb) = if left == 1 { ("", "remains") } else { ("s", "remain") };
    println!("deleted {deleted}; {left} tagged resource{s} {verb}");
    Ok(if left == 0 { Exit::Pass } else { Exit::Fail })
}

/// Passes of delete-then-list at most.
const MAX_PASSES: usize = 20;

/// What the listing says beyond the resources themselves.
fn report_listing(found: &sweep::Found) {
    let l = crate::term::one_line;
    if found.ignores_start_index {
        eprintln!(
            "warning: the SP answered a later page with the resources of an earlier one: it ignores startIndex \
             (RFC 7644 §3.4.2.4); cleanup deletes page by page and lists again"
        );
    }
    for t in &found.refused {
        eprintln!(
            "  refused: {} {} ({}): its id cannot be sent as one path segment, so it is not deleted",
            t.kind(),
            l(&t.id),
            l(&t.name)
        );
    }
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
