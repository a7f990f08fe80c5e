/*
 * acks.c - read confirmations: the "Leído y entendido" box under a page,
 * POST /p/{slug}/ack and POST /api/v1/pages/{slug}/ack {rev}, the
 * managers' "requires confirmation" switch and the list of who confirmed
 * what (/p/{slug}/readers).
 *
 * The box is per reader, so it is never part of the cached article
 * (page_view.c): onboarding_tools appends it after the article. For most
 * readers it costs one indexed query and renders nothing.
 */
#include "acks.h"

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "diff.h"
#include "http.h"
#include "lifecycle.h"
#include "onboarding.h"
#include "pages.h"
#include "paths.h"
#include "role.h"
#include "template.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

/* The hunks from revision `from` to `to` of a page (3 lines of context). */
static json_t *hunks(struct db *db, long long page_id, int from, int to, int *added,
		     int *removed)
{
	char *a = pages_markdown(db, page_id, from), *b = pages_markdown(db, page_id, to);
	struct diff_lines la, lb;
	struct diff_op *ops = NULL;
	size_t nops = 0;
	json_t *h;

	if (!a || !b) {
		free(a);
		free(b);
		return json_array();
	}
	diff_lines_split(&la, a, strlen(a));
	diff_lines_split(&lb, b, strlen(b));
	diff_compute(&la, &lb, &ops, &nops);
	h = diff_hunks_json(&la, &lb, ops, nops, 3, added, removed);
	free(ops);
	diff_lines_free(&la);
	diff_lines_free(&lb);
	free(a);
	free(b);
	return h;
}

static void acks_render(struct req *r, const char *slug, struct buf *out)
{
	sqlite3_stmt *st;
	json_t *c = NULL, *a;
	long long page_id = 0;
	int cur = 0, ack_rev = 0, mine = 0;
	bool acked = false, in_path = false, requires = false, manager = r->role >= ROLE_MANAGER;
	long long confirmations = 0;
	int64_t at = 0;
	size_t mark = out->len;

	if (!r->uid)
		return;
	st = db_stmt(r->db,
		"SELECT p.id, p.current_rev, p.ack_rev, p.requires_ack, a.rev, a.at, "
		"EXISTS (SELECT 1 FROM path_items i JOIN assignments s ON s.path_id = i.path_id "
		"  AND s.user_id = ?2 JOIN paths pa ON pa.id = i.path_id AND pa.archived = 0 "
		"  WHERE i.page_id = p.id), "
		"CASE WHEN ?3 THEN (SELECT count(*) FROM acks c JOIN users u ON u.id = c.user_id "
		"  AND u.active = 1 WHERE c.page_id = p.id AND c.rev >= p.ack_rev) END "
		"FROM pages p LEFT JOIN acks a ON a.user_id = ?2 AND a.page_id = p.id "
		"WHERE p.slug = ?1 AND p.status = 'published'");
	if (!st)
		return;
	db_bind_text(st, 1, slug);
	db_bind_int(st, 2, r->uid);
	db_bind_int(st, 3, manager);
	if (sqlite3_step(st) == SQLITE_ROW) {
		page_id = sqlite3_column_int64(st, 0);
		cur = sqlite3_column_int(st, 1);
		ack_rev = sqlite3_column_int(st, 2);
		requires = sqlite3_column_int(st, 3) != 0;
		acked = sqlite3_column_type(st, 4) != SQLITE_NULL;
		mine = sqlite3_column_int(st, 4);
		at = sqlite3_column_int64(st, 5);
		in_path = sqlite3_column_int(st, 6) != 0;
		confirmations = sqlite3_column_int64(st, 7);
	}
	sqlite3_reset(st);
	if (!page_id || (!acked && !in_path && !requires && !manager))
		return;

	c = json_object();
	a = json_object();
	json_object_set_new(a, "slug", json_string(slug));
	json_object_set_new(a, "rev", json_integer(cur));
	json_object_set_new(a, "ack_rev", json_integer(ack_rev));
	json_object_set_new(a, "asks", json_boolean(acked || in_path || requires));
	json_object_set_new(a, "requires_ack", json_boolean(requires));
	json_object_set_new(a, "in_path", json_boolean(in_path));
	if (acked) {
		json_object_set_new(a, "confirmed_rev", json_integer(mine));
		json_object_set_new(a, "confirmed_at", json_integer(at));
		view_time(r, a, "confirmed_at");
	}
	if (acked && mine >= ack_rev) {
		json_object_set_new(a, "is_confirmed", json_true());
	} else if (acked) {
		/* Changed since: show exactly what, from their revision. */
		int added = 0, removed = 0;
		json_object_set_new(a, "is_changed", json_true());
		json_object_set_new(a, "hunks", hunks(r->db, page_id, mine, cur, &added, &removed));
		json_object_set_new(a, "added", json_integer(added));
		json_object_set_new(a, "removed", json_integer(removed));
	} else {
		json_object_set_new(a, "is_new", json_boolean(in_path || requires));
	}
	if (in_path) {
		json_t *pc = paths_context(r, r->uid, page_id);
		if (pc)
			json_object_set_new(a, "path", pc);
	}
	if (manager) {
		json_object_set_new(a, "can_manage", json_true());
		json_object_set_new(a, "confirmations", json_integer(confirmations));
	}
	json_object_set_new(c, "ack", a);
	json_object_set_new(c, "csrf", json_string(r->csrf ? r->csrf : ""));
	if (tmpl_render(g_server->tmpl, "page_ack", c, g_server->msgs, r->lang, out) < 0)
		buf_truncate(out, mark);
	json_decref(c);
}

