-- The stolen-property databases and the persons database (internal/property):
-- one table per kind with the record envelope, three indexed search keys
-- (k1, k2, k3: documents number, issuing country, type; vehicles VIN, plate,
-- plate country; artworks folded text, category; persons |folded names|,
-- birth date, nationality), the content as JSON (body) and the owner's
-- restrictions, handling, classification and grading as JSON (env).
-- reminded_for is the review date the owner was last reminded of.
CREATE TABLE property_documents (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    ref          TEXT NOT NULL,
    owner_org    TEXT NOT NULL,
    k1           TEXT NOT NULL,
    k2           TEXT NOT NULL,
    k3           TEXT NOT NULL,
    body         TEXT NOT NULL,
    env          TEXT NOT NULL,
    review_at    BIGINT NOT NULL,
    reminded_for BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX property_documents_ref ON property_documents(owner, ref);
CREATE INDEX property_documents_review ON property_documents(review_at);
CREATE TABLE property_vehicles (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    ref          TEXT NOT NULL,
    owner_org    TEXT NOT NULL,
    k1           TEXT NOT NULL,
    k2           TEXT NOT NULL,
    k3           TEXT NOT NULL,
    body         TEXT NOT NULL,
    env          TEXT NOT NULL,
    review_at    BIGINT NOT NULL,
    reminded_for BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX property_vehicles_ref ON property_vehicles(owner, ref);
CREATE INDEX property_vehicles_review ON property_vehicles(review_at);
CREATE TABLE property_artworks (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    ref          TEXT NOT NULL,
    owner_org    TEXT NOT NULL,
    k1           TEXT NOT NULL,
    k2           TEXT NOT NULL,
    k3           TEXT NOT NULL,
    body         TEXT NOT NULL,
    env          TEXT NOT NULL,
    review_at    BIGINT NOT NULL,
    reminded_for BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX property_artworks_ref ON property_artworks(owner, ref);
CREATE INDEX property_artworks_review ON property_artworks(review_at);
CREATE TABLE property_persons (
    id           TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    ref          TEXT NOT NULL,
    owner_org    TEXT NOT NULL,
    k1           TEXT NOT NULL,
    k2           TEXT NOT NULL,
    k3           TEXT NOT NULL,
    body         TEXT NOT NULL,
    env          TEXT NOT NULL,
    review_at    BIGINT NOT NULL,
    reminded_for BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    created_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT NOT NULL
);
CREATE UNIQUE INDEX property_persons_ref ON property_persons(owner, ref);
CREATE INDEX property_persons_review ON property_persons(review_at);
-- Only the issuing country enters a document, so (number, issuing country,
-- type) is unique; the same index serves searches by number.
CREATE UNIQUE INDEX property_documents_number ON property_documents(k1, k2, k3);
CREATE INDEX property_vehicles_vin ON property_vehicles(k1);
CREATE INDEX property_vehicles_plate ON property_vehicles(k2);
CREATE INDEX property_persons_birth ON property_persons(k2);

-- Changes after creation (the creation is the row's created_at/created_by).
CREATE TABLE property_history (
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version   BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    by_user   TEXT NOT NULL,
    action    TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX property_history_record ON property_history(kind, record_id, version);

-- Artwork images, named by the SHA-256 of their bytes.
CREATE TABLE property_images (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);

-- Bulk import jobs and their reports (counts of committed batches).
CREATE TABLE imports (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    owner      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    actor_org  TEXT NOT NULL,
    file       TEXT NOT NULL,
    format     TEXT NOT NULL,
    state      TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT '',
    started    BIGINT NOT NULL,
    updated    BIGINT NOT NULL,
    finished   BIGINT NOT NULL DEFAULT 0,
    lines      BIGINT NOT NULL DEFAULT 0,
    inserted   BIGINT NOT NULL DEFAULT 0,
    changed    BIGINT NOT NULL DEFAULT 0,
    unchanged  BIGINT NOT NULL DEFAULT 0,
    bad        BIGINT NOT NULL DEFAULT 0,
    errors     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX imports_owner ON imports(owner, started);
