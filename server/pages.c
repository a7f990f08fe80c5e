/*
 * pages.c - the page store.
 *
 * A save is one BEGIN IMMEDIATE transaction: check the base revision,
 * render the Markdown (render on write, never on read), carry line
 * authorship through the diff, append the revision, update the page row,
 * its links and tags, and the search index. Either all of it lands or
 * none of it does; a conflict writes nothing.
 *
 * Caveats: when a page comes into existence, the stored HTML of the pages
 * that link to it still shows the link as missing; the save re-renders
 * their current revisions (html and toc are derived columns, the only ones
 * the append-only trigger lets change).
 */
#include "pages.h"

#include "authors.h"
#include "buf.h"
#include "db.h"
#include "diff.h"
#include "markdown.h"
#include "metrics.h"
#include "role.h"
#include "search.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

bool pages_visible(int role, long long uid, const char *status, long long created_by)
{
	if (strcmp(status, "published") == 0)
		return true;
	if (strcmp(status, "archived") == 0)
		return role >= ROLE_EDITOR;
	/* draft, in_review: the author and the reviewers */
	return role >= ROLE_EDITOR || (uid && uid == created_by);
}

static bool no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

bool pages_title_ok(const char *title)
{
	size_t n, len;
	const char *t;

	if (!title)
		return false;
	len = strlen(title);
	t = text_trim(title, &len);
	n = text_utf8_len(t, len);
	return n >= 1 && n <= TITLE_MAX && text_utf8_valid(title, strlen(title)) &&
	       no_controls(title);
}

static bool kind_ok(const char *k)
{
	return strcmp(k, "procedure") == 0 || strcmp(k, "lesson") == 0 ||
	       strcmp(k, "reference") == 0;
}

static bool status_ok(const char *s)
{
	return strcmp(s, "draft") == 0 || strcmp(s, "in_review") == 0 ||
	       strcmp(s, "published") == 0 || strcmp(s, "archived") == 0;
}

const char *pages_check(const struct page_save *in)
{
	if (!pages_title_ok(in->title))
		return "err.title";
	if (in->slug && !text_slug_valid(in->slug, SLUG_MAX))
		return "err.slug";
	if (in->kind && !kind_ok(in->kind))
		return "err.kind";
	if (in->status && !status_ok(in->status))
		return "err.status";
	if (!in->markdown || !text_utf8_valid(in->markdown, strlen(in->markdown)))
		return "err.markdown";
	if (in->category && (strlen(in->category) > CATEGORY_MAX || !no_controls(in->category)))
		return "err.category";
	if (in->tags && (strlen(in->tags) > 1000 || !no_controls(in->tags)))
		return "err.tags";
	if (in->comment && (strlen(in->comment) > COMMENT_MAX || !no_controls(in->comment)))
		return "err.comment";
	return NULL;
}

static bool slug_exists(void *ctx, const char *slug)
{
	struct db *db = ctx;
	return pages_id(db, slug) != 0;
}

long long pages_id(struct db *db, const char *slug)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM pages WHERE slug = ?1");
	long long id = 0;

	if (!st)
		return 0;
	db_bind_text(st, 1, slug);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* Split "a, b,c" into trimmed, distinct tags; calls fn for each. */
