/*
 * import.c - `oficio import DIR`: a folder of Markdown files becomes pages.
 *
 * Each *.md file is one page: the slug from the file name, the title from
 * front matter or the first "# " heading (which is then not repeated in
 * the body), the category from the sub-folder. A file whose slug exists
 * becomes a new revision of that page (unchanged text is skipped). Each
 * file is one transaction: a bad file is reported and skipped, never
 * half-imported. A lesson whose procedure comes later in the walk is
 * pointed at it at the end (resolve_later). After the pages, DIR/files
 * (an export's attachments) is loaded and linked (import_attachments).
 *
 * Front matter is the flat kind Oficio's own export writes: a first line
 * "---", then `key: value` lines (values plain, "double-quoted" with
 * backslash escapes, or [inline, lists]), then "---". Nested YAML is
 * reported as an error rather than guessed at; that keeps the format
 * honest without a YAML library for a dozen keys.
 */
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "files.h"
#include "fmatter.h"
#include "markdown.h"
#include "pages.h"
#include "search.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct import_stats {
	int created, updated, unchanged, failed;
	/* lessons whose procedure was not imported yet: resolved at the end */
	long long *later_page;
	char **later_slug;
	size_t nlater;
};

static int read_all(const char *path, struct buf *out, size_t max)
{
	FILE *f = fopen(path, "rb");
	char chunk[16384];
	size_t got;

	if (!f)
		return -1;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + got > max) {
			fclose(f);
			return -2;
		}
		buf_append(out, chunk, got);
	}
	fclose(f);
	return buf_error(out) ? -1 : 0;
}

static long long user_by_name(struct db *db, const char *name)
{
	sqlite3_stmt *st;
	long long id = 0;

	if (!name || !*name)
		return 0;
	st = db_stmt(db, "SELECT id FROM users WHERE username = ?1");
	if (!st)
		return 0;
	db_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* Owner, backup owner, review interval and lesson fields, after the save,
 * inside the file's transaction. */
static int apply_meta(struct db *db, long long page_id, const struct fmatter *fm,
		      struct import_stats *s)
{
	sqlite3_stmt *st;
	const char *v;
	int rc, y, m, d;

	st = db_stmt(db, "UPDATE pages SET owner_id = coalesce(?2, owner_id), "
			 "backup_owner_id = coalesce(?3, backup_owner_id), "
			 "review_days = coalesce(?4, review_days), "
			 "status = coalesce(?5, status) WHERE id = ?1");
	if (!st)
		return -1;
	db_bind_int(st, 1, page_id);
	if ((v = fmatter_get(fm, "owner")) && user_by_name(db, v))
		db_bind_int(st, 2, user_by_name(db, v));
	if ((v = fmatter_get(fm, "backup_owner")) && user_by_name(db, v))
		db_bind_int(st, 3, user_by_name(db, v));
	if ((v = fmatter_get(fm, "review_days")) && atoi(v) >= 1 && atoi(v) <= 3650)
		db_bind_int(st, 4, atoi(v));
	if ((v = fmatter_get(fm, "status")) &&
	    (strcmp(v, "draft") == 0 || strcmp(v, "in_review") == 0 ||
	     strcmp(v, "published") == 0 || strcmp(v, "archived") == 0))
		db_bind_text(st, 5, v);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	v = fmatter_get(fm, "kind");
	if (!v || strcmp(v, "lesson") != 0)
		return 0;
	st = db_stmt(db,
		"INSERT INTO lessons(page_id, procedure_id, bent_rule, rule, outcome, happened_on) "
		"VALUES (?1, (SELECT id FROM pages WHERE slug = ?2), ?3, ?4, ?5, ?6) "
		"ON CONFLICT(page_id) DO UPDATE SET procedure_id = excluded.procedure_id, "
		"bent_rule = excluded.bent_rule, rule = excluded.rule, outcome = excluded.outcome, "
		"happened_on = excluded.happened_on");
	if (!st)
		return -1;
	db_bind_int(st, 1, page_id);
	db_bind_text(st, 2, fmatter_get(fm, "procedure"));
	v = fmatter_get(fm, "bent_rule");
	db_bind_int(st, 3, v && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0));
	v = fmatter_get(fm, "rule");
	db_bind_text(st, 4, v ? v : "");
	v = fmatter_get(fm, "outcome");
	db_bind_text(st, 5, v && (strcmp(v, "positive") == 0 || strcmp(v, "negative") == 0 ||
				  strcmp(v, "mixed") == 0) ? v : NULL);
	/* Like the outcome, a day that is not one is left out. */
	if ((v = fmatter_get(fm, "happened_on")) && text_day(v, strlen(v), &y, &m, &d))
		db_bind_text(st, 6, v);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	/* The procedure may come later in the walk: resolve it at the end. */
	v = fmatter_get(fm, "procedure");
	if (v && *v && !pages_id(db, v)) {
		s->later_page = xrealloc(s->later_page, (s->nlater + 1) * sizeof(*s->later_page));
		s->later_slug = xrealloc(s->later_slug, (s->nlater + 1) * sizeof(*s->later_slug));
		s->later_page[s->nlater] = page_id;
		s->later_slug[s->nlater++] = xstrdup(v);
	}
	return 0;
}

