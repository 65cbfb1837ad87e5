-- Training and knowledge contests (正文四): sessions, attendance, question banks, tests
-- and their results; per-account records are read from these.

CREATE TABLE training_sessions (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    kind          TEXT NOT NULL CHECK (kind IN ('training', 'contest')),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    held_on       TEXT NOT NULL,
    hours_tenths  INTEGER NOT NULL,
    location      TEXT NOT NULL,
    district_wide BOOLEAN NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE training_attendance (
    session_id  INTEGER NOT NULL REFERENCES training_sessions (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (session_id, account_id)
);
CREATE INDEX training_attendance_account ON training_attendance (account_id);

-- A single-choice question of a department's bank; `options` is a JSON list.
CREATE TABLE training_questions (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    category      TEXT NOT NULL,
    stem          TEXT NOT NULL,
    options       TEXT NOT NULL,
    answer        INTEGER NOT NULL,
    active        BOOLEAN NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- A test of a session: a fixed list of questions (JSON ids) and a pass mark.
CREATE TABLE training_tests (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES training_sessions (id),
    title        TEXT NOT NULL,
    pass_mark    INTEGER NOT NULL,
    question_ids TEXT NOT NULL,
    is_open      BOOLEAN NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- One answer sheet per account and test.
CREATE TABLE training_results (
    id           INTEGER PRIMARY KEY,
    test_id      INTEGER NOT NULL REFERENCES training_tests (id),
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    answers      TEXT NOT NULL,
    correct      INTEGER NOT NULL,
    total        INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    passed       BOOLEAN NOT NULL,
    submitted_at TEXT NOT NULL,
    UNIQUE (test_id, account_id)
);
CREATE INDEX training_results_account ON training_results (account_id);
