-- 001_init.sql - Oficio's first schema.
--
-- Applied by db.c inside one transaction, then PRAGMA user_version = 1.
-- Times are Unix seconds (UTC). Dates the user types (happened_on,
-- departs_on) are ISO 'YYYY-MM-DD' text.
-- Invariants: revisions are append-only (triggers below); pages are never
-- deleted, only archived; every FTS table is kept in step with page_text
-- inside the saving transaction (search.c).

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
	display_name  TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('reader','staff','editor','manager','admin')),
	pw_hash       TEXT,                  -- argon2id string; NULL: no password login
	active        INTEGER NOT NULL DEFAULT 1,
	language      TEXT,                  -- 'es' | 'en' | NULL (browser decides)
	created_at    INTEGER NOT NULL,
	departs_on    TEXT,                  -- planned departure (issue: handover)
	successor_id  INTEGER REFERENCES users(id),
	feed_token_hash BLOB,                -- secret per-user Atom feed, revocable
	inbox_seen_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	token_hash  BLOB PRIMARY KEY,        -- BLAKE2b of the cookie token
	user_id     INTEGER NOT NULL REFERENCES users(id),
	csrf        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id          INTEGER PRIMARY KEY,
	token_hash  BLOB NOT NULL UNIQUE,
	user_id     INTEGER NOT NULL REFERENCES users(id),
	created_at  INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked     INTEGER NOT NULL DEFAULT 0
);

