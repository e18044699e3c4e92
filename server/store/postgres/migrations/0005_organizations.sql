-- Organization ids: every license gets one, a version 4 UUID in canonical
-- form (the Customer Chat API v3.5 names a license by it). Existing
-- licenses get a random one; the driver sets it for new ones.

ALTER TABLE licenses ADD COLUMN organization_id text;

UPDATE licenses SET organization_id = gen_random_uuid()::text;

ALTER TABLE licenses ALTER COLUMN organization_id SET NOT NULL;

CREATE UNIQUE INDEX licenses_by_organization ON licenses (organization_id);
