-- Organization ids: every license gets one, a version 4 UUID in canonical
-- form (the Customer Chat API v3.5 names a license by it). Existing
-- licenses get a random one; the driver sets it for new ones.

ALTER TABLE licenses ADD COLUMN organization_id TEXT NOT NULL DEFAULT '';

UPDATE licenses SET organization_id = (
	SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' ||
		substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12)
	FROM (SELECT lower(hex(randomblob(16))) AS h)
	WHERE licenses.id IS NOT NULL -- correlated: a new UUID per license, not one for all
);

CREATE UNIQUE INDEX licenses_by_organization ON licenses (organization_id);
