//! Which SP a run talks to: `--target`, the scenario's `base_url`, or the
//! embedded SP started in-process on a loopback port.

use super::EngineError;
use crate::client::{Credentials, Tls};
use crate::scenario::{Auth, Scenario};
use crate::sp::{self, Quirk, RunningSp, SpConfig};

/// `--target URL` with `--token`/`--token-env`.
#[derive(Debug, Clone)]
pub struct TargetOverride {
    pub base_url: String,
    pub credentials: Option<Credentials>,
    /// `--cacert` and `--insecure`.
    pub tls: Tls,
}

impl TargetOverride {
    /// Client settings for this target under `b`, TLS included (preflight, `jcsim cleanup`).
    pub(crate) fn client_config(&self, b: &crate::provision::Behaviour) -> crate::client::ClientConfig {
        crate::client::ClientConfig {
            tls: self.tls.clone(),
            ..super::client_config_for(b, &self.base_url, self.credentials.clone())
        }
    }
}

/// The SP of one run.
pub(crate) struct ResolvedTarget {
    pub(crate) base_url: String,
    pub(crate) credentials: Option<Credentials>,
    /// `embedded` or `external`.
    pub(crate) kind: &'static str,
    /// How the SP's certificate is checked.
    pub(crate) tls: Tls,
    embedded: Option<RunningSp>,
}

impl ResolvedTarget {
    /// The embedded SP's state, when one was started.
    pub(crate) fn embedded_state(&self) -> Option<crate::sp::SpState> {
        self.embedded.as_ref().map(|sp| sp.state.clone())
    }

    /// Stop the embedded SP, if one was started.
    pub(crate) async fn shutdown(self) {
        if let Some(sp) = self.embedded {
            // Bounded: a client that keeps a connection open must not hang the run.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), sp.shutdown()).await;
        }
    }
}

pub(crate) async fn resolve(
    s: &Scenario,
    over: Option<&TargetOverride>,
    seed: u64,
) -> Result<ResolvedTarget, EngineError> {
    let scenario_creds = s.target.as_ref().and_then(|t| t.auth.as_ref()).and_then(credentials);
    if let Some(o) = over {
        return Ok(ResolvedTarget {
            base_url: o.base_url.clone(),
            credentials: o.credentials.clone().or(scenario_creds),
            kind: "external",
            tls: o.tls.clone(),
            embedded: None,
        });
    }
    if let Some(url) = s.target.as_ref().and_then(|t| t.base_url.clone()) {
        return Ok(ResolvedTarget {
            base_url: url,
            credentials: scenario_creds,
            kind: "external",
            tls: Tls::default(),
            embedded: None,
        });
    }
    let quirks = s
        .quirks()
        .iter()
        .map(|q| q.parse::<Quirk>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| EngineError::EmbeddedSp(e.to_string()))?;
    let token = embedded_token();
    let config = SpConfig { token: Some(token.clone()), quirks, seed, ..SpConfig::default() };
    let running = sp::spawn(config).await.map_err(|e| EngineError::EmbeddedSp(e.to_string()))?;
    Ok(ResolvedTarget {
        base_url: running.base_url.clone(),
        credentials: Some(Credentials::Bearer(token)),
        kind: "embedded",
        tls: Tls::default(),
        embedded: Some(running),
    })
}

/// A fresh random token for the embedded SP (redacted like any other).
pub(crate) fn embedded_token() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    format!("jcsim-{:032x}", rng.random::<u128>())
}

pub(crate) fn credentials(a: &Auth) -> Option<Credentials> {
    match (&a.bearer, &a.header, &a.value) {
        (Some(t), _, _) => Some(Credentials::Bearer(t.clone())),
        (None, Some(name), Some(value)) => Some(Credentials::Header { name: name.clone(), value: value.clone() }),
        _ => None,
    }
}
