-- Routing and account administration: an agent's limit of concurrent
-- chats (0: the default), timed customer bans, token revocations, and an
-- index for the active chats of a license (agent loads, the queue).

ALTER TABLE agents ADD COLUMN max_chats INTEGER NOT NULL DEFAULT 0;

ALTER TABLE customers ADD COLUMN banned_until INTEGER;

-- Access tokens revoked one by one, kept until they expire.
CREATE TABLE revoked_tokens (
	id         TEXT    PRIMARY KEY,
	expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

-- Every token of an agent issued before revoked_before is revoked.
CREATE TABLE agent_token_revocations (
	license_id     INTEGER NOT NULL,
	agent_id       TEXT    NOT NULL,
	revoked_before INTEGER NOT NULL,
	PRIMARY KEY (license_id, agent_id)
) WITHOUT ROWID;

CREATE INDEX chats_active_by_license ON chats (license_id) WHERE active = 1;
