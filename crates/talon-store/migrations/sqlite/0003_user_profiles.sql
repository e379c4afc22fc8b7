-- The work profiles an operator may work with, as a JSON array of ids; NULL means any.
ALTER TABLE users ADD COLUMN profiles TEXT;
