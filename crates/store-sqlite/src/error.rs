//! How SQLite failures become [`StoreError`]s: the caller cares whether to retry
//! (`Unavailable`), to tell the user the record exists (`Conflict`), or to alert (`Other`).

use rusqlite::ErrorCode;
use store::StoreError;

pub(crate) fn map(err: rusqlite::Error) -> StoreError {
    match &err {
        rusqlite::Error::SqliteFailure(e, _) => match e.code {
            ErrorCode::ConstraintViolation => StoreError::Conflict(err.to_string()),
            // Another process holds the lock past the busy timeout, the file vanished or the
            // disk failed: all conditions that may clear, so the caller may retry.
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::CannotOpen
            | ErrorCode::SystemIoFailure
            | ErrorCode::DiskFull
            | ErrorCode::ReadOnly
            | ErrorCode::PermissionDenied
            | ErrorCode::FileLockingProtocolFailed
            | ErrorCode::OutOfMemory => StoreError::Unavailable(err.to_string()),
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(err.to_string())
            }
            _ => StoreError::Other(err.to_string()),
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::Corrupt(err.to_string()),
        _ => StoreError::Other(err.to_string()),
    }
}

/// `?`-friendly conversion inside closures that return `store::Result`.
pub(crate) trait SqlResultExt<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> SqlResultExt<T> for Result<T, rusqlite::Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(map)
    }
}

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}
