-- 002_authorship.sql - who wrote the current text, summed per page, and
-- the indexes onboarding and the reports look things up by.
--
-- page_authors is derived data: the run-length "id*count" list in the
-- authors column of each page's current revision (diff.h), summed per
-- author. pages_save rewrites a page's rows in the saving transaction
-- (authors.c), so the knowledge-risk report reads a few rows per page
-- instead of decoding 20,000 revisions (whose authors column sits behind
-- the Markdown and HTML, on overflow pages). user_id 0 is text of unknown
-- authorship (imported). The backfill below parses the same encoding.

CREATE TABLE page_authors (
	page_id  INTEGER NOT NULL REFERENCES pages(id),
	user_id  INTEGER NOT NULL,               -- 0: unknown (imported text)
	lines    INTEGER NOT NULL CHECK (lines > 0),
	PRIMARY KEY (page_id, user_id)
) WITHOUT ROWID;
CREATE INDEX page_authors_user ON page_authors(user_id);

WITH RECURSIVE split(page_id, rest, item) AS (
	SELECT p.id, r.authors || ',', NULL
	FROM pages p JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev
	WHERE r.authors <> ''
	UNION ALL
	SELECT page_id, substr(rest, instr(rest, ',') + 1), substr(rest, 1, instr(rest, ',') - 1)
	FROM split WHERE rest <> ''
)
INSERT INTO page_authors(page_id, user_id, lines)
SELECT page_id, CAST(substr(item, 1, instr(item, '*') - 1) AS INTEGER),
       sum(CAST(substr(item, instr(item, '*') + 1) AS INTEGER))
FROM split WHERE item IS NOT NULL AND instr(item, '*') > 0
GROUP BY 1, 2 HAVING sum(CAST(substr(item, instr(item, '*') + 1) AS INTEGER)) > 0;

-- "Is this page in one of my paths?" on every page view of a logged-in
-- reader, and "my paths" on /me.
CREATE INDEX path_items_page ON path_items(page_id);
CREATE INDEX assignments_user ON assignments(user_id);
-- Handover: what a person is backup owner of.
CREATE INDEX pages_backup_owner ON pages(backup_owner_id);
-- The gaps report: searches per week (index-only), searches with few
-- results grouped by text (index-only), most viewed pages first.
CREATE INDEX search_log_at_hits ON search_log(at, hits);
CREATE INDEX search_log_few ON search_log(hits, at, query);
CREATE INDEX page_views_views ON page_views(views);
