//! The `loquat` binary itself: operator commands and `serve` with first-start bootstrap.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Output};

fn loquat(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loquat"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("LOQUAT_CONFIG")
        .env_remove("LOQUAT_DATABASE_URL")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn operators_manage_sites_users_and_oauth_clients_offline() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        stdout(&loquat(dir.path(), &["site", "create", "Acme"])).contains("Created site \"Acme\"")
    );
    let duplicate = loquat(dir.path(), &["site", "create", "ACME"]);
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists already"));
    assert!(stdout(&loquat(dir.path(), &["site", "list"])).contains("Acme"));

    let added = stdout(&loquat(
        dir.path(),
        &[
            "user",
            "add",
            "--site",
            "acme",
            "jane",
            "--password",
            "pw-123456",
        ],
    ));
    assert!(
        added.contains("Added Acme\\jane") && !added.contains("pw-123456"),
        "{added}"
    );
    let random = stdout(&loquat(
        dir.path(),
        &["user", "add", "--site", "Acme", "bob", "--no-api-access"],
    ));
    assert!(random.contains("Password (shown once): "), "{random}");
    let listed = stdout(&loquat(dir.path(), &["user", "list", "--site", "Acme"]));
    assert!(
        listed.contains("jane\tapi") && listed.contains("bob\tno-api"),
        "{listed}"
    );
    assert!(
        stdout(&loquat(
            dir.path(),
            &["user", "passwd", "--site", "Acme", "jane"]
        ))
        .contains("Password (shown once)")
    );
    stdout(&loquat(
        dir.path(),
        &["user", "remove", "--site", "Acme", "bob"],
    ));
    let missing = loquat(dir.path(), &["user", "remove", "--site", "Acme", "bob"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("has no user \"bob\""));
    let no_site = loquat(dir.path(), &["user", "list", "--site", "Nowhere"]);
    assert!(String::from_utf8_lossy(&no_site.stderr).contains("no site named"));

    let added = stdout(&loquat(
        dir.path(),
        &[
            "field",
            "add",
            "--site",
            "Acme",
            "Lead Score",
            "--type",
            "number",
        ],
    ));
    assert!(
        added.contains("C_Lead_Score1") && added.contains("100200"),
        "{added}"
    );
    let taken = loquat(
        dir.path(),
        &["field", "add", "--site", "Acme", "Lead Score"],
    );
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already"));
    let standard = loquat(
        dir.path(),
        &[
            "field",
            "add",
            "--site",
            "Acme",
            "x",
            "--internal-name",
            "C_EmailAddress",
        ],
    );
    assert!(!standard.status.success());
    let fields = stdout(&loquat(dir.path(), &["field", "list", "--site", "Acme"]));
    assert!(
        fields.contains("100001\tC_EmailAddress")
            && fields.contains("100200\tC_Lead_Score1\tnumeric"),
        "{fields}"
    );
    let account = stdout(&loquat(
        dir.path(),
        &[
            "field", "add", "--site", "Acme", "--object", "account", "Tier",
        ],
    ));
    assert!(
        account.contains("M_Tier1") && account.contains("{{Account.Field(M_Tier1)}}"),
        "{account}"
    );
    let standard_account = loquat(
        dir.path(),
        &[
            "field",
            "add",
            "--site",
            "Acme",
            "--object",
            "account",
            "x",
            "--internal-name",
            "M_CompanyName",
        ],
    );
    assert!(!standard_account.status.success());
    let accounts = stdout(&loquat(
        dir.path(),
        &["field", "list", "--site", "Acme", "--object", "account"],
    ));
    assert!(
        accounts.contains("100001\tM_CompanyName")
            && accounts.contains("100200\tM_Tier1\ttext")
            && !accounts.contains("C_Lead_Score1"),
        "{accounts}"
    );

    let client = stdout(&loquat(dir.path(), &["oauth-client", "add", "my app"]));
    assert!(
        client.contains("client_id:") && client.contains("client_secret:"),
        "{client}"
    );
    assert!(stdout(&loquat(dir.path(), &["migrate"])).contains("latest schema"));
    assert!(stdout(&loquat(dir.path(), &["config-example"])).contains("bind = "));
}

