//! Slots to run a password check: a few for the whole server (argon2 is memory- and
//! CPU-hungry), and at most half of them for any one client address, so a flood of guesses
//! from one place always leaves room for everyone else's sign-in.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The password check slots.
#[derive(Debug, Clone)]
pub struct Slots {
    total: Arc<Semaphore>,
    per_address: usize,
    busy: Arc<Mutex<HashMap<Option<IpAddr>, usize>>>,
}

impl Slots {
    /// `total` slots, at most half of them (at least one) per address.
    pub fn new(total: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(total)),
            per_address: (total / 2).max(1),
            busy: Arc::default(),
        }
    }

    /// A free slot for a check from `from`, or `None` when the server or this address has
    /// none left (the caller answers 503 rather than queueing: waiting guesses cost memory).
    pub fn try_take(&self, from: Option<IpAddr>) -> Option<Slot> {
        let mut busy = self.busy.lock().ok()?;
        if busy
            .get(&from)
            .is_some_and(|taken| *taken >= self.per_address)
        {
            return None;
        }
        let permit = Arc::clone(&self.total).try_acquire_owned().ok()?;
        *busy.entry(from).or_default() += 1;
        Some(Slot {
            _permit: permit,
            from,
            busy: Arc::clone(&self.busy),
        })
    }
}

/// A taken slot, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    from: Option<IpAddr>,
    busy: Arc<Mutex<HashMap<Option<IpAddr>, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.busy.lock() {
            if let Some(taken) = busy.get_mut(&self.from) {
                *taken = taken.saturating_sub(1);
                if *taken == 0 {
                    busy.remove(&self.from);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_takes_at_most_half_the_slots_and_gets_them_back() {
        let slots = Slots::new(4);
        let (flood, other) = (
            Some("192.0.2.1".parse().unwrap()),
            Some("192.0.2.2".parse().unwrap()),
        );
        let taken: Vec<Slot> = (0..2).map(|_| slots.try_take(flood).unwrap()).collect();
        assert!(slots.try_take(flood).is_none(), "half for one address");
        let others: Vec<Slot> = (0..2).map(|_| slots.try_take(other).unwrap()).collect();
        assert!(
            slots.try_take(Some("192.0.2.3".parse().unwrap())).is_none(),
            "all taken"
        );
        drop(taken);
        assert!(slots.try_take(flood).is_some(), "given back");
        drop(others);
        assert!(slots.busy.lock().unwrap().is_empty(), "nothing left behind");
    }
}
