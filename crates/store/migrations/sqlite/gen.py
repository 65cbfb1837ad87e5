# Generates the SQLite and PostgreSQL ledger migrations from one description, so both
# schemas keep the same tables and columns.
ID = "ID"
tables = []
def table(name, cols, extra=(), indexes=()):
    tables.append((name, cols, extra, indexes))

table("ledgers", [
    ("id", ID),
    ("code", "TEXT NOT NULL UNIQUE"),
    ("title", "TEXT NOT NULL"),
    ("source", "TEXT NOT NULL"),
    ("layout", "TEXT NOT NULL CHECK (layout IN ('lead_responsible', 'combined'))"),
    ("builtin", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("created_by", "TEXT NOT NULL"),
    ("created_at", "TS NOT NULL"),
    ("updated_at", "TS NOT NULL"),
])
table("ledger_tasks", [
    ("id", ID),
    ("ledger_id", "REF ledgers NOT NULL"),
    ("seq", "INT NOT NULL CHECK (seq > 0)"),
    ("sub", "INT NOT NULL DEFAULT 0 CHECK (sub >= 0)"),
    ("chapter", "TEXT NOT NULL"),
    ("section", "TEXT"),
    ("item", "TEXT"),
    ("task", "TEXT NOT NULL"),
    ("measures", "TEXT NOT NULL"),
    ("lead_text", "TEXT NOT NULL"),
    ("responsible_text", "TEXT NOT NULL"),
    ("units_merged", "BOOLEAN NOT NULL"),
    ("deadline_text", "TEXT NOT NULL"),
    ("deadline_kind", "TEXT NOT NULL CHECK (deadline_kind IN ('date', 'yearly', 'ongoing', 'set_by_city', 'missing', 'unparsed'))"),
    ("set_due_date", "DATE"),
    ("set_due_note", "TEXT NOT NULL DEFAULT ''"),
    ("reporting_cycle", "TEXT NOT NULL CHECK (reporting_cycle IN ('monthly', 'quarterly', 'half_yearly', 'yearly'))"),
    ("note", "TEXT"),
    ("roadmap", "TEXT NOT NULL DEFAULT ''"),
    ("roadmap_by", "TEXT"),
    ("roadmap_at", "TS"),
    ("created_at", "TS NOT NULL"),
    ("updated_at", "TS NOT NULL"),
], extra=["UNIQUE (ledger_id, seq, sub)"])
table("ledger_task_units", [
    ("task_id", "REF ledger_tasks NOT NULL"),
    ("role", "TEXT NOT NULL CHECK (role IN ('lead', 'responsible'))"),
    ("position", "INT NOT NULL"),
    ("unit_id", "REF departments NOT NULL"),
], extra=["PRIMARY KEY (task_id, role, position)"])
table("ledger_shares", [
    ("id", ID),
    ("task_id", "REF ledger_tasks NOT NULL"),
    ("department_id", "REF departments NOT NULL"),
    ("is_lead", "BOOLEAN NOT NULL"),
    ("via_unit_id", "REF departments NOT NULL"),
    ("manual_status", "TEXT CHECK (manual_status IN ('paused', 'completed'))"),
    ("manual_note", "TEXT NOT NULL DEFAULT ''"),
    ("manual_by", "TEXT"),
    ("manual_at", "TS"),
    ("created_at", "TS NOT NULL"),
    ("updated_at", "TS NOT NULL"),
], extra=["UNIQUE (task_id, department_id)"], indexes=["CREATE INDEX ledger_shares_department ON ledger_shares (department_id, task_id);"])
table("ledger_milestones", [
    ("id", ID),
    ("task_id", "REF ledger_tasks NOT NULL"),
    ("title", "TEXT NOT NULL"),
    ("due_date", "DATE NOT NULL"),
    ("owner_id", "REF departments NOT NULL"),
    ("detail", "TEXT NOT NULL DEFAULT ''"),
    ("created_by", "TEXT NOT NULL"),
    ("created_at", "TS NOT NULL"),
    ("updated_at", "TS NOT NULL"),
], indexes=["CREATE INDEX ledger_milestones_task ON ledger_milestones (task_id, due_date);"])
table("ledger_reports", [
    ("id", ID),
    ("share_id", "REF ledger_shares NOT NULL"),
    ("task_id", "REF ledger_tasks NOT NULL"),
    ("department_id", "REF departments NOT NULL"),
    ("author", "TEXT NOT NULL"),
    ("report_date", "DATE NOT NULL"),
    ("progress", "TEXT NOT NULL"),
    ("milestone_id", "REF ledger_milestones"),
    ("problems", "TEXT NOT NULL DEFAULT ''"),
    ("next_steps", "TEXT NOT NULL DEFAULT ''"),
    ("completes", "BOOLEAN NOT NULL DEFAULT FALSE"),
    ("status", "TEXT NOT NULL CHECK (status IN ('submitted', 'returned'))"),
    ("revises_id", "REF ledger_reports"),
    ("returned_by", "TEXT"),
    ("returned_at", "TS"),
    ("created_at", "TS NOT NULL"),
], indexes=[
    "CREATE INDEX ledger_reports_share ON ledger_reports (share_id, status, report_date);",
    "CREATE INDEX ledger_reports_task ON ledger_reports (task_id, id);",
    "CREATE INDEX ledger_reports_milestone ON ledger_reports (milestone_id);",
])
table("ledger_report_comments", [
    ("id", ID),
    ("report_id", "REF ledger_reports NOT NULL"),
    ("kind", "TEXT NOT NULL CHECK (kind IN ('comment', 'return'))"),
    ("body", "TEXT NOT NULL"),
    ("author", "TEXT NOT NULL"),
    ("department_id", "REF departments"),
    ("created_at", "TS NOT NULL"),
], indexes=["CREATE INDEX ledger_report_comments_report ON ledger_report_comments (report_id, id);"])
table("ledger_files", [
    ("id", ID),
    ("sha256", "TEXT NOT NULL CHECK (length(sha256) = 64)"),
    ("size", "INT NOT NULL CHECK (size >= 0)"),
    ("kind", "TEXT NOT NULL CHECK (kind IN ('pdf', 'png', 'jpeg', 'docx', 'xlsx', 'txt'))"),
    ("name", "TEXT NOT NULL"),
    ("department_id", "REF departments NOT NULL"),
    ("report_id", "REF ledger_reports"),
    ("uploaded_by", "TEXT NOT NULL"),
    ("created_at", "TS NOT NULL"),
], indexes=[
    "CREATE INDEX ledger_files_report ON ledger_files (report_id);",
    "CREATE INDEX ledger_files_sha ON ledger_files (sha256);",
])
table("calendar_years", [
    ("year", "INT PRIMARY KEY"),
    ("arrangement", "TEXT NOT NULL"),
    ("added_by", "TEXT NOT NULL"),
    ("added_at", "TS NOT NULL"),
    ("updated_at", "TS NOT NULL"),
])

HEADER = """-- Responsibility ledgers (台账): ledgers and their tasks, the units each task names and
-- the share (分解) of every member department, roadmaps and milestones, progress reports
-- with comments and evidence files, and the working-day calendar years administrators add
-- on top of the built-in arrangements. Same tables and columns as the {other} migration.
"""

def render(db):
    out = [HEADER.format(other="PostgreSQL" if db == "sqlite" else "SQLite")]
    for name, cols, extra, indexes in tables:
        lines = []
        w = max(len(c) for c, _ in cols)
        for c, t in cols:
            if t == ID:
                t = "INTEGER PRIMARY KEY" if db == "sqlite" else "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
            else:
                if t.startswith("REF "):
                    _, ref, *rest = t.split(" ")
                    col = "year" if ref == "calendar_years" else "id"
                    t = ("INTEGER" if db == "sqlite" else "BIGINT") + (" " + " ".join(rest) if rest else "") + f" REFERENCES {ref} ({col})"
                t = t.replace("TS", "TEXT" if db == "sqlite" else "TIMESTAMPTZ", 1) if t.startswith("TS") else t
                if t.startswith("DATE"):
                    t = t.replace("DATE", "TEXT" if db == "sqlite" else "DATE", 1)
                if t.startswith("INT "):
                    t = ("INTEGER" if db == "sqlite" else "BIGINT") + t[3:]
            lines.append(f"    {c.ljust(w)} {t}")
        for e in extra:
            lines.append(f"    {e}")
        out.append(f"CREATE TABLE {name} (\n" + ",\n".join(lines) + "\n);")
        out.extend(indexes)
        out.append("")
    return "\n".join(out)

base = "/work/wt-ledger/crates/store/migrations"
open(f"{base}/sqlite/0002_ledger.sql", "w").write(render("sqlite"))
open(f"{base}/postgres/0002_ledger.sql", "w").write(render("postgres"))
