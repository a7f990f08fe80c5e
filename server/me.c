/*
 * me.c - /me: each person's own page: their inbox (what needs them now,
 * inbox.c), their drafts and proposals, their secret feed link, and
 * settings (interface language, password). me_render builds the context
 * and calls one function per section.
 */
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "feed.h"
#include "http.h"
#include "inbox.h"
#include "lifecycle.h"
#include "onboarding.h"
#include "role.h"
#include "routes.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

static json_t *my_drafts(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT slug, title, kind, status, updated_at FROM pages "
		"WHERE created_by = ?1 AND status IN ('draft','in_review') ORDER BY updated_at DESC");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, r->uid);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I}",
			"slug", db_col_text(st, 0), "title", db_col_text(st, 1),
			"kind", db_col_text(st, 2), "status", db_col_text(st, 3),
			"updated_at", (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_reset(st);
	view_labels_all(r, a);
	view_times(r, a, "updated_at");
	return a;
}

/* The inbox, the feed link (feed_token: just made, shown once) and the
 * administration links of managers and admins. */
static void inbox_section(struct req *r, json_t *c, const char *feed_token)
{
	struct inbox_user u;
	json_t *feed = json_object();

	if (inbox_user_of(r, &u) == 0) {
		static const char *const keys[] = {"returned", "overdue", "flags", "challenges",
						   "news", "changes"};
		json_t *in = inbox_build(r, &u), *sections = json_array(), *v;
		struct buf h = BUF_INIT;
		size_t k;

		/* The API's due_text is the ISO day; the page says it as people
		 * write it, in <time datetime="{{due_on}}">. */
		json_array_foreach(json_object_get(in, "overdue"), k, v) {
			json_object_set(v, "due_on", json_object_get(v, "due_text"));
			view_day(r, v, "due_on");
		}
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			json_t *items = json_object_get(in, keys[i]);
			if (!json_array_size(items))
				continue;
			buf_reset(&h);
			buf_puts(&h, "inbox.");
			buf_puts(&h, keys[i]);
			json_array_append_new(sections, json_pack("{s:s, s:s, s:O}", "key", keys[i],
				"heading", http_msg(r, h.data), "items", items));
		}
		buf_free(&h);
		json_object_set_new(in, "can_mark_seen",
			json_boolean(json_array_size(json_object_get(in, "news")) +
				     json_array_size(json_object_get(in, "changes")) > 0));
		json_object_set_new(in, "sections", sections);
		json_object_set_new(c, "inbox", in);
	}
	json_object_set_new(feed, "has_token", json_boolean(feed_token || feed_has_token(r)));
	if (feed_token) {
		struct buf url = BUF_INIT;
		feed_url(r, feed_token, &url);
		json_object_set_new(feed, "url", json_string(url.data));
		buf_free(&url);
	}
	json_object_set_new(c, "feed", feed);
	json_object_set_new(c, "can_templates", json_boolean(r->role >= ROLE_MANAGER));
	json_object_set_new(c, "can_audit", json_boolean(r->role >= ROLE_ADMIN));
}

static int me_render_with(struct req *r, int status, const char *notice, const char *error,
			  const char *feed_token)
{
	json_t *c = json_object();

	json_object_set_new(c, "title", json_string(http_msg(r, "me.title")));
	inbox_section(r, c, feed_token);
	onboarding_me(r, c);
	json_object_set_new(c, "drafts", my_drafts(r));
	json_object_set_new(c, "lang_es", json_boolean(strcmp(r->lang, "es") == 0));
	json_object_set_new(c, "lang_en", json_boolean(strcmp(r->lang, "en") == 0));
	if (notice)
		json_object_set_new(c, "notice", json_string(http_msg(r, notice)));
	if (error)
		json_object_set_new(c, "error", json_string(http_msg(r, error)));
	return http_page(r, status, "me", c);
}

static int me_render(struct req *r, int status, const char *notice, const char *error)
{
	return me_render_with(r, status, notice, error, NULL);
}

int me_page(struct req *r)
{
	return me_render(r, 200, NULL, NULL);
}

int me_settings(struct req *r)
{
	const char *lang = http_form(r, "language");
	const char *pw = http_form(r, "password");
	const char *old = http_form(r, "current_password");
	sqlite3_stmt *st;

	if (lang) {
		if (strcmp(lang, "es") != 0 && strcmp(lang, "en") != 0)
			return me_render(r, 400, NULL, "err.language");
		st = db_stmt(r->db, "UPDATE users SET language = ?2 WHERE id = ?1");
		if (!st)
			return http_error(r, 500, "error", "err.internal");
		db_bind_int(st, 1, r->uid);
		db_bind_text(st, 2, lang);
		sqlite3_step(st);
		sqlite3_reset(st);
		r->lang = strcmp(lang, "es") == 0 ? "es" : "en";
		return me_render(r, 200, "me.saved", NULL);
	}
	if (pw) {
		char *hash = NULL, *cur = NULL;
		bool ok;
		if (strlen(pw) < 8 || strlen(pw) > 200)
			return me_render(r, 400, NULL, "err.password");
		st = db_stmt(r->db, "SELECT pw_hash FROM users WHERE id = ?1");
		if (st) {
			db_bind_int(st, 1, r->uid);
			if (sqlite3_step(st) == SQLITE_ROW)
				cur = xstrdup(db_col_text(st, 0));
			sqlite3_reset(st);
		}
		/* Rare and deliberate: verified inline rather than on the pool. */
		ok = cur && old && auth_verify_password(cur, old);
		free(cur);
		if (!ok)
			return me_render(r, 400, NULL, "me.wrong_password");
		hash = auth_hash_password(pw);
		st = db_stmt(r->db, "UPDATE users SET pw_hash = ?2 WHERE id = ?1");
		if (!hash || !st) {
			free(hash);
			return http_error(r, 500, "error", "err.internal");
		}
		db_bind_int(st, 1, r->uid);
		db_bind_text(st, 2, hash);
		sqlite3_step(st);
		sqlite3_reset(st);
		free(hash);
		lifecycle_audit(r, "user.passwd", r->username, "self");
		return me_render(r, 200, "me.password_changed", NULL);
	}
	return me_render(r, 400, NULL, "err.bad_request");
}

/* POST /me/seen: the changes and decisions shown so far are seen. */
int me_seen(struct req *r)
{
	if (inbox_mark_seen(r) < 0)
		return http_error(r, 500, "error", "err.internal");
	return http_redirect(r, "/me");
}

/* POST /me/feed  action=new|revoke: the secret feed link. A new link is
 * shown once, on this answer (only its hash is kept). */
int me_feed(struct req *r)
{
	const char *action = http_form(r, "action");
	char *token;
	int status;

	if (action && strcmp(action, "revoke") == 0) {
		if (feed_token_revoke(r) < 0)
			return http_error(r, 500, "error", "err.internal");
		return me_render(r, 200, "me.feed_revoked", NULL);
	}
	/* Anything but the form's two buttons: the old link keeps working. */
	if (!action || strcmp(action, "new") != 0)
		return http_error(r, 400, "bad_request", "err.bad_request");
	token = feed_token_new(r);
	if (!token)
		return http_error(r, 500, "error", "err.internal");
	status = me_render_with(r, 200, "me.feed_made", NULL, token);
	free(token);
	return status;
}
