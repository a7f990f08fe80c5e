/*
 * paths.c - onboarding paths: managers make them (a title, a description,
 * an ordered list of pages with optional due days, optionally a role
 * whose new members get the path automatically) and assign them; each
 * person sees their progress, which is their read confirmations of the
 * path's pages (acks.c).
 *
 * The same handlers answer the HTML pages and the JSON API (r->api).
 * Input is checked whole before anything is written, and a path with its
 * items is written in one transaction: an unknown page, a duplicate or a
 * bad number stores nothing (400).
 */
#include "paths.h"

#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "onboarding.h"
#include "pages.h"
#include "role.h"
#include "svg.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

#define PATH_ITEMS_MAX 200
#define DESCRIPTION_MAX 2000
#define DUE_DAYS_MAX 365
#define ITEM_TEXT_MAX 300

struct path_in {
	const char *title;
	const char *description;
	const char *auto_role;     /* NULL or "" : none */
	bool archived;
	size_t n;
	long long page[PATH_ITEMS_MAX];
	int due[PATH_ITEMS_MAX];   /* 0: none */
	char bad[ITEM_TEXT_MAX + 1]; /* the item that did not resolve */
};

/* ---- input ---- */

/* A page named by slug or exact title, not archived; 0 if none. */
static long long resolve_page(struct db *db, const char *s, size_t n)
{
	struct buf name = BUF_INIT, slug = BUF_INIT;
	sqlite3_stmt *st;
	long long id = 0;

	buf_append(&name, s, n);
	if (text_slug_valid(name.data, SLUG_MAX))
		buf_puts(&slug, name.data);
	else
		text_slugify(&slug, name.data, name.len, SLUG_MAX);
	st = db_stmt(db, "SELECT id FROM pages WHERE (slug = ?1 OR title = ?2) "
			 "AND status <> 'archived' ORDER BY slug = ?1 DESC LIMIT 1");
	if (st) {
		db_bind_text(st, 1, slug.data);
		db_bind_text(st, 2, name.data);
		if (sqlite3_step(st) == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	buf_free(&name);
	buf_free(&slug);
	return id;
}

static const char *add_item(struct db *db, struct path_in *in, const char *s, size_t n, int due)
{
	long long id;

	if (n == 0)
		return NULL;
	if (n > ITEM_TEXT_MAX || !text_utf8_valid(s, n))
		return "paths.err_item";
	if (in->n == PATH_ITEMS_MAX)
		return "paths.err_too_many";
	if (due < 0 || due > DUE_DAYS_MAX)
		return "paths.err_due";
	id = resolve_page(db, s, n);
	if (!id) {
		memcpy(in->bad, s, n);
		in->bad[n] = '\0';
		return "paths.err_unknown_page";
	}
	for (size_t i = 0; i < in->n; i++)
		if (in->page[i] == id) {
			memcpy(in->bad, s, n);
			in->bad[n] = '\0';
			return "paths.err_duplicate";
		}
	in->page[in->n] = id;
	in->due[in->n] = due;
	in->n++;
	return NULL;
}

/* The textarea: one page per line, "title or slug" or "title | days". */
static const char *items_from_text(struct db *db, struct path_in *in, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t len = n, dl;
		const char *line = text_trim(p, &len), *bar;
		int due = 0;
		const char *err;

		bar = memchr(line, '|', len);
		if (bar) {
			const char *d = bar + 1;
			char *end;
			long v;
			dl = len - (size_t)(d - line);
			d = text_trim(d, &dl);
			if (dl == 0 || dl > 4)
				return "paths.err_due";
			{
				char tmp[8];
				memcpy(tmp, d, dl);
				tmp[dl] = '\0';
				v = strtol(tmp, &end, 10);
				if (*end || v < 1 || v > DUE_DAYS_MAX)
					return "paths.err_due";
			}
			due = (int)v;
			len = (size_t)(bar - line);
			line = text_trim(line, &len);
			if (len == 0)
				return "paths.err_item";
		}
		if ((err = add_item(db, in, line, len, due)) != NULL)
			return err;
		p += n;
		if (*p == '\n')
			p++;
	}
	return NULL;
}

static const char *items_from_json(struct db *db, struct path_in *in, json_t *items)
{
	size_t i;
	json_t *v;
	const char *err;

	if (!json_is_array(items))
		return "paths.err_items";
	json_array_foreach(items, i, v) {
		const char *s = NULL;
		int due = 0;
		if (json_is_string(v)) {
			s = json_string_value(v);
		} else if (json_is_object(v)) {
			json_t *pg = json_object_get(v, "page"), *d = json_object_get(v, "due_days");
			if (!json_is_string(pg))
				return "paths.err_item";
			s = json_string_value(pg);
			if (d && !json_is_null(d)) {
				if (!json_is_integer(d) || json_integer_value(d) < 1 ||
				    json_integer_value(d) > DUE_DAYS_MAX)
					return "paths.err_due";
				due = (int)json_integer_value(d);
			}
		} else {
			return "paths.err_item";
		}
		if (!*s)
			return "paths.err_item";
		if ((err = add_item(db, in, s, strlen(s), due)) != NULL)
			return err;
	}
	return NULL;
}

static bool plain_text_ok(const char *s, size_t max)
{
	return s && strlen(s) <= max && text_utf8_valid(s, strlen(s));
}

/* Read and check a path from the form or the JSON body. NULL or a
 * catalogue key. */
static const char *path_read(struct req *r, struct path_in *in)
{
	const char *err;

	memset(in, 0, sizeof(*in));
	if (r->api) {
		json_t *b = r->json, *v;
		bool bad = false;
		if (!json_is_object(b))
			return "err.json";
		v = json_object_get(b, "title");
		in->title = json_is_string(v) ? json_string_value(v) : NULL;
		in->description = http_json_text(b, "description", &bad);
		if (bad)
			return "err.json";
		if (!in->description)
			in->description = "";
		in->auto_role = http_json_text(b, "auto_role", &bad);
		if (bad)
			return "paths.err_role";
		in->archived = http_json_bool(b, "archived", &bad);
		if (bad)
			return "err.json";
		if (!pages_title_ok(in->title))
			return "err.title";
		if (!plain_text_ok(in->description, DESCRIPTION_MAX))
			return "paths.err_description";
		if (in->auto_role && *in->auto_role && role_parse(in->auto_role) < 0)
			return "paths.err_role";
		if ((err = items_from_json(r->db, in, json_object_get(b, "items"))) != NULL)
			return err;
	} else {
		const char *items = http_form(r, "pages");
		in->title = http_form(r, "title");
		in->description = http_form(r, "description");
		in->auto_role = http_form(r, "auto_role");
		in->archived = http_form(r, "archived") != NULL;
		if (!in->description)
			in->description = "";
		if (!pages_title_ok(in->title))
			return "err.title";
		if (!plain_text_ok(in->description, DESCRIPTION_MAX))
			return "paths.err_description";
		if (in->auto_role && *in->auto_role && role_parse(in->auto_role) < 0)
			return "paths.err_role";
		if (!items || strlen(items) > 64 * 1024)
			return "paths.err_items";
		if ((err = items_from_text(r->db, in, items)) != NULL)
			return err;
	}
	if (in->n == 0)
		return "paths.err_no_items";
	return NULL;
}

/* ---- store ---- */

static int write_items(struct db *db, long long path_id, const struct path_in *in)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM path_items WHERE path_id = ?1");

	if (!st)
		return -1;
	db_bind_int(st, 1, path_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < in->n; i++) {
		st = db_stmt(db, "INSERT INTO path_items(path_id, pos, page_id, due_days) "
				 "VALUES (?1, ?2, ?3, ?4)");
		if (!st)
			return -1;
		db_bind_int(st, 1, path_id);
		db_bind_int(st, 2, (long long)i + 1);
		db_bind_int(st, 3, in->page[i]);
		if (in->due[i])
			db_bind_int(st, 4, in->due[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			return -1;
		}
		sqlite3_reset(st);
	}
	return 0;
}

/* Insert (id 0) or replace path id; returns its id or -1. One transaction. */
static long long path_write(struct req *r, long long id, const struct path_in *in)
{
	sqlite3_stmt *st;
	const char *role = in->auto_role && *in->auto_role ? in->auto_role : NULL;

	if (db_begin(r->db) < 0)
		return -1;
	if (id == 0) {
		st = db_stmt(r->db, "INSERT INTO paths(title, description, auto_role, created_by, "
				    "created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
	} else {
		st = db_stmt(r->db, "UPDATE paths SET title = ?1, description = ?2, auto_role = ?3, "
				    "archived = ?7 WHERE id = ?6");
	}
	if (!st)
		goto fail;
	db_bind_text(st, 1, in->title);
	db_bind_text(st, 2, in->description);
	db_bind_text(st, 3, role);
	if (id == 0) {
		db_bind_int(st, 4, r->uid);
		db_bind_int(st, 5, db_now());
	} else {
		db_bind_int(st, 6, id);
		db_bind_int(st, 7, in->archived);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	if (id == 0)
		id = sqlite3_last_insert_rowid(db_handle(r->db));
	if (write_items(r->db, id, in) < 0)
		goto fail;
	if (db_commit(r->db) < 0)
		return -1;
	return id;
fail:
	db_rollback(r->db);
	return -1;
}

int paths_auto_assign(struct db *db, long long uid, const char *role, int64_t now)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT OR IGNORE INTO assignments(path_id, user_id, assigned_by, assigned_at) "
		"SELECT id, ?1, NULL, ?3 FROM paths WHERE auto_role = ?2 AND archived = 0");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, uid);
	db_bind_text(st, 2, role);
	db_bind_int(st, 3, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The path row: {id,title,description,auto_role,archived,created_at}. */
static json_t *path_get(struct db *db, long long id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id, title, description, auto_role, archived, "
				       "created_at FROM paths WHERE id = ?1");
	json_t *j = NULL;

	if (!st)
		return NULL;
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		j = json_pack("{s:I, s:o, s:o, s:o, s:b, s:I}", "id",
			      (json_int_t)sqlite3_column_int64(st, 0), "title", db_col_json(st, 1),
			      "description", db_col_json(st, 2), "auto_role",
			      sqlite3_column_type(st, 3) == SQLITE_NULL ? json_null() : db_col_json(st, 3),
			      "archived", sqlite3_column_int(st, 4),
			      "created_at", (json_int_t)sqlite3_column_int64(st, 5));
	}
	sqlite3_reset(st);
	return j;
}

