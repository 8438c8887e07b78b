//! Where callbacks may go (loopback, private and metadata addresses only when allowed, checked
//! on the address connected to) and how they go out (a site's dead listener delays only that
//! site's callbacks).

use std::sync::Arc;
use std::time::Duration;

use loquat::config::Overrides;
use loquat::domain::callback::CallbackPolicy;
use loquat::domain::clock::SystemClock;
use loquat::engine::{BATCH_ROWS, CALLBACKS_PER_SITE, Engine, EngineSettings, SYNC_LEASE};
use loquat::metrics::Metrics;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use crate::helpers::{TestApp, failure_fields, send, spawn_app, spawn_app_without_engine};
use crate::pipeline_background::{listen, sync_calling_back};
use crate::pipeline_syncs::{definition, emails, sync_with_callback};

const DEADLINE: Duration = Duration::from_secs(30);

/// An engine over `app`'s store whose policy does not treat the server as loopback-only, as
/// on a server that listens on a reachable address; failures are counted into `metrics`.
fn engine_of_a_reachable_server(app: &TestApp, metrics: &Metrics) -> Engine {
    let policy = CallbackPolicy::new(&["*".to_owned()], false, false).unwrap();
    let settings = EngineSettings {
        staging_retention_seconds: 3600,
        sweep_every: Duration::from_secs(60),
        batch_rows: BATCH_ROWS,
        sync_lease: SYNC_LEASE,
        callbacks: Arc::new(policy),
        callback_body: loquat::api::wire::sync_json,
    };
    Engine::new(Arc::clone(&app.store), Arc::new(SystemClock), settings)
        .with_metrics(metrics.clone())
}

/// Runs a sync calling back `url`, then delivers its callback as a server listening on a
/// reachable address would: asserts that nothing reaches the listener and that the refusal is
/// counted.
async fn refused_on_a_reachable_server(app: &TestApp, url: &str, bodies: &mut Bodies) {
    sync_calling_back(app, url).await;
    app.run_engine_until_idle().await;
    let metrics = Metrics::new();
    engine_of_a_reachable_server(app, &metrics)
        .deliver_callbacks()
        .await;
    assert!(bodies.try_recv().is_err(), "nothing reaches the listener");
    let text = metrics.render(app.store.as_ref()).await;
    let series = "loquat_callback_failures_total{outcome=\"refused\"} 1";
    assert!(text.lines().any(|l| l == series), "{text}");
}

type Bodies = tokio::sync::mpsc::UnboundedReceiver<Value>;