-- The one-time link printed when there is no user yet.
CREATE TABLE setup_tokens (
	token_hash  BLOB PRIMARY KEY,
	expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE pages (
	id            INTEGER PRIMARY KEY,
	slug          TEXT NOT NULL UNIQUE,
	kind          TEXT NOT NULL CHECK (kind IN ('procedure','lesson','reference')),
	title         TEXT NOT NULL,
	category      TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL DEFAULT 'published'
	              CHECK (status IN ('draft','in_review','published','archived')),
	current_rev   INTEGER NOT NULL DEFAULT 0,   -- revisions.n of the current text
	ack_rev       INTEGER NOT NULL DEFAULT 1,   -- last significant revision
	created_by    INTEGER REFERENCES users(id),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	owner_id      INTEGER REFERENCES users(id),
	backup_owner_id INTEGER REFERENCES users(id),
	review_days   INTEGER NOT NULL DEFAULT 180 CHECK (review_days BETWEEN 1 AND 3650),
	verified_at   INTEGER,
	verified_by   INTEGER REFERENCES users(id),
	requires_ack  INTEGER NOT NULL DEFAULT 0,
	promoted_from INTEGER REFERENCES pages(id)  -- lesson this procedure grew from
);
CREATE INDEX pages_category ON pages(category, title);
CREATE INDEX pages_updated ON pages(updated_at);
CREATE INDEX pages_owner ON pages(owner_id);

CREATE TABLE page_tags (
	page_id  INTEGER NOT NULL REFERENCES pages(id),
	tag      TEXT NOT NULL,
	PRIMARY KEY (page_id, tag)
) WITHOUT ROWID;
CREATE INDEX page_tags_tag ON page_tags(tag);

-- Append-only: every save is a new row. html/toc are derived and may be
-- re-rendered (a wiki link's target came into existence); nothing else
-- may change, and no row may be deleted.
CREATE TABLE revisions (
	page_id     INTEGER NOT NULL REFERENCES pages(id),
	n           INTEGER NOT NULL,             -- 1, 2, 3... without gaps
	title       TEXT NOT NULL,
	markdown    TEXT NOT NULL,
	html        TEXT NOT NULL,
	toc         TEXT NOT NULL DEFAULT '[]',   -- JSON [{level,id,text}]
	text        TEXT NOT NULL,                -- plain text (search, excerpts)
	authors     TEXT NOT NULL DEFAULT '',     -- per-line authorship (diff.c)
	author_id   INTEGER REFERENCES users(id),
	created_at  INTEGER NOT NULL,
	comment     TEXT NOT NULL DEFAULT '',
	significant INTEGER NOT NULL DEFAULT 0,
	restored_from INTEGER,                    -- n of the revision restored
	lesson_id   INTEGER REFERENCES pages(id), -- lesson that prompted the change
	proposal_id INTEGER,                      -- proposal it was accepted from
	PRIMARY KEY (page_id, n)
);
CREATE INDEX revisions_created ON revisions(created_at);
CREATE INDEX revisions_author ON revisions(author_id);
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_no_update BEFORE UPDATE OF page_id, n, title, markdown,
	text, authors, author_id, created_at, comment, significant, restored_from
	ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- Wiki links of each page's current revision.
CREATE TABLE links (
	from_page  INTEGER NOT NULL REFERENCES pages(id),
	to_slug    TEXT NOT NULL,
	PRIMARY KEY (from_page, to_slug)
) WITHOUT ROWID;
CREATE INDEX links_to ON links(to_slug);

CREATE TABLE lessons (
	page_id      INTEGER PRIMARY KEY REFERENCES pages(id),
	procedure_id INTEGER REFERENCES pages(id),
	bent_rule    INTEGER NOT NULL DEFAULT 0,
	rule         TEXT NOT NULL DEFAULT '',
	outcome      TEXT CHECK (outcome IN ('positive','negative','mixed')),
	happened_on  TEXT
);
CREATE INDEX lessons_procedure ON lessons(procedure_id);

-- A staff member's change to a published procedure, pending review.
CREATE TABLE proposals (
	id          INTEGER PRIMARY KEY,
	page_id     INTEGER NOT NULL REFERENCES pages(id),
	base_rev    INTEGER NOT NULL,
	title       TEXT NOT NULL,
	markdown    TEXT NOT NULL,
	comment     TEXT NOT NULL DEFAULT '',
	author_id   INTEGER NOT NULL REFERENCES users(id),
	created_at  INTEGER NOT NULL,
	status      TEXT NOT NULL DEFAULT 'pending'
	            CHECK (status IN ('pending','accepted','rejected')),
	decided_by  INTEGER REFERENCES users(id),
	decided_at  INTEGER,
	decision_comment TEXT,
	rev         INTEGER                       -- revision it became
);
CREATE INDEX proposals_pending ON proposals(status, created_at);

-- Lifecycle transitions (the "reviews" of DESIGN.md): submit, approve,
-- return, archive, restore, propose, accept, reject, verify, flag, ...
CREATE TABLE page_events (
	id          INTEGER PRIMARY KEY,
	page_id     INTEGER NOT NULL REFERENCES pages(id),
	user_id     INTEGER REFERENCES users(id),
	at          INTEGER NOT NULL,
	action      TEXT NOT NULL,
	from_status TEXT,
	to_status   TEXT,
	comment     TEXT NOT NULL DEFAULT '',
	rev         INTEGER
);
CREATE INDEX page_events_page ON page_events(page_id, at);

CREATE TABLE flags (
	id          INTEGER PRIMARY KEY,
	page_id     INTEGER NOT NULL REFERENCES pages(id),
	user_id     INTEGER NOT NULL REFERENCES users(id),
	reason      TEXT NOT NULL CHECK (reason IN ('outdated','wrong','unclear','other')),
	comment     TEXT NOT NULL,
	rev         INTEGER,
	created_at  INTEGER NOT NULL,
	resolved_by INTEGER REFERENCES users(id),
	resolved_at INTEGER,
	resolution  TEXT
);
CREATE INDEX flags_open ON flags(page_id) WHERE resolved_at IS NULL;

-- A published lesson that bent a rule challenges its procedure.
CREATE TABLE challenges (
	id           INTEGER PRIMARY KEY,
	procedure_id INTEGER NOT NULL REFERENCES pages(id),
	lesson_id    INTEGER NOT NULL REFERENCES pages(id),
	created_at   INTEGER NOT NULL,
	status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','updated','dismissed')),
	decided_by   INTEGER REFERENCES users(id),
	decided_at   INTEGER,
	reason       TEXT,
	rev          INTEGER,                     -- procedure revision that answered it
	UNIQUE (procedure_id, lesson_id)
);
CREATE INDEX challenges_open ON challenges(procedure_id) WHERE status = 'open';

CREATE TABLE follows (
	id        INTEGER PRIMARY KEY,
	user_id   INTEGER NOT NULL REFERENCES users(id),
	page_id   INTEGER REFERENCES pages(id),
	category  TEXT,
	created_at INTEGER NOT NULL,
	CHECK ((page_id IS NULL) <> (category IS NULL))
);
CREATE UNIQUE INDEX follows_uniq ON follows(user_id, coalesce(page_id, 0), coalesce(category, ''));

CREATE TABLE paths (
	id          INTEGER PRIMARY KEY,
	title       TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	auto_role   TEXT CHECK (auto_role IN ('reader','staff','editor','manager','admin')),
	created_by  INTEGER REFERENCES users(id),
	created_at  INTEGER NOT NULL,
	archived    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE path_items (
	path_id   INTEGER NOT NULL REFERENCES paths(id),
	pos       INTEGER NOT NULL,
	page_id   INTEGER NOT NULL REFERENCES pages(id),
	due_days  INTEGER,
	PRIMARY KEY (path_id, pos)
) WITHOUT ROWID;
CREATE TABLE assignments (
	path_id     INTEGER NOT NULL REFERENCES paths(id),
	user_id     INTEGER NOT NULL REFERENCES users(id),
	assigned_by INTEGER REFERENCES users(id),
	assigned_at INTEGER NOT NULL,
	PRIMARY KEY (path_id, user_id)
) WITHOUT ROWID;

-- Read confirmations: the latest revision each user confirmed per page.
-- Confirmed-current means rev >= pages.ack_rev.
CREATE TABLE acks (
	user_id  INTEGER NOT NULL REFERENCES users(id),
	page_id  INTEGER NOT NULL REFERENCES pages(id),
	rev      INTEGER NOT NULL,
	at       INTEGER NOT NULL,
	PRIMARY KEY (user_id, page_id)
) WITHOUT ROWID;
CREATE INDEX acks_page ON acks(page_id);

CREATE TABLE search_log (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	query    TEXT NOT NULL,
	hits     INTEGER NOT NULL,
	user_id  INTEGER                          -- only when the admin enables it
);
CREATE INDEX search_log_at ON search_log(at);

CREATE TABLE audit (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	user_id  INTEGER,
	action   TEXT NOT NULL,
	target   TEXT NOT NULL DEFAULT '',
	detail   TEXT NOT NULL DEFAULT '',
	addr     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_action ON audit(action, at);

-- Content-addressed files (hex BLAKE2b-256), deduplicated.
CREATE TABLE attachments (
	id         INTEGER PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,
	size       INTEGER NOT NULL,
	mime       TEXT NOT NULL,
	data       BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	created_by INTEGER REFERENCES users(id)
);
CREATE TABLE page_files (
	page_id   INTEGER NOT NULL REFERENCES pages(id),
	hash      TEXT NOT NULL REFERENCES attachments(hash),
	filename  TEXT NOT NULL,
	added_by  INTEGER REFERENCES users(id),
	added_at  INTEGER NOT NULL,
	PRIMARY KEY (page_id, hash)
) WITHOUT ROWID;
CREATE INDEX page_files_hash ON page_files(hash);

-- Views are counted in memory and flushed here periodically.
CREATE TABLE page_views (
	page_id  INTEGER PRIMARY KEY REFERENCES pages(id),
	views    INTEGER NOT NULL DEFAULT 0
);

-- Starting text for "new procedure" / "new lesson", editable by managers.
CREATE TABLE page_templates (
	kind       TEXT NOT NULL,
	lang       TEXT NOT NULL,
	markdown   TEXT NOT NULL,
	updated_by INTEGER REFERENCES users(id),
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (kind, lang)
) WITHOUT ROWID;

CREATE TABLE settings (
	key    TEXT PRIMARY KEY,
	value  TEXT NOT NULL
) WITHOUT ROWID;

-- Search: the current text of every page, and two FTS5 indexes over it.
CREATE TABLE page_text (
	id        INTEGER PRIMARY KEY,           -- = pages.id
	title     TEXT NOT NULL,
	headings  TEXT NOT NULL,
	tags      TEXT NOT NULL,
	body      TEXT NOT NULL
);
CREATE VIRTUAL TABLE pages_fts USING fts5(title, headings, tags, body,
	content='page_text', content_rowid='id', tokenize='oficio', prefix='2 3');
CREATE VIRTUAL TABLE words_fts USING fts5(title, headings, tags, body,
	content='page_text', content_rowid='id', tokenize='oficio_plain', detail='none');
CREATE VIRTUAL TABLE words_vocab USING fts5vocab(words_fts, 'row');
