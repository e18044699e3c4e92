-- Account administration: disabled agents, and the redirect URIs a
-- client's token requests may name (JSON list; empty: any with an allowed
-- origin).

ALTER TABLE agents ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

ALTER TABLE clients ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';

CREATE INDEX clients_by_license ON clients (license_id, id);
