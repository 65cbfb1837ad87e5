-- “双随机、一公开”: inspection item lists, inspector roster, sampling plans and tasks,
-- verifiable draws (commit, pool snapshot, outcome), inspections and their results.

-- Random-inspection items (随机抽查事项清单) of a department, and joint items
-- (部门联合抽查事项清单, kept by 区市场监管局) with their participating departments.
CREATE TABLE draw_items (
    id               INTEGER PRIMARY KEY,
    department_id    INTEGER NOT NULL REFERENCES departments (id),
    joint            BOOLEAN NOT NULL,
    code             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    sub_items        TEXT NOT NULL,
    legal_basis      TEXT NOT NULL,
    inspecting_body  TEXT NOT NULL,
    scope_kinds      TEXT NOT NULL,
    scope_industries TEXT NOT NULL,
    scope_tags       TEXT NOT NULL,
    ratio_per_mille  INTEGER NOT NULL,
    interval_months  INTEGER NOT NULL,
    method           TEXT NOT NULL,
    certificates     TEXT NOT NULL,
    active           BOOLEAN NOT NULL,
    version          INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX draw_items_department ON draw_items (department_id);

CREATE TABLE draw_item_departments (
    item_id       INTEGER NOT NULL REFERENCES draw_items (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    PRIMARY KEY (item_id, department_id)
);

-- Inspector roster (执法检查人员名录库). An entry may be linked to the inspector's account.
CREATE TABLE draw_inspectors (
    id             INTEGER PRIMARY KEY,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    account_id     INTEGER UNIQUE REFERENCES accounts (id),
    name           TEXT NOT NULL,
    certificate_no TEXT NOT NULL UNIQUE,
    valid_from     TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'left')),
    version        INTEGER NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX draw_inspectors_department ON draw_inspectors (department_id);

-- Items each inspector may inspect.
CREATE TABLE draw_inspector_items (
    inspector_id INTEGER NOT NULL REFERENCES draw_inspectors (id),
    item_id      INTEGER NOT NULL REFERENCES draw_items (id),
    PRIMARY KEY (inspector_id, item_id)
);

-- Declared conflicts of interest (回避). The reason is personal data: SM4-sealed.
CREATE TABLE draw_recusals (
    id            INTEGER PRIMARY KEY,
    inspector_id  INTEGER NOT NULL REFERENCES draw_inspectors (id),
    uscc          TEXT NOT NULL,
    reason_sealed TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('self', 'department')),
    declared_by   TEXT NOT NULL,
    declared_at   TEXT NOT NULL,
    withdrawn_by  TEXT,
    withdrawn_at  TEXT
);
CREATE INDEX draw_recusals_inspector ON draw_recusals (inspector_id, uscc);

-- A department's yearly workload cap per inspector.
CREATE TABLE draw_roster_settings (
    department_id INTEGER PRIMARY KEY REFERENCES departments (id),
    workload_cap  INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Sampling plans (抽查计划): annual, joint, temporary, key supervision.
CREATE TABLE draw_plans (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    year          INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('annual', 'joint', 'temporary', 'key')),
    title         TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    version       INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    published_by  TEXT,
    published_at  TEXT
);
CREATE INDEX draw_plans_department ON draw_plans (department_id, year);
CREATE UNIQUE INDEX draw_plans_one_annual ON draw_plans (department_id, year) WHERE kind = 'annual';

