//! Which addresses a callback must not reach without the operator's say-so: loopback,
//! private, link-local, shared (CGNAT), multicast, unspecified, broadcast, documentation and
//! reserved ranges, cloud metadata services, and IPv6 forms that carry such an IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where an address leads, as far as callbacks are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A public unicast address.
    Public,
    /// This machine (127.0.0.0/8, ::1, or a form of them).
    Loopback,
    /// Anything else that is not public; the text names the range.
    Special(&'static str),
}

/// Cloud metadata services: AWS, GCP, Azure, Oracle, OpenStack (169.254.169.254), AWS over
/// IPv6 (fd00:ec2::254) and Azure's host endpoint (168.63.129.16, a public address).
const METADATA: [IpAddr; 3] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
    IpAddr::V4(Ipv4Addr::new(168, 63, 129, 16)),
];

/// The [`Reach::Special`] kind of a metadata service's address.
pub const METADATA_KIND: &str = "cloud metadata";

/// Host names of metadata services (GCP's; `metadata` is its short form).
const METADATA_NAMES: [&str; 3] = ["metadata", "metadata.google.internal", "metadata.goog"];

/// Classifies `ip`, looking through IPv6 forms that embed an IPv4 address.
pub fn classify(ip: IpAddr) -> Reach {
    if METADATA.contains(&ip) || embedded_v4(ip).is_some_and(|v4| METADATA.contains(&v4.into())) {
        return Reach::Special(METADATA_KIND);
    }
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(ip) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

/// Whether `name` (lower case, a trailing dot ignored) is a metadata service's host name.
pub fn is_metadata_name(name: &str) -> bool {
    METADATA_NAMES.contains(&name.strip_suffix('.').unwrap_or(name))
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-
/// translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) or
/// 6to4 (`2002:aabb:ccdd::/48`). A connection to one of these may reach that IPv4 address.
pub fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0xffff, 0, _, _] => Some(low),
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, _, _] | [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

fn classify_v4(ip: Ipv4Addr) -> Reach {
    let [a, b, c, _] = ip.octets();
    let special = match (a, b, c) {
        _ if ip.is_loopback() => return Reach::Loopback,
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_broadcast() => "broadcast",
        (0, ..) => "this-network",
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => "private",
        (100, 64..=127, _) => "shared (CGNAT)",
        (169, 254, _) => "link-local",
        (192, 0, 0) => "IETF protocol assignment",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (192, 88, 99) => "6to4 relay",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, ..) => "multicast",
        (240..=255, ..) => "reserved",
        _ => return Reach::Public,
    };
    Reach::Special(special)
}

fn classify_v6(ip: Ipv6Addr) -> Reach {
    let s = ip.segments();
    let special = match s[0] {
        _ if ip.is_loopback() => return Reach::Loopback,
        _ if ip.is_unspecified() => "unspecified",
        0xfc00..=0xfdff => "private (unique local)",
        0xfe80..=0xfebf => "link-local",
        0xfec0..=0xfeff => "site-local",
        0xff00..=0xffff => "multicast",
        0x2001 if s[1] == 0x0db8 => "documentation",
        // IETF protocol assignments: Teredo, benchmarking, ORCHID and the like.
        0x2001 if s[1] < 0x0200 => "IETF protocol assignment",
        0x3fff if s[1] < 0x1000 => "documentation",
        0x5f00 => "segment routing",
        // Only 2000::/3 is global unicast; the rest (discard-only 100::/64, local NAT64
        // 64:ff9b:1::/48, unassigned space) is not.
        0x2000..=0x3fff => return Reach::Public,
        _ => "reserved",
    };
    Reach::Special(special)
}