/* Point lessons at procedures imported after them. */
static void resolve_later(struct db *db, struct import_stats *s)
{
	sqlite3_stmt *st;

	if (s->nlater && db_begin(db) == 0) {
		st = db_stmt(db, "UPDATE lessons SET procedure_id = (SELECT id FROM pages WHERE slug = ?2) "
				 "WHERE page_id = ?1 AND procedure_id IS NULL");
		for (size_t i = 0; st && i < s->nlater; i++) {
			db_bind_int(st, 1, s->later_page[i]);
			db_bind_text(st, 2, s->later_slug[i]);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		if (db_commit(db) < 0)
			db_rollback(db);
	}
	for (size_t i = 0; i < s->nlater; i++)
		free(s->later_slug[i]);
	free(s->later_slug);
	free(s->later_page);
}

/* Import one file; prints why when it fails. */
static void import_file(struct db *db, const char *path, const char *rel_dir,
			const char *name, struct import_stats *s)
{
	struct buf text = BUF_INIT, slug = BUF_INIT, title = BUF_INIT, body = BUF_INIT;
	struct fmatter fm;
	struct page_save in;
	struct save_result res;
	const char *md, *v;
	int rc;

	memset(&fm, 0, sizeof(fm));
	rc = read_all(path, &text, MARKDOWN_MAX + 65536);
	if (rc == -2 || text.len > MARKDOWN_MAX + 65536) {
		fprintf(stderr, "import: %s: larger than %d bytes, skipped\n", path, MARKDOWN_MAX);
		goto fail;
	}
	if (rc < 0) {
		fprintf(stderr, "import: %s: %s, skipped\n", path, strerror(errno));
		goto fail;
	}
	if (!text_utf8_valid(text.data, text.len)) {
		fprintf(stderr, "import: %s: not UTF-8 text, skipped\n", path);
		goto fail;
	}
	md = text.data;
	if (fmatter_parse(&fm, text.data, &md) < 0) {
		fprintf(stderr, "import: %s: front matter: %s, skipped\n", path, fm.error);
		goto fail;
	}
	/* Title: front matter, else the first "# " heading (dropped from the
	 * body, since the page shows its title), else the file name. */
	if ((v = fmatter_get(&fm, "title")) && *v) {
		buf_puts(&title, v);
		buf_puts(&body, md);
	} else {
		const char *p = md;
		while (*p == '\n' || *p == '\r')
			p++;
		if (p[0] == '#' && p[1] == ' ') {
			size_t n = strcspn(p + 2, "\r\n"), tl = n;
			const char *t = text_trim(p + 2, &tl);
			buf_append(&title, t, tl);
			p += 2 + n;
			while (*p == '\n' || *p == '\r')
				p++;
			buf_puts(&body, p);
		} else {
			buf_append(&title, name, strlen(name) - 3);
			buf_puts(&body, md);
		}
	}
	if ((v = fmatter_get(&fm, "slug")) && text_slug_valid(v, SLUG_MAX))
		buf_puts(&slug, v);
	else
		text_slugify(&slug, name, strlen(name) - 3, SLUG_MAX);
	memset(&in, 0, sizeof(in));
	in.slug = slug.data;
	in.title = title.data;
	in.markdown = body.data;
	in.kind = fmatter_get(&fm, "kind");
	if (!in.kind)
		in.kind = "procedure";
	in.category = fmatter_get(&fm, "category");
	if (!in.category)
		in.category = rel_dir;
	in.tags = fmatter_get(&fm, "tags");
	in.comment = "import";
	in.base_rev = -1;
	if (db_begin(db) < 0) {
		fprintf(stderr, "import: %s: %s\n", path, db_errmsg(db));
		goto fail;
	}
	pages_save(db, &in, &res);
	if (res.status == SAVE_INVALID || res.status == SAVE_TOO_LARGE || res.status == SAVE_ERROR ||
	    res.status == SAVE_CONFLICT) {
		db_rollback(db);
		fprintf(stderr, "import: %s: %s, skipped\n", path,
			res.status == SAVE_INVALID ? res.err_key :
			res.status == SAVE_TOO_LARGE ? "too large" : db_errmsg(db));
		goto fail;
	}
	if (apply_meta(db, res.page_id, &fm, s) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		fprintf(stderr, "import: %s: %s, skipped\n", path, db_errmsg(db));
		goto fail;
	}
	if (res.status == SAVE_CREATED)
		s->created++;
	else if (res.status == SAVE_SAVED)
		s->updated++;
	else
		s->unchanged++;
	goto out;
fail:
	s->failed++;
out:
	fmatter_free(&fm);
	buf_free(&text);
	buf_free(&slug);
	buf_free(&title);
	buf_free(&body);
}

/* Bulk loading. Files are committed IMPORT_BATCH at a time: each file
 * still is its own savepoint (db_begin nests), so a bad one is rolled back
 * alone, but FTS5 writes one index segment per commit instead of one per
 * file, and the commit's sync is paid once a batch. The import runs with
 * synchronous=NORMAL: in WAL mode a commit then waits for no fsync, the
 * WAL is synced at checkpoints, and a crash loses at most the last
 * batches, never consistency; running the import again picks them up
 * (pages already there with the same text are skipped). Both only for
 * this connection, this command. The search index is written at each
 * batch's commit too (search_bulk_begin): FTS5 would otherwise write an
 * index segment at every file's savepoint. */
#define IMPORT_BATCH 200

static void bulk_begin(struct db *db)
{
	db_exec(db, "PRAGMA synchronous=NORMAL");
	db_exec(db, "PRAGMA cache_size=-65536");
	db_exec(db, "PRAGMA wal_autocheckpoint=16384"); /* 64 MB: fewer checkpoint syncs */
	if (search_bulk_begin(db_handle(db)) < 0 || db_begin(db) < 0)
		fprintf(stderr, "import: %s\n", db_errmsg(db));
}

/* Commit the batch so far (and, unless last, start the next). */
static int bulk_commit(struct db *db, bool last)
{
	int rc = (last ? search_bulk_end : search_bulk_flush)(db_handle(db));

	if (rc == 0)
		rc = db_commit(db);

	if (rc < 0) {
		fprintf(stderr, "import: cannot commit: %s\n", db_errmsg(db));
		db_rollback(db);
	}
	if (!last && db_begin(db) < 0)
		fprintf(stderr, "import: %s\n", db_errmsg(db));
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk dir (rel is the category path so far) in name order. */
static void walk(struct db *db, const char *root, const char *rel, struct import_stats *s,
		 int depth)
{
	struct buf path = BUF_INIT;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	buf_printf(&path, "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(path.data);
	if (!d) {
		fprintf(stderr, "import: cannot open %s: %s\n", path.data, strerror(errno));
		s->failed++;
		buf_free(&path);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct buf full = BUF_INIT, sub = BUF_INIT;
		struct stat sb;
		size_t len = strlen(names[i]);

		buf_printf(&full, "%s/%s", path.data, names[i]);
		if (stat(full.data, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			/* "history" holds an export's old revisions, not pages. */
			if (depth < 8 && !(depth == 0 && strcmp(names[i], "history") == 0) &&
			    strcmp(names[i], "files") != 0) {
				buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
				walk(db, root, sub.data, s, depth + 1);
			}
		} else if (S_ISREG(sb.st_mode) && len > 3 && strcmp(names[i] + len - 3, ".md") == 0) {
			import_file(db, full.data, rel, names[i], s);
			int done = s->created + s->updated + s->unchanged + s->failed;
			if (done % 500 == 0)
				fprintf(stderr, "import: %d files...\n", done);
			if (done % IMPORT_BATCH == 0)
				bulk_commit(db, false);
		}
		buf_free(&full);
		buf_free(&sub);
		free(names[i]);
	}
	free(names);
	buf_free(&path);
}

/* ---- attachments: DIR/files/HASH.EXT and DIR/files/index.json ----
 *
 * Loaded after the pages, so that links can name them. A file is taken
 * only when the BLAKE2b of its bytes is the hash in its name and its type
 * is on files.h's allow-list (the server's rules: an import is no back
 * door). Links come from index.json (export.c writes it: page, hash,
 * file name, who added it, when) and from the Markdown of every current
 * revision that mentions /files/HASH of a stored attachment. */

#define IMPORT_FILE_MAX ((size_t)64 * 1024 * 1024)

struct file_stats {
	int loaded, present, links, failed;
};

/* "HASH" or "HASH.ext" with a lowercase hex BLAKE2b-256: copies the hash. */
static bool file_name_hash(const char *name, char hash[FILES_HASH_HEX + 1])
{
	if (strlen(name) < FILES_HASH_HEX || (name[FILES_HASH_HEX] != '\0' &&
					      name[FILES_HASH_HEX] != '.'))
		return false;
	memcpy(hash, name, FILES_HASH_HEX);
	hash[FILES_HASH_HEX] = '\0';
	return files_hash_valid(hash);
}

static void load_file(struct db *db, const char *path, const char *name, struct file_stats *fs)
{
	struct buf data = BUF_INIT;
	char want[FILES_HASH_HEX + 1], got[FILES_HASH_HEX + 1];
	const char *mime;
	bool created = false;
	int rc;

	if (!file_name_hash(name, want)) {
		fprintf(stderr, "import: %s: not named HASH.EXT, skipped\n", path);
		goto fail;
	}
	rc = read_all(path, &data, IMPORT_FILE_MAX);
	if (rc < 0) {
		fprintf(stderr, "import: %s: %s, skipped\n", path,
			rc == -2 ? "too large" : strerror(errno));
		goto fail;
	}
	files_hash(data.data, data.len, got);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "import: %s: its BLAKE2b is %s, not the name's; skipped\n", path,
			got);
		goto fail;
	}
	mime = files_sniff(data.data, data.len, name);
	if (!mime) {
		fprintf(stderr, "import: %s: not a type Oficio accepts, skipped\n", path);
		goto fail;
	}
	if (db_begin(db) < 0 || files_put(db, data.data, data.len, got, mime, 0, &created) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		fprintf(stderr, "import: %s: %s, skipped\n", path, db_errmsg(db));
		goto fail;
	}
	if (created)
		fs->loaded++;
	else
		fs->present++;
	buf_free(&data);
	return;
fail:
	fs->failed++;
	buf_free(&data);
}

static void load_files(struct db *db, const char *fdir, struct file_stats *fs)
{
	DIR *d = opendir(fdir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fprintf(stderr, "import: cannot open %s: %s\n", fdir, strerror(errno));
		fs->failed++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "index.json") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct buf path = BUF_INIT;
		struct stat sb;

		buf_printf(&path, "%s/%s", fdir, names[i]);
		if (stat(path.data, &sb) == 0 && S_ISREG(sb.st_mode))
			load_file(db, path.data, names[i], fs);
		buf_free(&path);
		free(names[i]);
	}
	free(names);
}

static bool attachment_mime(struct db *db, const char *hash, struct buf *mime)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT mime FROM attachments WHERE hash = ?1");
	bool found = false;

	if (!st)
		return false;
	db_bind_text(st, 1, hash);
	if (sqlite3_step(st) == SQLITE_ROW) {
		buf_reset(mime);
		buf_puts(mime, db_col_text(st, 0));
		found = true;
	}
	sqlite3_reset(st);
	return found;
}