static int each_tag(const char *tags, int (*fn)(void *, const char *, size_t), void *arg)
{
	const char *p = tags;
	int count = 0;

	while (*p && count < TAGS_MAX) {
		size_t n = strcspn(p, ",");
		size_t len = n;
		const char *t = text_trim(p, &len);
		if (len > 0 && len <= 40) {
			if (fn(arg, t, len) < 0)
				return -1;
			count++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

struct tag_ctx {
	struct db *db;
	long long page_id;
	struct buf *joined;
};

static int insert_tag(void *arg, const char *t, size_t n)
{
	struct tag_ctx *c = arg;
	sqlite3_stmt *st = db_stmt(c->db,
		"INSERT OR IGNORE INTO page_tags(page_id, tag) VALUES (?1, ?2)");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, c->page_id);
	sqlite3_bind_text(st, 2, t, (int)n, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Space-joined tags of a page, for the index. */
static void tags_of(struct db *db, long long page_id, struct buf *out)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT tag FROM page_tags WHERE page_id = ?1 ORDER BY tag");

	if (!st)
		return;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (out->len)
			buf_putc(out, ' ');
		buf_puts(out, db_col_text(st, 0));
	}
	sqlite3_reset(st);
}

static json_t *toc_json(const struct md_result *md)
{
	json_t *a = json_array();

	for (size_t i = 0; i < md->nheadings; i++)
		json_array_append_new(a, json_pack("{s:i, s:s, s:s}",
			"level", md->headings[i].level, "id", md->headings[i].id,
			"text", md->headings[i].text));
	return a;
}

static int write_links(struct db *db, long long page_id, const struct md_result *md)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM links WHERE from_page = ?1");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, page_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	for (size_t i = 0; i < md->nlinks; i++) {
		st = db_stmt(db, "INSERT OR IGNORE INTO links(from_page, to_slug) VALUES (?1, ?2)");
		if (!st)
			return -1;
		db_bind_int(st, 1, page_id);
		db_bind_text(st, 2, md->links[i].slug);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* A page came into existence: re-render the current revisions that link
 * to its slug, so their links stop showing as missing. */
static int rerender_backlinks(struct db *db, const char *slug)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.id, p.current_rev, r.markdown FROM links l "
		"JOIN pages p ON p.id = l.from_page "
		"JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "
		"WHERE l.to_slug = ?1");
	json_t *todo = json_array();
	size_t i;
	json_t *v;
	int rc = 0;

	if (!st) {
		json_decref(todo);
		return -1;
	}
	db_bind_text(st, 1, slug);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(todo, json_pack("{s:I, s:i, s:s}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"n", sqlite3_column_int(st, 1), "md", db_col_text(st, 2)));
	sqlite3_reset(st);
	json_array_foreach(todo, i, v) {
		struct md_result md;
		const char *text = json_string_value(json_object_get(v, "md"));
		char *toc;

		memset(&md, 0, sizeof(md));
		if (markdown_render(text, strlen(text), slug_exists, db, &md) < 0) {
			md_result_free(&md);
			rc = -1;
			break;
		}
		json_t *tj = toc_json(&md);
		toc = json_dumps(tj, JSON_COMPACT);
		json_decref(tj);
		st = db_stmt(db, "UPDATE revisions SET html = ?3, toc = ?4 WHERE page_id = ?1 AND n = ?2");
		if (st) {
			db_bind_int(st, 1, json_integer_value(json_object_get(v, "id")));
			db_bind_int(st, 2, json_integer_value(json_object_get(v, "n")));
			db_bind_text(st, 3, md.html.data);
			db_bind_text(st, 4, toc);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(st);
		}
		free(toc);
		md_result_free(&md);
		if (rc < 0)
			break;
	}
	json_decref(todo);
	return rc;
}

/* Authorship of the new text: carried from the base revision's text and
 * authors through the line diff. */
static void carry_authors(const char *old_md, const char *old_authors,
			  const char *new_md, long long author, struct buf *out)
{
	struct diff_lines a, b;
	long long *aa, *ba;

	diff_lines_split(&a, old_md, strlen(old_md));
	diff_lines_split(&b, new_md, strlen(new_md));
	aa = xcalloc(a.n ? a.n : 1, sizeof(*aa));
	if (diff_authors_decode(old_authors, aa, a.n) < 0) {
		/* Unknown history (imported, or older data): the previous
		 * text belongs to nobody we can name. */
		for (size_t i = 0; i < a.n; i++)
			aa[i] = 0;
	}
	ba = diff_carry_authors(&a, aa, &b, author);
	diff_authors_encode(out, ba, b.n);
	free(aa);
	free(ba);
	diff_lines_free(&a);
	diff_lines_free(&b);
}

/* The slug a title gives before it is made unique: 4 bytes short of
 * SLUG_MAX, room for unique_slug's "-999". */
static void slug_base(struct buf *s, const char *title)
{
	text_slugify(s, title, strlen(title), SLUG_MAX - 4);
}

bool pages_new_slug_is(struct db *db, const char *title, const char *slug)
{
	struct buf s = BUF_INIT;
	bool same;

	slug_base(&s, title);
	same = strcmp(s.data, slug) == 0 && pages_id(db, slug) == 0;
	buf_free(&s);
	return same;
}

static void unique_slug(struct db *db, const char *title, char *out)
{
	struct buf s = BUF_INIT;

	slug_base(&s, title);
	snprintf(out, SLUG_MAX + 1, "%s", s.data);
	for (int i = 2; i < 1000 && pages_id(db, out); i++)
		snprintf(out, SLUG_MAX + 1, "%s-%d", s.data, i);
	buf_free(&s);
}

void pages_save(struct db *db, const struct page_save *in, struct save_result *out)
{
	sqlite3_stmt *st;
	struct md_result md;
	struct buf authors = BUF_INIT, tags = BUF_INIT, title = BUF_INIT;
	char *old_md = NULL, *old_authors = NULL, *old_title = NULL, *toc = NULL;
	const char *kind = in->kind ? in->kind : "procedure";
	long long page_id = 0;
	int cur = 0, rc;
	bool created = false;
	int64_t now = db_now();

	memset(out, 0, sizeof(*out));
	memset(&md, 0, sizeof(md));
	out->status = SAVE_ERROR;
	if (in->markdown && strlen(in->markdown) > MARKDOWN_MAX) {
		out->status = SAVE_TOO_LARGE;
		return;
	}
	if ((out->err_key = pages_check(in)) != NULL) {
		out->status = SAVE_INVALID;
		return;
	}
	{
		size_t tl = strlen(in->title);
		const char *t = text_trim(in->title, &tl);
		buf_append(&title, t, tl);
	}
	if (db_begin(db) < 0)
		goto out;
	if (in->slug)
		snprintf(out->slug, sizeof(out->slug), "%s", in->slug);
	else
		unique_slug(db, title.data, out->slug);

	st = db_stmt(db, "SELECT p.id, p.current_rev, r.markdown, r.authors, r.title "
			 "FROM pages p LEFT JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "
			 "WHERE p.slug = ?1");
	if (!st)
		goto fail;
	db_bind_text(st, 1, out->slug);
	if (sqlite3_step(st) == SQLITE_ROW) {
		page_id = sqlite3_column_int64(st, 0);
		cur = sqlite3_column_int(st, 1);
		old_md = xstrdup(db_col_text(st, 2));
		old_authors = xstrdup(db_col_text(st, 3));
		old_title = xstrdup(db_col_text(st, 4));
	}
	sqlite3_reset(st);

	if (page_id && (in->base_rev == 0 || (in->base_rev > 0 && in->base_rev != cur))) {
		out->status = SAVE_CONFLICT;
		out->page_id = page_id;
		out->rev = cur;
		goto fail;
	}
	if (!page_id && in->base_rev > 0) {
		out->status = SAVE_CONFLICT;
		out->rev = 0;
		goto fail;
	}
	if (page_id && strcmp(old_md, in->markdown) == 0 &&
	    strcmp(old_title, title.data) == 0 && !in->restored_from &&
	    !in->category && !in->tags && !in->kind && !in->verify) {
		out->status = SAVE_UNCHANGED;
		out->page_id = page_id;
		out->rev = cur;
		goto fail; /* nothing to write */
	}

	if (!page_id) {
		st = db_stmt(db, "INSERT INTO pages(slug, kind, title, category, status, "
				 "current_rev, created_by, created_at, updated_at, owner_id) "
				 "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7, ?7, ?8)");
		if (!st)
			goto fail;
		db_bind_text(st, 1, out->slug);
		db_bind_text(st, 2, kind);
		db_bind_text(st, 3, title.data);
		db_bind_text(st, 4, in->category ? in->category : "");
		db_bind_text(st, 5, in->status ? in->status : "published");
		if (in->author_id)
			db_bind_int(st, 6, in->author_id);
		db_bind_int(st, 7, now);
		/* The author of a procedure owns it until a manager says otherwise. */
		if (in->author_id && strcmp(kind, "procedure") == 0)
			db_bind_int(st, 8, in->author_id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			goto fail;
		page_id = sqlite3_last_insert_rowid(db_handle(db));
		created = true;
		old_md = xstrdup("");
		old_authors = xstrdup("");
	}

	if (markdown_render(in->markdown, strlen(in->markdown), slug_exists, db, &md) < 0)
		goto fail;
	{
		json_t *tj = toc_json(&md);
		toc = json_dumps(tj, JSON_COMPACT);
		json_decref(tj);
	}
	if (in->restored_from) {
		/* Restoring gives the lines back to their original authors: carry
		 * from the restored revision, whose text this is. */
		st = db_stmt(db, "SELECT markdown, authors FROM revisions WHERE page_id = ?1 AND n = ?2");
		if (!st)
			goto fail;
		db_bind_int(st, 1, page_id);
		db_bind_int(st, 2, in->restored_from);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			out->status = SAVE_INVALID;
			out->err_key = "err.revision";
			goto fail;
		}
		free(old_md);
		free(old_authors);
		old_md = xstrdup(db_col_text(st, 0));
		old_authors = xstrdup(db_col_text(st, 1));
		sqlite3_reset(st);
	}
	carry_authors(old_md, old_authors, in->markdown, in->author_id, &authors);

	st = db_stmt(db, "INSERT INTO revisions(page_id, n, title, markdown, html, toc, text, "
			 "authors, author_id, created_at, comment, significant, restored_from, "
			 "lesson_id, proposal_id) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (!st)
		goto fail;
	db_bind_int(st, 1, page_id);
	db_bind_int(st, 2, cur + 1);
	db_bind_text(st, 3, title.data);
	db_bind_text(st, 4, in->markdown);
	db_bind_text(st, 5, md.html.data);
	db_bind_text(st, 6, toc);
	/* The plain text is kept once, for the current revision, in
	 * page_text (search_index_page); older revisions keep their
	 * Markdown. Here it was a quarter of the bytes a save writes. */
	db_bind_text(st, 7, "");
	db_bind_text(st, 8, authors.data);
	if (in->author_id)
		db_bind_int(st, 9, in->author_id);
	db_bind_int(st, 10, now);
	db_bind_text(st, 11, in->comment ? in->comment : "");
	db_bind_int(st, 12, in->significant);
	if (in->restored_from)
		db_bind_int(st, 13, in->restored_from);
	if (in->lesson_id)
		db_bind_int(st, 14, in->lesson_id);
	if (in->proposal_id)
		db_bind_int(st, 15, in->proposal_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	/* The per-person sums the reports read (authors.h). */
	if (authors_summary_update(db, page_id, authors.data) < 0)
		goto fail;

	st = db_stmt(db, "UPDATE pages SET current_rev = ?2, title = ?3, updated_at = ?4, "
			 "kind = coalesce(?5, kind), category = coalesce(?6, category), "
			 "ack_rev = CASE WHEN ?7 THEN ?2 ELSE ack_rev END, "
			 "verified_at = CASE WHEN ?8 THEN ?4 ELSE verified_at END, "
			 "verified_by = CASE WHEN ?8 THEN ?9 ELSE verified_by END "
			 "WHERE id = ?1");
	if (!st)
		goto fail;
	db_bind_int(st, 1, page_id);
	db_bind_int(st, 2, cur + 1);
	db_bind_text(st, 3, title.data);
	db_bind_int(st, 4, now);
	db_bind_text(st, 5, created ? NULL : in->kind);
	db_bind_text(st, 6, created ? NULL : in->category);
	db_bind_int(st, 7, in->significant && !created);
	db_bind_int(st, 8, in->verify);
	if (in->author_id)
		db_bind_int(st, 9, in->author_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;

	if (write_links(db, page_id, &md) < 0)
		goto fail;
	if (in->tags) {
		struct tag_ctx tc = {db, page_id, NULL};
		st = db_stmt(db, "DELETE FROM page_tags WHERE page_id = ?1");
		if (!st)
			goto fail;
		db_bind_int(st, 1, page_id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE || each_tag(in->tags, insert_tag, &tc) < 0)
			goto fail;
	}
	tags_of(db, page_id, &tags);
	if (search_index_page(db_handle(db), page_id, title.data, md.headings_text.data,
			      tags.data, md.text.data) != 0)
		goto fail;
	if (created && rerender_backlinks(db, out->slug) < 0)
		goto fail;
	if (db_commit(db) < 0)
		goto out;
	metrics_save();
	out->status = created ? SAVE_CREATED : SAVE_SAVED;
	out->page_id = page_id;
	out->rev = cur + 1;
	goto out;
fail:
	db_rollback(db);
out:
	md_result_free(&md);
	buf_free(&authors);
	buf_free(&tags);
	buf_free(&title);
	free(old_md);
	free(old_authors);
	free(old_title);
	free(toc);
}

static json_t *user_ref(sqlite3_stmt *st, int id_col, int name_col)
{
	if (sqlite3_column_type(st, id_col) == SQLITE_NULL)
		return json_null();
	return json_pack("{s:I, s:s}", "id", (json_int_t)sqlite3_column_int64(st, id_col),
			 "name", db_col_text(st, name_col));
}

static json_t *int_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return json_null();
	return json_integer(sqlite3_column_int64(st, col));
}

static json_t *tags_json(struct db *db, long long page_id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT tag FROM page_tags WHERE page_id = ?1 ORDER BY tag");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, db_col_json(st, 0));
	sqlite3_reset(st);
	return a;
}

json_t *pages_get(struct db *db, const char *slug, int rev)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.id, p.slug, p.kind, p.title, p.category, p.status, p.current_rev, "
		"r.n, r.title, r.markdown, r.html, r.toc, r.author_id, ua.display_name, "
		"r.created_at, r.comment, p.created_at, p.updated_at, "
		"p.owner_id, uo.display_name, p.backup_owner_id, ub.display_name, "
		"p.review_days, p.verified_at, p.verified_by, uv.display_name, "
		"p.requires_ack, p.ack_rev, p.created_by, r.restored_from, r.significant "
		"FROM pages p JOIN revisions r ON r.page_id = p.id "
		"AND r.n = CASE WHEN ?2 > 0 THEN ?2 ELSE p.current_rev END "
		"LEFT JOIN users ua ON ua.id = r.author_id "
		"LEFT JOIN users uo ON uo.id = p.owner_id "
		"LEFT JOIN users ub ON ub.id = p.backup_owner_id "
		"LEFT JOIN users uv ON uv.id = p.verified_by "
		"WHERE p.slug = ?1");
	json_t *j = NULL, *toc;
	json_error_t e;

	if (!st)
		return NULL;
	db_bind_text(st, 1, slug);
	db_bind_int(st, 2, rev);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return NULL;
	}
	toc = strcmp(db_col_text(st, 11), "[]") == 0 ? json_array()
						      : json_loads(db_col_text(st, 11), 0, &e);
	j = json_object();
	json_object_set_new(j, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(j, "slug", db_col_json(st, 1));
	json_object_set_new(j, "kind", db_col_json(st, 2));
	json_object_set_new(j, "title", db_col_json(st, 8));
	json_object_set_new(j, "current_title", db_col_json(st, 3));
	json_object_set_new(j, "category", db_col_json(st, 4));
	json_object_set_new(j, "status", db_col_json(st, 5));
	json_object_set_new(j, "current_rev", json_integer(sqlite3_column_int(st, 6)));
	json_object_set_new(j, "rev", json_integer(sqlite3_column_int(st, 7)));
	json_object_set_new(j, "is_current",
			    json_boolean(sqlite3_column_int(st, 6) == sqlite3_column_int(st, 7)));
	json_object_set_new(j, "markdown", db_col_json(st, 9));
	json_object_set_new(j, "html", db_col_json(st, 10));
	json_object_set_new(j, "toc", toc ? toc : json_array());
	json_object_set_new(j, "author", user_ref(st, 12, 13));
	json_object_set_new(j, "saved_at", json_integer(sqlite3_column_int64(st, 14)));
	json_object_set_new(j, "comment", db_col_json(st, 15));
	json_object_set_new(j, "created_at", json_integer(sqlite3_column_int64(st, 16)));
	json_object_set_new(j, "updated_at", json_integer(sqlite3_column_int64(st, 17)));
	json_object_set_new(j, "owner", user_ref(st, 18, 19));
	json_object_set_new(j, "backup_owner", user_ref(st, 20, 21));
	json_object_set_new(j, "review_days", json_integer(sqlite3_column_int(st, 22)));
	json_object_set_new(j, "verified_at", int_or_null(st, 23));
	json_object_set_new(j, "verified_by", user_ref(st, 24, 25));
	json_object_set_new(j, "requires_ack", json_boolean(sqlite3_column_int(st, 26)));
	json_object_set_new(j, "ack_rev", json_integer(sqlite3_column_int(st, 27)));
	json_object_set_new(j, "created_by", int_or_null(st, 28));
	json_object_set_new(j, "restored_from", int_or_null(st, 29));
	json_object_set_new(j, "significant", json_boolean(sqlite3_column_int(st, 30)));
	sqlite3_reset(st);
	json_object_set_new(j, "tags",
			    tags_json(db, json_integer_value(json_object_get(j, "id"))));
	return j;
}

char *pages_markdown(struct db *db, long long page_id, int rev)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT markdown FROM revisions WHERE page_id = ?1 AND n = ?2");
	char *md = NULL;

	if (!st)
		return NULL;
	db_bind_int(st, 1, page_id);
	db_bind_int(st, 2, rev);
	if (sqlite3_step(st) == SQLITE_ROW)
		md = xstrdup(db_col_text(st, 0));
	sqlite3_reset(st);
	return md;
}

json_t *pages_history(struct db *db, long long page_id)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT r.n, r.title, r.author_id, u.display_name, r.created_at, r.comment, "
		"r.significant, r.restored_from, length(r.markdown) "
		"FROM revisions r LEFT JOIN users u ON u.id = r.author_id "
		"WHERE r.page_id = ?1 ORDER BY r.n DESC");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_object();
		json_object_set_new(o, "n", json_integer(sqlite3_column_int(st, 0)));
		json_object_set_new(o, "title", db_col_json(st, 1));
		json_object_set_new(o, "author", user_ref(st, 2, 3));
		json_object_set_new(o, "saved_at", json_integer(sqlite3_column_int64(st, 4)));
		json_object_set_new(o, "comment", db_col_json(st, 5));
		json_object_set_new(o, "significant", json_boolean(sqlite3_column_int(st, 6)));
		json_object_set_new(o, "restored_from", int_or_null(st, 7));
		json_object_set_new(o, "bytes", json_integer(sqlite3_column_int64(st, 8)));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

