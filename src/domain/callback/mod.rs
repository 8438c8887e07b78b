//! Which `callbackUrl`s a sync may name and which addresses a callback may reach: http or
//! https, no user info, to a host the operator allows, and never to a loopback, private,
//! link-local or metadata address unless the operator allows that too.
//!
//! The checks here are pure; the engine applies [`CallbackPolicy::check_address`] to every
//! address a callback host resolves to, at delivery, and connects only to those allowed.

pub mod address;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use ipnet::IpNet;
use url::{Host, Url};

pub use address::Reach;

/// Longest callback URL accepted (what browsers and servers commonly handle).
pub const MAX_URL_BYTES: usize = 2048;

/// Where callbacks may go.
///
/// `hosts` patterns: `*` (any host), `*.example.com` (the domain and its subdomains), an exact
/// host name, or an address or CIDR block (`10.1.0.0/16`, `::1`). A host must match one. An
/// address that is not public (see [`address::classify`]) is allowed only when
/// `allow_private` is set, it lies in a listed block, the URL's host is listed by exact name
/// (not by a wildcard), or it is loopback and the server listens on loopback only. A cloud
/// metadata service is reached only when listed: by exact name, address or block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPolicy {
    names: Vec<String>,
    blocks: Vec<IpNet>,
    allow_private: bool,
    loopback_bind: bool,
}

impl CallbackPolicy {
    /// A policy from configured patterns (compared without regard to case).
    ///
    /// # Errors
    /// A sentence naming a pattern that is neither a host pattern nor an address block.
    pub fn new(hosts: &[String], allow_private: bool, loopback_bind: bool) -> Result<Self, String> {
        let mut policy = Self {
            names: Vec::new(),
            blocks: Vec::new(),
            allow_private,
            loopback_bind,
        };
        for pattern in hosts {
            let pattern = pattern.trim().to_ascii_lowercase();
            let bare = pattern.trim_start_matches('[').trim_end_matches(']');
            if let Ok(block) = bare.parse::<IpNet>() {
                policy.blocks.push(block);
            } else if let Ok(ip) = bare.parse::<IpAddr>() {
                policy.blocks.push(IpNet::from(ip));
            } else if valid_name_pattern(&pattern) {
                policy.names.push(pattern);
            } else {
                return Err(format!(
                    "{pattern:?} is not *, *.domain, a host name, an address or a CIDR block"
                ));
            }
        }
        Ok(policy)
    }

    /// Whether loopback callbacks are allowed because the server listens on loopback only.
    pub fn allows_loopback_for_bind(&self) -> bool {
        self.loopback_bind && !self.allow_private
    }

    /// Checks a callback URL: length, scheme, no user info, an allowed host, and, for a host
    /// given as an address or a metadata service's name, that it may be reached. A host name's
    /// addresses are checked when it is resolved, at delivery.
    ///
    /// # Errors
    /// A sentence saying what is wrong with it.
    pub fn check(&self, text: &str) -> Result<Url, String> {
        if text.len() > MAX_URL_BYTES {
            return Err(format!("Must be at most {MAX_URL_BYTES} characters."));
        }
        // `Url` normalises hosts: IDNA to punycode, `0x7f000001` and `2130706433` to
        // 127.0.0.1, so every check below sees the host that will be contacted.
        let url = Url::parse(text)
            .map_err(|e| format!("Must be an absolute http or https URL ({e})."))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("Must be an http or https URL.".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                "Must not carry a user name or password; put credentials in the path or query."
                    .into(),
            );
        }
        match url.host() {
            None => Err("Must name a host.".into()),
            Some(Host::Domain(name)) => {
                let name = name.to_ascii_lowercase();
                if !self.names.iter().any(|p| name_matches(p, &name)) {
                    return Err(format!(
                        "Callbacks to host {name} are not allowed by this server."
                    ));
                }
                if address::is_metadata_name(&name) && !self.named_exactly(Some(&name)) {
                    return Err(format!(
                        "Callbacks to {name} (a cloud metadata service) are not allowed by this server."
                    ));
                }
                Ok(url)
            }
            Some(Host::Ipv4(v4)) => self.check_literal(IpAddr::V4(v4)).map(|()| url),
            Some(Host::Ipv6(v6)) => self.check_literal(IpAddr::V6(v6)).map(|()| url),
        }
    }

    /// Whether a callback for host name `host` (`None` for an address given literally) may
    /// connect to `ip`.
    ///
    /// # Errors
    /// A sentence naming the address and its kind.
    pub fn check_address(&self, host: Option<&str>, ip: IpAddr) -> Result<(), String> {
        let reach = address::classify(ip);
        let allowed = match reach {
            Reach::Public => true,
            Reach::Loopback if self.loopback_bind => true,
            // Credentials live there: only an explicit listing, never the blanket switch.
            Reach::Special(address::METADATA_KIND) => {
                self.named_exactly(host) || self.in_blocks(ip)
            }
            _ => self.private_allowed_for(host) || self.in_blocks(ip),
        };
        if allowed {
            return Ok(());
        }
        let kind = match reach {
            Reach::Loopback => "loopback",
            Reach::Special(kind) => kind,
            Reach::Public => "public",
        };
        Err(format!(
            "Callbacks to {ip} (a {kind} address) are not allowed by this server."
        ))
    }

    fn check_literal(&self, ip: IpAddr) -> Result<(), String> {
        let by_name = self.names.iter().any(|p| p == "*");
        if !by_name && !self.in_blocks(ip) {
            return Err(format!(
                "Callbacks to host {ip} are not allowed by this server."
            ));
        }
        self.check_address(None, ip)
    }

    /// The operator allows non-public addresses everywhere, or for this host by exact name.
    fn private_allowed_for(&self, host: Option<&str>) -> bool {
        self.allow_private || self.named_exactly(host)
    }

    /// `callback_hosts` lists this host by its exact name (not by a wildcard).
    fn named_exactly(&self, host: Option<&str>) -> bool {
        host.is_some_and(|host| self.names.iter().any(|p| p == host))
    }

    fn in_blocks(&self, ip: IpAddr) -> bool {
        let v4 = address::embedded_v4(ip).map(IpAddr::V4);
        self.blocks
            .iter()
            .any(|block| block.contains(&ip) || v4.is_some_and(|v4| block.contains(&v4)))
    }
}

/// `*`, `*.domain` or a host name: letters, digits, `-`, `_` and dots.
fn valid_name_pattern(pattern: &str) -> bool {
    let name = pattern.strip_prefix("*.").unwrap_or(pattern);
    pattern == "*"
        || (!name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
}

fn name_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        _ if pattern == "*" => true,
        Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
        None => host == pattern,
    }
}