fn get_id(server: &common::Server, auth: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = common::Client::new(&server.base, auth.to_owned());
    runtime.block_on(client.get("/id")).1
}

#[test]
fn first_start_creates_the_site_and_user_named_by_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let env = common::bootstrap("CompanyX", "user1", "password123");
    let server = common::Server::start(dir.path(), &env);
    let printed = &server.printed;
    assert!(
        printed[0].contains("Created site \"CompanyX\" with user \"user1\""),
        "{printed:?}"
    );
    assert!(
        !printed.join("\n").contains("password123"),
        "a given password is never printed"
    );
    let id = get_id(&server, &common::basic("CompanyX\\user1", "password123"));
    assert_eq!(id["site"]["name"], "CompanyX");
    assert_eq!(
        id["urls"]["apis"]["rest"]["bulk"],
        "https://eloqua.test/API/Bulk/{version}/"
    );
    drop(server);

    // A second start on the same store keeps the data and bootstraps nothing.
    let server = common::Server::start(dir.path(), &[]);
    assert!(server.printed.is_empty(), "{:?}", server.printed);
    assert_eq!(
        get_id(&server, &common::basic("CompanyX\\user1", "password123"))["user"]["username"],
        "user1"
    );
}

#[test]
fn first_start_without_a_password_prints_a_random_one_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Server::start(dir.path(), &[("LOQUAT_BOOTSTRAP_SITE", "Solo")]);
    let password = server
        .printed
        .iter()
        .find_map(|line| line.strip_prefix("Password (shown once): "))
        .unwrap_or_else(|| panic!("no password in {:?}", server.printed))
        .to_owned();
    assert_eq!(
        get_id(&server, &common::basic("Solo\\admin", &password))["user"]["username"],
        "admin"
    );
    assert_eq!(
        get_id(&server, &common::basic("Solo\\admin", "wrong")),
        serde_json::json!("Not authenticated.")
    );
}

#[test]
fn serve_refuses_open_metrics_on_an_address_other_machines_reach() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_loquat"))
        .args(["--data-dir"])
        .arg(dir.path())
        .args(["serve", "--bind", "0.0.0.0:0"])
        .env_remove("LOQUAT_CONFIG")
        .env_remove("LOQUAT_DATABASE_URL")
        .env_remove("LOQUAT_METRICS_TOKEN")
        .env_remove("LOQUAT_METRICS")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("metrics_token"), "{stderr}");
    assert!(stderr.contains("0.0.0.0:0"), "{stderr}");
}

#[test]
fn site_names_basic_sign_in_cannot_carry_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["Acme:EU", "Acme\\EU", "Acme\u{7}", "Acme\nEU", "  "] {
        let refused = loquat(dir.path(), &["site", "create", name]);
        assert!(!refused.status.success(), "{name:?} was accepted");
        let reason = String::from_utf8_lossy(&refused.stderr);
        assert!(reason.contains("a site name"), "{name:?}: {reason}");
    }
    let colon = loquat(dir.path(), &["site", "create", "Acme:EU"]);
    assert!(
        String::from_utf8_lossy(&colon.stderr).contains("cannot contain ':'"),
        "the character is named"
    );
    assert_eq!(stdout(&loquat(dir.path(), &["site", "list"])), "");
}

#[test]
fn a_bootstrap_site_name_basic_sign_in_cannot_carry_stops_the_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let refused = common::Server::try_start(dir.path(), &[("LOQUAT_BOOTSTRAP_SITE", "Bad:Name")])
        .err()
        .expect("the server started with a site name nobody can sign in to");
    assert!(!refused.status.success());
    let reason = refused.stderr;
    assert!(
        reason.contains("LOQUAT_BOOTSTRAP_SITE") && reason.contains("cannot contain ':'"),
        "{reason}"
    );
}
