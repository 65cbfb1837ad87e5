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

-- ---------------------------------------------------------------------------------
-- The credit capability's own tables (issue 6).

-- Current risk class per entity (信用风险分类), with the reasons that produced it and
-- the rules version; `commitment_approval` is set while the entity holds an approval
-- granted on a commitment (the draw weighs it). Absent = not yet classified.
CREATE TABLE credit_classes (
    uscc                TEXT PRIMARY KEY REFERENCES entities (uscc),
    class               TEXT NOT NULL CHECK (class IN ('A', 'B', 'C', 'D')),
    points              INTEGER NOT NULL,
    reasons             TEXT NOT NULL,
    rules_version       TEXT NOT NULL,
    commitment_approval BOOLEAN NOT NULL DEFAULT FALSE,
    computed_at         TEXT NOT NULL
);
CREATE INDEX credit_classes_class ON credit_classes (class);

-- Every change of class (or of its reasons), oldest first.
CREATE TABLE credit_class_history (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    class         TEXT NOT NULL,
    previous      TEXT,
    points        INTEGER NOT NULL,
    reasons       TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    computed_at   TEXT NOT NULL
);
CREATE INDEX credit_class_history_uscc ON credit_class_history (uscc, id);

-- Credit commitments (信用承诺): the text the entity signs, the linked licence, a due date.
CREATE TABLE credit_commitments (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    kind          TEXT NOT NULL CHECK (kind IN ('approval', 'notification', 'voluntary')),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    body          TEXT NOT NULL,
    licence_ref   TEXT NOT NULL DEFAULT '',
    signed_on     TEXT NOT NULL,
    due_on        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'kept', 'broken')),
    check_note    TEXT NOT NULL DEFAULT '',
    checked_by    TEXT,
    checked_at    TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX credit_commitments_uscc ON credit_commitments (uscc);

