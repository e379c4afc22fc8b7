-- Talon's schema on PostgreSQL: the tables SQLite has after all its migrations, in PostgreSQL's
-- types. Integers are BIGINT (the ids are u64 kept as i64, as on SQLite), flags BOOLEAN, instants
-- TIMESTAMPTZ (microseconds, what the store keeps of an instant), a ticket's business day DATE,
-- JSON bodies TEXT (stored and read back as the exact text written, never re-encoded).

-- One global sequence for internal ids; the server reserves blocks of it.
CREATE TABLE ids (next BIGINT NOT NULL);
INSERT INTO ids (next) VALUES (1);

-- A branch and its configuration as of its latest event (a projection of the log). `last_seq`
-- is what a commit locks and checks, so commits of one branch from several instances queue.
CREATE TABLE branches (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    config TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- The append-only event log, numbered per branch.
CREATE TABLE events (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    seq BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (branch_id, seq)
);

-- The latest state snapshot of a branch, so loading does not replay its whole history.
CREATE TABLE snapshots (
    branch_id BIGINT PRIMARY KEY REFERENCES branches (id),
    seq BIGINT NOT NULL,
    body TEXT NOT NULL
);

-- Every ticket as of its latest event (a projection of the log).
CREATE TABLE tickets (
    id BIGINT PRIMARY KEY,
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    token_hash TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL,
    service_id BIGINT NOT NULL,
    day DATE NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX tickets_by_branch_day ON tickets (branch_id, day);

-- Staff users; `profiles` is the JSON array of work profiles they may work with, NULL for any.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    branch_id BIGINT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    profiles TEXT
);

-- API tokens: staff sessions and device tokens. Only their SHA-256 is stored. `id` names a
-- device to administrators (SQLite uses its rowid for that); `printer` is a kiosk's receipt
-- printer as JSON.
CREATE TABLE tokens (
    id BIGSERIAL NOT NULL UNIQUE,
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    branch_id BIGINT,
    name TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    printer TEXT
);

-- Customer records: what a branch knows of an identified visitor. The identifier itself is never
-- stored, only its keyed hash (and, for a card, its last four digits).
CREATE TABLE customers (
    branch_id BIGINT NOT NULL REFERENCES branches (id),
    identifier_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    last4 TEXT,
    category_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (branch_id, identifier_hash)
);

-- One-time codes that pair a kiosk or display with its branch, by the code's hash.
CREATE TABLE pairings (
    code_hash TEXT PRIMARY KEY,
    branch_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    printer TEXT,
    workplace_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- The audit log, hash-chained (see the SQLite schema for what it holds). `at` stays TEXT: it is
-- the exact signed text the hashes cover, the same in both backends.
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user BIGINT,
    actor_name TEXT,
    actor_role TEXT NOT NULL,
    branch_id BIGINT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_branch ON audit (branch_id, seq);

-- Append-only inside the database. Statement triggers refuse a change even when it would touch
-- no row, and TRUNCATE, which bypasses row triggers, is refused too. Whoever owns the database can
-- drop these; the hash chain is what shows the change then.
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
