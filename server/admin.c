/*
 * admin.c - /admin/users: add people, change roles, reset passwords,
 * deactivate (which ends sessions and tokens and keeps everything they
 * wrote).
 */
#include "auth.h"
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "role.h"
#include "routes.h"
#include "text.h"
#include "view.h"

#include <stdlib.h>
#include <string.h>

static json_t *users_json(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT id, username, display_name, role, active, created_at, departs_on "
		"FROM users ORDER BY active DESC, username COLLATE NOCASE");
	json_t *a = json_array();

	if (!st)
		return a;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *role = db_col_text(st, 3);
		json_t *roles = json_array();
		for (int i = ROLE_READER; i <= ROLE_ADMIN; i++) {
			struct buf k = BUF_INIT;
			buf_printf(&k, "role.%s", role_name(i));
			json_array_append_new(roles, json_pack("{s:s, s:s, s:b}", "value", role_name(i),
				"label", http_msg(r, k.data), "selected", strcmp(role, role_name(i)) == 0));
			buf_free(&k);
		}
		json_t *u = json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:o}",
			"id", (json_int_t)sqlite3_column_int64(st, 0),
			"username", db_col_text(st, 1), "name", db_col_text(st, 2),
			"role", role, "active", sqlite3_column_int(st, 4),
			"created_at", (json_int_t)sqlite3_column_int64(st, 5), "roles", roles);
		json_object_set_new(u, "is_me", json_boolean(sqlite3_column_int64(st, 0) == r->uid));
		json_array_append_new(a, u);
	}
	sqlite3_reset(st);
	view_times(r, a, "created_at");
	return a;
}

static int render(struct req *r, int status, const char *notice, const char *error)
{
	json_t *c = json_object(), *roles = json_array();

	for (int i = ROLE_READER; i <= ROLE_ADMIN; i++) {
		struct buf k = BUF_INIT;
		buf_printf(&k, "role.%s", role_name(i));
		json_array_append_new(roles, json_pack("{s:s, s:s, s:b}", "value", role_name(i),
			"label", http_msg(r, k.data), "selected", i == ROLE_STAFF));
		buf_free(&k);
	}
	json_object_set_new(c, "title", json_string(http_msg(r, "admin.users_title")));
	json_object_set_new(c, "users", users_json(r));
	json_object_set_new(c, "roles", roles);
	if (notice)
		json_object_set_new(c, "notice", json_string(http_msg(r, notice)));
	if (error)
		json_object_set_new(c, "error", json_string(http_msg(r, error)));
	return http_page(r, status, "admin_users", c);
}

int admin_users(struct req *r)
{
	const char *done = http_query(r, "done");

	return render(r, 200, done && strcmp(done, "added") == 0 ? "admin.user_added" :
			      done && strcmp(done, "updated") == 0 ? "admin.user_updated" : NULL,
		      NULL);
}

int admin_user_add(struct req *r)
{
	const char *user = http_form(r, "username");
	const char *name = http_form(r, "name");
	const char *pw = http_form(r, "password");
	int role = role_parse(http_form(r, "role"));
	long long id;

	if (!user || !cli_username_ok(user))
		return render(r, 400, NULL, "err.username");
	if (role < 0)
		return render(r, 400, NULL, "err.role");
	if (!pw || strlen(pw) < 8 || strlen(pw) > 200)
		return render(r, 400, NULL, "err.password");
	if (name && (strlen(name) > 100 || !text_utf8_valid(name, strlen(name))))
		return render(r, 400, NULL, "err.name");
	id = auth_create_user(r->db, user, name, role, pw);
	if (id == -2)
		return render(r, 409, NULL, "err.user_exists");
	if (id < 0)
		return http_error(r, 500, "error", "err.internal");
	lifecycle_audit(r, "user.add", user, role_name(role));
	/* Post/redirect/get: a reload must not submit the form again. */
	return http_redirect(r, "/admin/users?done=added");
}

int admin_user_update(struct req *r)
{
	char *end;
	long long id = strtoll(http_arg(r, 0), &end, 10);
	const char *action = http_form(r, "action");
	sqlite3_stmt *st;
	char *username = NULL;
	int rc = -1;

	if (*end || id < 1 || !action)
		return render(r, 400, NULL, "err.bad_request");
	st = db_stmt(r->db, "SELECT username FROM users WHERE id = ?1");
	if (st) {
		db_bind_int(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			username = xstrdup(db_col_text(st, 0));
		sqlite3_reset(st);
	}
	if (!username)
		return render(r, 404, NULL, "err.not_found");
	if (id == r->uid && strcmp(action, "password") != 0) {
		/* An admin cannot lock themselves out by accident. */
		free(username);
		return render(r, 400, NULL, "admin.not_yourself");
	}
	if (strcmp(action, "role") == 0) {
		int role = role_parse(http_form(r, "role"));
		if (role < 0) {
			free(username);
			return render(r, 400, NULL, "err.role");
		}
		st = db_stmt(r->db, "UPDATE users SET role = ?2 WHERE id = ?1");
		if (st) {
			db_bind_int(st, 1, id);
			db_bind_text(st, 2, role_name(role));
			rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
			sqlite3_reset(st);
		}
		lifecycle_audit(r, "user.role", username, role_name(role));
	} else if (strcmp(action, "deactivate") == 0 || strcmp(action, "activate") == 0) {
		bool on = strcmp(action, "activate") == 0;
		if (db_begin(r->db) == 0) {
			st = db_stmt(r->db, "UPDATE users SET active = ?2 WHERE id = ?1");
			if (st) {
				db_bind_int(st, 1, id);
				db_bind_int(st, 2, on);
				rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
				sqlite3_reset(st);
			}
			if (rc == 0 && !on)
				rc = auth_end_all(r->db, id);
			if (rc == 0)
				rc = db_commit(r->db);
			else
				db_rollback(r->db);
		}
		lifecycle_audit(r, on ? "user.activate" : "user.deactivate", username, "");
	} else if (strcmp(action, "password") == 0) {
		const char *pw = http_form(r, "password");
		char *hash;
		if (!pw || strlen(pw) < 8 || strlen(pw) > 200) {
			free(username);
			return render(r, 400, NULL, "err.password");
		}
		hash = auth_hash_password(pw);
		st = db_stmt(r->db, "UPDATE users SET pw_hash = ?2 WHERE id = ?1");
		if (hash && st) {
			db_bind_int(st, 1, id);
			db_bind_text(st, 2, hash);
			rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
			sqlite3_reset(st);
		}
		free(hash);
		lifecycle_audit(r, "user.passwd", username, "admin");
	} else {
		free(username);
		return render(r, 400, NULL, "err.bad_request");
	}
	free(username);
	if (rc < 0)
		return http_error(r, 500, "error", "err.internal");
	return http_redirect(r, "/admin/users?done=updated");
}
