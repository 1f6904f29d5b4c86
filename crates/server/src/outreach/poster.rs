//! Work in progress (helper H3): GET /offices/{id}/closure-poster.pdf and .png.
