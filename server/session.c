/*
 * session.c - log in, log out, and the one-time link that creates the
 * first administrator.
 *
 * Logging in: throttle check first (a storm gets cheap 429s), then the
 * argon2id verification runs on the password pool while this loop keeps
 * serving; the answer resumes here. A wrong password and an unknown user
 * get the same message.
 */
#include "auth.h"
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "metrics.h"
#include "onboarding.h"
#include "role.h"
#include "routes.h"
#include "text.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USERNAME_MAX 40
#define PASSWORD_MAX 200

/* Where to go after logging in: only local paths. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    strncmp(next, "/login", 6) == 0 || strncmp(next, "/logout", 7) == 0)
		return "/";
	return next;
}

static int login_form(struct req *r, int status, const char *error_key)
{
	json_t *c = json_object();
	const char *next = http_param(r, "next", 1000, NULL);
	const char *user = http_form(r, "username");

	json_object_set_new(c, "title", json_string(http_msg(r, "login.title")));
	json_object_set_new(c, "next", json_string(safe_next(next)));
	if (user && strlen(user) <= USERNAME_MAX)
		json_object_set_new(c, "username", json_string(user));
	if (error_key)
		json_object_set_new(c, "error", json_string(http_msg(r, error_key)));
	return http_page(r, status, "login", c);
}

int session_login_form(struct req *r)
{
	if (r->uid)
		return http_redirect(r, safe_next(http_query(r, "next")));
	return login_form(r, 200, NULL);
}

/* Back on the loop after verification. The username rode along in the
 * request's form; the id lookup is repeated (cheap) rather than carried. */
