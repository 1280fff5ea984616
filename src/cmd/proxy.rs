//! `jcsim proxy`: check the arguments, serve until Ctrl-C, render the outputs.

use crate::cli::ProxyArgs;
use crate::client::Tls;
use crate::proxy::{self, ProxyOptions};
use crate::record::Exit;
use anyhow::Context;

pub async fn main(args: ProxyArgs) -> anyhow::Result<Exit> {
    let fail = |message: String| {
        eprintln!("error: {message}");
        Ok(Exit::Invalid)
    };
    if let Err(e) = crate::scim::base_url::check("--upstream", &args.upstream) {
        return fail(e.to_string());
    }
    let ca_pem = match &args.cacert {
        Some(path) => match std::fs::read(path) {
            Ok(pem) => Some(pem),
            Err(e) => return fail(format!("--cacert {}: {e}", path.display())),
        },
        None => None,
    };
    if args.gap.is_zero() || args.timeout.is_zero() {
        return fail("--gap and --timeout must be more than zero".into());
    }
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        eprintln!(
            "jcsim proxy: listening on {addr} (not loopback): whoever reaches it reaches the SP with the credentials they send"
        );
    }
    let run_id = crate::engine::run_id_for("proxy");
    let run_dir = args.out.join(&run_id);
    let upstream = args.upstream.trim_end_matches('/').to_string();
    eprintln!(
        "jcsim proxy: http://{addr} -> {upstream}; recording to {} (Ctrl-C writes the report)",
        run_dir.display()
    );
    let opts = ProxyOptions {
        upstream,
        timeout: args.timeout,
        tls: Tls { ca_pem, insecure: args.insecure },
        redact_headers: args.redact_headers.clone(),
        body_limit: args.body_limit,
        gap: args.gap,
        keep_accept_encoding: args.keep_accept_encoding,
        run_dir,
        run_id,
    };
    let captured = match proxy::serve(listener, opts, crate::signal::shutdown()).await {
        Ok(c) => c,
        Err(e @ proxy::ProxyError::Upstream(_)) => return fail(e.to_string()),
        Err(e) => return Err(e.into()),
    };
    let outputs = crate::report::write_outputs(&captured.run_dir)?;
    let verdict = match captured.exit {
        Exit::Pass => "no SP answer failed a check",
        _ => "some SP answers failed checks (see the report)",
    };
    eprintln!("jcsim proxy: {} recorded; {verdict}", crate::term::plural(captured.exchanges, "exchange"));
    println!("{}", outputs.html.display());
    // The capture is the product: a clean stop is a success, whatever the SP answered.
    Ok(Exit::Pass)
}
