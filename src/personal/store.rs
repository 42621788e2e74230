//! The content-addressed file store on disk (GRANT-36 receipts): a file lives at
//! `<root>/<first two hex digits>/<sha256 of its stored bytes>`. The stored bytes
//! are sealed under their person's key ([`super::PersonalData::seal_bytes`]), so
//! erasing the person shreds the file wherever it was copied to; the log keeps
//! only the hash, size, type and name.
//!
//! Writing goes to a temporary file in the root, is flushed to disk, then renamed
//! into place (atomic on one file system) and the directory flushed: a reader
//! sees the whole file or none. A crash between writing a file and recording its
//! event leaves a file nothing references: [`FileStore::sweep`] removes those
//! once older than `[files] orphan_minutes`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use uuid::Uuid;

use super::files::sha256_hex;

/// Prefix of temporary files in the root (never a hash directory: those are two
/// hex digits).
const TEMP_PREFIX: &str = ".tmp-";

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The path of `hash`, or None when `hash` is not 64 lower-case hex digits
    /// (a hash from outside never names another path).
    fn path_of(&self, hash: &str) -> Option<PathBuf> {
        let valid = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&hash[..2]).join(hash))
    }

    /// Stores `bytes`; answers their hash (the same bytes twice are one file).
    pub async fn put(&self, bytes: Vec<u8>) -> std::io::Result<String> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.put_blocking(&bytes))
            .await
            .map_err(std::io::Error::other)?
    }

    fn put_blocking(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hash = sha256_hex(bytes);
        let target = self
            .path_of(&hash)
            .ok_or_else(|| std::io::Error::other("bad hash"))?;
        if target.is_file() {
            return Ok(hash);
        }
        std::fs::create_dir_all(&self.root)?;
        let temp = self.root.join(format!("{TEMP_PREFIX}{}", Uuid::new_v4()));
        let written = write_then_rename(&temp, &target, bytes);
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map(|()| hash)
    }

    /// The stored bytes of `hash`, or None when there is no such file.
    pub async fn get(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(hash) else {
            return Ok(None);
        };
        match tokio::fs::read(path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes the file of `hash` (no file: nothing to do).
    pub async fn remove(&self, hash: &str) -> std::io::Result<()> {
        let Some(path) = self.path_of(hash) else {
            return Ok(());
        };
        match tokio::fs::remove_file(path).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every stored file's hash and age, temporary files included (hash None).
    fn list(&self) -> std::io::Result<Vec<(Option<String>, PathBuf, Duration)>> {
        let mut out = vec![];
        let now = SystemTime::now();
        let age = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .unwrap_or_default()
        };
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with(TEMP_PREFIX) {
                out.push((None, path.clone(), age(&path)));
            } else if entry.file_type()?.is_dir() && name.len() == 2 {
                for file in std::fs::read_dir(&path)? {
                    let file = file?;
                    let hash = file.file_name().to_string_lossy().into_owned();
                    if self.path_of(&hash).is_some() {
                        out.push((Some(hash), file.path(), age(&file.path())));
                    }
                }
            }
        }
        Ok(out)
    }

    /// How many files the store holds (temporary ones included).
    pub fn count(&self) -> std::io::Result<usize> {
        Ok(self.list()?.len())
    }

    /// Removes the files older than `older_than` that `referenced` does not
    /// name, and leftover temporary files as old; answers how many went.
    pub async fn sweep(
        &self,
        referenced: HashSet<String>,
        older_than: Duration,
    ) -> std::io::Result<usize> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut removed = 0;
            for (hash, path, age) in store.list()? {
                let unreferenced = hash.is_none_or(|h| !referenced.contains(&h));
                if unreferenced && age >= older_than {
                    match std::fs::remove_file(&path) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                        _ => removed += 1,
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Writes `bytes` to `temp`, flushes it, renames it to `target` and flushes
/// the directory.
fn write_then_rename(temp: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(temp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    let dir = target
        .parent()
        .ok_or_else(|| std::io::Error::other("no directory"))?;
    std::fs::create_dir_all(dir)?;
    std::fs::rename(temp, target)?;
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_remove_and_sweep() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileStore::new(dir.path().join("files"));
        let hash = store.put(b"sealed".to_vec()).await.expect("put");
        assert_eq!(hash, sha256_hex(b"sealed"));
        assert!(
            dir.path()
                .join("files")
                .join(&hash[..2])
                .join(&hash)
                .is_file()
        );
        assert_eq!(
            store.get(&hash).await.expect("get"),
            Some(b"sealed".to_vec())
        );
        assert_eq!(store.get("../etc/passwd").await.expect("get"), None);
        let other = store.put(b"orphan".to_vec()).await.expect("put");
        assert_eq!(store.count().expect("count"), 2);
        let kept = HashSet::from([hash.clone()]);
        // Young files stay even when unreferenced.
        assert_eq!(
            store
                .sweep(kept.clone(), Duration::from_secs(3600))
                .await
                .expect("sweep"),
            0
        );
        assert_eq!(store.sweep(kept, Duration::ZERO).await.expect("sweep"), 1);
        assert_eq!(store.get(&other).await.expect("get"), None);
        store.remove(&hash).await.expect("remove");
        assert_eq!(store.count().expect("count"), 0);
    }
}
