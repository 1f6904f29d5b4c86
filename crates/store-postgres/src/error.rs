//! How PostgreSQL failures become [`StoreError`]s.
//!
//! Messages are built from the server's message and constraint name only: the DETAIL of a
//! unique violation quotes the key (a NIK, a card number), and errors end up in logs.

use store::StoreError;
use tokio_postgres::error::SqlState;

pub(crate) fn map(err: tokio_postgres::Error) -> StoreError {
    let Some(db) = err.as_db_error() else {
        // No server answer at all: the socket closed, the connection failed or timed out.
        // (Other client-side errors, such as a value that does not convert, stay `Other`.)
        let text = match std::error::Error::source(&err) {
            Some(cause) => format!("{err}: {cause}"),
            None => err.to_string(),
        };
        let io = std::iter::successors(std::error::Error::source(&err), |e| e.source())
            .any(|e| e.is::<std::io::Error>());
        if err.is_closed()
            || io
            || text.starts_with("timeout")
            || text.starts_with("error connecting")
            || text.starts_with("error communicating")
        {
            return StoreError::Unavailable(text);
        }
        return StoreError::Other(text);
    };
    let message = match db.constraint() {
        Some(constraint) => format!("{} ({constraint})", db.message()),
        None => db.message().to_owned(),
    };
    let code = db.code();
    if [
        SqlState::UNIQUE_VIOLATION,
        SqlState::FOREIGN_KEY_VIOLATION,
        SqlState::EXCLUSION_VIOLATION,
        SqlState::CHECK_VIOLATION,
        SqlState::NOT_NULL_VIOLATION,
    ]
    .contains(code)
    {
        return StoreError::Conflict(message);
    }
    let class = &code.code()[..2.min(code.code().len())];
    // 08: connection exceptions; 53: insufficient resources (too many connections, disk full);
    // 57: operator intervention (shutdown, cancelled); 40: serialization failure or deadlock.
    // All may clear on their own, so the caller may retry.
    if matches!(class, "08" | "53" | "57" | "40") {
        return StoreError::Unavailable(message);
    }
    StoreError::Other(message)
}

pub(crate) trait PgResultExt<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> PgResultExt<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(map)
    }
}

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}
