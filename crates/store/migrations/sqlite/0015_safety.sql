-- Safety-production risk self-reports (附件1 第29项), their routing to the departments
-- with safety duties, risk warnings, and entities' reporting obligations.

CREATE TABLE safety_reports (
    id                   INTEGER PRIMARY KEY,
    uscc                 TEXT NOT NULL REFERENCES entities (uscc),
    entity_name          TEXT NOT NULL,
    category             TEXT NOT NULL,
    level                TEXT NOT NULL CHECK (level IN ('major', 'serious', 'general', 'low')),
    location             TEXT NOT NULL,
    description          TEXT NOT NULL,
    measures             TEXT NOT NULL,
    contact_name_sealed  TEXT NOT NULL,
    contact_name_masked  TEXT NOT NULL,
    contact_phone_sealed TEXT NOT NULL,
    contact_phone_masked TEXT NOT NULL,
    via                  TEXT NOT NULL CHECK (via IN ('code', 'staff')),
    submitted_by         TEXT NOT NULL,
    submitted_at         TEXT NOT NULL,
    submitted_on         TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'closed')),
    closed_at            TEXT,
    closed_by            TEXT,
    close_note           TEXT NOT NULL
);
CREATE INDEX safety_reports_uscc ON safety_reports (uscc, submitted_on);

-- One row per department a report is routed to.
CREATE TABLE safety_routes (
    report_id       INTEGER NOT NULL REFERENCES safety_reports (id),
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    due_on          TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    note            TEXT NOT NULL,
    PRIMARY KEY (report_id, department_id)
);
CREATE INDEX safety_routes_department ON safety_routes (department_id, acknowledged_at);

-- Risk warnings: from a report's level, or from a route past its deadline.
CREATE TABLE safety_warnings (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL REFERENCES safety_reports (id),
    department_id INTEGER REFERENCES departments (id),
    level         TEXT NOT NULL CHECK (level IN ('red', 'orange', 'yellow')),
    title         TEXT NOT NULL,
    raised_at     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    closed_at     TEXT,
    closed_by     TEXT,
    UNIQUE (report_id, level, department_id)
);
CREATE INDEX safety_warnings_status ON safety_warnings (status, id);

-- An entity that must report every `cycle_days` to a department (报告周期).
CREATE TABLE safety_obligations (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    cycle_days    INTEGER NOT NULL,
    since_on      TEXT NOT NULL,
    note          TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (uscc, department_id)
);
