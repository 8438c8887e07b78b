//! Password hashing with argon2 (the crate's recommended Argon2id parameters).

use std::sync::{LazyLock, Mutex};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::Rng;

/// Hashes a password into a PHC string (algorithm, parameters and salt included).
///
/// # Errors
/// Only when argon2 rejects its own parameters, which cannot happen with the defaults.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Working memory of argon2 checks (~19 MiB each), kept and reused. Allocated afresh per
/// check, it is not given back: glibc raises its mmap threshold after the first free, and
/// each thread arena then keeps a freed buffer, so memory grows with the threads that ever
/// checked a password. Reused, it grows only with the checks running at once, which the
/// authenticator bounds.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());
/// Buffers kept at most (more than the authenticator ever runs at once).
const MEMORY_KEPT: usize = 64;

/// Whether `password` matches the PHC string `hash` (constant-time comparison of the outputs).
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let algorithm = Algorithm::try_from(parsed.algorithm);
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from);
    let (Ok(algorithm), Ok(version), Ok(params)) = (algorithm, version, Params::try_from(&parsed))
    else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut blocks = MEMORY
        .lock()
        .ok()
        .and_then(|mut kept| kept.pop())
        .unwrap_or_default();
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, &mut blocks[..])
        .is_ok();
    if let Ok(mut kept) = MEMORY.lock() {
        if kept.len() < MEMORY_KEPT {
            kept.push(blocks);
        }
    }
    hashed && Output::new(&computed).is_ok_and(|computed| computed == expected)
}

/// Verifies `password` against `hash`, or, for a login that does not exist (`None`), against
/// a hash made once with the same parameters, so that an unknown site or user costs as much
/// as a wrong password and response times do not tell which logins exist.
pub fn verify_or_pretend(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_password(&random_password()).unwrap_or_default());
    match hash {
        Some(hash) => verify_password(password, hash),
        None => {
            let _ = verify_password(password, &DUMMY);
            false
        }
    }
}

/// A random password of 20 letters and digits for bootstrap accounts.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_right_password() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn an_unknown_login_never_verifies() {
        assert!(!verify_or_pretend("anything", None));
        let hash = hash_password("pw").unwrap();
        assert!(verify_or_pretend("pw", Some(&hash)));
    }

    #[test]
    fn random_passwords_differ() {
        let (a, b) = (random_password(), random_password());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }
}