-- Red and black list kinds (红黑名单) with entry and exit rules and basis.
CREATE TABLE credit_list_kinds (
    code       TEXT PRIMARY KEY,
    colour     TEXT NOT NULL CHECK (colour IN ('red', 'black', 'watch')),
    name       TEXT NOT NULL,
    entry_rule TEXT NOT NULL,
    exit_rule  TEXT NOT NULL,
    basis      TEXT NOT NULL
);
-- Joint rewards and punishments (联合奖惩) per list kind.
CREATE TABLE credit_list_measures (
    id        INTEGER PRIMARY KEY,
    list_kind TEXT NOT NULL REFERENCES credit_list_kinds (code),
    category  TEXT NOT NULL CHECK (category IN ('restriction', 'inspection', 'green_channel', 'reward')),
    measure   TEXT NOT NULL,
    basis     TEXT NOT NULL
);
CREATE TABLE credit_list_entries (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    list_kind     TEXT NOT NULL REFERENCES credit_list_kinds (code),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    basis         TEXT NOT NULL,
    effective_on  TEXT NOT NULL,
    expires_on    TEXT,
    exited_on     TEXT,
    exit_reason   TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX credit_list_entries_uscc ON credit_list_entries (uscc);

-- Credit repair applications (信用修复) on one credit event, with three-level review.
CREATE TABLE credit_repairs (
    id            INTEGER PRIMARY KEY,
    uscc          TEXT NOT NULL REFERENCES entities (uscc),
    event_id      INTEGER NOT NULL REFERENCES credit_events (id),
    department_id INTEGER NOT NULL REFERENCES departments (id),
    applicant     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    status        TEXT NOT NULL,
    stage_due_on  TEXT,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX credit_repairs_uscc ON credit_repairs (uscc);
CREATE TABLE credit_repair_reviews (
    id          INTEGER PRIMARY KEY,
    repair_id   INTEGER NOT NULL REFERENCES credit_repairs (id),
    stage       TEXT NOT NULL CHECK (stage IN ('first', 'second', 'final', 'resubmit')),
    reviewer    TEXT NOT NULL,
    decision    TEXT NOT NULL,
    opinion     TEXT NOT NULL,
    due_on      TEXT,
    reviewed_at TEXT NOT NULL
);
CREATE INDEX credit_repair_reviews_repair ON credit_repair_reviews (repair_id, id);

-- Repair training sessions (信用修复培训, 第22项) and their attendees.
CREATE TABLE credit_trainings (
    id            INTEGER PRIMARY KEY,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    title         TEXT NOT NULL,
    held_on       TEXT NOT NULL,
    location      TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE TABLE credit_training_attendees (
    training_id INTEGER NOT NULL REFERENCES credit_trainings (id),
    uscc        TEXT NOT NULL REFERENCES entities (uscc),
    attendee    TEXT NOT NULL,
    PRIMARY KEY (training_id, uscc, attendee)
);

-- Objections (异议申诉) on one field of a credit event; old and new values kept.
CREATE TABLE credit_objections (
    id           INTEGER PRIMARY KEY,
    uscc         TEXT NOT NULL REFERENCES entities (uscc),
    event_id     INTEGER NOT NULL REFERENCES credit_events (id),
    field        TEXT NOT NULL,
    old_value    TEXT NOT NULL,
    new_value    TEXT,
    applicant    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'corrected', 'rejected')),
    resolution   TEXT NOT NULL DEFAULT '',
    resolved_by  TEXT,
    resolved_at  TEXT,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX credit_objections_event ON credit_objections (event_id);

INSERT INTO credit_list_kinds (code, colour, name, entry_rule, exit_rule, basis) VALUES
('honest', 'red', '守信激励对象名单(红名单)', '近3年内无行政处罚和失信记录、信用风险分类为A类,经行业主管部门推荐认定', '出现失信行为或信用风险分类降为C类、D类即移出;有效期届满未复核的自动移出', '《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》(国发〔2016〕33号)'),
('serious_dishonest', 'black', '严重失信主体名单(黑名单)', '因严重违法失信行为受到较重行政处罚,经认定部门依法依规认定', '名单有效期届满,或主动纠正失信行为、完成信用修复并经认定部门同意后移出', '《市场监督管理严重违法失信名单管理办法》(国家市场监督管理总局令第44号)'),
('abnormal', 'watch', '经营异常名录(重点关注)', '未按规定报送年度报告、通过登记住所无法联系等情形', '补报年度报告、依法办理住所变更等并申请移出', '《市场监督管理经营异常名录管理办法》');
INSERT INTO credit_list_measures (list_kind, category, measure, basis) VALUES
('honest', 'green_channel', '行政审批“绿色通道”,容缺受理', '国发〔2016〕33号'),
('honest', 'inspection', '降低“双随机”抽查比例和频次', '国发〔2016〕33号'),
('honest', 'reward', '在评优评先、政府采购中同等条件下优先考虑', '国发〔2016〕33号'),
('serious_dishonest', 'restriction', '限制适用告知承诺制审批,依法从严审核行政许可', '国家市场监督管理总局令第44号'),
('serious_dishonest', 'restriction', '限制参与政府采购、招标投标和财政资金项目', '国家市场监督管理总局令第44号'),
('serious_dishonest', 'inspection', '提高“双随机”抽查比例和频次,列为重点监管对象', '国家市场监督管理总局令第44号'),
('serious_dishonest', 'restriction', '不予授予荣誉称号,取消已享受的便利措施', '国家市场监督管理总局令第44号'),
('abnormal', 'inspection', '列为重点监管对象,提高抽查比例和频次', '《市场监督管理经营异常名录管理办法》'),
('abnormal', 'restriction', '审慎适用告知承诺制审批', '《市场监督管理经营异常名录管理办法》');

-- Monthly batch reclassifications done (one row per month, YYYY-MM).
CREATE TABLE credit_batch_runs (
    month      TEXT PRIMARY KEY,
    entities   BIGINT NOT NULL,
    changed    BIGINT NOT NULL,
    ran_at     TEXT NOT NULL
);
