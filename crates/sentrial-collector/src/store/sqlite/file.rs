//! The database file's permissions: readable and writable by its owner only.

use std::path::Path;

/// Creates the database file at `path` with mode 0600 when it is missing, and takes group and
/// other access away from one that has it (a file made by an earlier version, 0644). SQLite
/// then creates the `-wal` and `-shm` files with the same mode.
pub(super) fn create_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                for file in [
                    path.to_path_buf(),
                    side_file(path, "-wal"),
                    side_file(path, "-shm"),
                ] {
                    let Ok(meta) = std::fs::metadata(&file) else {
                        continue;
                    };
                    let mode = meta.permissions().mode();
                    if mode & 0o077 != 0 {
                        std::fs::set_permissions(
                            &file,
                            std::fs::Permissions::from_mode(mode & 0o700),
                        )?;
                        tracing::warn!(file = %file.display(), "database file was readable by others; now 0600");
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(unix)]
fn side_file(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}
