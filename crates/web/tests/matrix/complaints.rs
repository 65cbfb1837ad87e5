//! The complaints routes.
#[allow(unused_imports)]
use super::foundation::{ALL, AUD, SEC, SIGNED_IN, SYS};

pub const ROUTES: &[(&str, &str, &[&str])] = &[];
