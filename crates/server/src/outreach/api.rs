//! Work in progress (helper H4).
