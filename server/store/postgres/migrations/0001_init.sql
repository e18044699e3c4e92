-- Initial schema. Times are Unix nanoseconds (NULL for the zero time), so
-- they round-trip exactly; ids and lists of ids are bigint and arrays;
-- properties, maps and event bodies are json (kept as written: json, not
-- jsonb, accepts every string encoding/json writes).

CREATE TABLE licenses (
	id         bigint PRIMARY KEY,
	name       text   NOT NULL,
	created_at bigint
);

CREATE TABLE clients (
	id               text     PRIMARY KEY,
	license_id       bigint   NOT NULL,
	redirect_origins text[]   NOT NULL DEFAULT '{}'
);

CREATE TABLE license_groups (
	license_id bigint NOT NULL,
	id         bigint NOT NULL,
	name       text   NOT NULL,
	PRIMARY KEY (license_id, id)
);

CREATE TABLE customers (
	license_id   bigint  NOT NULL,
	id           text    NOT NULL,
	name         text    NOT NULL DEFAULT '',
	email        text    NOT NULL DEFAULT '',
	avatar       text    NOT NULL DEFAULT '',
	fields       json    NOT NULL DEFAULT '{}',
	page         json,
	referrer     text    NOT NULL DEFAULT '',
	side_storage json    NOT NULL DEFAULT '{}',
	group_id     bigint  NOT NULL DEFAULT 0,
	banned       boolean NOT NULL DEFAULT false,
	banned_until bigint,
	created_at   bigint,
	last_visit   bigint,
	visits       bigint  NOT NULL DEFAULT 0,
	PRIMARY KEY (license_id, id)
);

CREATE TABLE agents (
	license_id    bigint   NOT NULL,
	id            text     NOT NULL,
	name          text     NOT NULL DEFAULT '',
	avatar        text     NOT NULL DEFAULT '',
	job_title     text     NOT NULL DEFAULT '',
	role          text     NOT NULL DEFAULT '',
	groups        bigint[] NOT NULL DEFAULT '{}',
	password_hash bytea,
	max_chats     bigint   NOT NULL DEFAULT 0,
	created_at    bigint,
	PRIMARY KEY (license_id, id)
);

-- A chat's row is its lock: every write to a chat, its users, threads or
-- events first takes it with SELECT … FOR NO KEY UPDATE, so writes to one
-- chat run one after the other on every node. last_events maps each event
-- type to the id of the chat's newest event of that type.
CREATE TABLE chats (
	id             text     PRIMARY KEY,
	license_id     bigint   NOT NULL,
	customer_id    text     NOT NULL,
	group_ids      bigint[] NOT NULL DEFAULT '{}',
	properties     json     NOT NULL DEFAULT '{}',
	created_at     bigint,
	last_thread_id text     NOT NULL DEFAULT '',
	active         boolean  NOT NULL DEFAULT false,
	last_event_at  bigint,
	thread_count   integer  NOT NULL DEFAULT 0,
	last_events    jsonb    NOT NULL DEFAULT '{}'
);

CREATE INDEX chats_by_license ON chats (
	license_id, (coalesce(last_event_at, created_at)) DESC, created_at DESC, id DESC
);
CREATE INDEX chats_by_customer ON chats (customer_id);
CREATE INDEX chats_active_by_license ON chats (license_id) WHERE active;

CREATE TABLE chat_users (
	seq       bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chat_id   text    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	user_id   text    NOT NULL,
	type      text    NOT NULL,
	present   boolean NOT NULL,
	last_seen bigint,
	UNIQUE (chat_id, user_id)
);

CREATE INDEX chat_users_by_user ON chat_users (user_id, present);

CREATE TABLE threads (
	id           text    PRIMARY KEY,
	chat_id      text    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	ord          integer NOT NULL,
	active       boolean NOT NULL,
	user_ids     text[]  NOT NULL DEFAULT '{}',
	properties   json    NOT NULL DEFAULT '{}',
	created_at   bigint,
	closed_at    bigint,
	total_events integer NOT NULL DEFAULT 0,
	UNIQUE (chat_id, ord)
);

-- At most one active thread per chat.
CREATE UNIQUE INDEX threads_one_active ON threads (chat_id) WHERE active;

-- A thread's events are read through the (chat_id, thread_ord, ord) key,
-- and the newest event of each type through chats.last_events, so no
-- other index keyed by chat is needed.
CREATE TABLE events (
	id         text    PRIMARY KEY,
	chat_id    text    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	thread_id  text    NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
	thread_ord integer NOT NULL,
	ord        integer NOT NULL,
	type       text    NOT NULL,
	author_id  text    NOT NULL DEFAULT '',
	created_at bigint,
	custom_id  text    NOT NULL DEFAULT '',
	properties json    NOT NULL DEFAULT '{}',
	body       json    NOT NULL DEFAULT '{}',
	UNIQUE (chat_id, thread_ord, ord)
);

CREATE UNIQUE INDEX events_custom_id ON events (chat_id, author_id, custom_id) WHERE custom_id <> '';

-- Every insert into events keeps its thread's total and its chat's summary:
-- the last event time (which only moves forward; greatest ignores NULL) and
-- the newest event of each type. Events are appended in store order, so the
-- one inserted last is the newest of its type. Writers insert the event and
-- nothing else.
CREATE FUNCTION events_summary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE threads SET total_events = greatest(total_events, NEW.ord) WHERE id = NEW.thread_id;
	UPDATE chats SET
		last_event_at = greatest(last_event_at, NEW.created_at),
		last_events = jsonb_set(last_events, ARRAY[NEW.type], to_jsonb(NEW.id))
	WHERE id = NEW.chat_id;
	RETURN NULL;
END
$$;

CREATE TRIGGER events_summary AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_summary();

CREATE TABLE postbacks (
	chat_id     text    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	thread_id   text    NOT NULL,
	event_id    text    NOT NULL REFERENCES events (id) ON DELETE CASCADE,
	user_id     text    NOT NULL,
	postback_id text    NOT NULL,
	toggled     boolean NOT NULL,
	created_at  bigint,
	PRIMARY KEY (event_id, user_id, postback_id)
);

-- Access tokens revoked one by one, kept until they expire.
CREATE TABLE revoked_tokens (
	id         text   PRIMARY KEY,
	expires_at bigint NOT NULL
);

CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

-- Every token of an agent issued before revoked_before is revoked.
CREATE TABLE agent_token_revocations (
	license_id     bigint NOT NULL,
	agent_id       text   NOT NULL,
	revoked_before bigint NOT NULL,
	PRIMARY KEY (license_id, agent_id)
);
