-- Diffusions (see internal/diffusion): one row per diffusion, its content in
-- subject, body, legal_basis and person (all emptied on withdrawal), and one
-- row per recipient country's copy, which holds no content.
CREATE TABLE diffusions (
    id              TEXT PRIMARY KEY,
    ref             TEXT NOT NULL DEFAULT '',
    owner           TEXT NOT NULL,
    owner_org       TEXT NOT NULL,
    restrictions    TEXT NOT NULL,
    handling        TEXT NOT NULL DEFAULT '',
    classification  INTEGER NOT NULL,
    grading         TEXT NOT NULL DEFAULT '',
    review_at       BIGINT NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL,
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    countries       TEXT NOT NULL DEFAULT '',
    regions         TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    legal_basis     TEXT NOT NULL DEFAULT '',
    person          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    review          TEXT NOT NULL,
    reviewed_at     BIGINT NOT NULL DEFAULT 0,
    reviewed_by     TEXT NOT NULL DEFAULT '',
    review_reasons  TEXT NOT NULL DEFAULT '',
    withdrawn_at    BIGINT NOT NULL DEFAULT 0,
    withdrawn_by    TEXT NOT NULL DEFAULT '',
    withdraw_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX diffusions_owner ON diffusions(owner, created_at);
CREATE INDEX diffusions_pending ON diffusions(review, status, created_at);
CREATE INDEX diffusions_created ON diffusions(created_at, id);
CREATE UNIQUE INDEX diffusions_ref ON diffusions(owner, ref) WHERE ref <> '';

CREATE TABLE diffusion_copies (
    diffusion_id    TEXT NOT NULL REFERENCES diffusions(id),
    country         TEXT NOT NULL,
    state           TEXT NOT NULL,
    delivered_at    BIGINT NOT NULL DEFAULT 0,
    acknowledged_at BIGINT NOT NULL DEFAULT 0,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    withdrawn_at    BIGINT NOT NULL DEFAULT 0,
    reason          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (diffusion_id, country)
);
CREATE INDEX diffusion_copies_country ON diffusion_copies(country, diffusion_id);
