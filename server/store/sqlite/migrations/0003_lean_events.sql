-- Fewer index entries per event. Every index on events keyed by chat puts
-- each event on a page of its own chat, so a group of events from many chats
-- dirties (and writes to the WAL) one page per event per index. A thread's
-- events are read through the (chat_id, thread_ord, ord) key the table
-- already has, and the newest event of each type is kept on the chat's row,
-- which each event updates anyway (by the trigger below).

ALTER TABLE chats ADD COLUMN last_events TEXT NOT NULL DEFAULT '{}';

UPDATE chats SET last_events = coalesce((
	SELECT json_group_object(type, id) FROM (
		SELECT type, id, row_number() OVER (PARTITION BY type ORDER BY thread_ord DESC, ord DESC) AS n
		FROM events WHERE events.chat_id = chats.id
	) WHERE n = 1
), '{}');

-- Every insert into events keeps its thread's total and its chat's summary:
-- the last event time (which only moves forward) and the newest event of
-- each type. Events are appended in store order, so the one inserted last
-- is the newest of its type. Writers insert the event and nothing else.
CREATE TRIGGER events_summary AFTER INSERT ON events BEGIN
	UPDATE threads SET total_events = max(total_events, NEW.ord) WHERE id = NEW.thread_id;
	UPDATE chats SET
		last_event_at = CASE WHEN last_event_at IS NULL OR NEW.created_at > last_event_at
			THEN coalesce(NEW.created_at, last_event_at) ELSE last_event_at END,
		last_events = json_set(last_events, '$."' || NEW.type || '"', NEW.id)
	WHERE id = NEW.chat_id;
END;

DROP INDEX events_by_thread;
DROP INDEX events_by_type;
