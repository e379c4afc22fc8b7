-- One-time codes that pair a kiosk or display with its branch: an administrator creates one,
-- the device enters it and receives its token. Only the code's hash is stored; a code is used
-- once and expires within minutes.
CREATE TABLE pairings (
    code_hash TEXT PRIMARY KEY,
    branch_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    printer TEXT,
    workplace_id INTEGER,
    created_at TEXT NOT NULL,
    -- Unix seconds, so expiry compares as numbers.
    expires_at INTEGER NOT NULL
);
