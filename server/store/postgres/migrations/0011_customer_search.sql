-- Search finds a chat by its customer's name and e-mail address as well
-- as by its events (SearchChats): an expression GIN index over the
-- customer's name and e-mail, with the 'simple' configuration and
-- punctuation read as a space as for events (0010), so an address is
-- found by its parts ("ann", "shop" of ann@shop.example). PostgreSQL keeps
-- the index up to date on every write of a customer; a query spells the
-- same expression (customerVector in search.go).
CREATE INDEX customers_search ON customers USING gin ((to_tsvector('simple'::regconfig,
	regexp_replace(name || ' ' || email, '[[:punct:]]+', ' ', 'g'))));
