//! What a check found about the SP: a rule id, a severity, the message,
//! what the JumpCloud admin sees and how to fix it.

use serde_json::Value;

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Provisioning broke: the step fails.
    Error,
    /// Worth knowing; the step still passes (fails under --strict).
    Warning,
    /// An RFC-valid choice worth knowing about: shown once per run as a
    /// note, never a failure, not even under --strict.
    Info,
}

/// Something the model noticed about the SP's behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub message: String,
    pub admin_sees: Option<String>,
    pub fix: Option<String>,
    pub exchange: Option<u64>,
    pub expected: Option<Value>,
    pub actual: Option<Value>,
}

impl Finding {
    pub fn error(id: &str, message: impl Into<String>) -> Self {
        Finding {
            id: id.to_string(),
            severity: Severity::Error,
            message: message.into(),
            admin_sees: None,
            fix: None,
            exchange: None,
            expected: None,
            actual: None,
        }
    }

    pub fn warning(id: &str, message: impl Into<String>) -> Self {
        Finding { severity: Severity::Warning, ..Finding::error(id, message) }
    }

    pub fn info(id: &str, message: impl Into<String>) -> Finding {
        Finding { severity: Severity::Info, ..Finding::error(id, message) }
    }

    pub fn admin(mut self, sees: impl Into<String>) -> Self {
        self.admin_sees = Some(sees.into());
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub fn exchange(mut self, id: u64) -> Self {
        self.exchange = Some(id);
        self
    }

    pub fn diff(mut self, expected: Value, actual: Value) -> Self {
        self.expected = Some(expected);
        self.actual = Some(actual);
        self
    }
}
