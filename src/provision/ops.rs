//! The vocabulary between the behaviour model and the wire: operations,
//! replies, the transport seam, and findings.

pub(crate) use crate::client::Body;
use serde_json::Value;
use std::future::Future;

pub(crate) use crate::record::Insight;

/// HTTP methods JumpCloud uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One SCIM request JumpCloud would send.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimOp {
    pub(crate) insight: Insight,
    /// Why it is sent, for the timeline (`look up alice@example.com`).
    pub(crate) label: String,
    pub(crate) method: Method,
    /// Path below the base URL, starting with `/`.
    pub(crate) path: String,
    /// Query parameters, in order, not yet encoded.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Body>,
    /// Send a wrong token instead of the configured one (jcsim's auth probe).
    pub(crate) wrong_credentials: bool,
    /// Send the credentials in use before the last token rotation.
    pub(crate) previous_credentials: bool,
    /// A JSON answer over 1 MiB comes back as its text ([`Reply::raw`]) for
    /// the model to read with a typed parser, not as a value (a group of
    /// 100,000 members is ~70 MB as values).
    pub(crate) raw_when_large: bool,
    /// The request is meant to be refused (a probe, a read of something
    /// deleted): a 4xx answer is recorded as expected, not as a failure.
    pub(crate) expects_refusal: bool,
    /// A probe of another request form (`compat-risk`), not JumpCloud
    /// traffic: recorded, but the per-exchange response rules skip it.
    pub(crate) probe: bool,
}

impl ScimOp {
    pub(crate) fn new(insight: Insight, method: Method, path: impl Into<String>, label: impl Into<String>) -> Self {
        ScimOp {
            insight,
            label: label.into(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            wrong_credentials: false,
            previous_credentials: false,
            raw_when_large: false,
            expects_refusal: false,
            probe: false,
        }
    }

    /// See [`ScimOp::expects_refusal`].
    pub(crate) fn expects_refusal(mut self) -> Self {
        self.expects_refusal = true;
        self
    }

    /// See [`ScimOp::raw_when_large`].
    pub(crate) fn raw_when_large(mut self) -> Self {
        self.raw_when_large = true;
        self
    }

    /// Send a wrong token (the `auth-401` probe).
    pub(crate) fn wrong_credentials(mut self) -> Self {
        self.wrong_credentials = true;
        self.expects_refusal = true;
        self
    }

    pub(crate) fn body(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// A body given as JSON text, for bodies too large to build as a value.
    pub(crate) fn body_text(mut self, text: Vec<u8>) -> Self {
        self.body = Some(Body::Text(text));
        self
    }

    pub(crate) fn query(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }
}

/// The SP's final answer to an operation (after the transport's retries).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// The body, when it was JSON.
    pub body: Option<Value>,
    /// The body as text instead, when it was large and asked for so.
    pub raw: Option<Vec<u8>>,
    /// The exchange that carried it.
    pub exchange: u64,
    /// The `Location` header of a redirect (3xx), for the finding.
    pub location: Option<String>,
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The SCIM error `detail` (or the whole body) for messages.
    pub(crate) fn detail(&self) -> String {
        match &self.body {
            Some(b) => match b.get("detail").and_then(Value::as_str) {
                Some(d) => d.to_string(),
                None => truncate(&b.to_string(), 300),
            },
            None => String::new(),
        }
    }
}

/// No HTTP response at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: crate::record::FaultKind,
    pub message: String,
    pub exchange: u64,
}

/// Sends operations. The engine's implementation records every attempt.
pub trait Transport: Sync {
    fn send(&self, op: ScimOp) -> impl Future<Output = Result<Reply, Fault>> + Send;

    /// Whether a request in an unconfirmed form that the SP rejects is
    /// retried in the knob's other forms (see `probe::send_form`). `jcsim
    /// compat` turns it off to see each form's own answer.
    fn probes_forms(&self) -> bool {
        false
    }

    /// Keep a finding about a request that still succeeded (a `compat-risk`
    /// warning after an accepted alternative form).
    fn note(&self, finding: crate::check::Finding) {
        let _ = finding;
    }
}

/// Cut `s` to at most `max` characters, marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}
