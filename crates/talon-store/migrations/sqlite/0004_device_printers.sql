-- The receipt printer of a kiosk, as JSON (address, code page, paper width); NULL for none.
ALTER TABLE tokens ADD COLUMN printer TEXT;
