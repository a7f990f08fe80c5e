/*
 * review.c - a page's status transitions and the review queue:
 *   submit    draft -> in_review        the author (staff+) or an editor
 *   approve   in_review|draft -> published   editors and up
 *   return    in_review -> draft        editors and up, with a comment
 *   archive   draft|in_review|published -> archived   editors, with a reason
 *   unarchive archived -> published     editors and up
 *   promote   a published lesson -> a new procedure (the lesson stays)
 * and GET /review, the queue of pages in review and pending proposals,
 * oldest first. Each action answers HTML (a 303 back) or JSON (under
 * /api/v1/) from the same handler.
 *
 * Invariants: a transition is one transaction: the status changes only if
 * it is still the one the request saw (a second submit or approve finds
 * it moved and answers 409, writing nothing), and the page event, the
 * audit line and its consequences (a lesson's challenge opened; an
 * archived lesson's open challenges dismissed; a reviewed procedure
 * verified) land with it.
 */
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "review.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

/* ---- the queue ---- */

static json_t *queue_pages(struct req *r, int limit)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, p.kind, u.display_name, "
		"coalesce((SELECT max(e.at) FROM page_events e WHERE e.page_id = p.id "
		"AND e.action = 'submit'), p.updated_at) AS sub, pr.slug, pr.title, l.bent_rule, "
		"l.rule, l.outcome, p.category, p.id "
		"FROM pages p LEFT JOIN users u ON u.id = p.created_by "
		"LEFT JOIN lessons l ON l.page_id = p.id LEFT JOIN pages pr ON pr.id = l.procedure_id "
		"WHERE p.status = 'in_review' ORDER BY sub, p.id LIMIT ?1");
	json_t *a = json_array();
	struct buf k = BUF_INIT;

	if (!st)
		return a;
	db_bind_int(st, 1, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:I, s:o, s:I}",
			"slug", db_col_json(st, 0), "title", db_col_json(st, 1),
			"kind", db_col_json(st, 2), "author", db_col_json(st, 3),
			"submitted_at", (json_int_t)sqlite3_column_int64(st, 4),
			"category", db_col_json(st, 10), "id", (json_int_t)sqlite3_column_int64(st, 11));
		if (strcmp(db_col_text(st, 2), "lesson") == 0) {
			json_t *l = json_object();
			if (sqlite3_column_type(st, 5) != SQLITE_NULL)
				json_object_set_new(l, "procedure", json_pack("{s:o, s:o}",
					"slug", db_col_json(st, 5), "title", db_col_json(st, 6)));
			json_object_set_new(l, "bent_rule", json_boolean(sqlite3_column_int(st, 7)));
			json_object_set_new(l, "rule", db_col_json(st, 8));
			if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
				buf_reset(&k);
				buf_puts(&k, "outcome.");
				buf_puts(&k, db_col_text(st, 9));
				json_object_set_new(l, "outcome", db_col_json(st, 9));
				json_object_set_new(l, "outcome_label", json_string(http_msg(r, k.data)));
			}
			json_object_set_new(o, "lesson", l);
		}
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	buf_free(&k);
	view_labels_all(r, a);
	view_times(r, a, "submitted_at");
	return a;
}

static json_t *queue_proposals(struct req *r, int limit)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT x.id, p.slug, p.title, u.display_name, x.created_at, x.comment, x.base_rev, "
		"p.current_rev, p.status FROM proposals x JOIN pages p ON p.id = x.page_id "
		"LEFT JOIN users u ON u.id = x.author_id WHERE x.status = 'pending' "
		"ORDER BY x.created_at, x.id LIMIT ?1");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int base = sqlite3_column_int(st, 6), cur = sqlite3_column_int(st, 7);
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:I, s:o, s:i, s:i, s:b, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0), "slug", db_col_json(st, 1),
			"title", db_col_json(st, 2), "author", db_col_json(st, 3),
			"created_at", (json_int_t)sqlite3_column_int64(st, 4),
			"comment", db_col_json(st, 5), "base_rev", base, "current_rev", cur,
			"stale", base != cur, "page_status", db_col_json(st, 8)));
	}
	sqlite3_reset(st);
	view_times(r, a, "created_at");
	return a;
}

