-- How far the audit journal (audit.Journal, DATA/audit.journal) has been
-- moved into audit_entries: the first records of the lap with generation
-- gen (its random 64 bits, as a signed integer). One row, written in the
-- transaction that stores the entries.
CREATE TABLE audit_journal (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    gen     BIGINT NOT NULL,
    records BIGINT NOT NULL
);
INSERT INTO audit_journal (id, gen, records) VALUES (1, 0, 0);
