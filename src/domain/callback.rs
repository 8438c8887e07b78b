//! Which `callbackUrl`s a sync may name: http or https, to a host the operator allows.

use url::Url;

/// Longest callback URL accepted (what browsers and servers commonly handle).
pub const MAX_URL_BYTES: usize = 2048;

/// Host patterns callbacks may reach: `*`, `*.example.com` (the domain and its subdomains),
/// or an exact host name or address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPolicy {
    patterns: Vec<String>,
}

impl CallbackPolicy {
    /// A policy from configured patterns (compared without regard to case).
    pub fn new(patterns: &[String]) -> Self {
        Self {
            patterns: patterns
                .iter()
                .map(|p| p.trim().to_ascii_lowercase())
                .collect(),
        }
    }

    /// Checks a client-supplied callback URL.
    ///
    /// # Errors
    /// A sentence saying what is wrong with it.
    pub fn check(&self, text: &str) -> Result<Url, String> {
        if text.len() > MAX_URL_BYTES {
            return Err(format!("Must be at most {MAX_URL_BYTES} characters."));
        }
        let url = Url::parse(text)
            .map_err(|e| format!("Must be an absolute http or https URL ({e})."))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("Must be an http or https URL.".into());
        }
        let host = url
            .host_str()
            .ok_or("Must name a host.")?
            .to_ascii_lowercase();
        if self.allows(&host) {
            Ok(url)
        } else {
            Err(format!(
                "Callbacks to host {host} are not allowed by this server."
            ))
        }
    }

    fn allows(&self, host: &str) -> bool {
        self.patterns
            .iter()
            .any(|pattern| match pattern.strip_prefix("*.") {
                _ if pattern == "*" => true,
                Some(domain) => host == domain || host.ends_with(&format!(".{domain}")),
                None => host == pattern,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::CallbackPolicy;

    #[test]
    fn checks_scheme_and_host() {
        let any = CallbackPolicy::new(&["*".into()]);
        assert!(any.check("https://client.example/cb").is_ok());
        assert!(any.check("ftp://client.example/cb").is_err());
        assert!(any.check("not a url").is_err());
        let some = CallbackPolicy::new(&["*.Example.com".into(), "127.0.0.1".into()]);
        assert!(some.check("http://hooks.example.com/x").is_ok());
        assert!(some.check("http://example.com/x").is_ok());
        assert!(some.check("http://127.0.0.1:9000/x").is_ok());
        assert!(some.check("http://badexample.com/x").is_err());
        assert!(some.check("http://10.0.0.1/x").is_err());
    }
}
