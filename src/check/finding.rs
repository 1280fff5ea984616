//! What a check found about the SP: a rule id, a severity, the message,
//! what the JumpCloud admin sees and how to fix it.

use serde_json::Value;

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
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
    pub(crate) severity: Severity,
    pub message: String,
    pub(crate) admin_sees: Option<String>,
    pub(crate) fix: Option<String>,
    pub(crate) exchange: Option<u64>,
    pub(crate) expected: Option<Value>,
    pub(crate) actual: Option<Value>,
}

impl Finding {
    pub(crate) fn error(id: &str, message: impl Into<String>) -> Self {
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

    pub(crate) fn admin(mut self, sees: impl Into<String>) -> Self {
        self.admin_sees = Some(sees.into());
        self
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub(crate) fn exchange(mut self, id: u64) -> Self {
        self.exchange = Some(id);
        self
    }

    pub(crate) fn diff(mut self, expected: Value, actual: Value) -> Self {
        self.expected = Some(expected);
        self.actual = Some(actual);
        self
    }
}

#[cfg(test)]
impl Finding {
    pub(crate) fn warning(id: &str, message: impl Into<String>) -> Self {
        Finding { severity: Severity::Warning, ..Finding::error(id, message) }
    }
}