/* When uid was given path_id (0 if not assigned). */
static int64_t assigned_at(struct db *db, long long path_id, long long uid)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT assigned_at FROM assignments "
				       "WHERE path_id = ?1 AND user_id = ?2");
	int64_t at = 0;

	if (!st)
		return 0;
	db_bind_int(st, 1, path_id);
	db_bind_int(st, 2, uid);
	if (sqlite3_step(st) == SQLITE_ROW)
		at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return at;
}

/* The items of a path as uid sees them: [{pos,slug,title,kind,due_days,
 * state:"done"|"changed"|"todo",is_done,is_changed,confirmed_rev,
 * due_on,overdue}]; *done counts the done ones. since: when uid was
 * assigned (0: not assigned, no due dates). A page is due due_days after
 * that, or, changed since it was confirmed, due_days after the change
 * asked everyone to read it again: the first deadline, long gone for a
 * veteran, made every re-read late the day it appeared. */
static json_t *items_for(struct req *r, long long path_id, long long uid, int64_t since,
			 int *done)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT i.pos, p.slug, p.title, p.kind, i.due_days, p.ack_rev, a.rev, p.current_rev, "
		"(SELECT v.created_at FROM revisions v WHERE v.page_id = p.id AND v.n = p.ack_rev) "
		"FROM path_items i JOIN pages p ON p.id = i.page_id "
		"LEFT JOIN acks a ON a.page_id = p.id AND a.user_id = ?2 "
		"WHERE i.path_id = ?1 AND p.status <> 'archived' ORDER BY i.pos");
	json_t *a = json_array();
	int64_t now = db_now();

	*done = 0;
	if (!st)
		return a;
	db_bind_int(st, 1, path_id);
	db_bind_int(st, 2, uid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		bool acked = sqlite3_column_type(st, 6) != SQLITE_NULL;
		int rev = sqlite3_column_int(st, 6), ack_rev = sqlite3_column_int(st, 5);
		const char *state = !acked ? "todo" : rev >= ack_rev ? "done" : "changed";
		json_t *o = json_pack("{s:i, s:o, s:o, s:o, s:s, s:b, s:b, s:b, s:i}",
			"pos", sqlite3_column_int(st, 0), "slug", db_col_json(st, 1),
			"title", db_col_json(st, 2), "kind", db_col_json(st, 3), "state", state,
			"is_done", state[0] == 'd', "is_changed", state[0] == 'c',
			"is_todo", state[0] == 't', "current_rev", sqlite3_column_int(st, 7));
		json_object_set_new(o, "due_days", sqlite3_column_type(st, 4) == SQLITE_NULL
				    ? json_null() : json_integer(sqlite3_column_int(st, 4)));
		json_object_set_new(o, "confirmed_rev", acked ? json_integer(rev) : json_null());
		if (since && sqlite3_column_type(st, 4) != SQLITE_NULL) {
			char d[11];
			int64_t changed = sqlite3_column_int64(st, 8);
			int64_t from = state[0] == 'c' && changed > since ? changed : since;
			int64_t due = from + (int64_t)sqlite3_column_int(st, 4) * 86400;
			view_date(due, d);
			json_object_set_new(o, "due_on", json_string(d));
			json_object_set_new(o, "overdue", json_boolean(state[0] != 'd' && now > due));
		}
		if (state[0] == 'd')
			(*done)++;
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	view_labels_all(r, a);
	return a;
}

