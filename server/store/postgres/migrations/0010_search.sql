-- Full-text search over chats (SearchChats): an expression GIN index over
-- the events that bear text, a message's text and a file's name, with the
-- 'simple' configuration: words are lowercased and never stemmed, so a
-- chat in any language is found by the words it holds; diacritics count
-- ("cafe" does not find "café"). No column is added: the index is built
-- from events.body, and a query names the same function. Punctuation
-- is read as a space, as the server splits a query into words: a file
-- "receipt-march.pdf" is found by "march", an address by its domain.
CREATE FUNCTION event_search_vector(type text, body json) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_tsvector('simple'::regconfig, regexp_replace(
	coalesce(CASE type WHEN 'message' THEN body->>'text' ELSE body->'file'->>'name' END, ''),
	'[[:punct:]]+', ' ', 'g'));

CREATE INDEX events_search ON events USING gin (event_search_vector(type, body))
WHERE type IN ('message', 'file');
