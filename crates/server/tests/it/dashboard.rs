//! Stories of the PANDAWA dashboard (filled by its owner).