/* The box is the same for one session on one page until anything is
 * written (every write bumps the cache generation), so it is kept in the
 * thread's fragment cache: a page view then costs no query for it. The
 * key carries the session's CSRF token, which the box contains. */
void acks_tools(struct req *r, const char *slug, struct buf *out)
{
	struct buf key = BUF_INIT;
	struct cache_hit hit;
	uint64_t gen = cache_generation();
	int64_t now = db_now();
	size_t mark = out->len;

	if (!r->uid)
		return;
	buf_puts(&key, "ack|");
	buf_puts(&key, r->csrf ? r->csrf : "token");
	buf_putc(&key, '|');
	buf_int(&key, r->uid);
	buf_putc(&key, '|');
	buf_puts(&key, slug);
	buf_putc(&key, '|');
	buf_puts(&key, r->lang);
	if (cache_get(http_cache(r), key.data, now, &hit)) {
		buf_append(out, hit.body, hit.blen);
	} else {
		acks_render(r, slug, out);
		cache_put(http_cache(r), key.data, gen, now, "", 0, out->data + mark,
			  out->len - mark);
	}
	buf_free(&key);
}

/* ---- confirming ---- */

struct page_row {
	long long id;
	int cur, ack_rev;
	bool visible, published;
};

static bool page_row(struct req *r, const char *slug, struct page_row *p)
{
	sqlite3_stmt *st;
	bool found = false;

	memset(p, 0, sizeof(*p));
	if (!slug || !text_slug_valid(slug, SLUG_MAX))
		return false;
	st = db_stmt(r->db, "SELECT id, current_rev, ack_rev, status, created_by FROM pages "
			    "WHERE slug = ?1");
	if (!st)
		return false;
	db_bind_text(st, 1, slug);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *status = db_col_text(st, 3);
		found = true;
		p->id = sqlite3_column_int64(st, 0);
		p->cur = sqlite3_column_int(st, 1);
		p->ack_rev = sqlite3_column_int(st, 2);
		p->published = strcmp(status, "published") == 0;
		p->visible = pages_visible(r->role, r->uid, status, sqlite3_column_int64(st, 4));
	}
	sqlite3_reset(st);
	return found && p->visible;
}

