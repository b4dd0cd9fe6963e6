-- The tamper-evident audit log (see internal/audit). Entry seq is record seq
-- of a tlog Merkle tree; hashes holds the tree hashes its append created
-- (levels 0..t, 32 bytes each). audit_head holds the number of entries and is
-- what appenders serialise on; audit_checkpoints holds the signed checkpoints.
CREATE TABLE audit_entries (
    seq        INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    actor_org  TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    detail     TEXT NOT NULL,
    hashes     BLOB NOT NULL
);
-- seq is the rowid, so these indexes also order by seq.
CREATE INDEX audit_entries_actor ON audit_entries(actor);
CREATE INDEX audit_entries_target ON audit_entries(target);
CREATE INDEX audit_entries_at ON audit_entries(at);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL
);
INSERT INTO audit_head (id, size) VALUES (1, 0);

CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY,
    root       BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    note       TEXT NOT NULL
);
