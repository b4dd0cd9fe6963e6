-- Members, organisations, users, sessions and API tokens.
CREATE TABLE countries (
    alpha2     TEXT PRIMARY KEY,
    alpha3     TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL,
    status     TEXT NOT NULL,
    joined     BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    country    TEXT REFERENCES countries(alpha2),
    parent     TEXT REFERENCES orgs(id),
    disabled   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX orgs_country ON orgs(country);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    org           TEXT NOT NULL REFERENCES orgs(id),
    roles         TEXT NOT NULL,
    clearance     INTEGER NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret   TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    language      TEXT NOT NULL DEFAULT 'en',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org);

CREATE TABLE sessions (
    id_hash    BYTEA PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       BYTEA NOT NULL UNIQUE,
    user_id    TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE,
    last_used  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens(user_id);
