//! Name resolution for callbacks: the HTTP client is handed only the addresses the policy
//! allows, so the address checked is the address connected to. A name that answers
//! differently from one lookup to the next (DNS rebinding) cannot slip a private address past
//! a check made on an earlier answer.

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::domain::callback::CallbackPolicy;

/// Every address a callback's host resolved to is one the policy refuses.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct Refused(pub(super) String);

/// Resolves with the system resolver, then keeps the addresses `policy` allows.
pub(super) struct GuardedResolver {
    pub(super) policy: Arc<CallbackPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = found
                .filter(|addr| match policy.check_address(Some(&host), addr.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        refusal.get_or_insert(why);
                        false
                    }
                })
                .collect();
            match refusal {
                Some(why) if allowed.is_empty() => {
                    Err(Box::new(Refused(format!("{host}: {why}"))) as _)
                }
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// The refusal behind a failed request, if that is why it failed.
pub(super) fn refusal(err: &reqwest::Error) -> Option<&Refused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<Refused>() {
            return Some(refused);
        }
        source = err.source();
    }
    None
}