json_t *review_queue(struct req *r, int limit)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT (SELECT count(*) FROM pages WHERE status = 'in_review'), "
		"(SELECT count(*) FROM proposals WHERE status = 'pending')");
	json_t *q = json_object();
	long long np = 0, nx = 0;

	if (st) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			np = sqlite3_column_int64(st, 0);
			nx = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
	}
	json_object_set_new(q, "lessons", queue_pages(r, limit));
	json_object_set_new(q, "proposals", queue_proposals(r, limit));
	json_object_set_new(q, "lessons_count", json_integer(np));
	json_object_set_new(q, "proposals_count", json_integer(nx));
	json_object_set_new(q, "count", json_integer(np + nx));
	return q;
}

/* The review page, with status; error (a message key), when given, is
 * shown at the form of the item slug. */
static int queue_page(struct req *r, int status, const char *slug, const char *error)
{
	json_t *c = json_object(), *q = review_queue(r, 200), *item;
	size_t i;

	json_array_foreach(json_object_get(q, "lessons"), i, item)
		if (error && slug && strcmp(json_string_value(json_object_get(item, "slug")), slug) == 0)
			json_object_set_new(item, "error", json_string(http_msg(r, error)));
	json_object_set_new(c, "title", json_string(http_msg(r, "review.title")));
	json_object_set_new(c, "queue", q);
	json_object_set_new(c, "is_manager", json_boolean(r->role >= ROLE_MANAGER));
	return http_page(r, status, "review", c);
}

/* GET /review */
int review_page(struct req *r)
{
	return queue_page(r, 200, NULL, NULL);
}

/* GET /api/v1/review */
int review_api_queue(struct req *r)
{
	bool bad = false;
	int limit = (int)http_count(r, "limit", 1, 1000, 200, &bad);

	if (bad)
		return http_error(r, 400, "bad_request", "err.number");
	return http_json(r, 200, review_queue(r, limit));
}

/* ---- transitions ---- */

static bool is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Dismiss the open challenges an archived lesson raised. */
static void dismiss_lesson_challenges(struct req *r, long long lesson_id, const char *reason)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"UPDATE challenges SET status = 'dismissed', decided_by = ?2, decided_at = ?3, "
		"reason = ?4 WHERE lesson_id = ?1 AND status = 'open'");

	if (!st)
		return;
	db_bind_int(st, 1, lesson_id);
	db_bind_int(st, 2, r->uid);
	db_bind_int(st, 3, db_now());
	db_bind_text(st, 4, reason);
	sqlite3_step(st);
	sqlite3_reset(st);
}

/* Move p from its status to `to`, recording action. Returns 0, 409 when
 * the status moved meanwhile, or 500. */
static int transition(struct req *r, struct lc_page *p, const char *action, const char *to,
		      const char *comment)
{
	sqlite3_stmt *st;
	int64_t now = db_now();
	int changed;

	if (db_begin(r->db) < 0)
		return 500;
	st = db_stmt(r->db,
		"UPDATE pages SET status = ?3, "
		"updated_at = CASE WHEN ?3 = 'published' THEN ?4 ELSE updated_at END, "
		"verified_at = CASE WHEN ?5 THEN ?4 ELSE verified_at END, "
		"verified_by = CASE WHEN ?5 THEN ?6 ELSE verified_by END "
		"WHERE id = ?1 AND status = ?2");
	if (!st)
		goto fail;
	db_bind_int(st, 1, p->id);
	db_bind_text(st, 2, p->status);
	db_bind_text(st, 3, to);
	db_bind_int(st, 4, now);
	/* An editor who approves a procedure or a reference has reviewed it:
	 * that counts as verifying it. */
	db_bind_int(st, 5, is(action, "approve") && !is(p->kind, "lesson"));
	db_bind_int(st, 6, r->uid);
	changed = db_step_changes(r->db, st);
	if (changed < 0)
		goto fail;
	if (changed != 1) {
		db_rollback(r->db);
		return 409;
	}
	lifecycle_event(r, p->id, action, p->status, to, comment, p->current_rev);
	{
		struct buf a = BUF_INIT;
		buf_printf(&a, "page.%s", action);
		lifecycle_audit(r, a.data, p->slug, comment);
		buf_free(&a);
	}
	if (is(p->kind, "lesson")) {
		if (is(to, "published"))
			lifecycle_challenge_sync(r, p->id);
		else if (is(to, "archived"))
			dismiss_lesson_challenges(r, p->id, comment);
	}
	if (db_commit(r->db) < 0)
		return 500;
	snprintf(p->status, sizeof(p->status), "%s", to);
	return 0;
fail:
	db_rollback(r->db);
	return 500;
}

