//! Stories of the PANDAWA console (filled by its owner).
