-- Claims of supervision-catalogue items (认领), inspection implementation lists
-- (检查实施清单), 区委网信办's re-confirmation of unclaimed items, and the versioned
-- standardized implementation rules (监管细则) (附件1 第15项, 附件2 第2项).

CREATE TABLE catalog_claims (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES sup_items (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    status        TEXT NOT NULL CHECK (status IN ('active', 'withdrawn')),
    claimed_at    TEXT NOT NULL,
    claimed_by    TEXT NOT NULL,
    withdrawn_at  TEXT,
    withdrawn_by  TEXT,
    withdraw_note TEXT NOT NULL
);
CREATE UNIQUE INDEX catalog_claims_active ON catalog_claims (item_id, department_id) WHERE status = 'active';
CREATE INDEX catalog_claims_department ON catalog_claims (department_id, status);

-- The implementation list of one claim (current version).
CREATE TABLE catalog_implementations (
    claim_id   INTEGER PRIMARY KEY REFERENCES catalog_claims (id),
    basis      TEXT NOT NULL,
    content    TEXT NOT NULL,
    method     TEXT NOT NULL,
    object     TEXT NOT NULL,
    body       TEXT NOT NULL,
    frequency  TEXT NOT NULL,
    handling   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE catalog_implementation_history (
    id       INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES catalog_claims (id),
    version  INTEGER NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX catalog_implementation_history_claim ON catalog_implementation_history (claim_id, version);

-- 区委网信办's decisions on unclaimed items; the latest per item is in force.
CREATE TABLE catalog_reconfirmations (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES sup_items (id),
    decision      TEXT NOT NULL CHECK (decision IN ('assign', 'not_district')),
    department_id INTEGER REFERENCES departments (id),
    note          TEXT NOT NULL,
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL
);
CREATE INDEX catalog_reconfirmations_item ON catalog_reconfirmations (item_id, id);

-- 监管细则: every version kept; the highest version per item and department is current.
CREATE TABLE catalog_rules (
    id                INTEGER PRIMARY KEY,
    item_id           INTEGER NOT NULL REFERENCES sup_items (id),
    department_id     INTEGER NOT NULL REFERENCES departments (id),
    version           INTEGER NOT NULL,
    title             TEXT NOT NULL,
    body              TEXT NOT NULL,
    attachment_sha256 TEXT REFERENCES doc_files (sha256),
    attachment_name   TEXT NOT NULL,
    effective_on      TEXT NOT NULL,
    change_note       TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (item_id, department_id, version)
);
