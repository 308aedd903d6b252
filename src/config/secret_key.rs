//! SECRET_KEY: from the environment, or generated once into `data/secret.key` (an
//! error in production, where it must be set).

use std::path::Path;

use super::{AppEnv, ConfigError};

/// SECRET_KEY, which seals stored secrets and keys HMACs, and PREVIOUS_SECRET_KEYS:
/// what was sealed or keyed under one of those still opens or verifies (a rotation
/// signs nobody out and loses no second factor); new values use the current key only.
/// Its Debug output never shows a key.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>, Vec<Vec<u8>>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SecretKey(<{} bytes>, {} previous)",
            self.0.len(),
            self.1.len()
        )
    }
}

const MIN_PRODUCTION_BYTES: usize = 32;

impl SecretKey {
    /// The current key: everything new is sealed or keyed under it.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The current key, then each previous one: what opening and verifying try.
    pub fn all(&self) -> impl Iterator<Item = &[u8]> {
        std::iter::once(self.0.as_slice()).chain(self.1.iter().map(Vec::as_slice))
    }

    /// Whether PREVIOUS_SECRET_KEYS names any key.
    pub fn has_previous(&self) -> bool {
        !self.1.is_empty()
    }

    /// PREVIOUS_SECRET_KEYS: comma-separated keys still accepted for what was sealed or
    /// keyed under them. The current key among them is left out.
    pub fn with_previous(mut self, raw: Option<&str>) -> Result<Self, ConfigError> {
        for key in raw.unwrap_or_default().split(',').map(str::trim) {
            if key.is_empty() || key.as_bytes() == self.0.as_slice() {
                continue;
            }
            if key.len() < 16 {
                return Err(ConfigError::new(
                    "PREVIOUS_SECRET_KEYS",
                    "holds a key shorter than 16 bytes: list the earlier SECRET_KEY values as they were, comma-separated",
                ));
            }
            self.1.push(key.as_bytes().to_vec());
        }
        Ok(self)
    }

    /// SECRET_KEY when set; otherwise, outside production, a key generated once and
    /// kept in `<data dir>/secret.key` so sessions survive a restart.
    pub fn load(raw: Option<String>, env: AppEnv, data_dir: &Path) -> Result<Self, ConfigError> {
        if let Some(raw) = raw {
            if raw.len() < MIN_PRODUCTION_BYTES {
                if env == AppEnv::Production {
                    return Err(ConfigError::new(
                        "SECRET_KEY",
                        format!(
                            "is {} bytes; APP_ENV=production needs at least {MIN_PRODUCTION_BYTES} (try: openssl rand -hex 32)",
                            raw.len()
                        ),
                    ));
                }
                log::warn!(
                    "SECRET_KEY is shorter than {MIN_PRODUCTION_BYTES} bytes; fine for development, refused in production"
                );
            }
            return Ok(Self(raw.into_bytes(), Vec::new()));
        }
        if env == AppEnv::Production {
            return Err(ConfigError::new(
                "SECRET_KEY",
                format!("must be set when APP_ENV=production ({MIN_PRODUCTION_BYTES}+ bytes)"),
            ));
        }
        Self::from_file(&data_dir.join("secret.key"))
    }

    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let fail = |what: &str, e: std::io::Error| {
            ConfigError::new(
                "SECRET_KEY",
                format!("unset, and {what} {} failed: {e}", path.display()),
            )
        };
        match std::fs::read_to_string(path) {
            Ok(existing) if existing.trim().len() >= MIN_PRODUCTION_BYTES => {
                // A key copied in by hand (or from a backup) may be readable by others.
                tighten(path).map_err(|e| fail("restricting the permissions of", e))?;
                return Ok(Self(existing.trim().as_bytes().to_vec(), Vec::new()));
            }
            Ok(_) => {
                return Err(ConfigError::new(
                    "SECRET_KEY",
                    format!(
                        "unset, and {} holds a key that is too short",
                        path.display()
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail("reading", e)),
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail("creating the folder of", e))?;
        }
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let key = hex::encode(bytes);
        write_private(path, &key).map_err(|e| fail("writing", e))?;
        log::info!("generated a new SECRET_KEY in {}", path.display());
        Ok(Self(key.into_bytes(), Vec::new()))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// Makes the key file owner-only (0600) if it is not, and says so.
#[cfg(unix)]
fn tighten(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        log::warn!(
            "{} was readable by others (mode {mode:o}): now 0600",
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretKey::load(None, AppEnv::Development, dir.path()).unwrap();
        let second = SecretKey::load(None, AppEnv::Development, dir.path()).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        assert!(first.bytes().len() >= MIN_PRODUCTION_BYTES);
        assert!(!format!("{first:?}").contains(std::str::from_utf8(first.bytes()).unwrap()));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_readable_by_others_is_made_owner_only_at_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, "k".repeat(64)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let key = SecretKey::load(None, AppEnv::Development, dir.path()).unwrap();
        assert_eq!(key.bytes(), "k".repeat(64).as_bytes());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn production_refuses_a_missing_key() {
        let dir = tempfile::tempdir().unwrap();
        let err = SecretKey::load(None, AppEnv::Production, dir.path()).unwrap_err();
        assert_eq!(err.var, "SECRET_KEY");
    }
}
