//! Migrations embedded in the binary, one folder per database. Each backend lists its
//! files in order; a test checks that both lists name the same versions and that every
//! file of each folder is listed.

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

/// `(version, description, file name, SQL)`.
pub type EmbeddedMigration = (i64, &'static str, &'static str, &'static str);

#[derive(Debug, Clone, Copy)]
pub struct Embedded(pub &'static [EmbeddedMigration]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(v, d, _, sql)| {
                    Migration::new(*v, Cow::Borrowed(*d), MigrationType::Simple, Cow::Borrowed(*sql), false)
                })
                .collect())
        })
    }
}

macro_rules! embed {
    ($dir:literal: $(($v:literal, $desc:literal, $file:literal)),* $(,)?) => {
        &[$(($v, $desc, $file, include_str!(concat!("../migrations/", $dir, "/", $file)))),*]
    };
}

pub const SQLITE: &[EmbeddedMigration] = embed!("sqlite":
    (1, "foundation", "0001_foundation.sql"),
    (2, "ledger", "0002_ledger.sql"),
    (3, "registry", "0003_registry.sql"),
    (4, "draw", "0004_draw.sql"),
    (5, "credit", "0005_credit.sql"),
    (6, "trace", "0006_trace.sql"),
    (7, "publicity", "0007_publicity.sql"),
    (8, "liaison", "0008_liaison.sql"),
    (9, "training", "0009_training.sql"),
    (10, "association", "0010_association.sql"),
    (11, "fairness", "0011_fairness.sql"),
    (12, "dutymap", "0012_dutymap.sql"),
    (13, "catalog", "0013_catalog.sql"),
    (14, "declaration", "0014_declaration.sql"),
    (15, "safety", "0015_safety.sql"),
    (16, "enforcement", "0016_enforcement.sql"),
    (17, "complaints", "0017_complaints.sql"),
);
pub const POSTGRES: &[EmbeddedMigration] = embed!("postgres":
    (1, "foundation", "0001_foundation.sql"),
    (2, "ledger", "0002_ledger.sql"),
    (3, "registry", "0003_registry.sql"),
    (4, "draw", "0004_draw.sql"),
    (5, "credit", "0005_credit.sql"),
    (6, "trace", "0006_trace.sql"),
    (7, "publicity", "0007_publicity.sql"),
    (8, "liaison", "0008_liaison.sql"),
    (9, "training", "0009_training.sql"),
    (10, "association", "0010_association.sql"),
    (11, "fairness", "0011_fairness.sql"),
    (12, "dutymap", "0012_dutymap.sql"),
    (13, "catalog", "0013_catalog.sql"),
    (14, "declaration", "0014_declaration.sql"),
    (15, "safety", "0015_safety.sql"),
    (16, "enforcement", "0016_enforcement.sql"),
    (17, "complaints", "0017_complaints.sql"),
);

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(dir: &str, list: &[EmbeddedMigration]) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dir);
        let mut files: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let names: Vec<String> = list.iter().map(|m| m.2.to_string()).collect();
        assert_eq!(files, names, "every migration file of {dir} must be embedded, in order");
    }

    #[test]
    fn both_folders_fully_embedded_with_same_versions() {
        listed("sqlite", SQLITE);
        listed("postgres", POSTGRES);
        let v = |l: &[EmbeddedMigration]| l.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>();
        assert_eq!(v(SQLITE), v(POSTGRES));
    }
}
