-- The supervision catalogue (监管事项目录) and the duty map (附件2 第1项): responsible
-- departments per supervision item; gaps (空白区), overlaps (重合区) and disputes (争议区)
-- with 区委编办's resolution flow; every change kept.
--
-- The catalogue is keyed by the 14-digit 监管事项目录编码. It is not the registry's
-- `items` table: those are approval-side lists (许可、备案、初审、取消审批) with their own
-- codes, while a supervision item (e.g. 对价格行为的监督检查) often has no licence at
-- all. Registry items point here through `items.catalogue_code`.
CREATE TABLE sup_items (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    sub_name   TEXT NOT NULL,
    basis      TEXT NOT NULL,
    sector     TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sup_item_history (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES sup_items (id),
    version  INTEGER NOT NULL,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX sup_item_history_item ON sup_item_history (item_id, version);

-- Who answers for each item: 主责 (lead) or 配合 (cooperating).
CREATE TABLE duty_assignments (
    item_id       INTEGER NOT NULL REFERENCES sup_items (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    role          TEXT NOT NULL CHECK (role IN ('lead', 'cooperating')),
    basis         TEXT NOT NULL,
    assigned_at   TEXT NOT NULL,
    PRIMARY KEY (item_id, department_id)
);
CREATE INDEX duty_assignments_department ON duty_assignments (department_id);

-- Each change of an item's assignments: before and after (JSON), and the issue that led to it.
CREATE TABLE duty_history (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES sup_items (id),
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    issue_id INTEGER,
    assignments_before TEXT NOT NULL,
    assignments_after  TEXT NOT NULL,
    note     TEXT NOT NULL
);
CREATE INDEX duty_history_item ON duty_history (item_id, id);

-- A reported gap, overlap or dispute. `raised_by_department_id` is NULL when the
-- system found it in the assignments (one open detected issue per item and kind).
CREATE TABLE duty_issues (
    id                     INTEGER PRIMARY KEY,
    item_id                INTEGER NOT NULL REFERENCES sup_items (id),
    kind                   TEXT NOT NULL CHECK (kind IN ('gap', 'overlap', 'dispute')),
    status                 TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'resolved', 'rejected')),
    raised_by_department_id INTEGER REFERENCES departments (id),
    departments            TEXT NOT NULL,
    description            TEXT NOT NULL,
    resolution             TEXT NOT NULL,
    created_by             TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    closed_at              TEXT
);
CREATE INDEX duty_issues_status ON duty_issues (status, id);
CREATE UNIQUE INDEX duty_issues_detected_open ON duty_issues (item_id, kind)
    WHERE raised_by_department_id IS NULL AND status IN ('open', 'accepted');

CREATE TABLE duty_issue_events (
    id            INTEGER PRIMARY KEY,
    issue_id      INTEGER NOT NULL REFERENCES duty_issues (id),
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,
    department_id INTEGER REFERENCES departments (id),
    action        TEXT NOT NULL,
    note          TEXT NOT NULL
);
CREATE INDEX duty_issue_events_issue ON duty_issue_events (issue_id, id);
