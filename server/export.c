/*
 * export.c - `oficio export DIR [--history]`: everything as plain files
 * that `oficio import DIR` reads back.
 *
 *   DIR/Category/Sub/slug.md     every page: YAML front matter (title,
 *                                slug, kind, status, category, tags,
 *                                owner, backup_owner, review_days and a
 *                                lesson's procedure, bent_rule, rule,
 *                                outcome, happened_on), then the Markdown
 *                                of its current revision, unchanged
 *   DIR/slug.md                  pages without a category
 *   DIR/files/HASH.EXT           every attachment, named by its BLAKE2b
 *   DIR/files/index.json         which page lists which file under which
 *                                name: [{page, hash, filename, added_by,
 *                                added_at}]
 *   DIR/history/slug/N.md        with --history: every revision (front
 *                                matter rev, title, author, saved_at,
 *                                comment)
 *
 * Invariants: the export reads one snapshot (a read transaction: the
 * server may keep writing meanwhile, WAL lets both go on), and never
 * writes into a folder that already holds something. Category folders
 * are cosmetic (the front matter says the real category), so their names
 * are sanitised freely: no control characters or characters Windows
 * refuses, no leading dots, and never "files" or "history", which import
 * reserves.
 */
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "files.h"
#include "fmatter.h"
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEGMENT_MAX 100   /* bytes of one folder name */
#define DEPTH_MAX 6       /* category folders deep (import reads 8) */

struct export_stats {
	long long pages, revisions, files, bytes;
};

/* mkdir -p; 0 or -1 (errno set). */
static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
		if (rc < 0)
			break;
	}
	if (rc == 0 && mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Write a new file (never over an existing one). 0, or -1 with a message. */
static int write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	const char *p = data;

	if (fd < 0) {
		fprintf(stderr, "oficio: export: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "oficio: export: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0) {
		fprintf(stderr, "oficio: export: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Append one sanitised folder name made of s[0..n); nothing when nothing
 * usable is left. */
static void segment(struct buf *out, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i = 0;

	s = text_trim(s, &n);
	while (i < n) {
		size_t at = i;
		uint32_t c = text_utf8_next(s, n, &i);
		if (c < 0x20 || c == 0x7f || c == 0xfffd)
			continue;
		if (b.len + (i - at) > SEGMENT_MAX)
			break;
		if (c < 0x80 && strchr("\\:*?\"<>|", (int)c))
			buf_putc(&b, '-');
		else if (b.len == 0 && c == '.')
			buf_putc(&b, '_');
		else
			buf_append(&b, s + at, i - at);
	}
	while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
		buf_truncate(&b, b.len - 1);
	if (b.len) {
		if (strcasecmp(b.data, "files") == 0 || strcasecmp(b.data, "history") == 0)
			buf_putc(&b, '_');
		buf_putc(out, '/');
		buf_append(out, b.data, b.len);
	}
	buf_free(&b);
}

/* DIR plus the category's folders ("/A/B"), created. */
static int category_dir(struct buf *path, const char *dir, const char *category)
{
	const char *p = category;
	int depth = 0;

	buf_puts(path, dir);
	while (*p && depth < DEPTH_MAX) {
		size_t n = strcspn(p, "/");
		size_t before = path->len;
		segment(path, p, n);
		if (path->len > before)
			depth++;
		p += n;
		if (*p == '/')
			p++;
	}
	return mkdirs(path->data);
}

static void iso_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void tags_of(struct db *db, long long page_id, struct buf *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT tag FROM page_tags WHERE page_id = ?1 ORDER BY tag");

	if (!st)
		return;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (out->len)
			buf_puts(out, ", ");
		buf_puts(out, db_col_text(st, 0));
	}
	sqlite3_reset(st);
}

/* Every revision of one page as DIR/history/slug/N.md. */
static int export_history(struct db *db, const char *dir, long long page_id, const char *slug,
			  struct export_stats *s)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT r.n, r.title, r.markdown, u.username, r.created_at, r.comment "
		"FROM revisions r LEFT JOIN users u ON u.id = r.author_id "
		"WHERE r.page_id = ?1 ORDER BY r.n");
	struct buf path = BUF_INIT, text = BUF_INIT;
	int rc = 0;

	if (!st)
		return -1;
	buf_printf(&path, "%s/history/%s", dir, slug);
	if (mkdirs(path.data) < 0) {
		fprintf(stderr, "oficio: export: %s: %s\n", path.data, strerror(errno));
		buf_free(&path);
		return -1;
	}
	db_bind_int(st, 1, page_id);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		char when[32], n[24];

		snprintf(n, sizeof(n), "%d", sqlite3_column_int(st, 0));
		iso_time(sqlite3_column_int64(st, 4), when);
		buf_reset(&text);
		buf_puts(&text, "---\n");
		fmatter_put(&text, "rev", n);
		fmatter_put(&text, "title", db_col_text(st, 1));
		fmatter_put(&text, "author", db_col_text(st, 3));
		fmatter_put(&text, "saved_at", when);
		fmatter_put(&text, "comment", db_col_text(st, 5));
		buf_puts(&text, "---\n");
		buf_puts(&text, db_col_text(st, 2));
		buf_reset(&path);
		buf_printf(&path, "%s/history/%s/%s.md", dir, slug, n);
		rc = buf_error(&text) ? -1 : write_file(path.data, text.data, text.len);
		s->revisions++;
	}
	sqlite3_reset(st);
	buf_free(&path);
	buf_free(&text);
	return rc;
}

