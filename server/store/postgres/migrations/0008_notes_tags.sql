-- Private notes: events only agents see (events.visibility 'agents'; ''
-- is visible to all). A customer's reads skip them in the query, and the
-- chat's row keeps two maps of the newest event of each type: last_events
-- over every event (what agents see) and last_customer_events over the
-- events visible to all, so that a note is never a customer's last event.

ALTER TABLE events ADD COLUMN visibility text NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN last_customer_events jsonb NOT NULL DEFAULT '{}';

-- No note exists yet: the customers' map is the agents' one.
UPDATE chats SET last_customer_events = last_events;

CREATE OR REPLACE FUNCTION events_summary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE threads SET total_events = greatest(total_events, NEW.ord) WHERE id = NEW.thread_id;
	UPDATE chats SET
		last_event_at = greatest(last_event_at, NEW.created_at),
		last_events = jsonb_set(last_events, ARRAY[NEW.type], to_jsonb(NEW.id)),
		last_customer_events = CASE WHEN NEW.visibility = ''
			THEN jsonb_set(last_customer_events, ARRAY[NEW.type], to_jsonb(NEW.id)) ELSE last_customer_events END
	WHERE id = NEW.chat_id;
	RETURN NULL;
END
$$;

-- Tags agents put on threads (tag_thread): a thread's tags are its rows,
-- and list_chats' filter by tag looks them up by (chat_id, tag).
CREATE TABLE thread_tags (
	chat_id   text NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	thread_id text NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
	tag       text NOT NULL,
	PRIMARY KEY (thread_id, tag)
);
CREATE INDEX thread_tags_by_chat ON thread_tags (chat_id, tag);
