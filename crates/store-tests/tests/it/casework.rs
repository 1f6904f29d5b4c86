//! PANDAWA stories (filled by the SQLite helper).
