-- Canned responses: a license's saved replies, inserted by agents with
-- "#shortcut". A shortcut is unique in its license.

CREATE TABLE canned_responses (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	license_id INTEGER NOT NULL,
	shortcut   TEXT NOT NULL,
	text       TEXT NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	updated_at INTEGER,
	UNIQUE (license_id, shortcut)
);
