//! The process-level hooks a run needs: stopping on SIGINT/SIGTERM, and a
//! panic hook that keeps step failures from being printed twice (and
//! unredacted).

use crate::core::check::REPORT_MARKER;
use crate::core::redact::Redactor;

/// Resolves when the process is asked to stop; says by which signal. The
/// handlers are installed here, when it is called, not when it is first
/// polled: a signal from then on is caught.
pub fn shutdown_signal() -> impl Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listeners = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        );
        async move {
            match listeners {
                (Ok(mut int), Ok(mut term)) => tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                },
                _ => std::future::pending().await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

/// A failed step panics with a rendered report that the cucumber writer
/// already prints (redacted); the default hook would print it again,
/// unredacted, to stderr. Other panics are harness bugs: print them masked.
pub fn quiet_report_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            if msg.starts_with(REPORT_MARKER) {
                return;
            }
            let location = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            eprintln!(
                "{}",
                Redactor::global().mask(&format!("harness panic{location}: {msg}"))
            );
        }));
    });
}
