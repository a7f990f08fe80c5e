/*
 * proposal.c - deciding a staff member's proposal for a page:
 *   GET  /p/{slug}/proposals/{n}             the proposal and its diff
 *   POST /p/{slug}/proposals/{n}/accept      (and /api/v1/pages/...)
 *   POST /p/{slug}/proposals/{n}/reject      (comment required)
 *   GET  /api/v1/pages/{slug}/proposals[/{n}]
 * {n} is the proposal's id.
 *
 * Accepting saves the proposed text as a new revision whose author is the
 * proposer (her lines are hers in the line authorship, like any save),
 * with revisions.proposal_id set; the editor who accepted is recorded in
 * proposals.decided_by and in a page event "accept" (and, for a published
 * procedure, as who verified it: an editor read the text).
 *
 * Nothing lost: when the page changed since the proposal's base revision,
 * accepting answers 409 and writes nothing; the page shows both texts and
 * what changed in between, and the editor may accept deliberately on top
 * of the current revision N (rebase=N), which keeps the intermediate
 * revisions in the history as always.
 */
#include "buf.h"
#include "db.h"
#include "diff.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

struct proposal {
	long long id, author_id;
	int base_rev, rev;
	char status[12];
	json_t *j;  /* the proposal as JSON (owned) */
};

static json_t *user_name(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? json_null() : db_col_json(st, col);
}

