/*
 * api.c - the JSON API for pages: list, get, put (create, save, propose),
 * revisions. Shapes and statuses are DESIGN.md's contract:
 * PUT answers 201 created, 200 saved, 202 proposal pending, 409 when
 * base_rev is not current (with the current revision in the body).
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

/* Strip what the API does not show, and add the lesson fields. */
static json_t *page_out(struct req *r, json_t *p)
{
	json_t *cb = json_object_get(p, "created_by");
	sqlite3_stmt *st;

	(void)cb;
	json_object_del(p, "current_title");
	json_object_del(p, "is_current");
	if (strcmp(json_string_value(json_object_get(p, "kind")), "lesson") == 0) {
		st = db_stmt(r->db,
			"SELECT p.slug, l.bent_rule, l.rule, l.outcome, l.happened_on "
			"FROM lessons l LEFT JOIN pages p ON p.id = l.procedure_id WHERE l.page_id = ?1");
		if (st) {
			db_bind_int(st, 1, json_integer_value(json_object_get(p, "id")));
			if (sqlite3_step(st) == SQLITE_ROW) {
				json_t *l = json_object();
				json_object_set_new(l, "procedure",
					sqlite3_column_type(st, 0) == SQLITE_NULL ? json_null()
						: json_string(db_col_text(st, 0)));
				json_object_set_new(l, "bent_rule", json_boolean(sqlite3_column_int(st, 1)));
				json_object_set_new(l, "rule", json_string(db_col_text(st, 2)));
				json_object_set_new(l, "outcome",
					sqlite3_column_type(st, 3) == SQLITE_NULL ? json_null()
						: json_string(db_col_text(st, 3)));
				json_object_set_new(l, "happened_on",
					sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null()
						: json_string(db_col_text(st, 4)));
				json_object_set_new(p, "lesson", l);
			}
			sqlite3_reset(st);
		}
	}
	return p;
}

/* What a save answers: the page as GET gives it but its text (the client
 * has just sent the Markdown; GET has both): a 5,000-line page's answer
 * was 500 KB of JSON and a sixth of the save's time. */
static json_t *saved_out(struct req *r, json_t *p)
{
	p = page_out(r, p);
	json_object_del(p, "markdown");
	json_object_del(p, "html");
	return p;
}

static json_t *load(struct req *r, int rev, int *status)
{
	const char *slug = http_arg(r, 0);
	json_t *p;

	if (!text_slug_valid(slug, SLUG_MAX)) {
		*status = http_error(r, 400, "bad_slug", "err.slug");
		return NULL;
	}
	p = pages_get(r->db, slug, rev);
	if (p && !view_can_see(r, p)) {
		json_decref(p);
		p = NULL;
	}
	if (!p)
		*status = http_error(r, 404, "not_found", "err.not_found");
	return p;
}

int api_page_get(struct req *r)
{
	int status;
	json_t *p = load(r, 0, &status);

	if (!p)
		return status;
	return http_json(r, 200, page_out(r, p));
}

/* The list with a lesson's filters (procedure: slug or title; bent_rule:
 * true|false|1|0; outcome: positive|negative|mixed): lessons only. */
static int lessons_list(struct req *r, const char *cat, int limit, int offset)
{
	bool bad = false;
	const char *proc = http_param(r, "procedure", 600, &bad);
	const char *bent = http_param(r, "bent_rule", 8, &bad);
	const char *outcome = http_param(r, "outcome", 20, &bad);
	int b = -1;

	if (bent && *bent) {
		if (strcmp(bent, "1") == 0 || strcmp(bent, "true") == 0)
			b = 1;
		else if (strcmp(bent, "0") == 0 || strcmp(bent, "false") == 0)
			b = 0;
		else
			bad = true;
	}
	if (outcome && *outcome && strcmp(outcome, "positive") != 0 &&
	    strcmp(outcome, "negative") != 0 && strcmp(outcome, "mixed") != 0)
		bad = true;
	if (bad)
		return http_error(r, 400, "bad_request", "err.bad_request");
	return http_json(r, 200, json_pack("{s:o, s:i, s:i}", "pages",
		lifecycle_lessons(r, proc, b, outcome, cat, limit, offset),
		"limit", limit, "offset", offset));
}

