-- 004_personal_lookups.sql - indexes for what /me and the review queue
-- look up: a person's own pages (drafts, pages returned to them, news about
-- what they wrote), the pages waiting for review and the pages everyone
-- must confirm. Each of these read every page before: /me took 8 ms of
-- CPU on a 20,000-page instance. The last two are partial, so only the
-- few pages in review or requiring confirmation are in them, and queries
-- about published pages never pick them.

CREATE INDEX pages_created_by ON pages(created_by);
CREATE INDEX pages_in_review ON pages(updated_at) WHERE status = 'in_review';
CREATE INDEX pages_requires_ack ON pages(title COLLATE NOCASE) WHERE requires_ack = 1;
-- And the list of every page, by title (browse): it sorted all of them to
-- show the first 500 (2 ms at 20,000 pages, 0.2 now).
CREATE INDEX pages_title ON pages(title COLLATE NOCASE);
