-- An administrator bound to one branch was how a branch's head was written before managers
-- existed; such users and their sessions become that branch's managers.
UPDATE users SET role = 'manager' WHERE role = 'admin' AND branch_id IS NOT NULL;
UPDATE tokens SET role = 'manager' WHERE role = 'admin' AND branch_id IS NOT NULL;
