-- Operator roles: `admin` may change anything, `viewer` may only read. Existing operators keep
-- full rights.
ALTER TABLE admins ADD COLUMN role text NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'viewer'));