/* The visibility rule of pages_visible, in SQL (?R role, ?U user). */
#define VISIBLE_SQL(R, U)                                                  \
	"(p.status = 'published' OR (p.status = 'archived' AND " R " >= 3) " \
	"OR (p.status IN ('draft','in_review') AND (" R " >= 3 OR p.created_by = " U ")))"

json_t *pages_backlinks(struct db *db, const char *slug)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.slug, p.title, p.kind FROM links l JOIN pages p ON p.id = l.from_page "
		"WHERE l.to_slug = ?1 AND p.status = 'published' ORDER BY p.title");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_text(st, 1, slug);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "slug", db_col_text(st, 0),
						   "title", db_col_text(st, 1), "kind", db_col_text(st, 2)));
	sqlite3_reset(st);
	return a;
}

json_t *pages_recent(struct db *db, int limit, int role, long long uid)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.slug, p.title, p.kind, p.current_rev, u.display_name, r.created_at, "
		"r.comment, p.status FROM pages p "
		"JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "
		"LEFT JOIN users u ON u.id = r.author_id "
		"WHERE " VISIBLE_SQL("?2", "?3") " AND p.status <> 'archived' "
		"ORDER BY p.updated_at DESC, p.id DESC LIMIT ?1");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, limit);
	db_bind_int(st, 2, role);
	db_bind_int(st, 3, uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:s}",
			"slug", db_col_text(st, 0), "title", db_col_text(st, 1),
			"kind", db_col_text(st, 2), "rev", sqlite3_column_int(st, 3),
			"author", db_col_text(st, 4), "saved_at", (json_int_t)sqlite3_column_int64(st, 5),
			"comment", db_col_text(st, 6), "status", db_col_text(st, 7)));
	sqlite3_reset(st);
	return a;
}

