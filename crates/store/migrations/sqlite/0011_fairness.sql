-- Fair-competition review (公平竞争审查, 附件1 第14项): drafts of policies registered by
-- their drafting unit, the checklist review, joint review (会审) with 区市场监管局, the
-- periodic clean-up of existing regulations and normative documents; and the
-- content-addressed document store the seed's remaining capabilities share.

-- Uploaded documents, content-addressed by SHA-256 (one row per distinct content).
CREATE TABLE doc_files (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE fc_drafts (
    id                INTEGER PRIMARY KEY,
    department_id     INTEGER NOT NULL REFERENCES departments (id),
    title             TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('normative', 'policy_document', 'specific_measure', 'government_major')),
    summary           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('registered', 'self_reviewed', 'joint_pending', 'returned', 'concluded')),
    standards_version TEXT NOT NULL,
    conclusion        TEXT CHECK (conclusion IN ('may_issue', 'exception', 'adjust', 'do_not_issue')),
    final_conclusion  TEXT CHECK (final_conclusion IN ('may_issue', 'exception', 'adjust', 'do_not_issue')),
    exception_ground  TEXT NOT NULL,
    reasoning         TEXT NOT NULL,
    term              TEXT NOT NULL,
    reviewed_at       TEXT,
    reviewed_by       TEXT,
    concluded_at      TEXT,
    outcome           TEXT CHECK (outcome IN ('issued', 'withdrawn')),
    issued_doc_no     TEXT NOT NULL,
    issued_on         TEXT,
    attachment_sha256 TEXT REFERENCES doc_files (sha256),
    attachment_name   TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL
);
CREATE INDEX fc_drafts_department ON fc_drafts (department_id, status);

-- The current answer to each standard of the draft's checklist version.
CREATE TABLE fc_findings (
    draft_id      INTEGER NOT NULL REFERENCES fc_drafts (id),
    standard_code TEXT NOT NULL,
    finding       TEXT NOT NULL CHECK (finding IN ('not_involved', 'complies', 'violates')),
    note          TEXT NOT NULL,
    PRIMARY KEY (draft_id, standard_code)
);

-- Joint reviews (会审): one row per request, answered by 区市场监管局.
CREATE TABLE fc_joint_reviews (
    id           INTEGER PRIMARY KEY,
    draft_id     INTEGER NOT NULL REFERENCES fc_drafts (id),
    requested_at TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    request_note TEXT NOT NULL,
    result       TEXT CHECK (result IN ('agree', 'agree_with_changes', 'disagree')),
    opinion      TEXT NOT NULL,
    answered_at  TEXT,
    answered_by  TEXT
);
CREATE INDEX fc_joint_reviews_draft ON fc_joint_reviews (draft_id, id);

-- Everything that happened to a draft, with the checklist as it was at each review.
CREATE TABLE fc_events (
    id       INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES fc_drafts (id),
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
CREATE INDEX fc_events_draft ON fc_events (draft_id, id);

-- A clean-up campaign of existing regulations and normative documents, with its deadline.
CREATE TABLE fc_cleanups (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    scope       TEXT NOT NULL,
    deadline_on TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The departments a campaign covers, and when each reported its clean-up complete.
CREATE TABLE fc_cleanup_targets (
    cleanup_id    INTEGER NOT NULL REFERENCES fc_cleanups (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    submitted_at  TEXT,
    submitted_by  TEXT,
    summary       TEXT NOT NULL,
    PRIMARY KEY (cleanup_id, department_id)
);

-- One document examined in a campaign, with its result.
CREATE TABLE fc_cleanup_documents (
    id            INTEGER PRIMARY KEY,
    cleanup_id    INTEGER NOT NULL REFERENCES fc_cleanups (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    title         TEXT NOT NULL,
    doc_no        TEXT NOT NULL,
    issued_on     TEXT,
    result        TEXT NOT NULL CHECK (result IN ('retain', 'amend', 'repeal', 'expire')),
    reason        TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    UNIQUE (cleanup_id, department_id, title, doc_no)
);
