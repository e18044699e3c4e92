-- Full-text search over chats (SearchChats). Only events that bear text
-- are indexed: a message's text and a file's name. The index is
-- contentless: it keeps the words and each event's rowid, never a copy of
-- the text, which stays in events.body; a trigger adds each such event as
-- it is inserted (the writer inserts the event and nothing else).
-- unicode61 with remove_diacritics 2 folds case and diacritics: "cafe"
-- finds "Café".
CREATE VIRTUAL TABLE event_search USING fts5(
	text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO event_search (rowid, text)
SELECT rowid, CASE type WHEN 'message' THEN json_extract(body, '$.text') ELSE json_extract(body, '$.file.name') END
FROM events WHERE type IN ('message', 'file');

CREATE TRIGGER event_search_insert AFTER INSERT ON events WHEN NEW.type IN ('message', 'file') BEGIN
	INSERT INTO event_search (rowid, text) VALUES (NEW.rowid,
		CASE NEW.type WHEN 'message' THEN json_extract(NEW.body, '$.text') ELSE json_extract(NEW.body, '$.file.name') END);
END;

CREATE TRIGGER event_search_delete AFTER DELETE ON events WHEN OLD.type IN ('message', 'file') BEGIN
	DELETE FROM event_search WHERE rowid = OLD.rowid;
END;
