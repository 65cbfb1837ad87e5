-- Credit supervision (信用监管). This migration holds the credit record every
-- capability writes into; the credit capability adds its own tables after it.

-- The credit record (信用记录): one row per fact about an entity — a licence, a filing,
-- an inspection result, a penalty, a commitment, a list entry, a repair, an objection,
-- a complaint outcome, an incident. Written by the owning capability in the same
-- transaction as its own change; `(ref_kind, ref_id, kind)` names the source object, so
-- writing the same fact twice changes nothing. `change_seq` grows on every insert and
-- update (incremental export to the city platform).
CREATE TABLE credit_events (
    id                   INTEGER PRIMARY KEY,
    uscc                 TEXT NOT NULL REFERENCES entities (uscc),
    kind                 TEXT NOT NULL,
    source_department_id INTEGER REFERENCES departments (id),
    occurred_on          TEXT NOT NULL,
    title                TEXT NOT NULL,
    detail               TEXT NOT NULL,
    ref_kind             TEXT NOT NULL,
    ref_id               TEXT NOT NULL,
    severity             TEXT NOT NULL CHECK (severity IN ('positive', 'neutral', 'minor', 'serious', 'grave')),
    public               BOOLEAN NOT NULL,
    public_until         TEXT,
    withdrawn_at         TEXT,
    withdrawn_reason     TEXT NOT NULL DEFAULT '',
    change_seq           INTEGER NOT NULL,
    created_at           TEXT NOT NULL,
    UNIQUE (ref_kind, ref_id, kind)
);
CREATE INDEX credit_events_uscc ON credit_events (uscc, occurred_on, id);
CREATE INDEX credit_events_change ON credit_events (change_seq);
