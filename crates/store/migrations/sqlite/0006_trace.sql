-- Product traceability (追溯, 附件2 四(二)) and inclusive and prudent supervision
-- (包容审慎, 附件2 四(四)): product catalogue, custody events, holdings, recalls,
-- incident reports, observation periods.

-- The product catalogue: each product (by scheme and product identifier) belongs to
-- the entity that makes or imports it.
CREATE TABLE trace_products (
    id           INTEGER PRIMARY KEY,
    owner_uscc   TEXT NOT NULL REFERENCES entities (uscc),
    scheme       TEXT NOT NULL CHECK (scheme IN ('gtin', 'drug', 'udi', 'equipment')),
    product_key  TEXT NOT NULL,
    name         TEXT NOT NULL,
    spec         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (scheme, product_key)
);
CREATE INDEX trace_products_owner ON trace_products (owner_uscc);

-- One row per accepted upload (API, CSV or form), in the upload's transaction.
CREATE TABLE trace_uploads (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL CHECK (source IN ('api', 'csv', 'form')),
    department_id  INTEGER REFERENCES departments (id),
    submitted_by   TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    events         INTEGER NOT NULL,
    pending        INTEGER NOT NULL,
    flagged        INTEGER NOT NULL
);

-- Custody events. Parties are not foreign keys: an event naming an unknown entity or
-- product is kept as `pending` with its flags, never dropped. `lot` is the batch, or the
-- serial for codes that carry no batch, or ''.
CREATE TABLE trace_events (
    id           INTEGER PRIMARY KEY,
    upload_id    INTEGER NOT NULL REFERENCES trace_uploads (id),
    kind         TEXT NOT NULL CHECK (kind IN ('produce', 'receive', 'ship', 'sell', 'install', 'inspect', 'recall')),
    scheme       TEXT NOT NULL,
    code         TEXT NOT NULL,
    product_key  TEXT NOT NULL,
    lot          TEXT NOT NULL,
    serial       TEXT,
    from_uscc    TEXT,
    to_uscc      TEXT,
    occurred_at  TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity >= 0),
    place        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('recorded', 'pending')),
    flags        TEXT NOT NULL
);
CREATE INDEX trace_events_lot ON trace_events (product_key, lot, kind);
CREATE INDEX trace_events_from ON trace_events (from_uscc);
CREATE INDEX trace_events_to ON trace_events (to_uscc);

-- Stock per holder of a lot: inflow and outflow of the movement events.
CREATE TABLE trace_holdings (
    product_key  TEXT NOT NULL,
    lot          TEXT NOT NULL,
    uscc         TEXT NOT NULL,
    inflow       INTEGER NOT NULL,
    outflow      INTEGER NOT NULL,
    PRIMARY KEY (product_key, lot, uscc)
);

CREATE TABLE trace_recalls (
    id              INTEGER PRIMARY KEY,
    product_key     TEXT NOT NULL,
    lot             TEXT NOT NULL,
    product_name    TEXT NOT NULL,
    initiator_uscc  TEXT NOT NULL REFERENCES entities (uscc),
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    level           INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    reason          TEXT NOT NULL,
    started_on      TEXT NOT NULL,
    due_on          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'completed')),
    started_by      TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    completed_at    TEXT
);
CREATE INDEX trace_recalls_lot ON trace_recalls (product_key, lot);

CREATE TABLE trace_recall_holders (
    recall_id     INTEGER NOT NULL REFERENCES trace_recalls (id),
    uscc          TEXT NOT NULL,
    entity_name   TEXT NOT NULL,
    depth         INTEGER NOT NULL,
    quantity      INTEGER NOT NULL,
    confirmed_at  TEXT,
    confirmed_by  TEXT,
    returned      INTEGER,
    note          TEXT NOT NULL,
    PRIMARY KEY (recall_id, uscc)
);

-- Mandatory product quality and safety incident reports (产品质量安全事故强制报告).
CREATE TABLE trace_incidents (
    id              INTEGER PRIMARY KEY,
    uscc            TEXT NOT NULL REFERENCES entities (uscc),
    scheme          TEXT NOT NULL,
    product_key     TEXT NOT NULL,
    lot             TEXT NOT NULL,
    occurred_on     TEXT NOT NULL,
    severity        TEXT NOT NULL CHECK (severity IN ('general', 'serious', 'grave')),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    injured         INTEGER NOT NULL CHECK (injured >= 0),
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    reported_by     TEXT NOT NULL,
    reported_at     TEXT NOT NULL,
    credit_event_id INTEGER NOT NULL
);
CREATE INDEX trace_incidents_uscc ON trace_incidents (uscc);

-- Inclusive and prudent supervision: category, observation period, tailored rules, review.
CREATE TABLE trace_observations (
    id             INTEGER PRIMARY KEY,
    uscc           TEXT NOT NULL REFERENCES entities (uscc),
    model          TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('clear', 'unclear', 'high_risk', 'illegal')),
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    review_on      TEXT NOT NULL,
    rules          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('observing', 'reviewed')),
    decision       TEXT,
    review_note    TEXT NOT NULL,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    reviewed_by    TEXT,
    reviewed_at    TEXT
);
CREATE INDEX trace_observations_uscc ON trace_observations (uscc, status);
