/*
 * challenges.c - lessons that challenge a procedure. A published lesson
 * that bent a rule opens a challenge on the procedure it names
 * (lifecycle_challenge_sync); it stays open until a manager updates the
 * procedure from it (the editor opened with ?lesson=ID; lifecycle.c marks
 * it "updated" with the revision) or dismisses it with a reason.
 *   GET  /api/v1/pages/{slug}/challenges?status=open|all
 *   POST /challenges/{id}/dismiss, POST /api/v1/challenges/{id}/dismiss {reason}
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "routes.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* GET /api/v1/pages/{slug}/challenges */
int challenges_api_list(struct req *r)
{
	struct lc_page p;
	const char *which = http_query(r, "status");
	sqlite3_stmt *st;
	json_t *a;
	json_int_t open = 0;
	bool all;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (which && strcmp(which, "open") != 0 && strcmp(which, "all") != 0)
		return http_error(r, 400, "bad_request", "err.bad_request");
	all = which && strcmp(which, "all") == 0;
	st = db_stmt(r->db,
		"SELECT c.id, l.slug, l.title, ls.rule, c.created_at, c.status, u.display_name, "
		"c.decided_at, c.reason, c.rev FROM challenges c JOIN pages l ON l.id = c.lesson_id "
		"LEFT JOIN lessons ls ON ls.page_id = l.id LEFT JOIN users u ON u.id = c.decided_by "
		"WHERE c.procedure_id = ?1 AND (?2 OR c.status = 'open') ORDER BY c.id");
	a = json_array();
	if (st) {
		db_bind_int(st, 1, p.id);
		db_bind_int(st, 2, all);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *o;
			open += strcmp(db_col_text(st, 5), "open") == 0;
			o = json_pack("{s:I, s:{s:o, s:o}, s:o, s:I, s:o}",
				"id", (json_int_t)sqlite3_column_int64(st, 0),
				"lesson", "slug", db_col_json(st, 1), "title", db_col_json(st, 2),
				"rule", db_col_json(st, 3),
				"created_at", (json_int_t)sqlite3_column_int64(st, 4),
				"status", db_col_json(st, 5));
			if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
				json_object_set_new(o, "decided_by", db_col_json(st, 6));
				json_object_set_new(o, "decided_at", json_integer(sqlite3_column_int64(st, 7)));
				json_object_set_new(o, "reason", db_col_json(st, 8));
				json_object_set_new(o, "rev", sqlite3_column_type(st, 9) == SQLITE_NULL
					? json_null() : json_integer(sqlite3_column_int(st, 9)));
			}
			json_array_append_new(a, o);
		}
		sqlite3_reset(st);
	}
	return http_json(r, 200, json_pack("{s:s, s:I, s:o}", "slug", p.slug,
					   "open", open, "challenges", a));
}

/* POST /challenges/{id}/dismiss, /api/v1/challenges/{id}/dismiss {reason} */
int challenges_dismiss(struct req *r)
{
	const char *ids = http_arg(r, 0);
	bool bad = false;
	const char *reason = lifecycle_arg(r, "reason", &bad);
	char *end, slug[SLUG_MAX + 1] = "", status[12] = "";
	long long id = ids ? strtoll(ids, &end, 10) : 0, lesson = 0;
	sqlite3_stmt *st;
	struct lc_page p;
	int changed;

	if (!reason || !*reason)
		reason = lifecycle_arg(r, "comment", &bad);
	if (!ids || *end || id < 1)
		return http_error(r, 404, "not_found", "err.not_found");
	st = db_stmt(r->db, "SELECT p.slug, c.status, c.lesson_id FROM challenges c "
			    "JOIN pages p ON p.id = c.procedure_id WHERE c.id = ?1");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_int(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(slug, sizeof(slug), "%s", db_col_text(st, 0));
		snprintf(status, sizeof(status), "%s", db_col_text(st, 1));
		lesson = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (!*slug || lifecycle_page(r, slug, &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (bad)
		return http_error(r, 400, "bad_request", "err.json");
	if (!reason || !*reason)
		return http_error(r, 400, "bad_request", "err.reason_required");
	if (!lifecycle_text_ok(reason, LC_TEXT_MAX, true))
		return http_error(r, 400, "bad_request", "err.comment_text");
	if (strcmp(status, "open") != 0)
		return http_error(r, 409, "already_decided", "err.already_decided");
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	st = db_stmt(r->db, "UPDATE challenges SET status = 'dismissed', decided_by = ?2, "
			    "decided_at = ?3, reason = ?4 WHERE id = ?1 AND status = 'open'");
	if (!st) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, r->uid);
	db_bind_int(st, 3, db_now());
	db_bind_text(st, 4, reason);
	changed = db_step_changes(r->db, st);
	if (changed < 0) {
		db_rollback(r->db);
		return http_error(r, 500, "error", "err.internal");
	}
	if (changed != 1) {
		db_rollback(r->db);
		return http_error(r, 409, "already_decided", "err.already_decided");
	}
	lifecycle_event(r, p.id, "dismiss", NULL, NULL, reason, p.current_rev);
	lifecycle_auditf(r, "challenge.dismiss", p.slug, "challenge=%lld lesson=%lld", id, lesson);
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id,
						"slug", p.slug, "status", "dismissed", "reason", reason),
			      http_form(r, "back"), p.slug);
}
