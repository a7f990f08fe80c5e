/*
 * me.c - /me: each person's own page: their drafts and proposals, and
 * settings (interface language, password).
 */
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
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

static int me_render(struct req *r, int status, const char *notice, const char *error)
{
	json_t *c = json_object();

	json_object_set_new(c, "title", json_string(http_msg(r, "me.title")));
	json_object_set_new(c, "drafts", my_drafts(r));
	json_object_set_new(c, "lang_es", json_boolean(strcmp(r->lang, "es") == 0));
	json_object_set_new(c, "lang_en", json_boolean(strcmp(r->lang, "en") == 0));
	if (notice)
		json_object_set_new(c, "notice", json_string(http_msg(r, notice)));
	if (error)
		json_object_set_new(c, "error", json_string(http_msg(r, error)));
	return http_page(r, status, "me", c);
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