int api_pages_list(struct req *r)
{
	bool bad = false;
	const char *kind = http_param(r, "kind", 20, &bad);
	const char *cat = http_param(r, "category", CATEGORY_MAX, &bad);
	const char *tag = http_param(r, "tag", 40, &bad);
	const char *status = http_param(r, "status", 20, &bad);
	bool bad_number = false;
	int limit = (int)http_count(r, "limit", 1, 1000, 100, &bad_number);
	int offset = (int)http_count(r, "offset", 0, 1000000, 0, &bad_number);
	json_t *list;

	if (bad)
		return http_error(r, 400, "bad_request", "err.bad_request");
	if (bad_number)
		return http_error(r, 400, "bad_request", "err.number");
	if (http_query(r, "procedure") || http_query(r, "bent_rule") || http_query(r, "outcome"))
		return lessons_list(r, cat, limit, offset);
	/* Status other than published narrows within what r may see anyway. */
	list = pages_list(r->db, kind, cat, tag, status && *status ? status : NULL,
			  r->role, r->uid, limit, offset);
	return http_json(r, 200, json_pack("{s:o, s:i, s:i}", "pages", list,
					   "limit", limit, "offset", offset));
}

int api_revisions(struct req *r)
{
	int status;
	json_t *p = load(r, 0, &status), *h;

	if (!p)
		return status;
	h = pages_history(r->db, json_integer_value(json_object_get(p, "id")));
	json_decref(p);
	return http_json(r, 200, json_pack("{s:s, s:o}", "slug", http_arg(r, 0), "revisions", h));
}

int api_revision(struct req *r)
{
	int status;
	char *end;
	long long n = strtoll(http_arg(r, 1), &end, 10);
	json_t *p;

	if (*end || n < 1 || n > 1000000000)
		return http_error(r, 400, "bad_request", "err.revision");
	p = load(r, (int)n, &status);
	if (!p)
		return status;
	return http_json(r, 200, page_out(r, p));
}

static int conflict(struct req *r, int rev)
{
	json_t *cur = pages_get(r->db, http_arg(r, 0), 0);
	json_t *j = json_pack("{s:s, s:s, s:i}", "error", "conflict", "message",
			      http_msg(r, "err.conflict"), "current_rev", rev);

	if (cur)
		json_object_set_new(j, "current", page_out(r, cur));
	return http_json(r, 409, j);
}

