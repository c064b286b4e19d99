//! The collector's log: stderr, filtered by `RUST_LOG` (`target=level` lists such as
//! `sentrial_collector=debug,tower_http=trace`, or a bare level).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter when `RUST_LOG` is unset or unreadable.
const DEFAULT_FILTER: &str = "sentrial_collector=info,tower_http=warn";

/// The filter `RUST_LOG` asks for, or the default when it is unset or not a `target=level` list.
fn filter(rust_log: Option<&str>) -> Targets {
    rust_log
        .and_then(|given| given.parse().ok())
        .unwrap_or_else(|| DEFAULT_FILTER.parse().expect("the default filter parses"))
}

/// Installs the log for this process once; a host that installed its own subscriber keeps it.
pub fn init() {
    let rust_log = std::env::var("RUST_LOG").ok();
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter(rust_log.as_deref()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::filter;
    use tracing::Level;

    #[test]
    fn reads_target_lists_and_falls_back_to_the_default() {
        let given = filter(Some("sentrial_collector=debug,tower_http=trace"));
        assert!(given.would_enable("sentrial_collector::ingest", &Level::DEBUG));
        assert!(given.would_enable("tower_http::trace", &Level::TRACE));
        assert!(!given.would_enable("hyper", &Level::ERROR));

        let bare = filter(Some("warn"));
        assert!(bare.would_enable("anything", &Level::WARN));
        assert!(!bare.would_enable("anything", &Level::INFO));

        for unusable in [None, Some("sentrial_collector=loud")] {
            let fallback = filter(unusable);
            assert!(fallback.would_enable("sentrial_collector::server", &Level::INFO));
            assert!(!fallback.would_enable("sentrial_collector::server", &Level::DEBUG));
            assert!(!fallback.would_enable("tower_http::trace", &Level::INFO));
        }
    }
}