static json_t *progress(struct req *r, int done, int total)
{
	return svg_progress(done, total, http_msg(r, "paths.progress_label"));
}

json_t *paths_mine(struct req *r, long long uid)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT pa.id, pa.title, pa.description, s.assigned_at FROM assignments s "
		"JOIN paths pa ON pa.id = s.path_id WHERE s.user_id = ?1 AND pa.archived = 0 "
		"ORDER BY pa.title COLLATE NOCASE");
	json_t *a = json_array(), *v;
	size_t i;

	if (!st)
		return a;
	db_bind_int(st, 1, uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:I}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "title", db_col_json(st, 1),
			"description", db_col_json(st, 2),
			"assigned_at", (json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_reset(st);
	json_array_foreach(a, i, v) {
		int done;
		json_t *items = items_for(r, json_integer_value(json_object_get(v, "id")), uid,
					  json_integer_value(json_object_get(v, "assigned_at")), &done);
		size_t k;
		json_t *it;
		int total = (int)json_array_size(items);
		json_object_set_new(v, "done", json_integer(done));
		json_object_set_new(v, "total", json_integer(total));
		json_object_set_new(v, "progress", progress(r, done, total));
		view_days(r, items, "due_on");
		json_array_foreach(items, k, it) {
			if (!json_is_true(json_object_get(it, "is_done"))) {
				json_object_set(v, "next", it);
				break;
			}
		}
		json_object_set_new(v, "items", items);
	}
	return a;
}