int acks_confirm(struct req *r)
{
	const char *slug = http_arg(r, 0);
	struct page_row p;
	long long rev;
	sqlite3_stmt *st;
	struct buf loc = BUF_INIT;
	int status;

	if (!page_row(r, slug, &p))
		return http_error(r, 404, "not_found", "err.not_found");
	if (r->api) {
		json_t *v = json_is_object(r->json) ? json_object_get(r->json, "rev") : NULL;
		if (!json_is_integer(v))
			return http_error(r, 400, "bad_revision", "acks.err_rev");
		rev = json_integer_value(v);
	} else {
		const char *v = http_form(r, "rev");
		rev = v ? http_int(r, "rev", 1, 1000000000, -1) : p.cur;
	}
	if (rev < 1 || rev > p.cur)
		return http_error(r, 400, "bad_revision", "acks.err_rev");
	if (!p.published)
		return http_error(r, 400, "not_published", "acks.err_published");
	st = db_stmt(r->db, "INSERT INTO acks(user_id, page_id, rev, at) VALUES (?1, ?2, ?3, ?4) "
			    "ON CONFLICT(user_id, page_id) DO UPDATE SET "
			    "rev = max(rev, excluded.rev), at = excluded.at");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_int(st, 1, r->uid);
	db_bind_int(st, 2, p.id);
	db_bind_int(st, 3, rev);
	db_bind_int(st, 4, db_now());
	status = sqlite3_step(st);
	sqlite3_reset(st);
	if (status != SQLITE_DONE)
		return http_error(r, 500, "error", "err.internal");
	if (r->api) {
		int have = rev;
		st = db_stmt(r->db, "SELECT rev FROM acks WHERE user_id = ?1 AND page_id = ?2");
		if (st) {
			db_bind_int(st, 1, r->uid);
			db_bind_int(st, 2, p.id);
			if (sqlite3_step(st) == SQLITE_ROW)
				have = sqlite3_column_int(st, 0);
			sqlite3_reset(st);
		}
		return http_json(r, 200, json_pack("{s:s, s:i, s:i, s:i, s:b}", "slug", slug,
			"rev", have, "current_rev", p.cur, "ack_rev", p.ack_rev,
			"confirmed", have >= p.ack_rev));
	}
	buf_printf(&loc, "/p/%s#_ack", slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

int acks_require(struct req *r)
{
	const char *slug = http_arg(r, 0);
	struct page_row p;
	bool on;
	sqlite3_stmt *st;
	struct buf loc = BUF_INIT;
	int status;

	if (!page_row(r, slug, &p))
		return http_error(r, 404, "not_found", "err.not_found");
	if (r->api) {
		json_t *v = json_is_object(r->json) ? json_object_get(r->json, "requires_ack") : NULL;
		if (!json_is_boolean(v))
			return http_error(r, 400, "bad_request", "err.json");
		on = json_is_true(v);
	} else {
		const char *v = http_form(r, "requires_ack");
		if (!v || (strcmp(v, "1") != 0 && strcmp(v, "0") != 0))
			return http_error(r, 400, "bad_request", "err.bad_request");
		on = v[0] == '1';
	}
	st = db_stmt(r->db, "UPDATE pages SET requires_ack = ?2 WHERE id = ?1");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_int(st, 1, p.id);
	db_bind_int(st, 2, on);
	status = sqlite3_step(st);
	sqlite3_reset(st);
	if (status != SQLITE_DONE)
		return http_error(r, 500, "error", "err.internal");
	lifecycle_audit(r, on ? "page.requires_ack" : "page.requires_ack_off", slug, "");
	if (r->api)
		return http_json(r, 200, json_pack("{s:s, s:b}", "slug", slug, "requires_ack", on));
	buf_printf(&loc, "/p/%s#_ack", slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

/* People with a confirmation of the page, current (rev >= ack_rev) or
 * not: [{name,username,rev,at,active}]. */
static json_t *readers(struct req *r, long long page_id, bool current)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT u.display_name, u.username, a.rev, a.at, u.active FROM acks a "
		"JOIN users u ON u.id = a.user_id JOIN pages p ON p.id = a.page_id "
		"WHERE a.page_id = ?1 AND (a.rev >= p.ack_rev) = ?2 "
		"ORDER BY u.active DESC, u.display_name COLLATE NOCASE");
	json_t *arr = json_array();

	if (!st)
		return arr;
	db_bind_int(st, 1, page_id);
	db_bind_int(st, 2, current);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:i, s:I, s:b}",
			"name", db_col_json(st, 0), "username", db_col_json(st, 1),
			"rev", sqlite3_column_int(st, 2), "at", (json_int_t)sqlite3_column_int64(st, 3),
			"active", sqlite3_column_int(st, 4)));
	sqlite3_reset(st);
	view_times(r, arr, "at");
	return arr;
}

