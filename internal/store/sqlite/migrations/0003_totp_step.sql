-- The last TOTP time step each user signed in with: a code is accepted once (RFC 6238 section 5.2).
ALTER TABLE users ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;