json_t *paths_context(struct req *r, long long uid, long long page_id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT pa.id, pa.title, i.pos FROM path_items i JOIN assignments s "
		"ON s.path_id = i.path_id AND s.user_id = ?1 JOIN paths pa ON pa.id = i.path_id "
		"WHERE i.page_id = ?2 AND pa.archived = 0 ORDER BY s.assigned_at, pa.id LIMIT 1");
	json_t *c = NULL, *items, *v;
	int pos = 0, done;
	size_t i;

	if (!st)
		return NULL;
	db_bind_int(st, 1, uid);
	db_bind_int(st, 2, page_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c = json_pack("{s:I, s:o}", "path_id", (json_int_t)sqlite3_column_int64(st, 0),
			      "path_title", db_col_json(st, 1));
		pos = sqlite3_column_int(st, 2);
	}
	sqlite3_reset(st);
	if (!c)
		return NULL;
	items = items_for(r, json_integer_value(json_object_get(c, "path_id")), uid, 0, &done);
	json_object_set_new(c, "done", json_integer(done));
	json_object_set_new(c, "total", json_integer((json_int_t)json_array_size(items)));
	json_object_set_new(c, "progress", progress(r, done, (int)json_array_size(items)));
	/* Next: the first item not done after this one, else before it. */
	for (int pass = 0; pass < 2 && !json_object_get(c, "next_slug"); pass++) {
		json_array_foreach(items, i, v) {
			int p = (int)json_integer_value(json_object_get(v, "pos"));
			if ((pass == 0 ? p > pos : p < pos) &&
			    !json_is_true(json_object_get(v, "is_done"))) {
				json_object_set(c, "next_slug", json_object_get(v, "slug"));
				json_object_set(c, "next_title", json_object_get(v, "title"));
				break;
			}
		}
	}
	json_decref(items);
	return c;
}

