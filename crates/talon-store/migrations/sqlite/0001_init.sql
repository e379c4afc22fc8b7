-- Talon's first schema: the event log and what is derived from it, users and tokens.

-- One global sequence for internal ids; the server reserves blocks of it.
CREATE TABLE ids (next INTEGER NOT NULL);
INSERT INTO ids (next) VALUES (1);

-- A branch and its configuration as of its latest event (a projection of the log).
CREATE TABLE branches (
    id INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL,
    config TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The append-only event log, numbered per branch.
CREATE TABLE events (
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (branch_id, seq)
) WITHOUT ROWID;

-- The latest state snapshot of a branch, so loading does not replay its whole history.
CREATE TABLE snapshots (
    branch_id INTEGER PRIMARY KEY REFERENCES branches (id),
    seq INTEGER NOT NULL,
    body TEXT NOT NULL
);

-- Every ticket as of its latest event (a projection of the log).
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    token_hash TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL,
    service_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX tickets_by_branch_day ON tickets (branch_id, day);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    branch_id INTEGER,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- API tokens: staff sessions and device tokens. Only their SHA-256 is stored.
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    role TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    branch_id INTEGER,
    name TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT
);
