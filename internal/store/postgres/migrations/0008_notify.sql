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
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- Wake the live streams of every process at commit: the payload names the
-- schema so that processes of other databases sharing the server ignore it.
CREATE FUNCTION polex_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('polex_events', current_schema());
    RETURN NULL;
END
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION polex_events_notify();
