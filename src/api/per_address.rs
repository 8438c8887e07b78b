//! A cap on the requests one client address may have in flight, so that one client (a retry
//! loop, or a slow-body attack) cannot take every slot of `--max-in-flight` and lock everyone
//! else out. Beyond the cap the answer is 503 with `Retry-After`, as for the global limit.
//!
//! The address is the request's [`ClientAddr`] (trusted-proxy aware; an IPv6 client counts by
//! its /64, see [`ClientAddr::limit_key`]). Counts live in one map
//! holding only addresses with a request in flight: a [`Slot`] decrements its count when the
//! request ends, and removes the entry at zero, so memory follows concurrency, not history.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::client_addr::ClientAddr;

/// In-flight requests per client address, capped.
#[derive(Debug, Clone)]
pub struct PerAddress {
    limit: usize,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    metrics: crate::metrics::Metrics,
}

impl PerAddress {
    /// At most `limit` requests in flight per address; refusals are counted as shed.
    pub fn new(limit: usize, metrics: crate::metrics::Metrics) -> Self {
        Self {
            limit,
            counts: Arc::default(),
            metrics,
        }
    }

    /// A slot for one more request from `addr`, or `None` when it has `limit` already.
    pub fn acquire(&self, addr: IpAddr) -> Option<Slot> {
        // The lock is held for a hash-map update only; a panic while holding it cannot leave
        // the map inconsistent, so a poisoned lock is used as is.
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(addr).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            counts: Arc::clone(&self.counts),
            addr,
        })
    }

    /// Addresses with a request in flight (tests check that the map empties).
    pub fn addresses(&self) -> usize {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// One request's place in its address's count, given back on drop.
#[derive(Debug)]
pub struct Slot {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    addr: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.addr) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.addr);
            }
        }
    }
}

/// Middleware: holds a [`Slot`] for the request's address while the request is served, or
/// answers 503. A request without a [`ClientAddr`] (none reaches here in a served app) passes.
pub async fn limit(State(cap): State<PerAddress>, request: Request, next: Next) -> Response {
    let Some(client) = request.extensions().get::<ClientAddr>().copied() else {
        return next.run(request).await;
    };
    let Some(slot) = cap.acquire(client.limit_key()) else {
        cap.metrics.request_shed();
        return ApiError::Unavailable("too many requests in flight from one address".into())
            .into_response();
    };
    let response = next.run(request).await;
    drop(slot);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_count_and_entries_go_at_zero() {
        let cap = PerAddress::new(2, crate::metrics::Metrics::new());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = cap.acquire(a).unwrap();
        let second = cap.acquire(a).unwrap();
        assert!(cap.acquire(a).is_none(), "a third from the same address");
        let other = cap.acquire(b).unwrap();
        drop(first);
        let third = cap.acquire(a).expect("a slot given back is reusable");
        drop((second, third, other));
        assert_eq!(cap.addresses(), 0, "no entry outlives its requests");
    }
}
