//! `jcsim serve`, `jcsim jumpcloud-api` and `jcsim sp`: the long-running servers.

use crate::cli::{JumpcloudApiArgs, ServeArgs, SpArgs};
use crate::record::Exit;
use anyhow::Context;

pub(super) async fn serve(args: ServeArgs) -> anyhow::Result<Exit> {
    use crate::server::console::{ConsoleError, ServeOptions};
    let env = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
    let admin_token = match &args.admin_token_env {
        Some(var) => match env(var) {
            Some(t) => Some(t),
            None => {
                eprintln!("error: {}", ConsoleError::AdminTokenMissing(var.clone()));
                return Ok(Exit::Invalid);
            }
        },
        None => None,
    };
    if let (Some(t), Some(var)) = (&admin_token, &args.admin_token_env)
        && let Some(w) = crate::secret::weak_login_warning(t, &format!("--admin-token-env {var}"))
    {
        eprintln!("{w}");
    }
    let api_key = match &args.api_key_env {
        Some(var) => match env(var) {
            Some(k) => Some(k),
            None => {
                eprintln!("error: --api-key-env: environment variable `{var}` is not set or empty");
                return Ok(Exit::Invalid);
            }
        },
        None => None,
    };
    let Some(sp_quirks) = parse_quirks(&args.quirks) else {
        return Ok(Exit::Invalid);
    };
    let opts = ServeOptions {
        sp_quirks,
        listen: args.listen,
        state_file: args.state,
        runs_dir: args.runs,
        admin_token,
        scim_token: env("JCSIM_SCIM_TOKEN"),
        sp_token: env("JCSIM_SP_TOKEN"),
        seed: args.seed,
        api_key,
    };
    match crate::server::serve(opts).await {
        Ok(()) => Ok(Exit::Pass),
        Err(e @ ConsoleError::PublicBind(_)) => {
            eprintln!("error: {e}");
            Ok(Exit::Invalid)
        }
        Err(e) => Err(e.into()),
    }
}

/// `jcsim jumpcloud-api`: the inbound SCIM API alone. Outbound provisioning
/// uses the Identity Management settings of `--state` (token from `JCSIM_SCIM_TOKEN`).
pub(super) async fn jumpcloud_api(args: JumpcloudApiArgs) -> anyhow::Result<Exit> {
    use crate::inbound::PREFIX;
    use crate::server::console::ConsoleConfig;
    use crate::server::inbound::serve_standalone;
    let Some(api_key) = std::env::var(&args.api_key_env).ok().filter(|k| !k.is_empty()) else {
        eprintln!("error: --api-key-env: environment variable `{}` is not set or empty", args.api_key_env);
        return Ok(Exit::Invalid);
    };
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "jcsim jumpcloud-api: listening on {} (not loopback): anyone with the API key can change the directory",
            args.listen
        );
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let config = ConsoleConfig {
        state_file: args.state,
        runs_dir: args.runs.clone(),
        admin_token: None,
        self_url: format!("http://{addr}"),
        sp_token: None,
        scim_token: std::env::var("JCSIM_SCIM_TOKEN").ok().filter(|t| !t.is_empty()),
        seed: args.seed,
        loopback_hosts_only: false,
        api_key: Some(api_key),
        sp_quirks: Vec::new(),
        readiness: None,
    };
    eprintln!(
        "jcsim jumpcloud-api: JumpCloud SCIM API at http://{addr}{PREFIX} (x-api-key from ${}; runs in {})",
        args.api_key_env,
        args.runs.display()
    );
    serve_standalone(listener, config.org_config()).await.context("serving the JumpCloud SCIM API")?;
    Ok(Exit::Pass)
}

/// `--quirk` values; `None` after printing the first bad one.
fn parse_quirks(names: &[String]) -> Option<Vec<crate::sp::Quirk>> {
    let mut quirks = Vec::new();
    for q in names {
        match q.parse::<crate::sp::Quirk>() {
            Ok(q) => quirks.push(q),
            Err(e) => {
                eprintln!("error: --quirk {e}");
                return None;
            }
        }
    }
    Some(quirks)
}

pub(super) async fn sp(args: SpArgs) -> anyhow::Result<Exit> {
    use crate::sp::{self, SpConfig};
    let Some(quirks) = parse_quirks(&args.quirks) else {
        return Ok(Exit::Invalid);
    };
    if !args.listen.ip().is_loopback() && args.token.is_none() {
        eprintln!(
            "error: refusing to listen on {} without --token (or JCSIM_SP_TOKEN): anyone who can reach it could read and change what it stores. Set a token, or listen on 127.0.0.1",
            args.listen
        );
        return Ok(Exit::Invalid);
    }
    if let Some(w) = args.token.as_deref().and_then(|t| crate::secret::weak_warning(t, "--token")) {
        eprintln!("{w}");
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let auth = if args.token.is_some() { "bearer token required" } else { "no authentication" };
    let names: Vec<String> = quirks.iter().map(|q| q.to_string()).collect();
    eprintln!(
        "jcsim sp: SCIM 2.0 at http://{addr}{} ({auth}; quirks: {})",
        sp::SCIM_ROOT,
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    );
    let config = SpConfig {
        token: args.token,
        quirks,
        seed: args.seed,
        body_limit: args.body_limit,
        max_resources: args.max_resources,
    };
    sp::serve(listener, config).await.context("serving the SP")?;
    Ok(Exit::Pass)
}