/* The links export.c wrote down, in one transaction. */
static void link_index(struct db *db, const char *path, struct file_stats *fs)
{
	json_error_t err;
	json_t *index = json_load_file(path, JSON_REJECT_DUPLICATES, &err), *row;
	struct buf mime = BUF_INIT;
	size_t i;

	if (!json_is_array(index)) {
		fprintf(stderr, "import: %s: %s, links skipped\n", path,
			index ? "not a JSON array" : err.text);
		fs->failed++;
		json_decref(index);
		return;
	}
	if (db_begin(db) < 0) {
		fprintf(stderr, "import: %s: %s\n", path, db_errmsg(db));
		fs->failed++;
		json_decref(index);
		return;
	}
	json_array_foreach(index, i, row) {
		const char *slug = json_string_value(json_object_get(row, "page"));
		const char *hash = json_string_value(json_object_get(row, "hash"));
		const char *name = json_string_value(json_object_get(row, "filename"));
		const char *by = json_string_value(json_object_get(row, "added_by"));
		json_t *at = json_object_get(row, "added_at");
		long long page_id = slug ? pages_id(db, slug) : 0;
		int before = sqlite3_total_changes(db_handle(db));
		char *clean;

		if (!page_id || !files_hash_valid(hash) || !attachment_mime(db, hash, &mime)) {
			fprintf(stderr, "import: %s: entry %zu: no page %s or no file %s, skipped\n",
				path, i, slug ? slug : "?", hash ? hash : "?");
			fs->failed++;
			continue;
		}
		clean = files_clean_name(name, name ? strlen(name) : 0, mime.data);
		if (files_link(db, page_id, hash, clean, user_by_name(db, by),
			       json_is_integer(at) ? json_integer_value(at) : db_now()) < 0) {
			fprintf(stderr, "import: %s: %s\n", path, db_errmsg(db));
			fs->failed++;
		} else if (sqlite3_total_changes(db_handle(db)) > before) {
			fs->links++;
		}
		free(clean);
	}
	if (db_commit(db) < 0) {
		db_rollback(db);
		fprintf(stderr, "import: %s: %s, links skipped\n", path, db_errmsg(db));
		fs->failed++;
	}
	buf_free(&mime);
	json_decref(index);
}