-- Departments taking part in a plan (the owner, and the others of a joint plan).
CREATE TABLE draw_plan_departments (
    plan_id       INTEGER NOT NULL REFERENCES draw_plans (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    PRIMARY KEY (plan_id, department_id)
);
CREATE INDEX draw_plan_departments_department ON draw_plan_departments (department_id);

-- Sampling tasks (抽查任务) of a plan.
CREATE TABLE draw_tasks (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES draw_plans (id),
    seq              INTEGER NOT NULL,
    name             TEXT NOT NULL,
    scope_kinds      TEXT NOT NULL,
    scope_industries TEXT NOT NULL,
    scope_tags       TEXT NOT NULL,
    supervised_only  BOOLEAN NOT NULL,
    stratify         BOOLEAN NOT NULL,
    quotas           TEXT NOT NULL,
    weight_rules     TEXT NOT NULL,
    starts_on        TEXT NOT NULL,
    ends_on          TEXT NOT NULL,
    directed         BOOLEAN NOT NULL,
    team_size        INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    UNIQUE (plan_id, seq)
);

CREATE TABLE draw_task_items (
    task_id INTEGER NOT NULL REFERENCES draw_tasks (id),
    item_id INTEGER NOT NULL REFERENCES draw_items (id),
    PRIMARY KEY (task_id, item_id)
);

-- Draws: committed (commit in the audit trail, pool snapshot stored), then drawn with
-- the entropy value, or failed; a re-draw supersedes the earlier draw, which stays public.
CREATE TABLE draw_draws (
    id                   INTEGER PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    task_id              INTEGER NOT NULL REFERENCES draw_tasks (id),
    draw_number          INTEGER NOT NULL,
    redraw_of            INTEGER REFERENCES draw_draws (id),
    redraw_reason        TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('committed', 'drawn', 'failed', 'superseded')),
    commit_json          TEXT NOT NULL,
    commit_hash          TEXT NOT NULL,
    commit_seq           INTEGER NOT NULL,
    entropy_available_at TEXT NOT NULL,
    witnesses            TEXT NOT NULL,
    roster_json          TEXT NOT NULL,
    pool_strata          TEXT NOT NULL,
    pool_size            INTEGER NOT NULL,
    committed_by         TEXT NOT NULL,
    committed_at         TEXT NOT NULL,
    entropy_value        TEXT,
    seed                 TEXT,
    drawn_by             TEXT,
    drawn_at             TEXT,
    failure              TEXT NOT NULL,
    UNIQUE (task_id, draw_number)
);
CREATE UNIQUE INDEX draw_draws_one_open ON draw_draws (task_id) WHERE status = 'committed';

-- The committed candidate pool, 65,536 entries a chunk: uscc (18 bytes), weight
-- (u16 BE), stratum index into pool_strata (u8).
CREATE TABLE draw_pool_chunks (
    draw_id INTEGER NOT NULL REFERENCES draw_draws (id),
    chunk   INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (draw_id, chunk)
);

-- One inspection per selected entity of a draw, with its result workflow.
CREATE TABLE draw_inspections (
    id            INTEGER PRIMARY KEY,
    draw_id       INTEGER NOT NULL REFERENCES draw_draws (id),
    position      INTEGER NOT NULL,
    uscc          TEXT NOT NULL,
    entity_name   TEXT NOT NULL,
    stratum       TEXT NOT NULL,
    ticket        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'approved', 'published', 'cancelled')),
    inspected_on  TEXT,
    publish_due   TEXT,
    summary       TEXT NOT NULL,
    return_reason TEXT NOT NULL,
    submitted_by  TEXT,
    submitted_at  TEXT,
    reviewed_by   TEXT,
    reviewed_at   TEXT,
    published_by  TEXT,
    published_at  TEXT,
    version       INTEGER NOT NULL,
    UNIQUE (draw_id, uscc)
);
CREATE INDEX draw_inspections_uscc ON draw_inspections (uscc, status);
CREATE INDEX draw_inspections_due ON draw_inspections (status, publish_due);

-- The team drawn for an inspection.
CREATE TABLE draw_assignments (
    inspection_id INTEGER NOT NULL REFERENCES draw_inspections (id),
    inspector_id  INTEGER NOT NULL REFERENCES draw_inspectors (id),
    leader        BOOLEAN NOT NULL,
    PRIMARY KEY (inspection_id, inspector_id)
);
CREATE INDEX draw_assignments_inspector ON draw_assignments (inspector_id);

-- The result per item of an inspection.
CREATE TABLE draw_results (
    inspection_id INTEGER NOT NULL REFERENCES draw_inspections (id),
    item_id       INTEGER NOT NULL REFERENCES draw_items (id),
    result        TEXT NOT NULL,
    note          TEXT NOT NULL,
    PRIMARY KEY (inspection_id, item_id)
);

-- Evidence files of an inspection.
CREATE TABLE draw_evidence (
    id            INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES draw_inspections (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    data          BLOB NOT NULL,
    uploaded_by   TEXT NOT NULL,
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX draw_evidence_inspection ON draw_evidence (inspection_id);
