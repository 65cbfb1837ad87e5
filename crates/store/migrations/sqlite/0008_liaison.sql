-- Enterprise liaisons (企业联络员制度): one-time application codes, the liaison
-- directory (personal data SM4-sealed, masked copies for lists), notices and replies.

-- A code issued by a department to one entity for one purpose; only its hash is kept.
CREATE TABLE liaison_codes (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('register', 'reply')),
    code_hash     TEXT NOT NULL UNIQUE,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    notice_id     INTEGER,
    issued_by     TEXT NOT NULL,
    issued_at     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE INDEX liaison_codes_entity ON liaison_codes (uscc, purpose);

-- A liaison; a new registration for the same entity replaces the active one.
CREATE TABLE liaisons (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    name_sealed   TEXT NOT NULL,
    name_masked   TEXT NOT NULL,
    phone_sealed  TEXT NOT NULL,
    phone_masked  TEXT NOT NULL,
    position      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'replaced')),
    code_id       INTEGER NOT NULL REFERENCES liaison_codes (id),
    registered_at TEXT NOT NULL,
    replaced_at   TEXT
);
CREATE INDEX liaisons_entity ON liaisons (uscc, status);

-- A notice a department sends to liaisons chosen by industry or tag.
CREATE TABLE liaison_notices (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('all', 'industry', 'tag')),
    target_value  TEXT NOT NULL,
    reply_by      TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX liaison_notices_department ON liaison_notices (department_id, id);

CREATE TABLE liaison_recipients (
    id         INTEGER PRIMARY KEY,
    notice_id  INTEGER NOT NULL REFERENCES liaison_notices (id),
    liaison_id INTEGER NOT NULL REFERENCES liaisons (id),
    uscc       TEXT NOT NULL,
    code_id    INTEGER NOT NULL REFERENCES liaison_codes (id),
    replied_at TEXT,
    reply      TEXT NOT NULL,
    feedback   TEXT NOT NULL,
    UNIQUE (notice_id, liaison_id)
);

-- Failed code entries by (hashed) client address, for rate limiting.
CREATE TABLE liaison_code_failures (
    id      INTEGER PRIMARY KEY,
    ip_hash TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX liaison_code_failures_ip ON liaison_code_failures (ip_hash, at);