#[tokio::test]
async fn a_loopback_callback_is_refused_unless_the_server_listens_on_loopback_only() {
    let app = spawn_app_without_engine(Arc::new(SystemClock), Overrides::default()).await;
    let (url, mut bodies) = listen(0).await;
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    refused_on_a_reachable_server(&app, &url, &mut bodies).await;
    app.engine.deliver_callbacks().await;
    assert!(
        bodies.try_recv().is_err(),
        "a refused callback is given up, not retried"
    );
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_refused_where_loopback_is_not_allowed() {
    let app = spawn_app_without_engine(Arc::new(SystemClock), Overrides::default()).await;
    let (url, mut bodies) = listen(0).await;
    let by_name = url.replace("127.0.0.1", "localhost");
    refused_on_a_reachable_server(&app, &by_name, &mut bodies).await;

    // The same name is delivered where loopback is allowed (the server listens on 127.0.0.1).
    let uri = definition(&app).await;
    app.upload(&uri, &emails(&["a@example.com"])).await;
    let (_, sync) = sync_with_callback(&app, &uri, json!(by_name)).await;
    app.run_engine_until_idle().await;
    app.engine.deliver_callbacks().await;
    assert_eq!(bodies.try_recv().unwrap()["uri"], sync["uri"]);
}

#[tokio::test]
async fn a_callback_url_with_a_user_name_or_password_is_400_and_not_echoed() {
    let app = spawn_app().await;
    let uri = definition(&app).await;
    for url in [
        "http://user:secret@127.0.0.1:9/cb",
        "https://user@hooks.example.com/cb",
    ] {
        let (status, answer) = sync_with_callback(&app, &uri, json!(url)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url} → {answer}");
        assert_eq!(failure_fields(&answer), ["callbackUrl"]);
        assert!(!answer.to_string().contains("secret"), "{answer}");
    }
}

#[tokio::test]
async fn private_and_metadata_addresses_are_400_unless_the_operator_allows_them() {
    let refused = [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.1.2.3/cb",
        "http://[::ffff:10.1.2.3]/cb",
        "http://0.0.0.0:9/cb",
    ];
    let app = spawn_app().await;
    let uri = definition(&app).await;
    for url in refused {
        let (status, answer) = sync_with_callback(&app, &uri, json!(url)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url} → {answer}");
        assert_eq!(failure_fields(&answer), ["callbackUrl"]);
    }
    for url in [
        "http://127.0.0.1:9/cb",
        "http://0x7f000001:9/cb",
        "http://[::1]:9/cb",
    ] {
        let (status, answer) = sync_with_callback(&app, &uri, json!(url)).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "loopback-only server: {url} → {answer}"
        );
        app.wait_for_sync(answer["uri"].as_str().unwrap()).await;
    }

    // From here on only the answers to POST /syncs are checked: no engine runs, so nothing is
    // ever sent to these private and metadata addresses.
    let block = Overrides {
        callback_hosts: Some(vec!["*".into(), "10.1.0.0/16".into()]),
        ..Overrides::default()
    };
    let app = spawn_app_without_engine(Arc::new(SystemClock), block).await;
    let uri = definition(&app).await;
    let (status, answer) = sync_with_callback(&app, &uri, json!("http://10.1.2.3/cb")).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, _) = sync_with_callback(&app, &uri, json!("http://10.2.0.1/cb")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let private = Overrides {
        callback_allow_private: Some(true),
        ..Overrides::default()
    };
    let app = spawn_app_without_engine(Arc::new(SystemClock), private).await;
    let uri = definition(&app).await;
    let (status, answer) = sync_with_callback(&app, &uri, json!(refused[3])).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    // Metadata services hold credentials: the blanket switch does not open them...
    let (status, answer) = sync_with_callback(&app, &uri, json!(refused[0])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");

    // ...only an explicit listing does.
    let listed = Overrides {
        callback_hosts: Some(vec!["*".into(), "169.254.169.254".into()]),
        ..Overrides::default()
    };
    let app = spawn_app_without_engine(Arc::new(SystemClock), listed).await;
    let uri = definition(&app).await;
    let (status, answer) = sync_with_callback(&app, &uri, json!(refused[0])).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

/// A listener that accepts connections and reads them but never answers; the watch holds
/// (connections accepted, connections the client has closed).
async fn listen_and_never_answer() -> (String, watch::Receiver<(usize, usize)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    let (tx, rx) = watch::channel((0, 0));
    let tx = Arc::new(tx);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tx.send_modify(|(accepted, _)| *accepted += 1);
            let tx = Arc::clone(&tx);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
                tx.send_modify(|(_, closed)| *closed += 1);
            });
        }
    });
    (url, rx)
}

#[tokio::test]
async fn a_site_whose_listener_never_answers_does_not_delay_another_sites_callback() {
    let app = spawn_app().await;
    let (dead, mut hanging) = listen_and_never_answer().await;
    let (_, auth_b) = app.add_site("SiteB", "b", true).await;
    let as_b = |path: &str, body: Value| {
        let request = app.anonymous(Method::POST, &format!("/api/bulk/2.0{path}"));
        send(request.header("Authorization", &auth_b).json(&body))
    };
    // Site A's sync is ready to go before site B's callbacks start hanging.
    let (url, mut bodies) = listen(0).await;
    app.contact("a@example.com").await;
    let uri_a = definition(&app).await;
    app.upload(&uri_a, &emails(&["a@example.com"])).await;

    let b_syncs = CALLBACKS_PER_SITE + 2;
    for n in 0..b_syncs {
        let (_, created) = as_b(
            "/contacts/syncActions",
            json!({
                "name": format!("B{n}"), "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "Email",
                "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
            }),
        )
        .await;
        let body = json!({"syncedInstanceUri": created["uri"], "callbackUrl": dead});
        let (status, sync) = as_b("/syncs", body).await;
        assert_eq!(status, StatusCode::CREATED, "{sync}");
    }
    let full = hanging.wait_for(|(accepted, _)| *accepted >= CALLBACKS_PER_SITE);
    tokio::time::timeout(DEADLINE, full).await.unwrap().unwrap();

    let (status, sync) = sync_with_callback(&app, &uri_a, json!(url)).await;
    assert_eq!(status, StatusCode::CREATED, "{sync}");
    let body = tokio::time::timeout(DEADLINE, bodies.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body["uri"], sync["uri"]);
    assert_eq!(
        *hanging.borrow(),
        (CALLBACKS_PER_SITE, 0),
        "site A's callback arrived while site B's were all still waiting, at most {CALLBACKS_PER_SITE} at once"
    );
}
