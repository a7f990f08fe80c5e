/*
 * owners.c - who answers for a page and how often it is checked: the
 * owner, the backup owner and the review interval (managers set them),
 * and "still correct" (the owner, the backup owner or a manager stamps
 * verified_at/verified_by without a new revision; audited).
 *   POST /p/{slug}/verify, POST /api/v1/pages/{slug}/verify
 *   GET|POST /p/{slug}/settings, POST /api/v1/pages/{slug}/settings
 *        {owner: "username"|null, backup_owner: ..., review_days: 1..3650}
 * A page is overdue when (verified_at, or created_at if never verified) +
 * review_days * 86400 is before now (lifecycle_view.c, inbox.c).
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

/* POST /p/{slug}/verify, /api/v1/pages/{slug}/verify */
int owners_verify(struct req *r)
{
	struct lc_page p;
	sqlite3_stmt *st;
	int64_t now = db_now();
	int changed;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (!lifecycle_is_owner(r, &p) && r->role < ROLE_MANAGER)
		return http_error(r, 403, "forbidden", "err.forbidden");
	if (strcmp(p.kind, "lesson") == 0)
		return http_error(r, 400, "bad_request", "err.verify_lesson");
	if (strcmp(p.status, "published") != 0)
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	st = db_stmt(r->db, "UPDATE pages SET verified_at = ?2, verified_by = ?3 "
			    "WHERE id = ?1 AND status = 'published'");
	if (!st) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	db_bind_int(st, 1, p.id);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, r->uid);
	changed = db_step_changes(r->db, st);
	if (changed < 0) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	if (changed != 1) {
		db_rollback(r->db);
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	}
	lifecycle_event(r, p.id, "verify", NULL, NULL, NULL, p.current_rev);
	lifecycle_audit(r, "page.verify", p.slug, "");
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, json_pack("{s:s, s:I, s:{s:I, s:s}, s:I, s:i}",
		"slug", p.slug, "verified_at", (json_int_t)now, "verified_by", "id", (json_int_t)r->uid,
		"name", r->display_name ? r->display_name : "", "due_at",
		(json_int_t)(now + (int64_t)p.review_days * 86400), "review_days", p.review_days),
		NULL, p.slug);
}

/* Active users to choose owners from: [{username, name, is_owner, is_backup}]. */
static json_t *people(struct req *r, const struct lc_page *p)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT id, username, display_name FROM users WHERE active = 1 OR id IN (?1, ?2) "
		"ORDER BY display_name COLLATE NOCASE, username");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, p->owner_id);
	db_bind_int(st, 2, p->backup_owner_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		json_array_append_new(a, json_pack("{s:o, s:o, s:b, s:b}",
			"username", db_col_json(st, 1), "name", db_col_json(st, 2),
			"is_owner", id == p->owner_id, "is_backup", id == p->backup_owner_id));
	}
	sqlite3_reset(st);
	return a;
}

static int settings_page(struct req *r, int status, const struct lc_page *p, const char *error)
{
	json_t *c = json_object(), *page;

	page = json_pack("{s:s, s:s, s:i, s:s}", "slug", p->slug, "title", p->title,
			 "review_days", p->review_days, "kind", p->kind);
	view_labels(r, page);
	json_object_set_new(c, "title", json_string(http_msg(r, "settings.title")));
	json_object_set_new(c, "page", page);
	json_object_set_new(c, "people", people(r, p));
	if (error)
		json_object_set_new(c, "error", json_string(http_msg(r, error)));
	return http_page(r, status, "page_settings", c);
}

/* GET /p/{slug}/settings */
int owners_form(struct req *r)
{
	struct lc_page p;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	return settings_page(r, 200, &p, NULL);
}

/* A username -> active user id: 0 for "nobody" ("" or null), -1 unknown. */
static long long user_id(struct req *r, const char *name)
{
	sqlite3_stmt *st;
	long long id = -1;

	if (!name || !*name)
		return 0;
	st = db_stmt(r->db, "SELECT id FROM users WHERE username = ?1 AND active = 1");
	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* One owner field: absent keeps *id; returns false on a bad value. */
static bool owner_arg(struct req *r, const char *field, long long *id)
{
	const char *name = NULL;

	if (json_is_object(r->json)) {
		json_t *v = json_object_get(r->json, field);
		if (!v)
			return true;
		if (json_is_null(v)) {
			*id = 0;
			return true;
		}
		if (!json_is_string(v))
			return false;
		name = json_string_value(v);
	} else {
		name = http_form(r, field);
		if (!name)
			return true;
	}
	*id = user_id(r, name);
	return *id >= 0;
}

/* POST /p/{slug}/settings, /api/v1/pages/{slug}/settings */
int owners_save(struct req *r)
{
	struct lc_page p;
	long long owner, backup;
	long long days;
	sqlite3_stmt *st;
	struct buf d = BUF_INIT;
	json_t *jd = json_object_get(r->json, "review_days");
	const char *fd = http_form(r, "review_days");

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	/* A JSON body that is not an object would read as an empty form: a
	 * save of nothing, recorded in the page's history. */
	if (r->json && !json_is_object(r->json))
		return http_error(r, 400, "bad_request", "err.json");
	owner = p.owner_id;
	backup = p.backup_owner_id;
	days = p.review_days;
	if (!owner_arg(r, "owner", &owner) || !owner_arg(r, "backup_owner", &backup))
		return r->api ? http_error(r, 400, "bad_request", "err.owner")
			      : settings_page(r, 400, &p, "err.owner");
	if (json_is_object(r->json) && jd) {
		if (!json_is_integer(jd) || json_integer_value(jd) < 1 || json_integer_value(jd) > 3650)
			return http_error(r, 400, "bad_request", "err.review_days");
		days = json_integer_value(jd);
	} else if (!json_is_object(r->json) && fd) {
		days = http_int(r, "review_days", 1, 3650, -1);
		if (days < 0)
			return settings_page(r, 400, &p, "err.review_days");
	}
	if (owner && owner == backup)
		return r->api ? http_error(r, 400, "bad_request", "err.same_owner")
			      : settings_page(r, 400, &p, "err.same_owner");
	/* The same values again: nothing to write, and nothing for the
	 * page's history to say. */
	if (owner == p.owner_id && backup == p.backup_owner_id && days == p.review_days)
		goto done;
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	st = db_stmt(r->db, "UPDATE pages SET owner_id = ?2, backup_owner_id = ?3, review_days = ?4 "
			    "WHERE id = ?1");
	if (!st) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	db_bind_int(st, 1, p.id);
	if (owner)
		db_bind_int(st, 2, owner);
	if (backup)
		db_bind_int(st, 3, backup);
	db_bind_int(st, 4, days);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	sqlite3_reset(st);
	buf_printf(&d, "owner=%lld backup=%lld review_days=%lld", owner, backup, days);
	/* The page shows the new values; the history says that they changed. */
	lifecycle_event(r, p.id, "settings", NULL, NULL, NULL, 0);
	lifecycle_audit(r, "page.settings", p.slug, d.data);
	buf_free(&d);
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
done:
	if (r->api) {
		json_t *pg = pages_get(r->db, p.slug, 0);
		json_t *j = json_pack("{s:s, s:O, s:O, s:I}", "slug", p.slug,
			"owner", json_object_get(pg, "owner"),
			"backup_owner", json_object_get(pg, "backup_owner"), "review_days", (json_int_t)days);
		json_decref(pg);
		return http_json(r, 200, j);
	}
	return lifecycle_done(r, 200, NULL, NULL, p.slug);
}
