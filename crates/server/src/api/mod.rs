//! The participant API under `/api/v1`.

pub mod demo;
pub mod facilities;
pub mod me;
pub mod offices;
pub mod openapi;
pub mod rehab;
pub mod sessions;
pub mod simulations;
pub mod views;

use crate::error::ApiError;

pub async fn not_found() -> ApiError {
    ApiError::not_found("Alamat ini tidak ada. Lihat /api/v1/openapi.json untuk daftar layanan.")
}
