-- Notices (see internal/notice): the current state of each notice as JSON,
-- with the columns that lists, the review queue and retention select on.
CREATE TABLE notices (
    id             TEXT PRIMARY KEY,
    ref            TEXT NOT NULL DEFAULT '',
    owner          TEXT NOT NULL,
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    pending_status TEXT NOT NULL DEFAULT '',
    name_key       TEXT NOT NULL DEFAULT '',
    review_at      BIGINT NOT NULL DEFAULT 0,
    reminded_for   BIGINT NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL,
    updated_at     BIGINT NOT NULL,
    body           TEXT NOT NULL
);
CREATE UNIQUE INDEX notices_ref ON notices(owner, ref) WHERE ref <> '';
CREATE INDEX notices_status ON notices(status, review_at);
CREATE INDEX notices_pending ON notices(pending_status);
CREATE INDEX notices_updated ON notices(updated_at);

-- Every version of every notice: the full notice as JSON, who, when, why.
CREATE TABLE notice_versions (
    notice_id TEXT NOT NULL REFERENCES notices(id),
    version   INTEGER NOT NULL,
    at        BIGINT NOT NULL,
    by_user   TEXT NOT NULL,
    action    TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,
    PRIMARY KEY (notice_id, version)
);

-- Duplicate-detection keys (document numbers; folded name + birth date).
CREATE TABLE notice_keys (
    key       TEXT NOT NULL,
    notice_id TEXT NOT NULL REFERENCES notices(id),
    PRIMARY KEY (key, notice_id)
);
CREATE INDEX notice_keys_notice ON notice_keys(notice_id);

-- Public extracts: only the fields the owner agreed to, for the pages
-- served without login. A row exists only while its notice may be public.
CREATE TABLE notice_public (
    id            TEXT PRIMARY KEY REFERENCES notices(id),
    name_key      TEXT NOT NULL DEFAULT '',
    sex           TEXT NOT NULL DEFAULT '',
    nationalities TEXT NOT NULL DEFAULT '',
    birth_year    INTEGER NOT NULL DEFAULT 0,
    published_at  BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE INDEX notice_public_published ON notice_public(published_at);

-- Photos of persons, named by the SHA-256 of their bytes (stored once).
CREATE TABLE photos (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);
