//! Reports and complaints pages and API, including the public intake.

use crate::access::Principal;
use crate::error::AppError;
use crate::pages::home::{Card, PublicSection};
use crate::routes::RouteDef;
use crate::AppState;

/// This capability's routes (merged into the one route table).
pub fn routes() -> Vec<RouteDef> {
    Vec::new()
}

/// This capability's templates, by name.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// Dashboard cards for the caller's roles.
pub async fn home_cards(_state: &AppState, _p: &Principal) -> Result<Vec<Card>, AppError> {
    Ok(Vec::new())
}

/// Sections of the public portal.
pub fn public_sections() -> Vec<PublicSection> {
    Vec::new()
}

/// Scheduled work, run by `serve` every tick.
pub async fn scheduled(_state: &AppState) -> Result<(), AppError> {
    Ok(())
}

/// This capability's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub struct Api;
