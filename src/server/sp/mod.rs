//! The embedded SCIM 2.0 service provider (placeholder until the SP lands).

use std::str::FromStr;

#[derive(Debug, Clone, Default)]
pub struct SpConfig {
    pub token: Option<String>,
    pub quirks: Vec<Quirk>,
    pub seed: u64,
    pub body_limit: usize,
}

#[derive(Debug, Clone)]
pub enum Quirk {}

impl FromStr for Quirk {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Err(format!("unknown quirk `{s}`"))
    }
}

pub struct RunningSp {
    pub addr: std::net::SocketAddr,
    pub base_url: String,
}

pub async fn spawn(_config: SpConfig) -> std::io::Result<RunningSp> {
    Err(std::io::Error::other("the embedded SP is not built yet"))
}