/* Active people whose path holds the page and who never confirmed it. */
static json_t *waiting(struct req *r, long long page_id)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT DISTINCT u.display_name, u.username FROM path_items i "
		"JOIN assignments s ON s.path_id = i.path_id JOIN users u ON u.id = s.user_id "
		"JOIN paths pa ON pa.id = i.path_id AND pa.archived = 0 "
		"WHERE i.page_id = ?1 AND u.active = 1 AND NOT EXISTS "
		"(SELECT 1 FROM acks a WHERE a.user_id = u.id AND a.page_id = ?1) "
		"ORDER BY u.display_name COLLATE NOCASE");
	json_t *arr = json_array();

	if (!st)
		return arr;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o}", "name", db_col_json(st, 0),
						     "username", db_col_json(st, 1)));
	sqlite3_reset(st);
	return arr;
}

int acks_readers(struct req *r)
{
	const char *slug = http_arg(r, 0);
	json_t *p = text_slug_valid(slug, SLUG_MAX) ? pages_get(r->db, slug, 0) : NULL, *c;
	long long id;

	if (!p || !view_can_see(r, p)) {
		json_decref(p);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	id = json_integer_value(json_object_get(p, "id"));
	/* Only what the list needs: not the text. */
	json_object_del(p, "html");
	json_object_del(p, "markdown");
	json_object_del(p, "toc");
	c = json_object();
	json_object_set(c, "title", json_object_get(p, "title"));
	json_object_set_new(c, "current", readers(r, id, true));
	json_object_set_new(c, "older", readers(r, id, false));
	json_object_set_new(c, "waiting", waiting(r, id));
	json_object_set_new(c, "page", p);
	if (r->api) {
		json_t *j = json_pack("{s:s, s:I, s:O, s:O, s:O}", "slug", slug,
			"ack_rev", json_integer_value(json_object_get(p, "ack_rev")),
			"current", json_object_get(c, "current"), "older",
			json_object_get(c, "older"), "waiting", json_object_get(c, "waiting"));
		json_decref(c);
		return http_json(r, 200, j);
	}
	return http_page(r, 200, "page_readers", c);
}

json_t *acks_pending(struct req *r, long long uid)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, a.rev, p.current_rev, p.ack_rev FROM acks a "
		"JOIN pages p ON p.id = a.page_id WHERE a.user_id = ?1 AND a.rev < p.ack_rev "
		"AND p.status = 'published' ORDER BY p.updated_at DESC LIMIT 100");
	json_t *arr = json_array();

	if (!st)
		return arr;
	db_bind_int(st, 1, uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o, s:i, s:i, s:i}",
			"slug", db_col_json(st, 0), "title", db_col_json(st, 1),
			"rev", sqlite3_column_int(st, 2), "current_rev", sqlite3_column_int(st, 3),
			"ack_rev", sqlite3_column_int(st, 4)));
	sqlite3_reset(st);
	return arr;
}

json_t *acks_required(struct req *r, long long uid)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title FROM pages p WHERE p.requires_ack = 1 "
		"AND p.status = 'published' AND NOT EXISTS "
		"(SELECT 1 FROM acks a WHERE a.user_id = ?1 AND a.page_id = p.id) "
		"ORDER BY p.title COLLATE NOCASE LIMIT 100");
	json_t *arr = json_array();

	if (!st)
		return arr;
	db_bind_int(st, 1, uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:o, s:o}", "slug", db_col_json(st, 0),
						     "title", db_col_json(st, 1)));
	sqlite3_reset(st);
	return arr;
}
