-- Organisations' inboxes: one row per event per organisation (see internal/notify).
-- Record stores insert rows in the transaction of the change they announce.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    org        TEXT NOT NULL,
    type       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    title      TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    read_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_org ON events(org, seq);
CREATE INDEX events_subject ON events(subject);
