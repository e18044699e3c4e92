-- Full-text search over chats (SearchChats): an expression GIN index over
-- the events that bear text, a message's text and a file's name, with the
-- 'simple' configuration: words are lowercased and never stemmed, so a
-- chat in any language is found by the words it holds; diacritics count
-- ("cafe" does not find "café"). No column is added: the index is built
-- from events.body, and a query spells the same expression (searchVector
-- in search.go). Punctuation
-- is read as a space, as the server splits a query into words: a file
-- "receipt-march.pdf" is found by "march", an address by its domain.
CREATE INDEX events_search ON events USING gin ((to_tsvector('simple'::regconfig, regexp_replace(
	coalesce(CASE type WHEN 'message' THEN body->>'text' ELSE body->'file'->>'name' END, ''),
	'[[:punct:]]+', ' ', 'g'))))
WHERE type IN ('message', 'file');
