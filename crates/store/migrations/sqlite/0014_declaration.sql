-- Enterprise self-declarations and service-quality commitments, annual-report status
-- (附件2 第3、9项), and the one-time application codes entities use on the public site.

-- An application code (申报码): only its hash is stored, bound to purpose and entity.
CREATE TABLE access_codes (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('declaration', 'safety_report')),
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    code_hash     TEXT NOT NULL UNIQUE,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    issued_by     TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT,
    used_for      TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX access_codes_uscc ON access_codes (uscc, purpose);

-- Failed code attempts, for the failure limit per address and per entity.
CREATE TABLE access_code_failures (
    id      INTEGER PRIMARY KEY,
    ip      TEXT NOT NULL,
    uscc    TEXT NOT NULL,
    purpose TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX access_code_failures_ip ON access_code_failures (ip, at);
CREATE INDEX access_code_failures_uscc ON access_code_failures (uscc, at);

CREATE TABLE declarations (
    id                INTEGER PRIMARY KEY,
    uscc              TEXT NOT NULL REFERENCES entities (uscc),
    entity_name       TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('standard', 'service')),
    subject           TEXT NOT NULL,
    standard_no       TEXT NOT NULL,
    title             TEXT NOT NULL,
    content           TEXT NOT NULL,
    attachment_sha256 TEXT REFERENCES doc_files (sha256),
    attachment_name   TEXT NOT NULL,
    via               TEXT NOT NULL CHECK (via IN ('code', 'staff')),
    department_id     INTEGER NOT NULL REFERENCES departments (id),
    created_by        TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('published', 'withdrawn')),
    published_at      TEXT NOT NULL,
    withdrawn_at      TEXT,
    withdrawn_by      TEXT,
    withdraw_reason   TEXT NOT NULL
);
CREATE INDEX declarations_uscc ON declarations (uscc, id);
CREATE INDEX declarations_published ON declarations (status, published_at);

-- Annual reports filed (年报公示), one per entity and report year.
CREATE TABLE annual_reports (
    uscc        TEXT NOT NULL REFERENCES entities (uscc),
    year        INTEGER NOT NULL,
    filed_on    TEXT NOT NULL,
    source      TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (uscc, year)
);
CREATE INDEX annual_reports_year ON annual_reports (year, filed_on);
