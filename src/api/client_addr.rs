//! Who the client is, by address: the connecting peer, or, when that peer is a trusted proxy,
//! the address it names in `X-Forwarded-For`. Sign-in throttling and the per-address request
//! cap key on this, so a header from an untrusted peer must never be believed (anyone could
//! then pick the address their failures count against).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use ipnet::IpNet;

/// The client's address as resolved for this request (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// What limits per address count against: the address itself for IPv4, its /64 for IPv6.
    /// One IPv6 subscriber is routinely handed a whole /64, so counting single IPv6 addresses
    /// would give one client 2^64 separate allowances.
    pub fn limit_key(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(_) => self.0,
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & !((1_u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        }
    }
}

/// Resolves client addresses given the proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct ClientAddrs {
    trusted: Arc<[IpNet]>,
}

impl ClientAddrs {
    /// Believes `X-Forwarded-For` from peers in `trusted` only.
    pub fn new(trusted: &[IpNet]) -> Self {
        Self {
            trusted: trusted.into(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client of a connection from `peer` carrying these `X-Forwarded-For` values: walking
    /// the chain from the nearest hop, the first address that is not a trusted proxy. A chain
    /// made only of trusted proxies gives its farthest entry; an unparsable entry stops the
    /// walk at the last hop that could be believed.
    pub fn resolve<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|value| value.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = canonical(ip);
            if !self.is_trusted(client) {
                break;
            }
        }
        client
    }

    /// Puts the request's [`ClientAddr`] into its extensions (a `map_request` step that runs
    /// before anything keyed by address).
    pub fn tag(&self, mut req: Request) -> Request {
        let Some(peer) = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
        else {
            return req;
        };
        let client = if self.trusted.is_empty() {
            canonical(peer)
        } else {
            let values = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok());
            self.resolve(peer, values)
        };
        req.extensions_mut().insert(ClientAddr(client));
        req
    }
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`,
/// `[::1]:5678`), as proxies write them.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse().ok())
        })
}

/// An IPv4 client reaching a dual-stack socket shows as `::ffff:a.b.c.d`; count it as
/// `a.b.c.d`, so the same client is one key whichever socket it used.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let addrs = ClientAddrs::new(&[]);
        assert_eq!(
            addrs.resolve(ip("203.0.113.9"), ["1.1.1.1"].into_iter()),
            ip("203.0.113.9")
        );
        let addrs = ClientAddrs::new(&["10.0.0.0/8".parse().unwrap()]);
        assert_eq!(
            addrs.resolve(ip("203.0.113.9"), ["1.1.1.1"].into_iter()),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_and_ipv4_clients_by_their_address() {
        let key = |text: &str| ClientAddr(ip(text)).limit_key();
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), ip("2001:db8:1:2::"));
        assert_eq!(key("192.0.2.7"), ip("192.0.2.7"));
    }

    #[test]
    fn a_trusted_proxy_names_the_nearest_untrusted_hop() {
        let addrs = ClientAddrs::new(&["10.0.0.0/8".parse().unwrap()]);
        // A client may send its own X-Forwarded-For: only hops added by trusted proxies count.
        let chain = ["6.6.6.6, 198.51.100.7", "10.1.1.1"];
        assert_eq!(
            addrs.resolve(ip("10.0.0.2"), chain.into_iter()),
            ip("198.51.100.7")
        );
        assert_eq!(
            addrs.resolve(ip("10.0.0.2"), ["[2001:db8::1]:443"].into_iter()),
            ip("2001:db8::1")
        );
        assert_eq!(
            addrs.resolve(ip("10.0.0.2"), std::iter::empty()),
            ip("10.0.0.2")
        );
        assert_eq!(
            addrs.resolve(ip("10.0.0.2"), ["garbage"].into_iter()),
            ip("10.0.0.2")
        );
        assert_eq!(
            addrs.resolve(ip("::ffff:10.0.0.2"), ["192.0.2.1"].into_iter()),
            ip("192.0.2.1")
        );
    }
}