/* The name a page shows for a file it references without index.json:
 * the name another page gave it, else HASH.EXT. */
static char *reference_name(struct db *db, const char *hash, const char *mime)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT filename FROM page_files WHERE hash = ?1 "
				       "ORDER BY added_at LIMIT 1");
	struct buf b = BUF_INIT;

	if (st) {
		db_bind_text(st, 1, hash);
		if (sqlite3_step(st) == SQLITE_ROW)
			buf_puts(&b, db_col_text(st, 0));
		sqlite3_reset(st);
	}
	if (b.len == 0)
		buf_printf(&b, "%s.%s", hash, files_ext(mime));
	return buf_detach(&b);
}

/* Pages whose current Markdown shows or links a stored attachment list
 * it (markdown.c finds the /files/HASH references). One transaction. */
static void link_references(struct db *db, struct file_stats *fs)
{
	sqlite3_stmt *st;
	struct buf mime = BUF_INIT;
	int64_t now = db_now();

	if (db_begin(db) < 0) {
		fprintf(stderr, "import: linking attachments: %s\n", db_errmsg(db));
		fs->failed++;
		return;
	}
	st = db_stmt(db, "SELECT p.id, r.markdown FROM pages p JOIN revisions r "
			 "ON r.page_id = p.id AND r.n = p.current_rev "
			 "WHERE instr(r.markdown, '/files/') > 0 ORDER BY p.id");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		long long page_id = sqlite3_column_int64(st, 0);
		const char *md = db_col_text(st, 1);
		struct md_result out;

		if (markdown_render(md, strlen(md), NULL, NULL, &out) == 0) {
			for (size_t i = 0; i < out.nfiles; i++) {
				int before = sqlite3_total_changes(db_handle(db));
				char *name;
				if (!attachment_mime(db, out.files[i], &mime))
					continue;
				name = reference_name(db, out.files[i], mime.data);
				if (files_link(db, page_id, out.files[i], name, 0, now) == 0 &&
				    sqlite3_total_changes(db_handle(db)) > before)
					fs->links++;
				free(name);
			}
		}
		md_result_free(&out);
	}
	if (st)
		sqlite3_reset(st);
	if (!st || db_commit(db) < 0) {
		db_rollback(db);
		fprintf(stderr, "import: linking attachments: %s\n", db_errmsg(db));
		fs->failed++;
	}
	buf_free(&mime);
}

