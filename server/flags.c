/*
 * flags.c - "this page is outdated / wrong / unclear": anyone who can
 * read a published page flags it with a comment; the flag stays open
 * until the page's owner (or backup owner, or an editor) resolves it with
 * an answer, or an edit resolves every open flag at once (lifecycle.c).
 *   POST /p/{slug}/flag, POST /api/v1/pages/{slug}/flags {reason, comment}
 *   GET  /api/v1/pages/{slug}/flags?status=open|resolved|all
 *   POST /flags/{id}/resolve, POST /api/v1/flags/{id}/resolve {comment}
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

static bool reason_ok(const char *s)
{
	return s && (strcmp(s, "outdated") == 0 || strcmp(s, "wrong") == 0 ||
		     strcmp(s, "unclear") == 0 || strcmp(s, "other") == 0);
}

/* POST /p/{slug}/flag, /api/v1/pages/{slug}/flags */
int flags_create(struct req *r)
{
	struct lc_page p;
	bool bad = false;
	const char *reason = lifecycle_arg(r, "reason", &bad);
	const char *comment = lifecycle_arg(r, "comment", &bad);
	sqlite3_stmt *st;
	long long id;
	int rc;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (bad)
		return http_error(r, 400, "bad_request", "err.json");
	if (!reason_ok(reason))
		return http_error(r, 400, "bad_request", "err.flag_reason");
	if (!comment || !*comment)
		return http_error(r, 400, "bad_request", "err.comment_required");
	if (!lifecycle_text_ok(comment, LC_TEXT_MAX, true))
		return http_error(r, 400, "bad_request", "err.comment_text");
	if (strcmp(p.status, "published") != 0)
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	st = db_stmt(r->db, "INSERT INTO flags(page_id, user_id, reason, comment, rev, created_at) "
			    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (!st) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	db_bind_int(st, 1, p.id);
	db_bind_int(st, 2, r->uid);
	db_bind_text(st, 3, reason);
	db_bind_text(st, 4, comment);
	db_bind_int(st, 5, p.current_rev);
	db_bind_int(st, 6, db_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	id = sqlite3_last_insert_rowid(db_handle(r->db));
	if (rc != SQLITE_DONE) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	lifecycle_event(r, p.id, "flag", NULL, NULL, comment, p.current_rev);
	lifecycle_auditf(r, "flag.create", p.slug, "flag=%lld reason=%s", id, reason);
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	if (r->api)
		return http_json(r, 201, json_pack("{s:I, s:s, s:s, s:s, s:i, s:s}", "id", (json_int_t)id,
			"slug", p.slug, "reason", reason, "comment", comment, "rev", p.current_rev,
			"status", "open"));
	return lifecycle_done(r, 200, NULL, NULL, p.slug);
}

/* GET /api/v1/pages/{slug}/flags */
int flags_api_list(struct req *r)
{
	struct lc_page p;
	const char *which = http_query(r, "status");
	int mode = !which || strcmp(which, "open") == 0 ? 0 : strcmp(which, "resolved") == 0 ? 1 :
		   strcmp(which, "all") == 0 ? 2 : -1;
	sqlite3_stmt *st;
	json_t *a = json_array();

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0) {
		json_decref(a);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	if (mode < 0) {
		json_decref(a);
		return http_error(r, 400, "bad_request", "err.bad_request");
	}
	st = db_stmt(r->db,
		"SELECT f.id, f.reason, f.comment, f.rev, f.created_at, u.display_name, "
		"f.resolved_at, v.display_name, f.resolution FROM flags f "
		"LEFT JOIN users u ON u.id = f.user_id LEFT JOIN users v ON v.id = f.resolved_by "
		"WHERE f.page_id = ?1 AND (?2 = 2 OR (?2 = 0) = (f.resolved_at IS NULL)) ORDER BY f.id");
	if (st) {
		db_bind_int(st, 1, p.id);
		db_bind_int(st, 2, mode);
		while (sqlite3_step(st) == SQLITE_ROW) {
			bool open = sqlite3_column_type(st, 6) == SQLITE_NULL;
			json_t *o = json_pack("{s:I, s:o, s:o, s:i, s:I, s:o, s:s}",
				"id", (json_int_t)sqlite3_column_int64(st, 0), "reason", db_col_json(st, 1),
				"comment", db_col_json(st, 2), "rev", sqlite3_column_int(st, 3),
				"created_at", (json_int_t)sqlite3_column_int64(st, 4),
				"by", db_col_json(st, 5), "status", open ? "open" : "resolved");
			if (!open) {
				json_object_set_new(o, "resolved_at", json_integer(sqlite3_column_int64(st, 6)));
				json_object_set_new(o, "resolved_by", db_col_json(st, 7));
				json_object_set_new(o, "resolution", db_col_json(st, 8));
			}
			json_array_append_new(a, o);
		}
		sqlite3_reset(st);
	}
	return http_json(r, 200, json_pack("{s:s, s:o}", "slug", p.slug, "flags", a));
}

/* POST /flags/{id}/resolve, /api/v1/flags/{id}/resolve {comment} */
int flags_resolve(struct req *r)
{
	const char *ids = http_arg(r, 0);
	bool bad = false;
	const char *comment = lifecycle_arg(r, "comment", &bad);
	char *end, slug[SLUG_MAX + 1] = "";
	long long id = ids ? strtoll(ids, &end, 10) : 0;
	sqlite3_stmt *st;
	struct lc_page p;
	bool open = false;
	int changed;

	if (!ids || *end || id < 1)
		return http_error(r, 404, "not_found", "err.not_found");
	st = db_stmt(r->db, "SELECT p.slug, f.resolved_at IS NULL FROM flags f "
			    "JOIN pages p ON p.id = f.page_id WHERE f.id = ?1");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(slug, sizeof(slug), "%s", db_col_text(st, 0));
		open = sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	if (!*slug || lifecycle_page(r, slug, &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (!lifecycle_is_owner(r, &p) && r->role < ROLE_EDITOR)
		return http_error(r, 403, "forbidden", "err.forbidden");
	if (bad)
		return http_error(r, 400, "bad_request", "err.json");
	if (!comment || !*comment)
		return http_error(r, 400, "bad_request", "err.comment_required");
	if (!lifecycle_text_ok(comment, LC_TEXT_MAX, true))
		return http_error(r, 400, "bad_request", "err.comment_text");
	if (!open)
		return http_error(r, 409, "already_resolved", "err.already_resolved");
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	st = db_stmt(r->db, "UPDATE flags SET resolved_by = ?2, resolved_at = ?3, resolution = ?4 "
			    "WHERE id = ?1 AND resolved_at IS NULL");
	if (!st) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, r->uid);
	db_bind_int(st, 3, db_now());
	db_bind_text(st, 4, comment);
	changed = db_step_changes(r->db, st);
	if (changed < 0) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	if (changed != 1) {
		db_rollback(r->db);
		return http_error(r, 409, "already_resolved", "err.already_resolved");
	}
	lifecycle_event(r, p.id, "resolve", NULL, NULL, comment, p.current_rev);
	lifecycle_auditf(r, "flag.resolve", p.slug, "flag=%lld", id);
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id,
						"slug", p.slug, "status", "resolved",
						"resolution", comment),
			      http_form(r, "back"), p.slug);
}
