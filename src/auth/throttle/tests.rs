use super::*;
use crate::domain::clock::ManualClock;

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

fn throttle() -> (Throttle, ManualClock) {
    let clock = ManualClock::new(Timestamp::from_nanos(0));
    (Throttle::new(Arc::new(clock.clone())), clock)
}

fn password_keys(login: &str, from: &str) -> [Key; 2] {
    [Key::login(login, ip(from)), Key::address(ip(from), login)]
}

fn fail(throttle: &Throttle, keys: &[Key]) {
    throttle.reserve(keys).unwrap().failed();
}

#[test]
fn a_login_is_refused_after_five_failures_from_one_address_only() {
    let (throttle, clock) = throttle();
    let attacker = password_keys("Acme\\Jane", "203.0.113.9");
    for _ in 0..5 {
        fail(&throttle, &attacker);
    }
    assert_eq!(throttle.check(&attacker), Err(1));
    assert!(throttle.reserve(&attacker).is_err());
    let victim = password_keys("acme\\jane", "198.51.100.7");
    throttle.reserve(&victim).unwrap().succeeded();
    clock.advance_seconds(1);
    fail(&throttle, &attacker);
    assert_eq!(throttle.check(&attacker), Err(2), "the back-off doubles");
}

#[test]
fn concurrent_attempts_count_before_they_are_decided_and_undecided_ones_are_refunded() {
    let (throttle, _) = throttle();
    let keys = password_keys("acme\\jane", "203.0.113.9");
    let pending: Vec<Permit> = (0..5).map(|_| throttle.reserve(&keys).unwrap()).collect();
    assert!(throttle.reserve(&keys).is_err(), "a sixth guess waits");
    drop(pending);
    assert_eq!(
        throttle.check(&keys),
        Ok(()),
        "undecided attempts are refunded"
    );
    let pending: Vec<Permit> = (0..4).map(|_| throttle.reserve(&keys).unwrap()).collect();
    throttle.reserve(&keys).unwrap().succeeded();
    pending.into_iter().for_each(Permit::failed);
    assert_eq!(
        throttle.check(&keys),
        Ok(()),
        "four failures are still free"
    );
}

#[test]
fn a_success_clears_the_login_and_exempts_it_from_its_address_limit() {
    let (throttle, _) = throttle();
    throttle
        .reserve(&password_keys("acme\\jane", "192.0.2.1"))
        .unwrap()
        .succeeded();
    for i in 0..ADDRESS_FREE_FAILURES {
        fail(
            &throttle,
            &password_keys(&format!("acme\\nobody{i}"), "192.0.2.1"),
        );
    }
    let stranger = password_keys("acme\\bob", "192.0.2.1");
    assert!(throttle.check(&stranger).is_err(), "the address is refused");
    let jane = password_keys("acme\\jane", "192.0.2.1");
    assert_eq!(
        throttle.check(&jane),
        Ok(()),
        "but not for a login known there"
    );
    for _ in 0..4 {
        fail(&throttle, &jane);
    }
    throttle.reserve(&jane).unwrap().succeeded();
    assert_eq!(throttle.check(&jane), Ok(()), "a success clears the login");
    assert_eq!(
        throttle.check(&password_keys("acme\\bob", "192.0.2.2")),
        Ok(()),
        "other addresses are unaffected"
    );
}

#[test]
fn bearer_failures_do_not_throttle_password_sign_in() {
    let (throttle, _) = throttle();
    let bearer = [Key::bearer(ip("192.0.2.1"))];
    for _ in 0..BEARER_FREE_FAILURES {
        fail(&throttle, &bearer);
    }
    assert!(throttle.check(&bearer).is_err());
    assert_eq!(
        throttle.check(&password_keys("acme\\jane", "192.0.2.1")),
        Ok(())
    );
}

#[test]
fn the_backoff_is_capped_and_old_failures_are_forgotten() {
    let (throttle, clock) = throttle();
    let keys = [Key::bearer(ip("127.0.0.1"))];
    for _ in 0..BEARER_FREE_FAILURES + 40 {
        throttle.reserve(&keys).map(Permit::failed).ok();
        clock.advance_seconds(MAX_BACKOFF_SECONDS);
    }
    fail(&throttle, &keys);
    assert_eq!(throttle.check(&keys), Err(MAX_BACKOFF_SECONDS));
    clock.advance_seconds(FORGET_AFTER_SECONDS + 1);
    fail(&throttle, &keys);
    assert_eq!(throttle.check(&keys), Ok(()), "counting starts again");
}

#[test]
fn a_record_below_its_limit_refuses_nothing_even_to_a_clock_read_before_its_failure() {
    // Threads read the clock before taking the lock: one may check with a time earlier than
    // another's just-recorded attempt.
    let clock = ManualClock::new(Timestamp::from_nanos(10_000_000_000));
    let throttle = Throttle::new(Arc::new(clock.clone()));
    let keys = [Key::login("acme\\jane", None)];
    let attempt = throttle.reserve(&keys).unwrap();
    let records = throttle.records.lock().unwrap();
    assert_eq!(
        records.wait(&keys, Timestamp::from_nanos(9_000_000_000)),
        None
    );
    drop(records);
    attempt.succeeded();
}

#[test]
fn a_sign_in_with_a_known_password_clears_the_login_and_counts_nothing() {
    let (throttle, _clock) = throttle();
    let keys = password_keys("acme\\jane", "198.51.100.7");
    for _ in 0..4 {
        fail(&throttle, &keys);
    }
    throttle.signed_in(&keys);
    let records = throttle.records.lock().unwrap();
    assert!(
        !records.failures.contains_key(&keys[0].name),
        "login cleared"
    );
    assert_eq!(
        records.failures.get(&keys[1].name).map(|r| r.failures),
        Some(4),
        "the address keeps its failures: nothing refunded"
    );
    assert!(records.known_good.contains_key(&keys[0].name));
}

#[test]
fn a_login_key_has_the_same_size_whatever_the_login() {
    let short = Key::login("acme\\jane", ip("192.0.2.1"));
    let long = Key::login(&"x".repeat(300_000), ip("192.0.2.1"));
    assert_eq!(short.name.len(), long.name.len());
    assert_eq!(
        short,
        Key::login("ACME\\Jane", ip("192.0.2.1")),
        "case is ignored"
    );
}