static int answer(struct req *r, int rc, struct lc_page *p, const char *action)
{
	if (rc == 409)
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	if (rc)
		return http_error(r, 500, "error", "err.internal");
	return lifecycle_done(r, 200, json_pack("{s:s, s:s, s:s}", "slug", p->slug,
						"status", p->status, "action", action),
			      http_form(r, "back"), p->slug);
}

/* The comment of a decision: required for some; a 400 key or NULL. */
static const char *comment_of(struct req *r, bool required, const char **out)
{
	bool bad = false;
	const char *c = lifecycle_arg(r, "comment", &bad);

	if (!c || !*c)
		c = lifecycle_arg(r, "reason", &bad);
	if (c && !*c)
		c = NULL;
	*out = c;
	if (bad)
		return "err.json";
	if (!lifecycle_text_ok(c, LC_TEXT_MAX, required))
		return c ? "err.comment_text" : "err.comment_required";
	return NULL;
}

/* POST /p/{slug}/submit, /api/v1/pages/{slug}/submit */
int review_submit(struct req *r)
{
	struct lc_page p;
	const char *comment, *err;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (r->uid != p.created_by && r->role < ROLE_EDITOR)
		return http_error(r, 403, "forbidden", "err.forbidden");
	if ((err = comment_of(r, false, &comment)))
		return http_error(r, 400, "bad_request", err);
	if (!is(p.status, "draft"))
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	return answer(r, transition(r, &p, "submit", "in_review", comment), &p, "submit");
}

/* POST /p/{slug}/review, /api/v1/pages/{slug}/review {decision, comment} */
int review_decide(struct req *r)
{
	struct lc_page p;
	bool bad = false;
	const char *decision = lifecycle_arg(r, "decision", &bad);
	const char *comment, *err;
	bool approve, ret, archive;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (bad)
		return http_error(r, 400, "bad_request", "err.json");
	approve = decision && is(decision, "approve");
	ret = decision && is(decision, "return");
	archive = decision && is(decision, "archive");
	if (!approve && !ret && !archive)
		return http_error(r, 400, "bad_request", "err.decision");
	if ((err = comment_of(r, ret || archive, &comment))) {
		/* From the queue's form: the queue again, the message at the
		 * item, rather than an error page that leaves it. */
		const char *back = http_form(r, "back");
		if (!r->api && back && strcmp(back, "/review") == 0)
			return queue_page(r, 400, p.slug, err);
		return http_error(r, 400, "bad_request", err);
	}
	if (approve) {
		if (!is(p.status, "in_review") && !is(p.status, "draft"))
			return http_error(r, 409, "wrong_status", "err.wrong_status");
		return answer(r, transition(r, &p, "approve", "published", comment), &p, "approve");
	}
	if (ret) {
		if (!is(p.status, "in_review"))
			return http_error(r, 409, "wrong_status", "err.wrong_status");
		return answer(r, transition(r, &p, "return", "draft", comment), &p, "return");
	}
	if (is(p.status, "archived"))
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	return answer(r, transition(r, &p, "archive", "archived", comment), &p, "archive");
}

/* POST /p/{slug}/archive, /api/v1/pages/{slug}/archive {comment|reason} */
int review_archive(struct req *r)
{
	struct lc_page p;
	const char *comment, *err;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if ((err = comment_of(r, true, &comment)))
		return http_error(r, 400, "bad_request", err);
	if (is(p.status, "archived"))
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	return answer(r, transition(r, &p, "archive", "archived", comment), &p, "archive");
}

/* POST /p/{slug}/unarchive, /api/v1/pages/{slug}/unarchive */
int review_unarchive(struct req *r)
{
	struct lc_page p;
	const char *comment, *err;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if ((err = comment_of(r, false, &comment)))
		return http_error(r, 400, "bad_request", err);
	if (!is(p.status, "archived"))
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	return answer(r, transition(r, &p, "unarchive", "published", comment), &p, "unarchive");
}

/* ---- promote a lesson into a new procedure ---- */