json_t *pages_list(struct db *db, const char *kind, const char *category,
		   const char *tag, const char *status, int role, long long uid,
		   int limit, int offset)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.id, p.slug, p.title, p.kind, p.category, p.status, p.current_rev, "
		"p.updated_at, p.verified_at FROM pages p "
		"WHERE " VISIBLE_SQL("?5", "?6") " "
		"AND (?1 IS NULL OR p.kind = ?1) AND (?2 IS NULL OR p.category = ?2) "
		"AND (?3 IS NULL OR EXISTS (SELECT 1 FROM page_tags t WHERE t.page_id = p.id AND t.tag = ?3)) "
		"AND (CASE WHEN ?4 IS NULL THEN p.status <> 'archived' ELSE p.status = ?4 END) "
		"ORDER BY p.title COLLATE NOCASE LIMIT ?7 OFFSET ?8");
	json_t *a = json_array();
	long long *ids = NULL;
	size_t n = 0, cap = 0;

	if (!st)
		return a;
	db_bind_text(st, 1, kind);
	db_bind_text(st, 2, category);
	db_bind_text(st, 3, tag);
	db_bind_text(st, 4, status);
	db_bind_int(st, 5, role);
	db_bind_int(st, 6, uid);
	db_bind_int(st, 7, limit);
	db_bind_int(st, 8, offset);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I}",
			"slug", db_col_text(st, 1), "title", db_col_text(st, 2),
			"kind", db_col_text(st, 3), "category", db_col_text(st, 4),
			"status", db_col_text(st, 5), "rev", sqlite3_column_int(st, 6),
			"updated_at", (json_int_t)sqlite3_column_int64(st, 7));
		if (!o || json_array_append_new(a, o) < 0)
			continue;
		json_object_set_new(o, "verified_at", int_or_null(st, 8));
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	/* Tags per row: a second pass keeps the main query simple. */
	for (size_t i = 0; i < n; i++)
		json_object_set_new(json_array_get(a, i), "tags", tags_json(db, ids[i]));
	free(ids);
	return a;
}

json_t *pages_categories(struct db *db, int role, long long uid)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT p.category, count(*) FROM pages p WHERE " VISIBLE_SQL("?1", "?2")
		" AND p.status <> 'archived' AND p.category <> '' "
		"GROUP BY p.category ORDER BY p.category COLLATE NOCASE");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, role);
	db_bind_int(st, 2, uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:i}", "name", db_col_text(st, 0),
						   "count", sqlite3_column_int(st, 1)));
	sqlite3_reset(st);
	return a;
}

json_t *pages_tags(struct db *db, int role, long long uid)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT t.tag, count(*) FROM page_tags t JOIN pages p ON p.id = t.page_id "
		"WHERE " VISIBLE_SQL("?1", "?2") " AND p.status <> 'archived' "
		"GROUP BY t.tag ORDER BY t.tag COLLATE NOCASE");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, role);
	db_bind_int(st, 2, uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:i}", "name", db_col_text(st, 0),
						   "count", sqlite3_column_int(st, 1)));
	sqlite3_reset(st);
	return a;
}