/* Load proposal {n} of page p: 0, or -1 (404). */
static int load(struct req *r, const struct lc_page *p, const char *n, struct proposal *x)
{
	sqlite3_stmt *st;
	char *end;
	long long id = n ? strtoll(n, &end, 10) : 0;
	int rc = -1;

	memset(x, 0, sizeof(*x));
	if (!n || *end || id < 1)
		return -1;
	st = db_stmt(r->db,
		"SELECT x.id, x.base_rev, x.title, x.markdown, x.comment, x.author_id, u.display_name, "
		"x.created_at, x.status, x.decided_by, d.display_name, x.decided_at, "
		"x.decision_comment, x.rev FROM proposals x LEFT JOIN users u ON u.id = x.author_id "
		"LEFT JOIN users d ON d.id = x.decided_by WHERE x.id = ?1 AND x.page_id = ?2");
	if (!st)
		return -1;
	db_bind_int(st, 1, id);
	db_bind_int(st, 2, p->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		x->id = id;
		x->base_rev = sqlite3_column_int(st, 1);
		x->author_id = sqlite3_column_int64(st, 5);
		snprintf(x->status, sizeof(x->status), "%s", db_col_text(st, 8));
		x->rev = sqlite3_column_int(st, 13);
		x->j = json_pack("{s:I, s:i, s:o, s:o, s:o, s:I, s:o, s:I, s:s}",
			"id", (json_int_t)id, "base_rev", x->base_rev, "title", db_col_json(st, 2),
			"markdown", db_col_json(st, 3), "comment", db_col_json(st, 4),
			"author_id", (json_int_t)x->author_id, "author", user_name(st, 6),
			"created_at", (json_int_t)sqlite3_column_int64(st, 7), "status", x->status);
		json_object_set_new(x->j, "decided_by", user_name(st, 10));
		json_object_set_new(x->j, "decided_at", sqlite3_column_type(st, 11) == SQLITE_NULL
			? json_null() : json_integer(sqlite3_column_int64(st, 11)));
		json_object_set_new(x->j, "decision_comment", user_name(st, 12));
		json_object_set_new(x->j, "rev", sqlite3_column_type(st, 13) == SQLITE_NULL
			? json_null() : json_integer(x->rev));
		json_object_set_new(x->j, "is_pending", json_boolean(strcmp(x->status, "pending") == 0));
		{
			struct buf k = BUF_INIT;
			buf_puts(&k, "proposal.status.");
			buf_puts(&k, x->status);
			json_object_set_new(x->j, "status_label", json_string(http_msg(r, k.data)));
			buf_free(&k);
		}
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

/* May r see this proposal? Editors, and the proposer herself. */
static bool may_see(struct req *r, const struct proposal *x)
{
	return r->role >= ROLE_EDITOR || (r->uid && r->uid == x->author_id);
}

static json_t *hunks(const char *a, const char *b, int *added, int *removed)
{
	struct diff_lines la, lb;
	struct diff_op *ops = NULL;
	size_t nops = 0;
	json_t *h;

	diff_lines_split(&la, a, strlen(a));
	diff_lines_split(&lb, b, strlen(b));
	diff_compute(&la, &lb, &ops, &nops);
	h = diff_hunks_json(&la, &lb, ops, nops, 3, added, removed);
	free(ops);
	diff_lines_free(&la);
	diff_lines_free(&lb);
	return h;
}

/* The proposal page (200), or the conflict screen of a refused accept
 * (409): both texts, what the proposal changes against the current text,
 * and what changed since its base revision. */
static int render(struct req *r, int status, const struct lc_page *p, struct proposal *x,
		  const char *error_key)
{
	json_t *c = json_object(), *page = json_object();
	char *cur = pages_markdown(r->db, p->id, p->current_rev);
	const char *mine = json_string_value(json_object_get(x->j, "markdown"));
	bool stale = x->base_rev != p->current_rev;
	int added = 0, removed = 0;

	json_object_set_new(page, "slug", json_string(p->slug));
	json_object_set_new(page, "title", json_string(p->title));
	json_object_set_new(page, "current_rev", json_integer(p->current_rev));
	json_object_set_new(page, "markdown", json_string(cur ? cur : ""));
	json_object_set_new(page, "is_archived", json_boolean(strcmp(p->status, "archived") == 0));
	view_time(r, x->j, "created_at");
	view_time(r, x->j, "decided_at");
	json_object_set_new(c, "title", json_string(http_msg(r, "proposal.title")));
	json_object_set_new(c, "page", page);
	json_object_set(c, "proposal", x->j);
	json_object_set_new(c, "hunks", hunks(cur ? cur : "", mine ? mine : "", &added, &removed));
	json_object_set_new(c, "added", json_integer(added));
	json_object_set_new(c, "removed", json_integer(removed));
	json_object_set_new(c, "stale", json_boolean(stale));
	json_object_set_new(c, "conflict", json_boolean(status == 409));
	json_object_set_new(c, "can_decide", json_boolean(r->role >= ROLE_EDITOR &&
							  strcmp(x->status, "pending") == 0));
	if (stale) {
		char *base = pages_markdown(r->db, p->id, x->base_rev);
		json_object_set_new(c, "since_hunks", hunks(base ? base : "", cur ? cur : "", NULL, NULL));
		free(base);
	}
	if (error_key)
		json_object_set_new(c, "error", json_string(http_msg(r, error_key)));
	free(cur);
	return http_page(r, status, "proposal", c);
}

/* GET /p/{slug}/proposed: where sending a proposal leads (a GET, so that
 * reloading it sends nothing again). */
int proposal_sent(struct req *r)
{
	struct lc_page p;
	json_t *c;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	c = json_object();
	json_object_set_new(c, "title", json_string(http_msg(r, "proposal.sent_title")));
	json_object_set_new(c, "page", json_pack("{s:s, s:s}", "slug", p.slug, "title", p.title));
	return http_page(r, 200, "proposal_sent", c);
}

/* GET /p/{slug}/proposals/{n} */
int proposal_view(struct req *r)
{
	struct lc_page p;
	struct proposal x;
	int status;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0 || load(r, &p, http_arg(r, 1), &x) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (!may_see(r, &x)) {
		json_decref(x.j);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	status = render(r, 200, &p, &x, NULL);
	json_decref(x.j);
	return status;
}

/* Record a decision on x in one transaction: 0, 409 (already decided) or 500. */
static int decide(struct req *r, const struct lc_page *p, struct proposal *x, const char *to,
		  const char *comment, int rev)
{
	sqlite3_stmt *st;
	int changed;
	bool accepted = strcmp(to, "accepted") == 0;
	struct buf d = BUF_INIT;

	if (db_begin(r->db) < 0)
		return 500;
	st = db_stmt(r->db,
		"UPDATE proposals SET status = ?2, decided_by = ?3, decided_at = ?4, "
		"decision_comment = ?5, rev = ?6 WHERE id = ?1 AND status = 'pending'");
	if (!st)
		goto fail;
	db_bind_int(st, 1, x->id);
	db_bind_text(st, 2, to);
	db_bind_int(st, 3, r->uid);
	db_bind_int(st, 4, db_now());
	db_bind_text(st, 5, comment ? comment : "");
	if (rev)
		db_bind_int(st, 6, rev);
	changed = db_step_changes(r->db, st);
	if (changed < 0)
		goto fail;
	if (changed != 1) {
		db_rollback(r->db);
		return 409;
	}
	if (accepted && strcmp(p->kind, "lesson") != 0 && strcmp(p->status, "published") == 0) {
		st = db_stmt(r->db, "UPDATE pages SET verified_at = ?2, verified_by = ?3 WHERE id = ?1");
		if (!st)
			goto fail;
		db_bind_int(st, 1, p->id);
		db_bind_int(st, 2, db_now());
		db_bind_int(st, 3, r->uid);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	lifecycle_event(r, p->id, accepted ? "accept" : "reject", NULL, NULL, comment,
			accepted ? rev : x->base_rev);
	buf_printf(&d, "proposal=%lld", x->id);
	if (accepted)
		buf_printf(&d, " rev=%d", rev);
	lifecycle_audit(r, accepted ? "proposal.accept" : "proposal.reject", p->slug, d.data);
	buf_free(&d);
	if (db_commit(r->db) < 0)
		return 500;
	return 0;
fail:
	db_rollback(r->db);
	return 500;
}

static int conflict(struct req *r, const struct lc_page *p, struct proposal *x)
{
	int status;

	if (r->api) {
		json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:I}", "error", "conflict",
				      "message", http_msg(r, "err.proposal_stale"),
				      "current_rev", p->current_rev, "base_rev", x->base_rev,
				      "proposal", (json_int_t)x->id);
		json_decref(x->j);
		return http_json(r, 409, j);
	}
	status = render(r, 409, p, x, "err.proposal_stale");
	json_decref(x->j);
	return status;
}

/* POST .../proposals/{n}/accept  {comment, rebase: N} */
int proposal_accept(struct req *r)
{
	struct lc_page p;
	struct proposal x;
	struct page_save in;
	struct save_result res;
	bool bad = false;
	const char *comment = lifecycle_arg(r, "comment", &bad);
	json_t *jr = json_object_get(r->json, "rebase");
	long long rebase = json_is_integer(jr) ? json_integer_value(jr)
					       : http_int(r, "rebase", 1, 1000000000, 0);
	int rc;

	if (jr && !json_is_integer(jr) && !json_is_null(jr))
		bad = true;
	if (lifecycle_page(r, http_arg(r, 0), &p) < 0 || load(r, &p, http_arg(r, 1), &x) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (bad) {
		json_decref(x.j);
		return http_error(r, 400, "bad_request", "err.json");
	}
	if (comment && !*comment)
		comment = NULL;
	if (!lifecycle_text_ok(comment, LC_TEXT_MAX, false)) {
		json_decref(x.j);
		return http_error(r, 400, "bad_request", "err.comment_text");
	}
	if (strcmp(x.status, "pending") != 0) {
		json_decref(x.j);
		return http_error(r, 409, "already_decided", "err.already_decided");
	}
	if (strcmp(p.status, "archived") == 0) {
		json_decref(x.j);
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	}
	if (x.base_rev != p.current_rev && rebase != p.current_rev)
		return conflict(r, &p, &x);
	memset(&in, 0, sizeof(in));
	in.slug = p.slug;
	in.title = json_string_value(json_object_get(x.j, "title"));
	in.markdown = json_string_value(json_object_get(x.j, "markdown"));
	in.comment = json_string_value(json_object_get(x.j, "comment"));
	in.base_rev = p.current_rev;
	in.author_id = x.author_id;
	in.proposal_id = x.id;
	pages_save(r->db, &in, &res);
	if (res.status == SAVE_CONFLICT) {
		/* Someone saved between our read and the save: still stale. */
		p.current_rev = res.rev;
		return conflict(r, &p, &x);
	}
	json_decref(x.j);
	if (res.status != SAVE_SAVED && res.status != SAVE_UNCHANGED)
		return http_error(r, res.status == SAVE_INVALID ? 400 : 500,
				  res.status == SAVE_INVALID ? "invalid" : "error",
				  res.err_key ? res.err_key : "err.internal");
	rc = decide(r, &p, &x, "accepted", comment, res.rev);
	if (rc == 409)
		return http_error(r, 409, "already_decided", "err.already_decided");
	if (rc)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, json_pack("{s:s, s:s, s:I, s:i}", "slug", p.slug,
						"status", "accepted", "proposal", (json_int_t)x.id,
						"rev", res.rev),
			      NULL, p.slug);
}

/* POST .../proposals/{n}/reject  {comment} (required) */
int proposal_reject(struct req *r)
{
	struct lc_page p;
	struct proposal x;
	bool bad = false;
	const char *comment = lifecycle_arg(r, "comment", &bad);
	int rc;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0 || load(r, &p, http_arg(r, 1), &x) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	json_decref(x.j);
	if (bad)
		return http_error(r, 400, "bad_request", "err.json");
	if (!comment || !*comment)
		return http_error(r, 400, "bad_request", "err.comment_required");
	if (!lifecycle_text_ok(comment, LC_TEXT_MAX, true))
		return http_error(r, 400, "bad_request", "err.comment_text");
	if (strcmp(x.status, "pending") != 0)
		return http_error(r, 409, "already_decided", "err.already_decided");
	rc = decide(r, &p, &x, "rejected", comment, 0);
	if (rc == 409)
		return http_error(r, 409, "already_decided", "err.already_decided");
	if (rc)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, json_pack("{s:s, s:s, s:I}", "slug", p.slug,
						"status", "rejected", "proposal", (json_int_t)x.id),
			      NULL, p.slug);
}

/* GET /api/v1/pages/{slug}/proposals: editors see all, staff their own. */
int proposal_api_list(struct req *r)
{
	struct lc_page p;
	sqlite3_stmt *st;
	json_t *a;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	st = db_stmt(r->db,
		"SELECT x.id, x.base_rev, x.title, x.comment, x.author_id, u.display_name, "
		"x.created_at, x.status, x.decided_at, x.decision_comment, x.rev "
		"FROM proposals x LEFT JOIN users u ON u.id = x.author_id "
		"WHERE x.page_id = ?1 AND (?2 >= 3 OR x.author_id = ?3) ORDER BY x.id");
	a = json_array();
	if (st) {
		db_bind_int(st, 1, p.id);
		db_bind_int(st, 2, r->role);
		db_bind_int(st, 3, r->uid);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *o = json_pack("{s:I, s:i, s:o, s:o, s:I, s:o, s:I, s:o}",
				"id", (json_int_t)sqlite3_column_int64(st, 0),
				"base_rev", sqlite3_column_int(st, 1), "title", db_col_json(st, 2),
				"comment", db_col_json(st, 3),
				"author_id", (json_int_t)sqlite3_column_int64(st, 4),
				"author", db_col_json(st, 5),
				"created_at", (json_int_t)sqlite3_column_int64(st, 6),
				"status", db_col_json(st, 7));
			json_object_set_new(o, "stale", json_boolean(sqlite3_column_int(st, 1) != p.current_rev));
			json_object_set_new(o, "decided_at", sqlite3_column_type(st, 8) == SQLITE_NULL
				? json_null() : json_integer(sqlite3_column_int64(st, 8)));
			json_object_set_new(o, "decision_comment", user_name(st, 9));
			json_object_set_new(o, "rev", sqlite3_column_type(st, 10) == SQLITE_NULL
				? json_null() : json_integer(sqlite3_column_int(st, 10)));
			json_array_append_new(a, o);
		}
		sqlite3_reset(st);
	}
	return http_json(r, 200, json_pack("{s:s, s:i, s:o}", "slug", p.slug,
					   "current_rev", p.current_rev, "proposals", a));
}

/* GET /api/v1/pages/{slug}/proposals/{n} */
int proposal_api_get(struct req *r)
{
	struct lc_page p;
	struct proposal x;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0 || load(r, &p, http_arg(r, 1), &x) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (!may_see(r, &x)) {
		json_decref(x.j);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	json_object_del(x.j, "is_pending");
	json_object_del(x.j, "status_label");
	json_object_set_new(x.j, "stale", json_boolean(x.base_rev != p.current_rev));
	json_object_set_new(x.j, "current_rev", json_integer(p.current_rev));
	return http_json(r, 200, x.j);
}
