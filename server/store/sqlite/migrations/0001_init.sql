-- Initial schema. Times are Unix nanoseconds (NULL for the zero time);
-- maps, lists and properties are JSON text.

CREATE TABLE licenses (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	created_at INTEGER
);

CREATE TABLE clients (
	id               TEXT    PRIMARY KEY,
	license_id       INTEGER NOT NULL,
	redirect_origins TEXT    NOT NULL DEFAULT '[]'
);

CREATE TABLE license_groups (
	license_id INTEGER NOT NULL,
	id         INTEGER NOT NULL,
	name       TEXT    NOT NULL,
	PRIMARY KEY (license_id, id)
) WITHOUT ROWID;

CREATE TABLE customers (
	license_id   INTEGER NOT NULL,
	id           TEXT    NOT NULL,
	name         TEXT    NOT NULL DEFAULT '',
	email        TEXT    NOT NULL DEFAULT '',
	avatar       TEXT    NOT NULL DEFAULT '',
	fields       TEXT    NOT NULL DEFAULT '{}',
	page         TEXT,
	referrer     TEXT    NOT NULL DEFAULT '',
	side_storage TEXT    NOT NULL DEFAULT '{}',
	group_id     INTEGER NOT NULL DEFAULT 0,
	banned       INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER,
	last_visit   INTEGER,
	visits       INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (license_id, id)
) WITHOUT ROWID;

CREATE TABLE agents (
	license_id    INTEGER NOT NULL,
	id            TEXT    NOT NULL,
	name          TEXT    NOT NULL DEFAULT '',
	avatar        TEXT    NOT NULL DEFAULT '',
	job_title     TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL DEFAULT '',
	groups        TEXT    NOT NULL DEFAULT '[]',
	password_hash BLOB,
	created_at    INTEGER,
	PRIMARY KEY (license_id, id)
) WITHOUT ROWID;

CREATE TABLE chats (
	id             TEXT    PRIMARY KEY,
	license_id     INTEGER NOT NULL,
	customer_id    TEXT    NOT NULL,
	group_ids      TEXT    NOT NULL DEFAULT '[]',
	properties     TEXT    NOT NULL DEFAULT '{}',
	created_at     INTEGER,
	last_thread_id TEXT    NOT NULL DEFAULT '',
	active         INTEGER NOT NULL DEFAULT 0,
	last_event_at  INTEGER,
	thread_count   INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX chats_by_license ON chats (
	license_id, coalesce(last_event_at, created_at) DESC, created_at DESC, id DESC
);
CREATE INDEX chats_by_customer ON chats (customer_id);

CREATE TABLE chat_users (
	seq       INTEGER PRIMARY KEY,
	chat_id   TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	user_id   TEXT    NOT NULL,
	type      TEXT    NOT NULL,
	present   INTEGER NOT NULL,
	last_seen INTEGER,
	UNIQUE (chat_id, user_id)
);

CREATE INDEX chat_users_by_user ON chat_users (user_id, present);

CREATE TABLE threads (
	id           TEXT    PRIMARY KEY,
	chat_id      TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	ord          INTEGER NOT NULL,
	active       INTEGER NOT NULL,
	user_ids     TEXT    NOT NULL DEFAULT '[]',
	properties   TEXT    NOT NULL DEFAULT '{}',
	created_at   INTEGER,
	closed_at    INTEGER,
	total_events INTEGER NOT NULL DEFAULT 0,
	UNIQUE (chat_id, ord)
);

-- At most one active thread per chat.
CREATE UNIQUE INDEX threads_one_active ON threads (chat_id) WHERE active = 1;

CREATE TABLE events (
	id         TEXT    PRIMARY KEY,
	chat_id    TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	thread_id  TEXT    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
	thread_ord INTEGER NOT NULL,
	ord        INTEGER NOT NULL,
	type       TEXT    NOT NULL,
	author_id  TEXT    NOT NULL DEFAULT '',
	created_at INTEGER,
	custom_id  TEXT    NOT NULL DEFAULT '',
	properties TEXT    NOT NULL DEFAULT '{}',
	body       TEXT    NOT NULL DEFAULT '{}',
	UNIQUE (chat_id, thread_ord, ord)
);

CREATE INDEX events_by_thread ON events (thread_id, ord);
CREATE INDEX events_by_type ON events (chat_id, type, thread_ord DESC, ord DESC);
CREATE UNIQUE INDEX events_custom_id ON events (chat_id, author_id, custom_id) WHERE custom_id <> '';

CREATE TABLE postbacks (
	chat_id     TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	thread_id   TEXT    NOT NULL,
	event_id    TEXT    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	user_id     TEXT    NOT NULL,
	postback_id TEXT    NOT NULL,
	toggled     INTEGER NOT NULL,
	created_at  INTEGER,
	PRIMARY KEY (event_id, user_id, postback_id)
) WITHOUT ROWID;
