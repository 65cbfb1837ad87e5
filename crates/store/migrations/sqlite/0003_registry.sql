-- Entity registry (检查对象名录库), item lists (清单) and the approval handoff (审管衔接).

-- One row per market entity, keyed by its unified social credit code. The legal
-- representative is personal data: stored SM4-sealed, with a keyed blind index for
-- equality search and the masked form public pages show.
CREATE TABLE entities (
    id               INTEGER PRIMARY KEY,
    uscc             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    legal_rep_sealed TEXT NOT NULL,
    legal_rep_index  TEXT NOT NULL,
    legal_rep_masked TEXT NOT NULL,
    address          TEXT NOT NULL,
    division         TEXT NOT NULL,
    industry         TEXT NOT NULL,
    industry_name    TEXT NOT NULL,
    registered_on    TEXT,
    status           TEXT NOT NULL,
    tags             TEXT NOT NULL,
    legacy           BOOLEAN NOT NULL,
    legacy_warning   TEXT NOT NULL,
    row_hash         TEXT NOT NULL,
    import_id        INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX entities_industry ON entities (industry);
CREATE INDEX entities_legal_rep ON entities (legal_rep_index);

-- The previous content of an entity each time an import changed it.
CREATE TABLE entity_history (
    id         INTEGER PRIMARY KEY,
    uscc       TEXT NOT NULL,
    import_id  INTEGER,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    previous   TEXT NOT NULL
);
CREATE INDEX entity_history_uscc ON entity_history (uscc, id);

-- Departments that supervise an entity (from routed licences).
CREATE TABLE entity_departments (
    uscc          TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    source        TEXT NOT NULL,
    since         TEXT NOT NULL,
    PRIMARY KEY (uscc, department_id)
);

-- A file import: progress is committed with each batch, so a killed import resumes
-- after the last committed batch.
CREATE TABLE import_jobs (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    file_bytes     INTEGER NOT NULL,
    options        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    error          TEXT NOT NULL,
    rows_committed INTEGER NOT NULL,
    bytes_committed INTEGER NOT NULL,
    batches        INTEGER NOT NULL,
    imported       INTEGER NOT NULL,
    updated        INTEGER NOT NULL,
    rejected       INTEGER NOT NULL,
    duplicate      INTEGER NOT NULL,
    started_by     TEXT NOT NULL,
    department_id  INTEGER REFERENCES departments (id),
    started_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    finished_at    TEXT
);
CREATE INDEX import_jobs_file ON import_jobs (file_sha256, status);

CREATE TABLE import_rejections (
    job_id INTEGER NOT NULL REFERENCES import_jobs (id),
    line   INTEGER NOT NULL,
    uscc   TEXT NOT NULL,
    name   TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (job_id, line)
);

-- Item lists: 行政许可, 备案, 初审, and approvals cancelled but still supervised.
CREATE TABLE items (
    id                      INTEGER PRIMARY KEY,
    list_kind               TEXT NOT NULL CHECK (list_kind IN ('licence', 'filing', 'initial_review', 'cancelled')),
    code                    TEXT NOT NULL UNIQUE,
    name                    TEXT NOT NULL,
    legal_basis             TEXT NOT NULL,
    approving_department_id INTEGER REFERENCES departments (id),
    catalogue_code          TEXT,
    notes                   TEXT NOT NULL,
    active                  BOOLEAN NOT NULL,
    version                 INTEGER NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);

CREATE TABLE item_departments (
    item_id       INTEGER NOT NULL REFERENCES items (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    PRIMARY KEY (item_id, department_id)
);

CREATE TABLE item_history (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES items (id),
    version  INTEGER NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    change   TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX item_history_item ON item_history (item_id, version);

-- Licence and filing records pushed by approving departments.
CREATE TABLE licences (
    id                    INTEGER PRIMARY KEY,
    record_kind           TEXT NOT NULL CHECK (record_kind IN ('licence', 'filing')),
    licence_no            TEXT NOT NULL,
    item_id               INTEGER NOT NULL REFERENCES items (id),
    uscc                  TEXT NOT NULL,
    legacy_uscc           BOOLEAN NOT NULL,
    entity_name           TEXT NOT NULL,
    issuing_department_id INTEGER NOT NULL REFERENCES departments (id),
    decided_on            TEXT NOT NULL,
    valid_until           TEXT,
    scope                 TEXT NOT NULL,
    notice_text           TEXT NOT NULL,
    pushed_by             TEXT NOT NULL,
    pushed_at             TEXT NOT NULL,
    UNIQUE (issuing_department_id, licence_no)
);
CREATE INDEX licences_uscc ON licences (uscc);

-- One row per supervising department a record is routed to.
CREATE TABLE licence_routes (
    licence_id    INTEGER NOT NULL REFERENCES licences (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    due_on        TEXT NOT NULL,
    notice_text   TEXT NOT NULL,
    received_at   TEXT,
    received_on   TEXT,
    received_by   TEXT,
    PRIMARY KEY (licence_id, department_id)
);
CREATE INDEX licence_routes_department ON licence_routes (department_id, received_on);