static int export_pages(struct db *db, const char *dir, bool history, struct export_stats *s)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.id, p.slug, p.title, p.kind, p.status, p.category, uo.username, "
		"ub.username, p.review_days, r.markdown, l.page_id, lp.slug, l.bent_rule, "
		"l.rule, l.outcome, l.happened_on "
		"FROM pages p JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "
		"LEFT JOIN users uo ON uo.id = p.owner_id "
		"LEFT JOIN users ub ON ub.id = p.backup_owner_id "
		"LEFT JOIN lessons l ON l.page_id = p.id "
		"LEFT JOIN pages lp ON lp.id = l.procedure_id ORDER BY p.id");
	struct buf path = BUF_INIT, text = BUF_INIT, tags = BUF_INIT;
	int rc = 0;

	if (!st)
		return -1;
	/* Page rows are copied out one at a time; the tags and history
	 * statements run while this one is open, which SQLite allows. */
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		char *slug = xstrdup(db_col_text(st, 1));
		char days[24];

		buf_reset(&path);
		if (category_dir(&path, dir, db_col_text(st, 5)) < 0) {
			fprintf(stderr, "oficio: export: %s: %s\n", path.data, strerror(errno));
			free(slug);
			rc = -1;
			break;
		}
		buf_printf(&path, "/%s.md", slug);
		buf_reset(&text);
		buf_reset(&tags);
		tags_of(db, id, &tags);
		buf_puts(&text, "---\n");
		fmatter_put(&text, "title", db_col_text(st, 2));
		fmatter_put(&text, "slug", slug);
		fmatter_put(&text, "kind", db_col_text(st, 3));
		fmatter_put(&text, "status", db_col_text(st, 4));
		fmatter_put(&text, "category", db_col_text(st, 5));
		fmatter_put(&text, "tags", tags.data);
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			fmatter_put(&text, "owner", db_col_text(st, 6));
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			fmatter_put(&text, "backup_owner", db_col_text(st, 7));
		snprintf(days, sizeof(days), "%d", sqlite3_column_int(st, 8));
		fmatter_put(&text, "review_days", days);
		if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
			if (sqlite3_column_type(st, 11) != SQLITE_NULL)
				fmatter_put(&text, "procedure", db_col_text(st, 11));
			fmatter_put(&text, "bent_rule", sqlite3_column_int(st, 12) ? "true" : "false");
			fmatter_put(&text, "rule", db_col_text(st, 13));
			if (sqlite3_column_type(st, 14) != SQLITE_NULL)
				fmatter_put(&text, "outcome", db_col_text(st, 14));
			if (sqlite3_column_type(st, 15) != SQLITE_NULL)
				fmatter_put(&text, "happened_on", db_col_text(st, 15));
		}
		buf_puts(&text, "---\n");
		buf_puts(&text, db_col_text(st, 9));
		rc = buf_error(&text) ? -1 : write_file(path.data, text.data, text.len);
		if (rc == 0)
			s->pages++;
		if (rc == 0 && history)
			rc = export_history(db, dir, id, slug, s);
		free(slug);
	}
	sqlite3_reset(st);
	buf_free(&path);
	buf_free(&text);
	buf_free(&tags);
	return rc;
}