/* ---- pages ---- */

static long long path_id_arg(struct req *r)
{
	const char *s = http_arg(r, 0);
	char *end;
	long long id;

	if (!s || !*s)
		return 0;
	id = strtoll(s, &end, 10);
	return *end || id < 1 || id > ((long long)1 << 53) ? 0 : id;
}

/* Active people, for the assign picker: [{id,username,name}]. */
static json_t *people(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "SELECT id, username, display_name FROM users "
					  "WHERE active = 1 ORDER BY display_name COLLATE NOCASE");
	json_t *a = json_array();

	if (!st)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o}", "id",
			(json_int_t)sqlite3_column_int64(st, 0), "username", db_col_json(st, 1),
			"name", db_col_json(st, 2)));
	sqlite3_reset(st);
	return a;
}

static json_t *role_options(struct req *r, const char *selected)
{
	json_t *a = json_array();
	struct buf k = BUF_INIT;

	for (int i = ROLE_READER; i <= ROLE_ADMIN; i++) {
		buf_reset(&k);
		buf_puts(&k, "role.");
		buf_puts(&k, role_name(i));
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", role_name(i),
			"label", http_msg(r, k.data), "selected",
			selected && strcmp(selected, role_name(i)) == 0));
	}
	buf_free(&k);
	return a;
}

/* All paths (managers see archived ones too): [{id,title,description,
 * auto_role,archived,items,people,mine:{progress}|absent}]. */
static json_t *paths_all(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT pa.id, pa.title, pa.description, pa.auto_role, pa.archived, "
		"(SELECT count(*) FROM path_items i JOIN pages p ON p.id = i.page_id "
		" WHERE i.path_id = pa.id AND p.status <> 'archived'), "
		"(SELECT count(*) FROM assignments s WHERE s.path_id = pa.id), "
		"(SELECT count(*) FROM path_items i JOIN pages p ON p.id = i.page_id "
		" JOIN acks a ON a.page_id = i.page_id AND a.user_id = ?2 AND a.rev >= p.ack_rev "
		" WHERE i.path_id = pa.id AND p.status <> 'archived'), "
		"EXISTS (SELECT 1 FROM assignments s WHERE s.path_id = pa.id AND s.user_id = ?2) "
		"FROM paths pa WHERE pa.archived = 0 OR ?1 "
		"ORDER BY pa.archived, pa.title COLLATE NOCASE");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, r->role >= ROLE_MANAGER);
	db_bind_int(st, 2, r->uid);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int total = sqlite3_column_int(st, 5);
		json_t *o = json_pack("{s:I, s:o, s:o, s:b, s:i, s:i}", "id",
			(json_int_t)sqlite3_column_int64(st, 0), "title", db_col_json(st, 1),
			"description", db_col_json(st, 2), "archived", sqlite3_column_int(st, 4),
			"items", total, "people", sqlite3_column_int(st, 6));
		json_object_set_new(o, "auto_role", sqlite3_column_type(st, 3) == SQLITE_NULL
				    ? json_null() : db_col_json(st, 3));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
			struct buf k = BUF_INIT;
			buf_puts(&k, "role.");
			buf_puts(&k, db_col_text(st, 3));
			json_object_set_new(o, "auto_role_label", json_string(http_msg(r, k.data)));
			buf_free(&k);
		}
		if (sqlite3_column_int(st, 8))
			json_object_set_new(o, "mine", progress(r, sqlite3_column_int(st, 7), total));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	return a;
}

