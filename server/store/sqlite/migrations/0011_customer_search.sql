-- Search finds a chat by its customer's name and e-mail address as well
-- as by its events (SearchChats). customers has no rowid (WITHOUT ROWID),
-- so customer_search_ids gives each customer with a name or an e-mail an
-- integer key, and customer_search, contentless like event_search, keeps
-- the words of its name and e-mail under that key. Triggers keep both up
-- to date. An anonymous customer (no name, no e-mail: most new visitors,
-- one per token request) writes nothing to the index; a customer is
-- indexed again only when its name or e-mail changes (a login that sets
-- the same values writes nothing). Customers change far less often than
-- events are written, so a trigger here costs the writer little
-- (event_search, fed per group, is another matter: see 0010).

CREATE TABLE customer_search_ids (
	id          INTEGER PRIMARY KEY,
	license_id  INTEGER NOT NULL,
	customer_id TEXT    NOT NULL,
	UNIQUE (license_id, customer_id)
);

CREATE VIRTUAL TABLE customer_search USING fts5(
	text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO customer_search_ids (license_id, customer_id)
SELECT license_id, id FROM customers WHERE name != '' OR email != '';
INSERT INTO customer_search (rowid, text)
SELECT s.id, c.name || ' ' || c.email
FROM customer_search_ids s JOIN customers c ON c.license_id = s.license_id AND c.id = s.customer_id;

CREATE TRIGGER customer_search_insert AFTER INSERT ON customers
WHEN NEW.name != '' OR NEW.email != '' BEGIN
	INSERT INTO customer_search_ids (license_id, customer_id) VALUES (NEW.license_id, NEW.id);
	INSERT INTO customer_search (rowid, text) SELECT id, NEW.name || ' ' || NEW.email
		FROM customer_search_ids WHERE license_id = NEW.license_id AND customer_id = NEW.id;
END;

CREATE TRIGGER customer_search_update AFTER UPDATE OF name, email ON customers
WHEN OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email BEGIN
	DELETE FROM customer_search WHERE rowid =
		(SELECT id FROM customer_search_ids WHERE license_id = NEW.license_id AND customer_id = NEW.id);
	INSERT OR IGNORE INTO customer_search_ids (license_id, customer_id)
		SELECT NEW.license_id, NEW.id WHERE NEW.name != '' OR NEW.email != '';
	INSERT INTO customer_search (rowid, text) SELECT id, NEW.name || ' ' || NEW.email
		FROM customer_search_ids WHERE license_id = NEW.license_id AND customer_id = NEW.id
		AND (NEW.name != '' OR NEW.email != '');
END;

CREATE TRIGGER customer_search_delete AFTER DELETE ON customers BEGIN
	DELETE FROM customer_search WHERE rowid =
		(SELECT id FROM customer_search_ids WHERE license_id = OLD.license_id AND customer_id = OLD.id);
	DELETE FROM customer_search_ids WHERE license_id = OLD.license_id AND customer_id = OLD.id;
END;
