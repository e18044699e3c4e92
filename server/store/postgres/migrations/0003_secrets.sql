-- Secrets every node of a cluster must share, such as the key that signs
-- access tokens: made once by whichever node asks first (see
-- Store.Secret).

CREATE TABLE secrets (
	name       text   PRIMARY KEY,
	value      bytea  NOT NULL,
	created_at bigint NOT NULL
);