/* Tags may come as ["a","b"] or "a, b". */
static char *tags_arg(json_t *v, bool *bad)
{
	struct buf b = BUF_INIT;
	size_t i;
	json_t *t;

	if (!v || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (!json_is_array(v)) {
		*bad = true;
		return NULL;
	}
	json_array_foreach(v, i, t) {
		if (!json_is_string(t) || strchr(json_string_value(t), ',')) {
			*bad = true;
			break;
		}
		if (b.len)
			buf_putc(&b, ',');
		buf_puts(&b, json_string_value(t));
	}
	return buf_detach(&b);
}

int api_page_put(struct req *r)
{
	const char *slug = http_arg(r, 0);
	json_t *body = r->json, *p, *rev;
	struct page_save in;
	struct save_result res;
	struct lesson_in lesson;
	bool bad = false, direct;
	char *tags = NULL;
	const char *lerr;
	int status;

	if (!text_slug_valid(slug, SLUG_MAX))
		return http_error(r, 400, "bad_slug", "err.slug");
	if (!json_is_object(body))
		return http_error(r, 400, "bad_request", "err.json");
	memset(&in, 0, sizeof(in));
	in.slug = slug;
	in.title = http_json_text(body, "title", &bad);
	in.kind = http_json_text(body, "kind", &bad);
	in.markdown = http_json_text(body, "markdown", &bad);
	in.comment = http_json_text(body, "comment", &bad);
	in.category = http_json_text(body, "category", &bad);
	in.status = http_json_text(body, "status", &bad);
	tags = tags_arg(json_object_get(body, "tags"), &bad);
	in.tags = tags;
	in.significant = http_json_bool(body, "significant", &bad);
	http_json_bool(body, "resolve_flags", &bad); /* read by lifecycle_after_save */
	in.author_id = r->uid;
	/* The lesson that prompted this change (answers its challenge). */
	if (json_is_integer(json_object_get(body, "from_lesson")))
		in.lesson_id = json_integer_value(json_object_get(body, "from_lesson"));
	else if (json_object_get(body, "from_lesson") && !json_is_null(json_object_get(body, "from_lesson")))
		bad = true;
	rev = json_object_get(body, "base_rev");
	if (rev && !json_is_integer(rev) && !json_is_null(rev))
		bad = true;
	if (lifecycle_lesson_from_json(json_object_get(body, "lesson"), &lesson) < 0)
		bad = true;
	if (bad || !in.markdown) {
		free(tags);
		return http_error(r, 400, "bad_request", bad ? "err.json" : "err.markdown");
	}
	p = pages_get(r->db, slug, 0);
	if (p && !view_can_see(r, p)) {
		/* Someone else's draft: the slug is taken, the page is not ours. */
		json_decref(p);
		free(tags);
		return http_error(r, 403, "forbidden", "err.forbidden");
	}
	if (!in.title)
		in.title = p ? json_string_value(json_object_get(p, "title")) : NULL;
	if (p) {
		if (!json_is_integer(rev)) {
			json_decref(p);
			free(tags);
			return http_error(r, 400, "base_rev_required", "err.base_rev");
		}
		in.base_rev = (int)json_integer_value(rev);
		if (in.base_rev == 0) {
			/* "create" of a page someone else just created: a conflict,
			 * as on the creation path. */
			int cur = (int)json_integer_value(json_object_get(p, "current_rev"));
			json_decref(p);
			free(tags);
			return conflict(r, cur);
		}
		if (in.base_rev < 1) {
			json_decref(p);
			free(tags);
			return http_error(r, 400, "bad_request", "err.base_rev");
		}
	} else {
		in.base_rev = json_is_integer(rev) ? (int)json_integer_value(rev) : 0;
		if (in.base_rev != 0) {
			free(tags);
			return conflict(r, 0);
		}
	}
	if (in.status && (!p ? false : true)) {
		/* Status changes go through the lifecycle endpoints. */
		if (strcmp(in.status, json_string_value(json_object_get(p, "status"))) != 0) {
			json_decref(p);
			free(tags);
			return http_error(r, 400, "bad_request", "err.status_change");
		}
		in.status = NULL;
	}
	lerr = lifecycle_lesson_check(r, in.kind ? in.kind :
				      p ? json_string_value(json_object_get(p, "kind")) : "procedure",
				      &lesson);
	if (lerr || (in.status && strcmp(in.status, "published") != 0 &&
		     strcmp(in.status, "draft") != 0)) {
		json_decref(p);
		free(tags);
		return http_error(r, 400, "bad_request", lerr ? lerr : "err.status");
	}
	if (!p) {
		/* New page: editors publish unless they ask for a draft; staff
		 * always start with a draft. */
		if (r->role < ROLE_EDITOR || (in.status && strcmp(in.status, "draft") == 0))
			in.status = "draft";
		else
			in.status = "published";
		in.verify = strcmp(in.status, "published") == 0 &&
			    (!in.kind || strcmp(in.kind, "procedure") == 0);
		if (!in.kind)
			in.kind = "procedure";
		pages_save(r->db, &in, &res);
		free(tags);
		if (res.status == SAVE_CREATED) {
			lifecycle_after_create(r, res.page_id, in.kind, &lesson);
			p = pages_get(r->db, slug, 0);
			return http_json(r, 201, saved_out(r, p));
		}
		if (res.status == SAVE_CONFLICT)
			return conflict(r, res.rev);
		return http_error(r, res.status == SAVE_TOO_LARGE ? 413 : 400,
				  res.status == SAVE_TOO_LARGE ? "too_large" : "invalid",
				  res.err_key ? res.err_key : "err.too_large");
	}
	direct = view_can_edit(r, p);
	if (!direct) {
		/* A proposal: pending until an editor accepts it. */
		if (in.base_rev != json_integer_value(json_object_get(p, "current_rev"))) {
			int cur = (int)json_integer_value(json_object_get(p, "current_rev"));
			json_decref(p);
			free(tags);
			return conflict(r, cur);
		}
		status = lifecycle_propose_api(r, p, &in);
		json_decref(p);
		free(tags);
		return status;
	}
	in.verify = strcmp(json_string_value(json_object_get(p, "kind")), "procedure") == 0 &&
		    strcmp(json_string_value(json_object_get(p, "status")), "published") == 0;
	pages_save(r->db, &in, &res);
	free(tags);
	if (res.status == SAVE_CONFLICT) {
		json_decref(p);
		return conflict(r, res.rev);
	}
	if (res.status != SAVE_SAVED && res.status != SAVE_UNCHANGED) {
		json_decref(p);
		return http_error(r, res.status == SAVE_TOO_LARGE ? 413 : res.status == SAVE_ERROR ? 500 : 400,
				  res.status == SAVE_TOO_LARGE ? "too_large" : "invalid",
				  res.err_key ? res.err_key : res.status == SAVE_TOO_LARGE ? "err.too_large"
											 : "err.internal");
	}
	lifecycle_after_save(r, p, res.rev, in.lesson_id, &lesson);
	json_decref(p);
	p = pages_get(r->db, slug, 0);
	return http_json(r, 200, saved_out(r, p));
}
