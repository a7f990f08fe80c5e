/*
 * onboarding.c - the hooks issue 7 adds to other modules' code paths:
 * the per-reader part of a page view, the "my paths" part of /me, the
 * path to go on with on the home page, and automatic path assignment for
 * new users. Each is one call from its host (page_view.c, me.c, auth.c)
 * so the hosts stay unaware of paths.
 */
#include "onboarding.h"

#include "acks.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "paths.h"
#include "role.h"
#include "svg.h"
#include "view.h"
#include "views.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void onboarding_tools(struct req *r, const char *slug, struct buf *out)
{
	views_count(slug);
	acks_tools(r, slug, out);
}

void onboarding_me(struct req *r, json_t *ctx)
{
	json_t *mine = paths_mine(r, r->uid);
	json_t *pending = acks_pending(r, r->uid);
	json_t *required = acks_required(r, r->uid);
	bool reading = json_array_size(pending) > 0 || json_array_size(required) > 0;
	size_t i;
	json_t *p;

	/* Whether any reading waits (a path's next page, a confirmation):
	 * the inbox then says so instead of "nothing pending". */
	json_array_foreach(mine, i, p)
		reading |= json_is_object(json_object_get(p, "next"));
	json_object_set_new(ctx, "reading_pending", json_boolean(reading));
	json_object_set_new(ctx, "has_reconfirm", json_boolean(json_array_size(pending) > 0));
	json_object_set_new(ctx, "has_to_confirm", json_boolean(json_array_size(required) > 0));
	json_object_set_new(ctx, "my_paths", mine);
	json_object_set_new(ctx, "reconfirm", pending);
	json_object_set_new(ctx, "to_confirm", required);
	json_object_set_new(ctx, "can_report", json_boolean(r->role >= ROLE_MANAGER));
}

/* The first due date among p's items not done ("YYYY-MM-DD" sorts as
 * the date), or NULL when none of them has one. */
static const char *first_due(json_t *p)
{
	const char *first = NULL, *d;
	size_t i;
	json_t *it;

	json_array_foreach(json_object_get(p, "items"), i, it) {
		if (json_is_true(json_object_get(it, "is_done")))
			continue;
		d = json_string_value(json_object_get(it, "due_on"));
		if (d && (!first || strcmp(d, first) < 0))
			first = d;
	}
	return first;
}

/* Whether path a is more pressing than b: a due date before b's (one
 * with a date before one without), else less of it done. */
static bool sooner(json_t *a, json_t *b)
{
	const char *da = first_due(a), *db = first_due(b);
	long long na = json_integer_value(json_object_get(a, "done")),
		  ta = json_integer_value(json_object_get(a, "total")),
		  nb = json_integer_value(json_object_get(b, "done")),
		  tb = json_integer_value(json_object_get(b, "total"));

	if (da || db)
		return da && (!db || strcmp(da, db) < 0);
	return na * tb < nb * ta;
}

/* Of uid's paths not finished (paths_mine), the one with the first due
 * date among its pages not done, else the one least done (title order
 * breaks ties), without its items and description, plus more: how many
 * others are not finished; {} when uid has none to finish. */
static json_t *pick_path(struct req *r, long long uid)
{
	json_t *mine = paths_mine(r, uid), *best = NULL, *out = json_object(), *p;
	size_t i;
	long long open = 0;

	json_array_foreach(mine, i, p) {
		if (!json_is_object(json_object_get(p, "next")))
			continue;
		open++;
		if (!best || sooner(p, best))
			best = p;
	}
	if (best) {
		json_object_update(out, best);
		json_object_del(out, "items");
		json_object_del(out, "description");
		json_object_set_new(out, "more", json_integer(open - 1));
	}
	json_decref(mine);
	return out;
}

/* The home page's path (pick_path) with its words in r's language:
 * read_text "3 de 8 leídas", more_text for the others on /me. */
static json_t *home_path(struct req *r)
{
	static const char *const keys[] = {"done", "total"};
	json_t *p = pick_path(r, r->uid);
	long long vals[2], more;
	struct buf t = BUF_INIT;

	if (!json_object_size(p))
		return p;
	vals[0] = json_integer_value(json_object_get(p, "done"));
	vals[1] = json_integer_value(json_object_get(p, "total"));
	svg_format(&t, http_msg(r, "home.path_read"), 2, keys, vals);
	json_object_set_new(p, "read_text", json_string(t.data));
	more = json_integer_value(json_object_get(p, "more"));
	if (more > 0) {
		buf_reset(&t);
		view_count(&t, http_msg(r, more == 1 ? "home.path_more_one" : "home.path_more"), more);
		json_object_set_new(p, "more_text", json_string(t.data));
	}
	buf_free(&t);
	return p;
}

void onboarding_home(struct req *r, json_t *ctx)
{
	struct buf key = BUF_INIT;
	json_t *p;

	if (!r->uid)
		return;
	/* Per person and language; every write bumps the cache generation,
	 * a read confirmation too, so the block moves on at the next view. */
	buf_printf(&key, "home_path\x1f%lld\x1f%s", r->uid, r->lang);
	p = view_cached(r, key.data, home_path);
	buf_free(&key);
	if (json_object_size(p))
		json_object_set_new(ctx, "my_path", p);
	else
		json_decref(p);
}

int onboarding_auto_assign(struct db *db, long long uid, int role)
{
	return paths_auto_assign(db, uid, role_name(role), db_now());
}

long long onboarding_user_id_int(struct db *db, long long id)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM users WHERE id = ?1 AND active = 1");
	long long found = 0;

	if (!st)
		return 0;
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return found;
}

long long onboarding_user_id(struct db *db, const char *who)
{
	sqlite3_stmt *st;
	long long found = 0;
	char *end;

	if (!who || !*who || strlen(who) > 40)
		return 0;
	if (who[0] >= '0' && who[0] <= '9') {
		long long id;
		errno = 0;
		id = strtoll(who, &end, 10);
		if (!errno && !*end)
			return onboarding_user_id_int(db, id);
	}
	st = db_stmt(db, "SELECT id FROM users WHERE username = ?1 AND active = 1");
	if (!st)
		return 0;
	db_bind_text(st, 1, who);
	if (sqlite3_step(st) == SQLITE_ROW)
		found = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return found;
}