static int login_done(struct req *r)
{
	bool ok = auth_verify_result(r);
	const char *user = http_form(r, "username");

	auth_attempt_done(user, r->addr, ok);
	if (!ok) {
		lifecycle_audit(r, "login.failed", user, "");
		return r->api ? http_error(r, 401, "unauthorized", "login.wrong")
			      : login_form(r, 401, "login.wrong");
	}
	sqlite3_stmt *st = db_stmt(r->db, "SELECT id FROM users WHERE username = ?1 AND active = 1");
	long long uid = 0;
	if (st) {
		db_bind_text(st, 1, user);
		if (sqlite3_step(st) == SQLITE_ROW)
			uid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (!uid || auth_start_session(r, uid) < 0)
		return http_error(r, 500, "error", "err.internal");
	r->uid = uid;
	lifecycle_audit(r, "login", user, "");
	return http_redirect(r, safe_next(http_form(r, "next")));
}

static int login_throttled(struct req *r)
{
	http_set_header(r, "Retry-After", "900");
	return login_form(r, 429, "login.throttled");
}

int session_login(struct req *r)
{
	const char *user = http_form(r, "username");
	const char *pw = http_form(r, "password");
	sqlite3_stmt *st;
	char *hash = NULL;

	if (!user || !pw || !*user || !*pw || strlen(user) > USERNAME_MAX ||
	    strlen(pw) > PASSWORD_MAX)
		return login_form(r, 400, "login.missing");
	switch (auth_attempt(user, r->addr)) {
	case ATTEMPT_GO:
		break;
	case ATTEMPT_WAIT:
		/* Another attempt on this account is being verified: ask
		 * again once it may be known (a timer, no thread). */
		http_resume_after(r, session_login, 50);
		return HTTP_DEFERRED;
	case ATTEMPT_THROTTLED:
		/* No audit row per refused attempt: a storm would turn every cheap
		 * 429 into a synced write on the loop. The failures that tripped
		 * the throttle are audited already (login.failed). The answer is
		 * held back a second (a timer, no thread, no CPU): a client that
		 * waits for answers can then try once a second, not thousands of
		 * times, and page views keep the cores. */
		metrics_login(false);
		http_resume_after(r, login_throttled, 1000);
		return HTTP_DEFERRED;
	}
	st = db_stmt(r->db, "SELECT pw_hash FROM users WHERE username = ?1 AND active = 1");
	if (st) {
		db_bind_text(st, 1, user);
		if (sqlite3_step(st) == SQLITE_ROW)
			hash = xstrdup(db_col_text(st, 0));
		sqlite3_reset(st);
	}
	/* Unknown users are verified against a dummy hash: same time. */
	auth_verify_async(r, hash, pw, login_done);
	free(hash);
	return HTTP_DEFERRED;
}

int session_logout(struct req *r)
{
	if (r->uid && !r->via_token) {
		/* CSRF: logging someone out is a state change too. */
		if (!r->csrf || !http_form(r, "csrf") ||
		    strcmp(http_form(r, "csrf"), r->csrf) != 0)
			return http_error(r, 403, "csrf", "err.csrf");
		lifecycle_audit(r, "logout", r->username, "");
	}
	auth_end_session(r);
	return http_redirect(r, "/login");
}

/* ---- first administrator ---- */

static bool setup_token_ok(struct req *r, const char *tok)
{
	unsigned char hash[32];
	sqlite3_stmt *st;
	bool ok = false;

	if (!tok || strlen(tok) != AUTH_TOKEN_LEN)
		return false;
	auth_token_hash(tok, hash);
	st = db_stmt(r->db, "SELECT 1 FROM setup_tokens WHERE token_hash = ?1 AND expires_at > ?2 "
			    "AND NOT EXISTS (SELECT 1 FROM users)");
	if (!st)
		return false;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	db_bind_int(st, 2, db_now());
	ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ok;
}

static int setup_form(struct req *r, int status, const char *tok, const char *error_key)
{
	json_t *c = json_object();

	json_object_set_new(c, "title", json_string(http_msg(r, "setup.title")));
	json_object_set_new(c, "token", json_string(tok));
	json_object_set_new(c, "offer_demo", json_boolean(g_server->cfg.offer_demo));
	if (error_key)
		json_object_set_new(c, "error", json_string(http_msg(r, error_key)));
	return http_page(r, status, "setup", c);
}

int session_setup_form(struct req *r)
{
	const char *tok = http_query(r, "token");

	if (!setup_token_ok(r, tok))
		return http_error(r, 404, "not_found", "setup.invalid");
	return setup_form(r, 200, tok, NULL);
}

int session_setup(struct req *r)
{
	const char *tok = http_form(r, "token");
	const char *user = http_form(r, "username");
	const char *name = http_form(r, "name");
	const char *pw = http_form(r, "password");
	long long uid;

	if (!setup_token_ok(r, tok))
		return http_error(r, 404, "not_found", "setup.invalid");
	if (!user || !cli_username_ok(user))
		return setup_form(r, 400, tok, "err.username");
	if (!pw || strlen(pw) < 8 || strlen(pw) > PASSWORD_MAX)
		return setup_form(r, 400, tok, "err.password");
	if (name && (strlen(name) > 100 || !text_utf8_valid(name, strlen(name))))
		return setup_form(r, 400, tok, "err.name");
	if (db_begin(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	uid = auth_create_user(r->db, user, name, ROLE_ADMIN, pw);
	if (uid < 0 || db_exec(r->db, "DELETE FROM setup_tokens") < 0) {
		db_rollback(r->db);
		return setup_form(r, 400, tok, "err.username");
	}
	if (db_commit(r->db) < 0)
		return http_error(r, 500, "error", "err.internal");
	r->uid = uid;
	lifecycle_audit(r, "setup.admin", user, "");
	/* "Fill with demo data" (make run offers it): a fresh instance only. */
	if (g_server->cfg.offer_demo && http_form(r, "demo") && demo_seed(r->db, uid) < 0)
		fprintf(stderr, "oficio: setup: the demo data could not be added\n");
	if (auth_start_session(r, uid) < 0)
		return http_error(r, 500, "error", "err.internal");
	return http_redirect(r, "/");
}
