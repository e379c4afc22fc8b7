-- The audit log: who did what, when, in which branch, and how it ended. Never a token, a password
-- or a visitor's personal value: the actor is a user id, a username or a device's name, the target
-- the numeric ids of the request's path.
--
-- Each record carries the hash of the one before it (a fixed genesis value for the first) and its
-- own hash over its fields and that previous hash, so a changed, removed or reordered record breaks
-- the chain (`talon audit verify`).
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user INTEGER,
    actor_name TEXT,
    actor_role TEXT NOT NULL,
    branch_id INTEGER,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_branch ON audit (branch_id, seq);

-- Append-only inside SQLite too. Whoever holds the file can drop these triggers; the hash chain
-- is what shows the change then.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
