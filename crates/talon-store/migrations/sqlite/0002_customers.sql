-- Customer records: what a branch knows of an identified visitor. The identifier itself is never
-- stored, only its keyed hash (and, for a card, its last four digits).
CREATE TABLE customers (
    branch_id INTEGER NOT NULL REFERENCES branches (id),
    identifier_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    last4 TEXT,
    category_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (branch_id, identifier_hash)
) WITHOUT ROWID;
