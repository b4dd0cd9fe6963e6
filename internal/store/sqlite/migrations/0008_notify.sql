-- Notifications (internal/notify): webhook dispatch state of inbox events,
-- registered webhooks, their delivery log, and leases for singleton jobs.
-- Webhook deliveries themselves are River jobs (river_* tables, migrated by
-- rivermigrate when the application opens).
ALTER TABLE events ADD COLUMN dispatched_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_undispatched ON events(seq) WHERE dispatched_at = 0;

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    org        TEXT NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    types      TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_org ON webhooks(org);

CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook     TEXT NOT NULL,
    org         TEXT NOT NULL,
    event       TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_ns BIGINT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook, id);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
