-- Industry associations and chambers of commerce (附件2 第10项): the registry, member
-- entities, self-regulation conventions and supervision cases.

CREATE TABLE associations (
    id              INTEGER PRIMARY KEY,
    uscc            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('association', 'chamber')),
    industry        TEXT NOT NULL,
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    registered_on   TEXT,
    address         TEXT NOT NULL,
    office_phone    TEXT NOT NULL,
    legacy_warning  TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'deregistered')),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE association_members (
    association_id INTEGER NOT NULL REFERENCES associations (id),
    uscc           TEXT NOT NULL REFERENCES entities (uscc),
    joined_on      TEXT,
    PRIMARY KEY (association_id, uscc)
);

CREATE TABLE association_conventions (
    id             INTEGER PRIMARY KEY,
    association_id INTEGER NOT NULL REFERENCES associations (id),
    title          TEXT NOT NULL,
    body_html      TEXT NOT NULL,
    adopted_on     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE association_cases (
    id             INTEGER PRIMARY KEY,
    association_id INTEGER NOT NULL REFERENCES associations (id),
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    kind           TEXT NOT NULL,
    title          TEXT NOT NULL,
    summary_html   TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    decided_on     TEXT NOT NULL,
    published      BOOLEAN NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    published_at   TEXT
);
