-- The clearinghouse (internal/screen): hits, check statistics, and the
-- indexes by which the in-memory check indexes read recent changes.
CREATE TABLE hits (
    id               TEXT PRIMARY KEY,
    check_id         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    owner            TEXT NOT NULL,
    owner_org        TEXT NOT NULL,
    ref              TEXT NOT NULL,
    searcher         TEXT NOT NULL,
    searcher_org     TEXT NOT NULL,
    searcher_country TEXT NOT NULL,
    purpose          TEXT NOT NULL,
    location         TEXT NOT NULL,
    priority         TEXT NOT NULL,
    query            TEXT NOT NULL,
    matched          TEXT NOT NULL,
    score            DOUBLE PRECISION NOT NULL,
    status           TEXT NOT NULL,
    deadline         BIGINT NOT NULL,
    escalated_at     BIGINT NOT NULL DEFAULT 0,
    decided_at       BIGINT NOT NULL DEFAULT 0,
    decided_by       TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    offline_id       TEXT NOT NULL DEFAULT '',
    checked_at       BIGINT NOT NULL
);
CREATE INDEX hits_owner ON hits(owner, id);
CREATE INDEX hits_searcher ON hits(searcher_country, id);
CREATE INDEX hits_overdue ON hits(status, escalated_at, deadline);
CREATE UNIQUE INDEX hits_offline ON hits(offline_id) WHERE offline_id <> '';

-- Checks counted per day (YYYY-MM-DD), searching country and database;
-- each process adds its counts every few seconds.
CREATE TABLE check_stats (
    day     TEXT NOT NULL,
    country TEXT NOT NULL,
    kind    TEXT NOT NULL,
    checks  BIGINT NOT NULL,
    PRIMARY KEY (day, country, kind)
);

CREATE INDEX property_documents_updated ON property_documents(updated_at);
CREATE INDEX property_vehicles_updated ON property_vehicles(updated_at);
CREATE INDEX property_persons_updated ON property_persons(updated_at);
