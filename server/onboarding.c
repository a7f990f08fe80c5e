/*
 * onboarding.c - the hooks issue 7 adds to other modules' code paths:
 * the per-reader part of a page view, the "my paths" part of /me, and
 * automatic path assignment for new users. Each is one call from its
 * host (page_view.c, me.c, auth.c) so the hosts stay unaware of paths.
 */
#include "onboarding.h"

#include "acks.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "paths.h"
#include "role.h"
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