/* The form as it was typed, for a 400 (HTML). */
static json_t *form_echo(struct req *r)
{
	const char *role = http_form(r, "auto_role");
	json_t *f = json_object();
	static const char *const fields[] = {"title", "description", "pages"};

	for (size_t i = 0; i < 3; i++) {
		const char *v = http_form(r, fields[i]);
		json_object_set_new(f, fields[i], json_string(v && text_utf8_valid(v, strlen(v)) ? v : ""));
	}
	json_object_set_new(f, "archived", json_boolean(http_form(r, "archived") != NULL));
	json_object_set_new(f, "roles", role_options(r, role));
	return f;
}

/* A 400 for the API, naming the item that did not resolve. */
static int input_error(struct req *r, const char *key, const struct path_in *in)
{
	return http_json(r, 400, json_pack("{s:s, s:s, s:s}", "error", "invalid",
					   "message", http_msg(r, key), "item", in->bad));
}

/* The message of a form error, with the item that did not resolve. */
static char *error_text(struct req *r, const char *key, const struct path_in *in)
{
	struct buf m = BUF_INIT;

	buf_puts(&m, http_msg(r, key));
	if (in->bad[0]) {
		buf_puts(&m, " «");
		buf_puts(&m, in->bad);
		buf_puts(&m, "»");
	}
	return buf_detach(&m);
}

static int paths_render(struct req *r, int status, json_t *form, const char *error)
{
	json_t *c = json_object();

	json_object_set_new(c, "title", json_string(http_msg(r, "paths.title")));
	json_object_set_new(c, "paths", paths_all(r));
	json_object_set_new(c, "can_manage", json_boolean(r->role >= ROLE_MANAGER));
	if (!form) {
		form = json_object();
		json_object_set_new(form, "roles", role_options(r, NULL));
	}
	json_object_set_new(c, "form", form);
	if (error)
		json_object_set_new(c, "error", json_string(error));
	return http_page(r, status, "paths", c);
}

int paths_page(struct req *r)
{
	if (r->api)
		return http_json(r, 200, json_pack("{s:o}", "paths", paths_all(r)));
	return paths_render(r, 200, NULL, NULL);
}

static int path_out_form(struct req *r, long long id, int status, const char *error,
			 json_t *form);
#define path_out(r, id, status) path_out_form(r, id, status, NULL, NULL)

int paths_create(struct req *r)
{
	struct path_in *in = xcalloc(1, sizeof(*in));
	const char *err = path_read(r, in);
	long long id;
	int status;

	if (err) {
		if (r->api) {
			status = input_error(r, err, in);
		} else {
			char *m = error_text(r, err, in);
			status = paths_render(r, 400, form_echo(r), m);
			free(m);
		}
		free(in);
		return status;
	}
	id = path_write(r, 0, in);
	free(in);
	if (id < 0)
		return http_error(r, 500, "error", "err.internal");
	{
		struct buf t = BUF_INIT;
		buf_int(&t, id);
		lifecycle_audit(r, "path.create", t.data, "");
		buf_free(&t);
	}
	if (r->api)
		return path_out(r, id, 201);
	{
		struct buf loc = BUF_INIT;
		buf_printf(&loc, "/paths/%lld", id);
		status = http_redirect(r, loc.data);
		buf_free(&loc);
	}
	return status;
}

/* People on the path with their progress (managers): [{id,username,name,
 * active,assigned_at,done,total,progress,next_title,overdue}]. */
static json_t *path_people(struct req *r, long long id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT u.id, u.username, u.display_name, u.active, s.assigned_at "
		"FROM assignments s JOIN users u ON u.id = s.user_id WHERE s.path_id = ?1 "
		"ORDER BY u.display_name COLLATE NOCASE");
	json_t *a = json_array(), *v;
	size_t i;

	if (!st)
		return a;
	db_bind_int(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:b, s:I}", "id",
			(json_int_t)sqlite3_column_int64(st, 0), "username", db_col_json(st, 1),
			"name", db_col_json(st, 2), "active", sqlite3_column_int(st, 3),
			"assigned_at", (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
	json_array_foreach(a, i, v) {
		int done, overdue = 0;
		long long uid = json_integer_value(json_object_get(v, "id"));
		json_t *items = items_for(r, id, uid, json_integer_value(json_object_get(v, "assigned_at")),
					  &done);
		size_t k;
		json_t *it;
		int total = (int)json_array_size(items);
		json_array_foreach(items, k, it) {
			if (json_is_true(json_object_get(it, "overdue")))
				overdue++;
			if (!json_object_get(v, "next_title") && !json_is_true(json_object_get(it, "is_done")))
				json_object_set(v, "next_title", json_object_get(it, "title"));
		}
		json_object_set_new(v, "done", json_integer(done));
		json_object_set_new(v, "total", json_integer(total));
		json_object_set_new(v, "percent", json_integer(view_percent(done, total)));
		json_object_set_new(v, "overdue", json_integer(overdue));
		json_object_set_new(v, "progress", progress(r, done, total));
		json_decref(items);
	}
	view_times(r, a, "assigned_at");
	return a;
}

