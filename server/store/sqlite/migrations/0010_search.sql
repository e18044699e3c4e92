-- Full-text search over chats (SearchChats). Only events that bear text
-- are indexed: a message's text and a file's name. The index is
-- contentless: it keeps the words and each event's rowid, never a copy of
-- the text, which stays in events.body. The writer indexes the events of
-- a group once, before the group commits (event_search_state holds the
-- last rowid indexed): FTS5 writes its pending words to disk at every
-- statement that changes it, so a trigger per event cost one segment
-- write per event.
-- unicode61 with remove_diacritics 2 folds case and diacritics: "cafe"
-- finds "Café".
CREATE VIRTUAL TABLE event_search USING fts5(
	text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO event_search (rowid, text)
SELECT rowid, CASE type WHEN 'message' THEN json_extract(body, '$.text') ELSE json_extract(body, '$.file.name') END
FROM events WHERE type IN ('message', 'file');

CREATE TABLE event_search_state (last_rowid INTEGER NOT NULL);
INSERT INTO event_search_state (last_rowid) SELECT coalesce(max(rowid), 0) FROM events;

CREATE TRIGGER event_search_delete AFTER DELETE ON events WHEN OLD.type IN ('message', 'file') BEGIN
	DELETE FROM event_search WHERE rowid = OLD.rowid;
END;
