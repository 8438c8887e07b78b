//! Refresh tokens: taken once, and revoked with the access tokens of their grant.

use crate::domain::clock::Timestamp;
use crate::domain::site::{OAuthClient, TokenKind};
use crate::store::{NewToken, NewUser, Store};

/// A refresh token is redeemed at most once, even by concurrent callers, only by its client;
/// revoking it revokes every token of its grant and nothing else.
pub async fn refresh_tokens_are_redeemed_once_and_revoke_their_grant(store: &dyn Store) {
    let site = store.create_site("Acme").await.unwrap();
    let user = NewUser {
        username: "jane".into(),
        password_hash: "$hash".into(),
        display_name: None,
        email_address: None,
        api_access: true,
    };
    let jane = store.add_user(site.id, user).await.unwrap().id;
    for id in ["c", "other"] {
        let client = OAuthClient {
            client_id: id.into(),
            secret_hash: "s".into(),
            name: id.into(),
        };
        store.add_oauth_client(client).await.unwrap();
    }
    let token = |hash: &str, kind, grant: &str| NewToken {
        token_hash: hash.into(),
        kind,
        user_id: jane,
        client_id: "c".into(),
        expires_at: Timestamp::from_nanos(i64::MAX),
        grant_id: grant.into(),
    };
    let now = Timestamp::from_nanos(1_000);
    for (hash, kind, grant) in [
        ("a1", TokenKind::Access, "g"),
        ("r1", TokenKind::Refresh, "g"),
        ("a2", TokenKind::Access, "g"),
        ("r2", TokenKind::Refresh, "g"),
        ("a3", TokenKind::Access, "h"),
        ("r3", TokenKind::Refresh, "h"),
    ] {
        store.insert_token(token(hash, kind, grant)).await.unwrap();
    }
    assert!(
        store
            .redeem_refresh_token("r1", "other", now)
            .await
            .unwrap()
            .is_none(),
        "only the client it was issued to"
    );
    assert!(
        store
            .redeem_refresh_token("a1", "c", now)
            .await
            .unwrap()
            .is_none(),
        "not an access token"
    );
    let redeem = || store.redeem_refresh_token("r1", "c", now);
    let redeemed = tokio::join!(redeem(), redeem(), redeem(), redeem());
    let winners: Vec<_> = [redeemed.0, redeemed.1, redeemed.2, redeemed.3]
        .into_iter()
        .filter_map(|r| r.unwrap())
        .collect();
    assert_eq!(winners.len(), 1, "exactly one concurrent redemption wins");
    assert_eq!(
        (winners[0].grant_id.as_str(), winners[0].principal.user.id),
        ("g", jane)
    );
    let live = |hash: &'static str, kind| async move {
        store.token_grant(hash, kind, now).await.unwrap().is_some()
    };
    assert!(
        live("a1", TokenKind::Access).await,
        "redeeming keeps access tokens"
    );
    assert!(store.revoke_token("r2").await.unwrap());
    assert!(
        !live("a1", TokenKind::Access).await,
        "revoked with its grant"
    );
    assert!(
        !live("a2", TokenKind::Access).await,
        "revoked with its grant"
    );
    assert!(
        live("a3", TokenKind::Access).await,
        "another grant is untouched"
    );
    assert!(store.revoke_token("a3").await.unwrap());
    assert!(
        live("r3", TokenKind::Refresh).await,
        "revoking an access token leaves its refresh token"
    );
    assert!(!store.revoke_token("a3").await.unwrap());
}
