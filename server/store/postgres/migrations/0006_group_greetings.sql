-- Greetings: the text the widget shows a visitor of a group before a chat
-- starts. Empty: the widget's own.

ALTER TABLE license_groups ADD COLUMN greeting text NOT NULL DEFAULT '';
