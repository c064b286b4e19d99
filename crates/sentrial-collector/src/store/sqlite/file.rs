//! The database file's permissions: readable and writable by its owner only.

use std::path::Path;

/// Creates the database file at `path` with mode 0600 when it is missing, and takes group and
/// other access away from one that has it (a file made by an earlier version, 0644). SQLite
/// then creates the `-wal` and `-shm` files with the same mode.
pub(super) fn create_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut name = path.as_os_str().to_owned();
                    name.push(suffix);
                    tighten(Path::new(&name));
                }
            }
            Err(e) => return Err(e),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Takes group and other access away from `file` if it exists and has any; a file that is not
/// ours to change (another owner) is warned about and left as it is.
#[cfg(unix)]
fn tighten(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return;
    };
    let mode = meta.permissions().mode();
    if mode & 0o077 == 0 {
        return;
    }
    let private = std::fs::Permissions::from_mode(mode & 0o700);
    match std::fs::set_permissions(file, private) {
        Ok(()) => {
            tracing::warn!(file = %file.display(), "database file was readable by others; now 0600")
        }
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "database file is readable by others and cannot be made 0600")
        }
    }
}
