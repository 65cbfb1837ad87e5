-- Policy publicity (正文五): articles of the public sections with their editorial flow,
-- attachments stored by content hash, and the search index of all public content.

-- An article: draft → review → published → withdrawn. `body_html` is sanitised to the
-- safe subset before it is stored.
CREATE TABLE publicity_articles (
    id              INTEGER PRIMARY KEY,
    section         TEXT NOT NULL,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    source          TEXT NOT NULL,
    doc_no          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'review', 'published', 'withdrawn')),
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    created_by      TEXT NOT NULL,
    submitted_by    TEXT NOT NULL,
    reviewed_by     TEXT NOT NULL,
    review_comment  TEXT NOT NULL,
    withdraw_reason TEXT NOT NULL,
    version         INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    published_at    TEXT,
    withdrawn_at    TEXT
);
CREATE INDEX publicity_articles_public ON publicity_articles (status, section, published_at);
CREATE INDEX publicity_articles_department ON publicity_articles (department_id, status);

-- File contents, once per SHA-256.
CREATE TABLE publicity_files (
    sha256     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    content    BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE publicity_attachments (
    id         INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES publicity_articles (id),
    sha256     TEXT NOT NULL REFERENCES publicity_files (sha256),
    file_name  TEXT NOT NULL,
    mime       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    added_by   TEXT NOT NULL,
    added_at   TEXT NOT NULL
);
CREATE INDEX publicity_attachments_article ON publicity_attachments (article_id);

-- Every public document (articles, association conventions and cases …) for the
-- Chinese full-text search: `body` is its plain text, and `search_grams` holds each
-- distinct overlapping two-character gram of title and body (the same on both
-- databases; no tokenizer or extension needed).
CREATE TABLE search_docs (
    id           INTEGER PRIMARY KEY,
    doc_key      TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    section      TEXT NOT NULL,
    url          TEXT NOT NULL,
    published_on TEXT NOT NULL,
    body         TEXT NOT NULL,
    indexed_at   TEXT NOT NULL
);
CREATE INDEX search_docs_recent ON search_docs (published_on, id);

CREATE TABLE search_grams (
    gram   TEXT NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES search_docs (id) ON DELETE CASCADE,
    PRIMARY KEY (gram, doc_id)
);
CREATE INDEX search_grams_doc ON search_grams (doc_id);
