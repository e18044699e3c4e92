-- Private notes: events only agents see (events.visibility 'agents'; ''
-- is visible to all). A customer's reads skip them in the query, and the
-- chat's row keeps two maps of the newest event of each type: last_events
-- over every event (what agents see) and last_customer_events over the
-- events visible to all, so that a note is never a customer's last event.

ALTER TABLE events ADD COLUMN visibility TEXT NOT NULL DEFAULT '';
ALTER TABLE chats ADD COLUMN last_customer_events TEXT NOT NULL DEFAULT '{}';

-- No note exists yet: the customers' map is the agents' one.
UPDATE chats SET last_customer_events = last_events;

DROP TRIGGER events_summary;
CREATE TRIGGER events_summary AFTER INSERT ON events BEGIN
	UPDATE threads SET total_events = max(total_events, NEW.ord) WHERE id = NEW.thread_id;
	UPDATE chats SET
		last_event_at = CASE WHEN last_event_at IS NULL OR NEW.created_at > last_event_at
			THEN coalesce(NEW.created_at, last_event_at) ELSE last_event_at END,
		last_events = json_set(last_events, '$."' || NEW.type || '"', NEW.id),
		last_customer_events = CASE WHEN NEW.visibility = ''
			THEN json_set(last_customer_events, '$."' || NEW.type || '"', NEW.id) ELSE last_customer_events END
	WHERE id = NEW.chat_id;
END;

-- Tags agents put on threads (tag_thread): a thread's tags are its rows,
-- and list_chats' filter by tag looks them up by (chat_id, tag).
CREATE TABLE thread_tags (
	chat_id   TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
	thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
	tag       TEXT NOT NULL,
	PRIMARY KEY (thread_id, tag)
) WITHOUT ROWID;
CREATE INDEX thread_tags_by_chat ON thread_tags (chat_id, tag);