/* DIR/files/HASH.EXT for every attachment, and DIR/files/index.json. */
static int export_files(struct db *db, const char *dir, struct export_stats *s)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT hash, mime, data FROM attachments ORDER BY hash");
	struct buf path = BUF_INIT;
	json_t *index = json_array();
	char *js = NULL;
	int rc = 0;

	if (!st) {
		json_decref(index);
		return -1;
	}
	buf_printf(&path, "%s/files", dir);
	if (mkdirs(path.data) < 0) {
		fprintf(stderr, "oficio: export: %s: %s\n", path.data, strerror(errno));
		rc = -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 2);
		const void *data = sqlite3_column_blob(st, 2);

		buf_reset(&path);
		buf_printf(&path, "%s/files/%s.%s", dir, db_col_text(st, 0),
			   files_ext(db_col_text(st, 1)));
		rc = write_file(path.data, data ? data : "", n);
		s->files++;
		s->bytes += (long long)n;
	}
	sqlite3_reset(st);
	if (rc < 0)
		goto out;
	st = db_stmt(db,
		"SELECT p.slug, pf.hash, pf.filename, u.username, pf.added_at "
		"FROM page_files pf JOIN pages p ON p.id = pf.page_id "
		"LEFT JOIN users u ON u.id = pf.added_by ORDER BY p.slug, pf.added_at, pf.hash");
	if (!st) {
		rc = -1;
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(index,
			json_pack("{s:s, s:s, s:s, s:o, s:I}", "page", db_col_text(st, 0),
				  "hash", db_col_text(st, 1), "filename", db_col_text(st, 2),
				  "added_by", sqlite3_column_type(st, 3) == SQLITE_NULL
						      ? json_null() : json_string(db_col_text(st, 3)),
				  "added_at", (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
	js = json_dumps(index, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	buf_reset(&path);
	buf_printf(&path, "%s/files/index.json", dir);
	if (!js) {
		rc = -1;
		goto out;
	}
	rc = write_file(path.data, js, strlen(js));
out:
	free(js);
	json_decref(index);
	buf_free(&path);
	return rc;
}

/* 1 if dir exists and holds anything, 0 if it is missing or empty, -1
 * if it is not a folder or cannot be read. */
static int dir_state(const char *dir)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;
	int full = 0;

	if (stat(dir, &sb) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	d = opendir(dir);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			full = 1;
			break;
		}
	closedir(d);
	return full;
}

int cli_export(struct db *db, const char *dir, bool history)
{
	struct export_stats s = {0, 0, 0, 0};
	struct timespec t0, t1;
	struct buf root = BUF_INIT;
	int state, rc = 1;

	/* "out/" and "out" are the same folder. */
	buf_puts(&root, dir);
	while (root.len > 1 && root.data[root.len - 1] == '/')
		buf_truncate(&root, root.len - 1);
	state = dir_state(root.data);
	if (state < 0) {
		fprintf(stderr, "oficio: export: %s: %s\n", root.data, strerror(errno));
		goto out;
	}
	if (state > 0) {
		fprintf(stderr, "oficio: export: %s is not empty; export into a new or empty "
				"folder\n", root.data);
		goto out;
	}
	if (mkdirs(root.data) < 0) {
		fprintf(stderr, "oficio: export: cannot create %s: %s\n", root.data,
			strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* One snapshot for everything: a deferred read transaction. */
	if (db_exec(db, "BEGIN") < 0) {
		fprintf(stderr, "oficio: export: %s\n", db_errmsg(db));
		goto out;
	}
	if (export_pages(db, root.data, history, &s) < 0 || export_files(db, root.data, &s) < 0) {
		db_rollback(db);
		fprintf(stderr, "oficio: export: stopped; %s is incomplete\n", root.data);
		goto out;
	}
	db_rollback(db); /* nothing was written: ending the read is enough */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("export: %lld pages", s.pages);
	if (history)
		printf(", %lld revisions", s.revisions);
	printf(", %lld attachments (%lld bytes) to %s (%.1f s)\n", s.files, s.bytes, root.data,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	cli_audit(db, "export", root.data, history ? "history" : "");
	rc = 0;
out:
	buf_free(&root);
	return rc;
}
