-- Responsibility ledgers (台账): ledgers and their tasks, the units each task names and
-- the share (分解) of every member department, roadmaps and milestones, progress reports
-- with comments and evidence files, and the working-day calendar years administrators add
-- on top of the built-in arrangements. Same tables and columns as the PostgreSQL migration.

CREATE TABLE ledgers (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    source     TEXT NOT NULL,
    layout     TEXT NOT NULL CHECK (layout IN ('lead_responsible', 'combined')),
    builtin    BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE ledger_tasks (
    id               INTEGER PRIMARY KEY,
    ledger_id        INTEGER NOT NULL REFERENCES ledgers (id),
    seq              INTEGER NOT NULL CHECK (seq > 0),
    sub              INTEGER NOT NULL DEFAULT 0 CHECK (sub >= 0),
    chapter          TEXT NOT NULL,
    section          TEXT,
    item             TEXT,
    task             TEXT NOT NULL,
    measures         TEXT NOT NULL,
    lead_text        TEXT NOT NULL,
    responsible_text TEXT NOT NULL,
    units_merged     BOOLEAN NOT NULL,
    deadline_text    TEXT NOT NULL,
    deadline_kind    TEXT NOT NULL CHECK (deadline_kind IN ('date', 'yearly', 'ongoing', 'set_by_city', 'missing', 'unparsed')),
    set_due_date     TEXT,
    set_due_note     TEXT NOT NULL DEFAULT '',
    reporting_cycle  TEXT NOT NULL CHECK (reporting_cycle IN ('monthly', 'quarterly', 'half_yearly', 'yearly')),
    note             TEXT,
    roadmap          TEXT NOT NULL DEFAULT '',
    roadmap_by       TEXT,
    roadmap_at       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (ledger_id, seq, sub)
);

CREATE TABLE ledger_task_units (
    task_id  INTEGER NOT NULL REFERENCES ledger_tasks (id),
    role     TEXT NOT NULL CHECK (role IN ('lead', 'responsible')),
    position INTEGER NOT NULL,
    unit_id  INTEGER NOT NULL REFERENCES departments (id),
    PRIMARY KEY (task_id, role, position)
);

CREATE TABLE ledger_shares (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES ledger_tasks (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    is_lead       BOOLEAN NOT NULL,
    via_unit_id   INTEGER NOT NULL REFERENCES departments (id),
    manual_status TEXT CHECK (manual_status IN ('paused', 'completed')),
    manual_note   TEXT NOT NULL DEFAULT '',
    manual_by     TEXT,
    manual_at     TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (task_id, department_id)
);
CREATE INDEX ledger_shares_department ON ledger_shares (department_id, task_id);

CREATE TABLE ledger_milestones (
    id         INTEGER PRIMARY KEY,
    task_id    INTEGER NOT NULL REFERENCES ledger_tasks (id),
    title      TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES departments (id),
    detail     TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ledger_milestones_task ON ledger_milestones (task_id, due_date);

CREATE TABLE ledger_reports (
    id            INTEGER PRIMARY KEY,
    share_id      INTEGER NOT NULL REFERENCES ledger_shares (id),
    task_id       INTEGER NOT NULL REFERENCES ledger_tasks (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    author        TEXT NOT NULL,
    report_date   TEXT NOT NULL,
    progress      TEXT NOT NULL,
    milestone_id  INTEGER REFERENCES ledger_milestones (id),
    problems      TEXT NOT NULL DEFAULT '',
    next_steps    TEXT NOT NULL DEFAULT '',
    completes     BOOLEAN NOT NULL DEFAULT FALSE,
    status        TEXT NOT NULL CHECK (status IN ('submitted', 'returned')),
    revises_id    INTEGER REFERENCES ledger_reports (id),
    returned_by   TEXT,
    returned_at   TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX ledger_reports_share ON ledger_reports (share_id, status, report_date);
CREATE INDEX ledger_reports_task ON ledger_reports (task_id, id);
CREATE INDEX ledger_reports_milestone ON ledger_reports (milestone_id);

CREATE TABLE ledger_report_comments (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES ledger_reports (id),
    kind          TEXT NOT NULL CHECK (kind IN ('comment', 'return')),
    body          TEXT NOT NULL,
    author        TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    created_at    TEXT NOT NULL
);
CREATE INDEX ledger_report_comments_report ON ledger_report_comments (report_id, id);

CREATE TABLE ledger_files (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    size          INTEGER NOT NULL CHECK (size >= 0),
    kind          TEXT NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx', 'txt')),
    name          TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    report_id     INTEGER REFERENCES ledger_reports (id),
    uploaded_by   TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX ledger_files_report ON ledger_files (report_id);
CREATE INDEX ledger_files_sha ON ledger_files (sha256);

CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    arrangement TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
