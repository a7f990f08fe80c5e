-- 005_status_changes.sql - a count of the changes to which pages are
-- published. A search without filters checks its matches against a set of
-- the published pages that each server thread keeps (search.c, struct
-- published) instead of reading every match's row of pages; the set is read
-- again when this count has moved. Adding or removing a page, or changing
-- its status, moves it, whichever connection or process does it (oficio
-- import can change a status too). The search log and every other write
-- leave it alone.

CREATE TABLE page_status_changes (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO page_status_changes (id, n) VALUES (1, 0);

CREATE TRIGGER pages_status_insert AFTER INSERT ON pages
BEGIN
	UPDATE page_status_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER pages_status_delete AFTER DELETE ON pages
BEGIN
	UPDATE page_status_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER pages_status_update AFTER UPDATE OF id, status ON pages
WHEN OLD.status IS NOT NEW.status OR OLD.id IS NOT NEW.id
BEGIN
	UPDATE page_status_changes SET n = n + 1 WHERE id = 1;
END;