/* GET /paths/{id} and /api/v1/paths/{id}, or the answer after a write;
 * for a form error (HTML), the message and the form as typed (taken). */
static int path_out_form(struct req *r, long long id, int status, const char *error,
			 json_t *form)
{
	json_t *p = path_get(r->db, id), *items, *c;
	int64_t since;
	int done;
	bool manager = r->role >= ROLE_MANAGER;

	if (!p || (json_is_true(json_object_get(p, "archived")) && !manager)) {
		json_decref(p);
		json_decref(form);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	since = assigned_at(r->db, id, r->uid);
	items = items_for(r, id, r->uid, since, &done);
	json_object_set_new(p, "assigned", json_boolean(since != 0));
	if (since) {
		int total = (int)json_array_size(items);
		json_object_set_new(p, "progress", json_pack("{s:i, s:i, s:i}", "done", done,
			"total", total, "percent", view_percent(done, total)));
	} else {
		json_object_set_new(p, "progress", json_null());
	}
	if (r->api) {
		/* The API's items are the same for everyone; "state" is the
		 * caller's own. */
		size_t i;
		json_t *v;
		json_array_foreach(items, i, v) {
			json_object_del(v, "kind_label");
			json_object_del(v, "is_procedure");
			json_object_del(v, "is_lesson");
		}
		json_object_set_new(p, "items", items);
		if (manager) {
			json_t *ppl = path_people(r, id);
			json_array_foreach(ppl, i, v) {
				json_object_del(v, "progress");
				json_object_del(v, "assigned_at_text");
				json_object_del(v, "assigned_at_ago");
			}
			json_object_set_new(p, "people", ppl);
		}
		return http_json(r, status, p);
	}
	c = json_object();
	json_object_set(c, "title", json_object_get(p, "title"));
	if (since)
		json_object_set_new(p, "bar", progress(r, done, (int)json_array_size(items)));
	view_days(r, items, "due_on");
	json_object_set_new(p, "items", items);
	json_object_set_new(c, "path", p);
	if (manager) {
		struct buf t = BUF_INIT;
		size_t i;
		json_t *v;
		const char *role = json_string_value(json_object_get(p, "auto_role"));
		json_object_set_new(c, "can_manage", json_true());
		json_object_set_new(c, "people", path_people(r, id));
		json_object_set_new(c, "everyone", people(r));
		/* The edit form: the items as the textarea wants them. */
		json_array_foreach(json_object_get(p, "items"), i, v) {
			buf_puts(&t, json_string_value(json_object_get(v, "slug")));
			if (json_is_integer(json_object_get(v, "due_days")))
				buf_printf(&t, " | %lld", (long long)json_integer_value(json_object_get(v, "due_days")));
			buf_putc(&t, '\n');
		}
		json_object_set_new(c, "form", form ? form : json_pack("{s:O, s:O, s:s, s:O, s:o}",
			"title", json_object_get(p, "title"), "description",
			json_object_get(p, "description"), "pages", t.data, "archived",
			json_object_get(p, "archived"), "roles", role_options(r, role)));
		form = NULL;
		buf_free(&t);
	}
	json_decref(form);
	if (error)
		json_object_set_new(c, "error", json_string(error));
	return http_page(r, status, "path", c);
}

int path_page(struct req *r)
{
	long long id = path_id_arg(r);

	if (!id)
		return http_error(r, 404, "not_found", "err.not_found");
	return path_out(r, id, 200);
}

int path_update(struct req *r)
{
	long long id = path_id_arg(r);
	struct path_in *in;
	const char *err;
	json_t *p = id ? path_get(r->db, id) : NULL;
	struct buf loc = BUF_INIT;
	int status;

	if (!p)
		return http_error(r, 404, "not_found", "err.not_found");
	json_decref(p);
	in = xcalloc(1, sizeof(*in));
	err = path_read(r, in);
	if (err) {
		if (r->api) {
			status = input_error(r, err, in);
		} else {
			char *m = error_text(r, err, in);
			status = path_out_form(r, id, 400, m, form_echo(r));
			free(m);
		}
		free(in);
		return status;
	}
	if (path_write(r, id, in) < 0) {
		free(in);
		return http_error(r, 500, "error", "err.internal");
	}
	free(in);
	buf_int(&loc, id);
	lifecycle_audit(r, "path.update", loc.data, "");
	if (r->api) {
		buf_free(&loc);
		return path_out(r, id, 200);
	}
	buf_reset(&loc);
	buf_printf(&loc, "/paths/%lld", id);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

/* Who to (un)assign: form "user" (id or username); API {"user": x} or
 * {"users": [x, ...]}. Fills ids; returns how many, or -1 when one is
 * unknown or inactive (nothing is written then). */
static int who(struct req *r, long long *ids, int max)
{
	int n = 0;

	if (r->api) {
		json_t *b = r->json, *one, *many, *v;
		size_t i;
		if (!json_is_object(b))
			return -1;
		one = json_object_get(b, "user");
		many = json_object_get(b, "users");
		if (one) {
			if (!json_is_string(one) && !json_is_integer(one))
				return -1;
			ids[n++] = json_is_integer(one) ? onboarding_user_id_int(r->db, json_integer_value(one))
							: onboarding_user_id(r->db, json_string_value(one));
		}
		if (many) {
			if (!json_is_array(many))
				return -1;
			json_array_foreach(many, i, v) {
				if (n == max || (!json_is_string(v) && !json_is_integer(v)))
					return -1;
				ids[n++] = json_is_integer(v) ? onboarding_user_id_int(r->db, json_integer_value(v))
							      : onboarding_user_id(r->db, json_string_value(v));
			}
		}
	} else {
		const char *u = http_form(r, "user");
		if (u)
			ids[n++] = onboarding_user_id(r->db, u);
	}
	for (int i = 0; i < n; i++)
		if (ids[i] <= 0)
			return -1;
	return n;
}

static int assign_common(struct req *r, bool add)
{
	long long id = path_id_arg(r), ids[256];
	json_t *p = id ? path_get(r->db, id) : NULL;
	int n, status;
	struct buf t = BUF_INIT;

	if (!p)
		return http_error(r, 404, "not_found", "err.not_found");
	json_decref(p);
	n = who(r, ids, 256);
	if (n <= 0)
		return http_error(r, 400, "unknown_user", "paths.err_user");
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	for (int i = 0; i < n; i++) {
		sqlite3_stmt *st = add
			? db_stmt(r->db, "INSERT OR IGNORE INTO assignments(path_id, user_id, "
					 "assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)")
			: db_stmt(r->db, "DELETE FROM assignments WHERE path_id = ?1 AND user_id = ?2");
		if (!st) {
			db_rollback(r->db);
			return http_error(r, 500, "error", "err.internal");
		}
		db_bind_int(st, 1, id);
		db_bind_int(st, 2, ids[i]);
		if (add) {
			db_bind_int(st, 3, r->uid);
			db_bind_int(st, 4, db_now());
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_reset(st);
			db_rollback(r->db);
			return http_error(r, 500, "error", "err.internal");
		}
		sqlite3_reset(st);
		buf_reset(&t);
		buf_printf(&t, "path %lld user %lld", id, ids[i]);
		lifecycle_audit(r, add ? "path.assign" : "path.unassign", t.data, "");
	}
	buf_free(&t);
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	if (r->api)
		return path_out(r, id, 200);
	buf_printf(&t, "/paths/%lld", id);
	status = http_redirect(r, t.data);
	buf_free(&t);
	return status;
}

int path_assign(struct req *r)
{
	return assign_common(r, true);
}

int path_unassign(struct req *r)
{
	return assign_common(r, false);
}
