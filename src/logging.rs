//! Diagnostics through `tracing`: written to stderr, filtered by `RUST_LOG`
//! (default `warn`), and passed through a [`Redactor`] holding every secret
//! the process knows, so a token cannot reach a log line even through a
//! careless `?value`.

use crate::lock::Recover;
use crate::record::Redactor;
use std::io::Write;
use std::sync::{LazyLock, RwLock};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Secrets registered so far (tokens from the command line and scenarios).
static SECRETS: LazyLock<RwLock<Redactor>> = LazyLock::new(|| RwLock::new(Redactor::new()));

/// Mask `secret` in every later log line.
pub(crate) fn register_secret(secret: &str) {
    let mut r = SECRETS.write().recover();
    *r = r.clone().secret(secret);
}

/// `text` with every registered secret masked.
pub(crate) fn redact(text: &str) -> String {
    SECRETS.read().recover().text(text)
}

/// Install the subscriber: `RUST_LOG` directives (invalid ones are ignored),
/// default level `warn`, plain text on stderr. Safe to call more than once.
pub fn init() {
    let filter = EnvFilter::builder().with_default_directive(LevelFilter::WARN.into()).from_env_lossy();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(RedactingStderr).with_target(true).try_init();
}

/// A `MakeWriter` for stderr that redacts each event before writing it.
#[derive(Clone, Copy)]
pub(crate) struct RedactingStderr;

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = EventWriter<std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter::new(std::io::stderr())
    }
}

/// Buffers one formatted event and writes it, redacted, when dropped (the fmt
/// layer makes one writer per event), so a secret split across `write` calls
/// is still masked.
pub(crate) struct EventWriter<W: Write> {
    buf: Vec<u8>,
    inner: W,
}

impl<W: Write> EventWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        EventWriter { buf: Vec::new(), inner }
    }

    fn emit(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let text = redact(&String::from_utf8_lossy(&self.buf));
        self.buf.clear();
        let inner = &mut self.inner;
        crate::term::suspend_progress(|| {
            inner.write_all(text.as_bytes())?;
            inner.flush()
        })
    }
}

impl<W: Write> Write for EventWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for EventWriter<W> {
    fn drop(&mut self) {
        let _ = self.emit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_registered_secret_is_masked_even_when_written_in_pieces() {
        register_secret("s3cr3t-logging-token");
        let out = Shared::default();
        {
            let mut w = EventWriter::new(out.clone());
            w.write_all(b"credentials: Bearer(\"s3cr3t-lo").unwrap();
            w.write_all(b"gging-token\")\n").unwrap();
        }
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "credentials: Bearer(\"[REDACTED]\")\n");
    }

    #[test]
    fn tracing_events_go_through_the_redactor() {
        register_secret("another-secret-for-tracing");
        let out = Shared::default();
        let sink = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || EventWriter::new(sink.clone()))
            .with_max_level(LevelFilter::DEBUG)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let token = "another-secret-for-tracing";
            tracing::debug!(?token, "resolved target");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("resolved target"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
        assert!(!text.contains("another-secret-for-tracing"), "{text}");
    }
}
