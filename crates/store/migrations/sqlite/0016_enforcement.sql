-- Enforcement (附件1 六; 附件2 四(三), 六): inspection, penalty and coercive-measure
-- records with the national data fields; discretion benchmarks and exemption lists;
-- second approvals of out-of-band penalties; legal reviews of major decisions;
-- publicity; graded responses; evidence files (content-addressed); accountability steps.
-- Money is integer fen.

CREATE TABLE enf_benchmarks (
    id             INTEGER PRIMARY KEY,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    violation_code TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    legal_basis    TEXT NOT NULL,
    bands          TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE enf_exemptions (
    id             INTEGER PRIMARY KEY,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    kind           TEXT NOT NULL CHECK (kind IN ('first_offence', 'minor')),
    violation_code TEXT NOT NULL,
    note           TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    UNIQUE (kind, violation_code)
);

CREATE TABLE enf_cases (
    id                    INTEGER PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('inspection', 'penalty', 'coercive_measure')),
    department_id         INTEGER NOT NULL REFERENCES departments (id),
    uscc                  TEXT NOT NULL REFERENCES entities (uscc),
    entity_name           TEXT NOT NULL,
    item_code             TEXT NOT NULL,
    action_no             TEXT NOT NULL,
    implementing_body     TEXT NOT NULL,
    subject_name          TEXT NOT NULL,
    subject_public        TEXT NOT NULL,
    subject_is_person     BOOLEAN NOT NULL,
    officers              TEXT NOT NULL,
    occurred_on           TEXT NOT NULL,
    handler               TEXT NOT NULL,
    handler_account_id    INTEGER,
    status                TEXT NOT NULL CHECK (status IN ('recorded', 'draft', 'decided', 'published', 'withdrawn', 'in_force', 'lifted')),
    draw_inspection_id    INTEGER UNIQUE REFERENCES draw_inspections (id),
    insp_form             TEXT NOT NULL,
    insp_type             TEXT NOT NULL,
    insp_method           TEXT NOT NULL,
    insp_result           TEXT NOT NULL,
    insp_note             TEXT NOT NULL,
    case_source           TEXT NOT NULL,
    violation_code        TEXT NOT NULL,
    circumstance          TEXT NOT NULL,
    facts                 TEXT NOT NULL,
    legal_basis           TEXT NOT NULL,
    penalty_kinds         TEXT NOT NULL,
    fine_fen              INTEGER NOT NULL,
    confiscated_fen       INTEGER NOT NULL,
    decision_no           TEXT NOT NULL,
    collective_discussion BOOLEAN NOT NULL,
    hearing_held          BOOLEAN NOT NULL,
    remedy                TEXT NOT NULL,
    major                 BOOLEAN NOT NULL,
    major_reasons         TEXT NOT NULL,
    review_status         TEXT NOT NULL CHECK (review_status IN ('none', 'pending', 'approved', 'returned')),
    out_of_band           BOOLEAN NOT NULL,
    band_deviations       TEXT NOT NULL,
    band_reason           TEXT NOT NULL,
    band_status           TEXT NOT NULL CHECK (band_status IN ('none', 'pending', 'approved')),
    band_approved_by      TEXT,
    band_approved_at      TEXT,
    band_opinion          TEXT NOT NULL,
    exemption_hint        TEXT NOT NULL,
    grave                 BOOLEAN NOT NULL,
    decided_on            TEXT,
    publish_due           TEXT,
    published_on          TEXT,
    public_until          TEXT,
    withdrawn_at          TEXT,
    withdrawn_reason      TEXT NOT NULL,
    coercive_kind         TEXT NOT NULL,
    coercive_reason       TEXT NOT NULL,
    coercive_objects      TEXT NOT NULL,
    start_on              TEXT,
    end_on                TEXT,
    created_at            TEXT NOT NULL,
    UNIQUE (department_id, action_no)
);
CREATE INDEX enf_cases_department ON enf_cases (department_id, kind, id);
CREATE INDEX enf_cases_uscc ON enf_cases (uscc);
CREATE INDEX enf_cases_publicity ON enf_cases (status, publish_due);
CREATE UNIQUE INDEX enf_cases_decision_no ON enf_cases (department_id, decision_no) WHERE kind = 'penalty';

-- Legal reviews (法制审核) of major decisions, with the reviewer's opinion.
CREATE TABLE enf_reviews (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES enf_cases (id),
    reviewer            TEXT NOT NULL,
    reviewer_account_id INTEGER,
    decision            TEXT NOT NULL CHECK (decision IN ('approve', 'return')),
    opinion             TEXT NOT NULL,
    reviewed_at         TEXT NOT NULL
);
CREATE INDEX enf_reviews_case ON enf_reviews (case_id);

-- Graded responses (约谈 … 吊销, 移送司法机关).
CREATE TABLE enf_responses (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES enf_cases (id),
    measure             TEXT NOT NULL,
    decided_on          TEXT NOT NULL,
    follow_up_due       TEXT,
    licence_no          TEXT NOT NULL,
    transferred_on      TEXT,
    receiving_authority TEXT NOT NULL,
    note                TEXT NOT NULL,
    completed_on        TEXT,
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX enf_responses_case ON enf_responses (case_id);

-- Evidence files at each step; the bytes live under their SHA-256.
CREATE TABLE enf_evidence (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES enf_cases (id),
    step        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX enf_evidence_case ON enf_evidence (case_id);

-- Accountability: when each required step of a case was done, and by whom.
CREATE TABLE enf_steps (
    case_id INTEGER NOT NULL REFERENCES enf_cases (id),
    step    TEXT NOT NULL,
    done_on TEXT NOT NULL,
    done_by TEXT NOT NULL,
    PRIMARY KEY (case_id, step)
);
