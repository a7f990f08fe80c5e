/*
 * page_edit.c - writing: new page, edit, restore, and a staff member's
 * proposal for a published page.
 *
 * Nothing is ever lost here: a save with a stale base revision writes
 * nothing and answers 409 with both texts (the user's intact); an invalid
 * field answers 400 with the form as it was typed. A new page starts from
 * its kind's template; the template's questions that are still there when
 * it is first saved are not stored (lifecycle_without_prompts), and no
 * line the writer typed is touched. Once the page exists, its editor lists
 * those questions beside the text, never in it (lifecycle_edit_context),
 * on the form after an error or a conflict too.
 */
#include "buf.h"
#include "db.h"
#include "diff.h"
#include "files.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"procedure", "lesson", "reference"};

static json_t *kind_options(struct req *r, const char *selected)
{
	json_t *a = json_array();
	struct buf k = BUF_INIT;

	for (size_t i = 0; i < 3; i++) {
		buf_reset(&k);
		buf_printf(&k, "kind.%s", kinds[i]);
		json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "value", kinds[i],
			"label", http_msg(r, k.data), "selected",
			selected && strcmp(selected, kinds[i]) == 0));
	}
	buf_free(&k);
	return a;
}

static const char *valid_kind(const char *k)
{
	for (size_t i = 0; k && i < 3; i++)
		if (strcmp(k, kinds[i]) == 0)
			return kinds[i];
	return NULL;
}

/* The edit form, filled from the request (after an error) or from f. */
static int edit_form(struct req *r, int status, json_t *f, const char *error_key)
{
	json_t *c = json_object();
	const char *kind = json_string_value(json_object_get(f, "kind"));

	json_object_set_new(f, "kinds", kind_options(r, kind ? kind : "procedure"));
	if (json_is_true(json_object_get(f, "is_new"))) {
		/* The text holds a template's questions (at first, or still
		 * after an error): the form says they will not be published. */
		const char *md = json_string_value(json_object_get(f, "markdown"));
		struct buf rest = BUF_INIT;
		json_object_set_new(f, "has_prompts", json_boolean(
			md && lifecycle_without_prompts(r->db, md, &rest) > 0));
		buf_free(&rest);
	}
	if (error_key)
		json_object_set_new(c, "error", json_string(http_msg(r, error_key)));
	json_object_set(c, "title", json_object_get(f, "heading"));
	json_object_set_new(c, "form", f);
	return http_page(r, status, "edit", c);
}

static json_t *form_from_request(struct req *r)
{
	json_t *f = json_object();
	static const char *const fields[] = {"title", "markdown", "comment", "category",
					     "tags", "kind", "base_rev", "rule", "outcome",
					     "procedure", "happened_on"};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = http_form(r, fields[i]);
		if (v)
			json_object_set_new(f, fields[i], json_string(v));
	}
	json_object_set_new(f, "significant", json_boolean(http_form(r, "significant") != NULL));
	json_object_set_new(f, "bent_rule", json_boolean(http_form(r, "bent_rule") != NULL));
	return f;
}

int page_new_form(struct req *r)
{
	bool too_long = false;
	const char *kind = valid_kind(http_param(r, "kind", 20, &too_long));
	const char *title = http_param(r, "title", 600, &too_long);
	json_t *f = json_object();
	char *tmpl;

	if (!kind)
		kind = r->role >= ROLE_EDITOR ? "procedure" : "lesson";
	tmpl = lifecycle_template(r->db, kind, r->lang);
	json_object_set_new(f, "is_new", json_true());
	json_object_set_new(f, "kind", json_string(kind));
	json_object_set_new(f, "title", json_string(title && !too_long ? title : ""));
	json_object_set_new(f, "markdown", json_string(tmpl ? tmpl : ""));
	json_object_set_new(f, "action", json_string("/new"));
	json_object_set_new(f, "heading", json_string(http_msg(r, "edit.new_title")));
	json_object_set_new(f, "can_publish", json_boolean(r->role >= ROLE_EDITOR));
	lifecycle_lesson_form(r, f, NULL);
	free(tmpl);
	return edit_form(r, 200, f, NULL);
}

