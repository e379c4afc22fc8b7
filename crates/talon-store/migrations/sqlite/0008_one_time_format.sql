-- Every instant is stored one way: RFC 3339 in UTC with exactly six fractional digits, e.g.
-- 2026-12-04T15:37:25.123456Z. Earlier versions wrote as many digits as the instant had (none,
-- three, nine …), which does not order as time when compared as text within a second, and the
-- pairings' expiry as Unix seconds. The audit log keeps its text: it is what its hashes sign.

UPDATE branches SET updated_at = CASE WHEN substr(updated_at, 20, 1) = '.'
    THEN substr(updated_at, 1, 19) || '.' || substr(substr(updated_at, 21, length(updated_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(updated_at, 1, 19) || '.000000Z' END
WHERE updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE events SET at = CASE WHEN substr(at, 20, 1) = '.'
    THEN substr(at, 1, 19) || '.' || substr(substr(at, 21, length(at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(at, 1, 19) || '.000000Z' END
WHERE at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE tickets SET created_at = CASE WHEN substr(created_at, 20, 1) = '.'
    THEN substr(created_at, 1, 19) || '.' || substr(substr(created_at, 21, length(created_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(created_at, 1, 19) || '.000000Z' END
WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE users SET created_at = CASE WHEN substr(created_at, 20, 1) = '.'
    THEN substr(created_at, 1, 19) || '.' || substr(substr(created_at, 21, length(created_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(created_at, 1, 19) || '.000000Z' END
WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE tokens SET created_at = CASE WHEN substr(created_at, 20, 1) = '.'
    THEN substr(created_at, 1, 19) || '.' || substr(substr(created_at, 21, length(created_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(created_at, 1, 19) || '.000000Z' END
WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE tokens SET expires_at = CASE WHEN substr(expires_at, 20, 1) = '.'
    THEN substr(expires_at, 1, 19) || '.' || substr(substr(expires_at, 21, length(expires_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(expires_at, 1, 19) || '.000000Z' END
WHERE expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE customers SET created_at = CASE WHEN substr(created_at, 20, 1) = '.'
    THEN substr(created_at, 1, 19) || '.' || substr(substr(created_at, 21, length(created_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(created_at, 1, 19) || '.000000Z' END
WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE customers SET updated_at = CASE WHEN substr(updated_at, 20, 1) = '.'
    THEN substr(updated_at, 1, 19) || '.' || substr(substr(updated_at, 21, length(updated_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(updated_at, 1, 19) || '.000000Z' END
WHERE updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE pairings SET created_at = CASE WHEN substr(created_at, 20, 1) = '.'
    THEN substr(created_at, 1, 19) || '.' || substr(substr(created_at, 21, length(created_at) - 21) || '000000', 1, 6) || 'Z'
    ELSE substr(created_at, 1, 19) || '.000000Z' END
WHERE created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z';

UPDATE pairings SET expires_at = strftime('%Y-%m-%dT%H:%M:%S.000000Z', expires_at, 'unixepoch')
WHERE typeof(expires_at) = 'integer';
