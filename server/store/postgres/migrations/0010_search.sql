-- Full-text search over chats (SearchChats): an expression GIN index over
-- the events that bear text, a message's text and a file's name, with the
-- 'simple' configuration: words are lowercased and never stemmed, so a
-- chat in any language is found by the words it holds; diacritics count
-- ("cafe" does not find "café"). No column is added: the index is built
-- from events.body, and a query spells the same expression (searchVector
-- in search.go). Punctuation
-- is read as a space, as the server splits a query into words: a file
-- "receipt-march.pdf" is found by "march", an address by its domain. A NUL
-- (\u0000 in the JSON body), which a message may hold and PostgreSQL text
-- may not, is read as a space before the body is unescaped.
CREATE INDEX events_search ON events USING gin ((to_tsvector('simple'::regconfig, regexp_replace(coalesce(
	replace(body::text, '\u0000', ' ')::json #>> CASE type WHEN 'message' THEN '{text}'::text[] ELSE '{file,name}'::text[] END,
	''), '[[:punct:]]+', ' ', 'g'))))
WHERE type IN ('message', 'file');