/* The new procedure's first text: the procedure template, then where it
 * came from (a wiki link back to the lesson). */
static char *promoted_markdown(struct req *r, const struct lc_page *lesson)
{
	char *tmpl = lifecycle_template(r->db, "procedure", r->lang);
	struct buf md = BUF_INIT;
	bool plain = strpbrk(lesson->title, "[]|") != NULL;

	buf_puts(&md, tmpl);
	if (md.len && md.data[md.len - 1] != '\n')
		buf_putc(&md, '\n');
	buf_putc(&md, '\n');
	buf_puts(&md, http_msg(r, "promote.based_on"));
	buf_puts(&md, " [[");
	buf_puts(&md, lesson->slug);
	if (!plain) {
		buf_putc(&md, '|');
		buf_puts(&md, lesson->title);
	}
	buf_puts(&md, "]].\n");
	free(tmpl);
	return buf_detach(&md);
}

/* POST /p/{slug}/promote, /api/v1/pages/{slug}/promote {title, publish} */
int review_promote(struct req *r)
{
	struct lc_page lesson;
	struct page_save in;
	struct save_result res;
	bool bad = false;
	const char *title = lifecycle_arg(r, "title", &bad);
	bool json_publish = http_json_bool(r->json, "publish", &bad);
	bool publish = r->role >= ROLE_EDITOR &&
		       (json_publish || (http_form(r, "publish") && *http_form(r, "publish")));
	struct buf comment = BUF_INIT, loc = BUF_INIT;
	char *md;
	int status;

	if (lifecycle_page(r, http_arg(r, 0), &lesson) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	if (bad)
		return http_error(r, 400, "bad_request", "err.json");
	if (!is(lesson.kind, "lesson"))
		return http_error(r, 400, "bad_request", "err.not_lesson");
	if (!is(lesson.status, "published"))
		return http_error(r, 409, "wrong_status", "err.wrong_status");
	if (!title || !*title)
		title = lesson.title;
	if (!pages_title_ok(title))
		return http_error(r, 400, "bad_request", "err.title");
	md = promoted_markdown(r, &lesson);
	buf_puts(&comment, http_msg(r, "promote.comment"));
	buf_putc(&comment, ' ');
	buf_puts(&comment, lesson.slug);
	memset(&in, 0, sizeof(in));
	in.title = title;
	in.kind = "procedure";
	in.category = lesson.category;
	in.markdown = md;
	in.comment = comment.data;
	in.status = publish ? "published" : "draft";
	in.base_rev = 0;
	in.author_id = r->uid;
	in.verify = publish;
	pages_save(r->db, &in, &res);
	free(md);
	buf_free(&comment);
	if (res.status != SAVE_CREATED)
		return http_error(r, res.status == SAVE_INVALID ? 400 : 500,
				  res.status == SAVE_INVALID ? "invalid" : "error",
				  res.err_key ? res.err_key : "err.internal");
	if (db_begin(r->db) == 0) {
		sqlite3_stmt *st = db_stmt(r->db, "UPDATE pages SET promoted_from = ?2 WHERE id = ?1");
		if (st) {
			db_bind_int(st, 1, res.page_id);
			db_bind_int(st, 2, lesson.id);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
		lifecycle_event(r, res.page_id, "create", NULL, in.status, NULL, 1);
		lifecycle_event(r, lesson.id, "promote", NULL, NULL, res.slug, 0);
		lifecycle_audit(r, "page.promote", lesson.slug, res.slug);
		if (db_commit(r->db) < 0)
			db_rollback(r->db);
	}
	if (r->api)
		return http_json(r, 201, json_pack("{s:s, s:s, s:s, s:s}", "slug", res.slug,
			"status", in.status, "kind", "procedure", "promoted_from", lesson.slug));
	buf_printf(&loc, "/p/%s/edit", res.slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

/* GET /api/v1/pages/{slug}/events: the page's lifecycle, newest first. */
int review_events_api(struct req *r)
{
	struct lc_page p;

	if (lifecycle_page(r, http_arg(r, 0), &p) < 0)
		return http_error(r, 404, "not_found", "err.not_found");
	return http_json(r, 200, json_pack("{s:s, s:o}", "slug", p.slug, "events",
					   lifecycle_events(r, p.id)));
}
