//! Process series read at each scrape: resident memory and open file descriptors, from
//! `/proc/self` on Linux (elsewhere they are left out). Two small reads per scrape.

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Registers what this platform can tell.
pub(super) fn register(registry: &mut Registry) {
    if let Some(bytes) = resident_bytes() {
        let gauge = Gauge::<i64>::default();
        gauge.set(bytes);
        registry.register(
            "process_resident_memory_bytes",
            "Resident memory of this node's process, in bytes",
            gauge,
        );
    }
    if let Some(fds) = open_fds() {
        let gauge = Gauge::<i64>::default();
        gauge.set(fds);
        registry.register(
            "process_open_fds",
            "File descriptors this node's process holds open (sockets included)",
            gauge,
        );
    }
}

/// `VmRSS` of `/proc/self/status`, which the kernel gives in KiB.
fn resident_bytes() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss(&status)
}

fn parse_vm_rss(status: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: i64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

fn open_fds() -> Option<i64> {
    let entries = std::fs::read_dir("/proc/self/fd").ok()?;
    i64::try_from(entries.count()).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_vm_rss;

    #[test]
    fn reads_resident_memory_in_kib() {
        let status = "Name:\tloquat\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads:\t4\n";
        assert_eq!(parse_vm_rss(status), Some(1234 * 1024));
        assert_eq!(parse_vm_rss("Name:\tloquat\n"), None);
        assert_eq!(parse_vm_rss("VmRSS:\tlots kB\n"), None);
    }
}
