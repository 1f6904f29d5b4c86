//! Stories of the PANDAWA forms (filled by its owner).
