-- Account hardening (issue 10, items 3 and 5).

-- The last address proven to receive this account's mail. There is no
-- sign-up confirmation step: the address given at registration counts as
-- confirmed (it is the account's original address). An address set later
-- with PUT /api/user stays unconfirmed until the link mailed to it is
-- followed (POST /api/auth/email/confirm); password-reset mail only ever goes
-- to confirmed_email. Owner: lib/auth/account.c.
ALTER TABLE users ADD COLUMN confirmed_email text
    CHECK (length(confirmed_email) BETWEEN 3 AND 254);
UPDATE users SET confirmed_email = email;

-- Links mailed to a new address; stored as SHA-256 like reset tokens.
CREATE TABLE email_confirmations (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX email_confirmations_user_idx ON email_confirmations (user_id);

-- Login attempts per key (account or client address): one row whose count
-- is raised by a single upsert BEFORE the password is checked, so
-- concurrent guesses serialize on the row and never pass the limit.
-- Owner: lib/auth/ratelimit.c. Replaces login_failures (a row per failure,
-- counted by a SELECT that raced with the INSERT after the check).
CREATE TABLE login_attempts (
    key          text PRIMARY KEY,
    count        integer NOT NULL,
    window_start timestamptz NOT NULL
);
DROP TABLE login_failures;

-- Mail waiting for the runner (imagegen-worker): requests queue it and
-- answer at once. The body is sealed under IG_SECRET_KEY (it may hold a
-- reset token) and wiped once sent or expired. Owner: lib/auth/outbox.c.
CREATE TABLE mail_outbox (
    id              bigserial PRIMARY KEY,
    to_addr         text NOT NULL,
    subject         text NOT NULL,
    nonce           bytea,
    body            bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz,
    expired_at      timestamptz
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND expired_at IS NULL;
