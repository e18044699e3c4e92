-- Account administration: disabled agents, and the redirect URIs a
-- client's token requests may name (empty: any with an allowed origin).

ALTER TABLE agents ADD COLUMN disabled boolean NOT NULL DEFAULT false;

ALTER TABLE clients ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}';

CREATE INDEX clients_by_license ON clients (license_id, id);
