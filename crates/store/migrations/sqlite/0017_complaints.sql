-- Reports and complaints (举报 / 投诉) with the reporter sealed (SM4, key outside the
-- database), their handling history, attachments and rewards; the consumer-protection
-- joint meeting's cases and shared tasks; data risk warnings.

CREATE TABLE complaints (
    id                    INTEGER PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('report', 'complaint')),
    channel               TEXT NOT NULL CHECK (channel IN ('web', 'api', 'phone', 'email', 'letter')),
    category              TEXT NOT NULL,
    subject_uscc          TEXT,
    subject_name          TEXT NOT NULL,
    content               TEXT NOT NULL,
    reporter_name_sealed  TEXT NOT NULL,
    reporter_name_masked  TEXT NOT NULL,
    reporter_phone_sealed TEXT NOT NULL,
    reporter_phone_masked TEXT NOT NULL,
    department_id         INTEGER NOT NULL REFERENCES departments (id),
    entered_by            TEXT NOT NULL,
    received_at           TEXT NOT NULL,
    received_on           TEXT NOT NULL,
    ack_due_on            TEXT NOT NULL,
    decide_due_on         TEXT NOT NULL,
    reply_due_on          TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('received', 'acknowledged', 'accepted', 'declined', 'closed')),
    acknowledged_at       TEXT,
    decided_at            TEXT,
    closed_at             TEXT,
    closed_on             TEXT,
    reply                 TEXT NOT NULL,
    substantiated         BOOLEAN,
    -- Salted hash of the submitting address (public channels), for the rate limit only.
    client_hash           TEXT
);
CREATE INDEX complaints_department ON complaints (department_id, status);
CREATE INDEX complaints_subject ON complaints (subject_uscc, received_on);
CREATE INDEX complaints_client ON complaints (client_hash, received_at);

-- The handling history (签收、转办、受理/立案、答复办结 …).
CREATE TABLE complaint_events (
    id            INTEGER PRIMARY KEY,
    complaint_id  INTEGER NOT NULL REFERENCES complaints (id),
    action        TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    actor         TEXT NOT NULL,
    at            TEXT NOT NULL,
    note          TEXT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);

CREATE TABLE complaint_files (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    sha256       TEXT NOT NULL REFERENCES doc_files (sha256),
    name         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    PRIMARY KEY (complaint_id, sha256)
);

-- 举报人奖励: proposed by the handling department, approved by another person, paid.
CREATE TABLE complaint_rewards (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL UNIQUE REFERENCES complaints (id),
    level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    fines_yuan   INTEGER NOT NULL,
    amount_yuan  INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'paid')),
    note         TEXT NOT NULL,
    proposed_by  TEXT NOT NULL,
    proposed_at  TEXT NOT NULL,
    decided_by   TEXT,
    decided_at   TEXT,
    paid_by      TEXT,
    paid_at      TEXT
);

-- 消费者权益保护联席会议: cross-department cases with a task per department.
CREATE TABLE jm_cases (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    complaint_id INTEGER REFERENCES complaints (id),
    status       TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    closed_at    TEXT,
    conclusion   TEXT NOT NULL
);

CREATE TABLE jm_tasks (
    id            INTEGER PRIMARY KEY,
    case_id       INTEGER NOT NULL REFERENCES jm_cases (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    title         TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'done')),
    note          TEXT NOT NULL,
    updated_by    TEXT,
    updated_at    TEXT
);
CREATE INDEX jm_tasks_department ON jm_tasks (department_id, status);

-- 数据风险预警: one open warning per entity, refreshed by each run.
CREATE TABLE risk_warnings (
    id          INTEGER PRIMARY KEY,
    uscc        TEXT NOT NULL REFERENCES entities (uscc),
    entity_name TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('yellow', 'orange', 'red')),
    score       INTEGER NOT NULL,
    reasons     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    raised_on   TEXT NOT NULL,
    raised_at   TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    closed_at   TEXT,
    closed_by   TEXT,
    close_note  TEXT NOT NULL,
    task_id     INTEGER REFERENCES draw_tasks (id)
);
CREATE INDEX risk_warnings_uscc ON risk_warnings (uscc, status);
