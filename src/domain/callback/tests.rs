use std::net::IpAddr;

use super::CallbackPolicy;
use super::address::{Reach, classify, embedded_v4, is_metadata_name};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn policy(hosts: &[&str], allow_private: bool, loopback_bind: bool) -> CallbackPolicy {
    let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
    CallbackPolicy::new(&hosts, allow_private, loopback_bind).unwrap()
}

#[test]
fn checks_scheme_and_host() {
    let any = policy(&["*"], false, false);
    assert!(any.check("https://client.example/cb").is_ok());
    assert!(any.check("ftp://client.example/cb").is_err());
    assert!(any.check("not a url").is_err());
    let some = policy(&["*.Example.com", "127.0.0.1"], false, false);
    assert!(some.check("http://hooks.example.com/x").is_ok());
    assert!(some.check("http://example.com/x").is_ok());
    assert!(some.check("http://127.0.0.1:9000/x").is_ok());
    assert!(some.check("http://badexample.com/x").is_err());
    assert!(some.check("http://10.0.0.1/x").is_err());
    assert!(
        some.check("http://93.184.215.14/x").is_err(),
        "no pattern lists it"
    );
}

#[test]
fn loopback_private_link_local_and_metadata_addresses_are_not_public() {
    let loopback = [
        "127.0.0.1",
        "127.255.0.9",
        "::1",
        "::ffff:127.0.0.1",
        "::127.0.0.1",
    ];
    for text in loopback {
        assert_eq!(classify(ip(text)), Reach::Loopback, "{text}");
    }
    let special = [
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.1.2.3", "this-network"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("100.100.100.200", "shared (CGNAT)"),
        ("169.254.1.1", "link-local"),
        ("169.254.169.254", "cloud metadata"),
        ("168.63.129.16", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("192.0.0.8", "IETF protocol assignment"),
        ("192.0.2.1", "documentation"),
        ("198.51.100.1", "documentation"),
        ("203.0.113.1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("fc00::1", "private (unique local)"),
        ("fd12:3456::1", "private (unique local)"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("2001::1", "IETF protocol assignment"),
        ("100::1", "reserved"),
        ("64:ff9b:1::1", "reserved"),
        // IPv4 inside IPv6: mapped, translated, compatible, NAT64 and 6to4.
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:0:192.168.0.1", "private"),
        ("::10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:a00:1::1", "private"),
        ("2002:7f00:1::1", "loopback"),
        ("2002:a9fe:a9fe::1", "cloud metadata"),
    ];
    for (text, kind) in special {
        let found = match classify(ip(text)) {
            Reach::Special(kind) => kind,
            Reach::Loopback => "loopback",
            Reach::Public => "public",
        };
        assert_eq!(found, kind, "{text}");
    }
    for text in [
        "93.184.215.14",
        "8.8.8.8",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ] {
        assert_eq!(classify(ip(text)), Reach::Public, "{text}");
    }
    assert_eq!(embedded_v4(ip("::1")), None);
    assert!(is_metadata_name("metadata.google.internal."));
    assert!(is_metadata_name("metadata"));
    assert!(!is_metadata_name("metadata.example.com"));
}

#[test]
fn every_spelling_of_a_forbidden_host_is_refused_by_default() {
    let any = policy(&["*"], false, false);
    for url in [
        "http://127.0.0.1/cb",
        "http://0x7f000001/cb",
        "http://2130706433/cb",
        "http://0177.0.0.1/cb",
        "http://127.1/cb",
        "http://[::1]/cb",
        "http://[::ffff:127.0.0.1]/cb",
        "http://[::ffff:7f00:1]/cb",
        "http://0.0.0.0/cb",
        "http://0/cb",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://10.0.0.1/cb",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://METADATA/computeMetadata/v1/",
        "http://metadata.google.internal./",
        "http://\u{ff11}\u{ff12}\u{ff17}.\u{ff10}.\u{ff10}.\u{ff11}/cb",
        "http://127.0.0.1./cb",
        "http://127.0.0.1%2e/cb",
        "http://%31%32%37.0.0.1/cb",
    ] {
        assert!(any.check(url).is_err(), "{url}");
    }
    assert!(any.check("http://93.184.215.14/cb").is_ok());
    assert!(any.check("http://[2606:4700::1111]/cb").is_ok());
}

#[test]
fn user_info_is_refused() {
    let any = policy(&["*"], true, false);
    for url in [
        "http://user:secret@hooks.example/cb",
        "http://user@hooks.example/cb",
        "http://:pw@hooks.example/cb",
    ] {
        let why = any.check(url).unwrap_err();
        assert!(why.contains("user name or password"), "{url}: {why}");
        assert!(!why.contains("secret"), "{why}");
    }
}

#[test]
fn listed_blocks_exact_names_and_the_switch_allow_private_addresses() {
    let strict = policy(&["*"], false, false);
    assert!(
        strict
            .check_address(Some("hooks.internal"), ip("10.1.2.3"))
            .is_err()
    );
    let blocks = policy(&["*", "10.1.0.0/16", "[fd00::7]"], false, false);
    assert!(
        blocks
            .check_address(Some("hooks.internal"), ip("10.1.2.3"))
            .is_ok()
    );
    assert!(
        blocks.check_address(None, ip("::ffff:10.1.2.3")).is_ok(),
        "mapped form of a listed address"
    );
    assert!(blocks.check_address(None, ip("fd00::7")).is_ok());
    assert!(blocks.check_address(None, ip("10.2.0.1")).is_err());
    assert!(blocks.check("http://10.1.9.9:8000/cb").is_ok());
    let only_block = policy(&["10.1.0.0/16"], false, false);
    assert!(only_block.check("http://10.1.9.9/cb").is_ok());
    assert!(
        only_block.check("http://hooks.example/cb").is_err(),
        "names need a name pattern"
    );
    let named = policy(&["hooks.internal", "*.corp.example"], false, false);
    assert!(
        named
            .check_address(Some("hooks.internal"), ip("10.9.9.9"))
            .is_ok()
    );
    assert!(
        named
            .check_address(Some("hooks.internal"), ip("127.0.0.1"))
            .is_ok()
    );
    assert!(
        named
            .check_address(Some("a.corp.example"), ip("10.9.9.9"))
            .is_err(),
        "a wildcard does not allow private addresses"
    );
    assert!(named.check("http://metadata.google.internal/").is_err());
    let allowed = policy(&["*"], true, false);
    assert!(
        allowed.check("http://169.254.169.254/").is_err(),
        "metadata services need an explicit listing, not the switch"
    );
    assert!(allowed.check("http://metadata.google.internal/").is_err());
    assert!(
        allowed.check("http://169.254.1.1/").is_ok(),
        "other link-local"
    );
    let listed = policy(
        &["*", "169.254.169.254", "metadata.google.internal"],
        false,
        false,
    );
    assert!(listed.check("http://169.254.169.254/").is_ok());
    assert!(listed.check("http://metadata.google.internal/").is_ok());
    assert!(
        allowed
            .check_address(Some("x.example"), ip("192.168.0.1"))
            .is_ok()
    );
}

#[test]
fn a_loopback_only_server_may_call_back_loopback_and_nothing_else_private() {
    let local = policy(&["*"], false, true);
    assert!(local.allows_loopback_for_bind());
    assert!(local.check("http://127.0.0.1:9000/cb").is_ok());
    assert!(local.check("http://[::1]:9000/cb").is_ok());
    assert!(
        local
            .check_address(Some("localhost"), ip("127.0.0.1"))
            .is_ok()
    );
    assert!(local.check("http://0.0.0.0:9000/cb").is_err());
    assert!(local.check("http://10.0.0.1/cb").is_err());
    assert!(local.check("http://169.254.169.254/").is_err());
}

#[test]
fn malformed_patterns_are_refused() {
    for bad in ["10.0.0.0/33", "*foo", "a b", "http://x", ""] {
        assert!(
            CallbackPolicy::new(&[bad.to_owned()], false, false).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn odd_spellings_of_a_name_are_checked_in_the_form_that_is_resolved() {
    let any = policy(&["*"], false, false);
    let url = any
        .check("http://\u{ff4c}\u{ff4f}\u{ff43}\u{ff41}\u{ff4c}host/cb")
        .unwrap();
    assert_eq!(
        url.host_str(),
        Some("localhost"),
        "full-width letters map to ASCII"
    );
    let url = any.check("http://b\u{fc}cher.example/cb").unwrap();
    assert_eq!(url.host_str(), Some("xn--bcher-kva.example"));
    let unicode = ["b\u{fc}cher.example".to_owned()];
    assert!(
        CallbackPolicy::new(&unicode, false, false).is_err(),
        "patterns are written in punycode"
    );
    let punycode = policy(&["xn--bcher-kva.example"], false, false);
    assert!(punycode.check("http://b\u{fc}cher.example/cb").is_ok());
    assert!(any.check("http://exa mple.com/cb").is_err());
    assert!(any.check("http://[::1/cb").is_err());
}