/* DIR/files, when there is one. Returns the number of failures. */
static int import_attachments(struct db *db, const char *dir)
{
	struct file_stats fs = {0, 0, 0, 0};
	struct buf fdir = BUF_INIT, index = BUF_INIT;
	struct stat sb;

	buf_printf(&fdir, "%s/files", dir);
	if (stat(fdir.data, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		buf_free(&fdir);
		return 0;
	}
	load_files(db, fdir.data, &fs);
	buf_printf(&index, "%s/index.json", fdir.data);
	if (stat(index.data, &sb) == 0)
		link_index(db, index.data, &fs);
	link_references(db, &fs);
	printf("import: %d attachments loaded, %d already there, %d links to pages, "
	       "%d skipped with errors\n", fs.loaded, fs.present, fs.links, fs.failed);
	buf_free(&fdir);
	buf_free(&index);
	return fs.failed;
}

int cli_import(struct db *db, const char *dir)
{
	struct import_stats s = {0, 0, 0, 0, NULL, NULL, 0};
	struct timespec t0, t1;
	struct stat sb;
	int files_failed;

	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "oficio: import: %s is not a folder\n", dir);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bulk_begin(db);
	walk(db, dir, "", &s, 0);
	if (bulk_commit(db, true) < 0)
		s.failed++;
	resolve_later(db, &s);
	/* A batch or more leaves the search index in several large
	 * segments, which every search would read (search_optimize); fewer
	 * pages leave one small one, as saves do. */
	if (s.created + s.updated >= IMPORT_BATCH && search_optimize(db_handle(db)) != 0)
		fprintf(stderr, "import: cannot optimize the search index: %s\n", db_errmsg(db));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("import: %d new, %d updated, %d unchanged, %d skipped with errors (%.1f s)\n",
	       s.created, s.updated, s.unchanged, s.failed,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	files_failed = import_attachments(db, dir);
	cli_audit(db, "import", dir, "");
	return s.failed || files_failed ? 1 : 0;
}