static int save_error(struct req *r, const struct save_result *res, json_t *f)
{
	if (res->status == SAVE_TOO_LARGE) {
		json_decref(f);
		return http_error(r, 413, "too_large", "err.too_large");
	}
	if (res->status == SAVE_INVALID)
		return edit_form(r, 400, f, res->err_key);
	json_decref(f);
	return http_error(r, 500, "error", "err.internal");
}

int page_new_save(struct req *r)
{
	struct page_save in;
	struct save_result res;
	struct lesson_in lesson;
	json_t *f = form_from_request(r);
	const char *kind = valid_kind(http_form(r, "kind"));
	bool publish = http_form(r, "publish") != NULL && r->role >= ROLE_EDITOR;
	struct buf loc = BUF_INIT, md = BUF_INIT;
	int status;

	json_object_set_new(f, "is_new", json_true());
	json_object_set_new(f, "action", json_string("/new"));
	json_object_set_new(f, "heading", json_string(http_msg(r, "edit.new_title")));
	json_object_set_new(f, "can_publish", json_boolean(r->role >= ROLE_EDITOR));
	if (!kind) {
		lifecycle_lesson_form(r, f, NULL);
		return edit_form(r, 400, f, "err.kind");
	}
	memset(&in, 0, sizeof(in));
	in.title = http_form(r, "title");
	in.markdown = http_form(r, "markdown");
	in.comment = http_form(r, "comment");
	in.category = http_form(r, "category");
	in.tags = http_form(r, "tags");
	in.kind = kind;
	in.base_rev = 0;
	in.author_id = r->uid;
	/* Editors publish at once unless they keep a draft; everyone else
	 * writes drafts that go through review. */
	in.status = publish ? "published" : "draft";
	in.verify = publish && strcmp(kind, "procedure") == 0;
	if (!in.title || !in.markdown) {
		lifecycle_lesson_form(r, f, NULL);
		return edit_form(r, 400, f, !in.title ? "err.title" : "err.markdown");
	}
	lifecycle_lesson_from_form(r, &lesson);
	{
		const char *lerr = lifecycle_lesson_check(r, kind, &lesson);
		if (lerr) {
			lifecycle_lesson_form(r, f, NULL);
			return edit_form(r, 400, f, lerr);
		}
	}
	/* The template's questions are guidance, not text: those left as
	 * they were go now (the form after an error still shows them, as
	 * typed, from f). */
	lifecycle_without_prompts(r->db, in.markdown, &md);
	in.markdown = md.data;
	pages_save(r->db, &in, &res);
	buf_free(&md);
	if (res.status != SAVE_CREATED) {
		lifecycle_lesson_form(r, f, NULL);
		return save_error(r, &res, f);
	}
	json_decref(f);
	lifecycle_after_create(r, res.page_id, kind, &lesson);
	buf_printf(&loc, "/p/%s", res.slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

int page_edit_form(struct req *r)
{
	const char *slug = http_arg(r, 0);
	json_t *p = text_slug_valid(slug, SLUG_MAX) ? pages_get(r->db, slug, 0) : NULL;
	json_t *f;
	struct buf action = BUF_INIT;
	bool direct;

	if (!p || !view_can_see(r, p)) {
		json_decref(p);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	direct = view_can_edit(r, p);
	f = json_object();
	json_object_set(f, "title", json_object_get(p, "title"));
	json_object_set(f, "markdown", json_object_get(p, "markdown"));
	json_object_set(f, "category", json_object_get(p, "category"));
	json_object_set(f, "kind", json_object_get(p, "kind"));
	json_object_set_new(f, "base_rev", json_integer(json_integer_value(json_object_get(p, "rev"))));
	{
		struct buf t = BUF_INIT;
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(p, "tags"), i, v) {
			if (t.len)
				buf_puts(&t, ", ");
			buf_puts(&t, json_string_value(v));
		}
		json_object_set_new(f, "tags", json_string(t.data));
		buf_free(&t);
	}
	buf_printf(&action, "/p/%s/edit", slug);
	json_object_set_new(f, "action", json_string(action.data));
	json_object_set_new(f, "slug", json_string(slug));
	json_object_set_new(f, "is_proposal", json_boolean(!direct));
	json_object_set_new(f, "is_procedure",
			    json_boolean(strcmp(json_string_value(json_object_get(p, "kind")), "procedure") == 0));
	json_object_set_new(f, "heading", json_string(json_string_value(json_object_get(p, "title"))));
	json_object_set_new(f, "can_significant", json_boolean(direct));
	lifecycle_edit_context(r, f, p);
	lifecycle_lesson_form(r, f, p);
	json_object_set_new(f, "attachments", files_view(r, p, false));
	buf_free(&action);
	json_decref(p);
	return edit_form(r, 200, f, NULL);
}

/* 409: both texts, the user's intact, and what changed in between. */
static int conflict(struct req *r, json_t *f, const char *slug, int base)
{
	json_t *cur = pages_get(r->db, slug, 0), *c = json_object(), *hunks;
	const char *mine = json_string_value(json_object_get(f, "markdown"));
	const char *theirs = cur ? json_string_value(json_object_get(cur, "markdown")) : "";
	struct diff_lines a, b;
	struct diff_op *ops = NULL;
	size_t nops = 0;

	diff_lines_split(&a, theirs, strlen(theirs));
	diff_lines_split(&b, mine ? mine : "", mine ? strlen(mine) : 0);
	diff_compute(&a, &b, &ops, &nops);
	hunks = diff_hunks_json(&a, &b, ops, nops, 3, NULL, NULL);
	free(ops);
	diff_lines_free(&a);
	diff_lines_free(&b);
	json_object_set_new(f, "base_rev", json_integer(cur ? json_integer_value(json_object_get(cur, "rev")) : 0));
	json_object_set_new(c, "title", json_string(http_msg(r, "conflict.title")));
	json_object_set_new(c, "form", f);
	json_object_set_new(c, "current", cur ? cur : json_object());
	json_object_set_new(c, "your_base", json_integer(base));
	json_object_set_new(c, "hunks", hunks);
	if (cur)
		view_time(r, cur, "saved_at");
	return http_page(r, 409, "conflict", c);
}

int page_edit_save(struct req *r)
{
	const char *slug = http_arg(r, 0);
	json_t *p = text_slug_valid(slug, SLUG_MAX) ? pages_get(r->db, slug, 0) : NULL;
	json_t *f;
	struct page_save in;
	struct save_result res;
	struct lesson_in lesson;
	struct buf loc = BUF_INIT, action = BUF_INIT;
	int base, status;
	bool direct;

	if (!p || !view_can_see(r, p)) {
		json_decref(p);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	direct = view_can_edit(r, p);
	f = form_from_request(r);
	buf_printf(&action, "/p/%s/edit", slug);
	json_object_set_new(f, "action", json_string(action.data));
	json_object_set_new(f, "slug", json_string(slug));
	json_object_set_new(f, "is_proposal", json_boolean(!direct));
	json_object_set_new(f, "heading", json_string(json_string_value(json_object_get(p, "title"))));
	json_object_set_new(f, "can_significant", json_boolean(direct));
	json_object_set(f, "kind", json_object_get(p, "kind"));
	buf_free(&action);
	base = (int)http_int(r, "base_rev", 1, 1000000000, -1);
	if (base < 1 || !http_form(r, "title") || !http_form(r, "markdown")) {
		lifecycle_lesson_form(r, f, NULL);
		lifecycle_edit_context(r, f, p);
		json_decref(p);
		return edit_form(r, 400, f, base < 1 ? "err.base_rev" : "err.markdown");
	}
	if (!direct) {
		/* A stale proposal gets the same conflict page as an edit: the
		 * proposer's text must survive too. */
		if (base != (int)json_integer_value(json_object_get(p, "current_rev"))) {
			lifecycle_lesson_form(r, f, NULL);
			lifecycle_edit_context(r, f, p);
			json_decref(p);
			return conflict(r, f, slug, base);
		}
		status = lifecycle_propose(r, p, f, base);
		json_decref(p);
		return status;
	}
	memset(&in, 0, sizeof(in));
	in.slug = slug;
	in.title = http_form(r, "title");
	in.markdown = http_form(r, "markdown");
	in.comment = http_form(r, "comment");
	in.category = http_form(r, "category");
	in.tags = http_form(r, "tags");
	in.base_rev = base;
	in.author_id = r->uid;
	in.significant = http_form(r, "significant") != NULL;
	in.lesson_id = http_int(r, "lesson", 1, (long long)1 << 53, 0);
	/* An editor's save of a procedure counts as verifying it. */
	in.verify = strcmp(json_string_value(json_object_get(p, "kind")), "procedure") == 0 &&
		    strcmp(json_string_value(json_object_get(p, "status")), "published") == 0;
	lifecycle_lesson_from_form(r, &lesson);
	{
		const char *lerr = lifecycle_lesson_check(
			r, json_string_value(json_object_get(p, "kind")), &lesson);
		if (lerr) {
			lifecycle_lesson_form(r, f, NULL);
			lifecycle_edit_context(r, f, p);
			json_decref(p);
			return edit_form(r, 400, f, lerr);
		}
	}
	pages_save(r->db, &in, &res);
	if (res.status == SAVE_CONFLICT) {
		lifecycle_lesson_form(r, f, NULL);
		lifecycle_edit_context(r, f, p);
		json_decref(p);
		return conflict(r, f, slug, base);
	}
	if (res.status != SAVE_SAVED && res.status != SAVE_UNCHANGED) {
		lifecycle_lesson_form(r, f, NULL);
		lifecycle_edit_context(r, f, p);
		json_decref(p);
		return save_error(r, &res, f);
	}
	json_decref(f);
	lifecycle_after_save(r, p, res.rev, in.lesson_id, &lesson);
	json_decref(p);
	buf_printf(&loc, "/p/%s", slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}

int page_restore(struct req *r)
{
	const char *slug = http_arg(r, 0);
	long long n = http_int(r, "rev", 1, 1000000000, 0);
	json_t *old = (n && text_slug_valid(slug, SLUG_MAX)) ? pages_get(r->db, slug, (int)n) : NULL;
	struct page_save in;
	struct save_result res;
	struct buf loc = BUF_INIT, comment = BUF_INIT;
	int status;

	if (!old || !view_can_see(r, old)) {
		json_decref(old);
		return http_error(r, 404, "not_found", "err.revision");
	}
	/* The revision the restorer saw as current: without it, a restore
	 * would overwrite an edit saved meanwhile. */
	memset(&in, 0, sizeof(in));
	in.base_rev = (int)http_int(r, "base_rev", 1, 1000000000, -1);
	if (in.base_rev < 1) {
		json_decref(old);
		return http_error(r, 400, "bad_request", "err.base_rev");
	}
	view_count(&comment, http_msg(r, "history.restored_comment"), n);
	in.slug = slug;
	in.title = json_string_value(json_object_get(old, "title"));
	in.markdown = json_string_value(json_object_get(old, "markdown"));
	in.comment = comment.data;
	in.author_id = r->uid;
	in.restored_from = (int)n;
	pages_save(r->db, &in, &res);
	json_decref(old);
	buf_free(&comment);
	if (res.status == SAVE_CONFLICT)
		return http_error(r, 409, "conflict", "err.conflict");
	if (res.status != SAVE_SAVED)
		return http_error(r, 400, "bad_request", "err.revision");
	buf_printf(&loc, "/p/%s", slug);
	status = http_redirect(r, loc.data);
	buf_free(&loc);
	return status;
}
