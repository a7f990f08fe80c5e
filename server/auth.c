/*
 * auth.c - passwords, sessions, tokens, CSRF, throttling.
 *
 * Invariants: no token is ever stored or logged in clear, only its
 * BLAKE2b-256 hash; comparisons of secrets are constant-time; unknown users
 * and wrong passwords take the same path and the same time (a dummy hash
 * is verified for unknown users).
 *
 * Caveats: the throttle table lives in memory, so a restart forgets it;
 * that is acceptable (an attacker restarting the server has won already)
 * and keeps the hot path free of writes.
 */
#include "auth.h"

#include "buf.h"
#include "cache.h"
#include "db.h"
#include "form.h"
#include "http.h"
#include "metrics.h"
#include "onboarding.h"
#include "role.h"

#include <ctype.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- passwords ---- */

static unsigned long long ops_limit;
static size_t mem_limit;
static char *dummy_hash; /* verified for unknown users: same time either way */

char *auth_hash_password(const char *pw)
{
	char out[crypto_pwhash_STRBYTES];

	if (crypto_pwhash_str(out, pw, strlen(pw), ops_limit, mem_limit) != 0)
		return NULL;
	return xstrdup(out);
}

bool auth_verify_password(const char *hash, const char *pw)
{
	if (!hash || !*hash)
		hash = dummy_hash;
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 &&
	       hash != dummy_hash;
}

/* ---- tokens ---- */

void auth_new_token(char *out)
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void auth_token_hash(const char *token, unsigned char out[32])
{
	crypto_generichash(out, 32, (const unsigned char *)token, strlen(token),
			   NULL, 0);
}

/* ---- the verification pool ---- */

struct job {
	struct req *r;
	char *hash;
	char *pw;
	auth_done_fn fn;
	bool ok;
	struct job *next;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct job *queue_head, *queue_tail;
static pthread_t *pool;
static int npool;
static bool pool_stop;

static void *pool_main(void *arg)
{
	(void)arg;
	/* Lowest CPU priority for this thread (Linux nice is per thread):
	 * argon2id is deliberately expensive, and under a storm of logins the
	 * event loops serving pages must win the cores. When they are idle
	 * the pool runs at full speed; when busy it still gets a share. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19) < 0)
		perror("oficio: setpriority");
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&pool_lock);
		while (!queue_head && !pool_stop)
			pthread_cond_wait(&pool_cond, &pool_lock);
		if (!queue_head && pool_stop) {
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		j = queue_head;
		queue_head = j->next;
		if (!queue_head)
			queue_tail = NULL;
		pthread_mutex_unlock(&pool_lock);

		j->ok = auth_verify_password(j->hash, j->pw);
		sodium_memzero(j->pw, strlen(j->pw));
		http_resume(j->r, j->fn);
	}
}

void auth_verify_async(struct req *r, const char *hash, const char *pw,
		       auth_done_fn fn)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->r = r;
	j->hash = xstrdup(hash ? hash : "");
	j->pw = xstrdup(pw);
	j->fn = fn;
	r->defer = j;
	pthread_mutex_lock(&pool_lock);
	if (queue_tail)
		queue_tail->next = j;
	else
		queue_head = j;
	queue_tail = j;
	pthread_cond_signal(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
}

bool auth_verify_result(struct req *r)
{
	struct job *j = r->defer;
	bool ok = j && j->ok;

	if (j) {
		free(j->hash);
		free(j->pw);
		free(j);
		r->defer = NULL;
	}
	return ok;
}

int auth_init(int nthreads)
{
	if (sodium_init() < 0)
		return -1;
	/* Tests create many users; OFICIO_WEAK_HASH makes hashing cheap there.
	 * Verification reads the parameters from the stored string, so hashes
	 * made either way keep working. */
	if (getenv("OFICIO_WEAK_HASH")) {
		ops_limit = crypto_pwhash_OPSLIMIT_MIN;
		mem_limit = crypto_pwhash_MEMLIMIT_MIN;
	} else {
		ops_limit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		mem_limit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	}
	if (!dummy_hash) {
		char pw[AUTH_TOKEN_LEN + 1];
		auth_new_token(pw);
		pw[32] = '\0';
		dummy_hash = auth_hash_password(pw);
		if (!dummy_hash)
			return -1;
	}
	if (nthreads > 0 && !pool) {
		npool = nthreads;
		pool = xcalloc((size_t)npool, sizeof(*pool));
		for (int i = 0; i < npool; i++)
			pthread_create(&pool[i], NULL, pool_main, NULL);
	}
	return 0;
}

void auth_shutdown(void)
{
	if (pool) {
		pthread_mutex_lock(&pool_lock);
		pool_stop = true;
		pthread_cond_broadcast(&pool_cond);
		pthread_mutex_unlock(&pool_lock);
		for (int i = 0; i < npool; i++)
			pthread_join(pool[i], NULL);
		free(pool);
		pool = NULL;
	}
	free(dummy_hash);
	dummy_hash = NULL;
}

/* ---- sessions ---- */

static void set_user(struct req *r, sqlite3_stmt *st)
{
	const char *lang = db_col_text(st, 4);

	r->uid = sqlite3_column_int64(st, 0);
	r->username = xstrdup(db_col_text(st, 1));
	r->display_name = xstrdup(db_col_text(st, 2));
	r->role = role_parse(db_col_text(st, 3));
	if (r->role < 0)
		r->role = ROLE_READER;
	if (strcmp(lang, "es") == 0)
		r->lang = "es";
	else if (strcmp(lang, "en") == 0)
		r->lang = "en";
}

static const char *bearer(struct req *r)
{
	const char *h = http_header(r, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

/* Sessions are looked up in the database once and then remembered in the
 * thread's fragment cache for a few seconds: any write (a logout, a role
 * change, a deactivation from /admin) bumps the cache generation and
 * forgets them all at once; a change made by the CLI, another process, is
 * seen within SESSION_MEMO_TTL. The record is length-prefixed fields:
 * uid, role, username, display name, language, csrf. */
#define SESSION_MEMO_TTL 10

static void memo_field(struct buf *b, const char *s)
{
	buf_int(b, (long long)strlen(s));
	buf_putc(b, ':');
	buf_puts(b, s);
}

static void session_memo_put(struct req *r, const char *key, uint64_t gen, int64_t now,
			     const char *lang)
{
	struct buf b = BUF_INIT;

	buf_int(&b, r->uid);
	buf_putc(&b, ' ');
	buf_int(&b, r->role);
	buf_putc(&b, ' ');
	memo_field(&b, r->username);
	memo_field(&b, r->display_name);
	memo_field(&b, lang);
	memo_field(&b, r->csrf);
	cache_put(http_cache(r), key, gen, now, "", 0, b.data, b.len);
	buf_free(&b);
}

/* Next length-prefixed field at *p (end e); malloc'd, or NULL. */
static char *memo_next(const char **p, const char *e)
{
	char *end;
	long n = strtol(*p, &end, 10);
	char *v;

	if (end >= e || *end != ':' || n < 0 || n > e - end - 1)
		return NULL;
	v = xstrndup(end + 1, (size_t)n);
	*p = end + 1 + n;
	return v;
}

static bool session_memo_get(struct req *r, const char *key, int64_t now)
{
	struct cache_hit hit;
	const char *p, *e;
	char *end, *lang;
	long long uid;
	long role;

	if (!cache_get_ttl(http_cache(r), key, now, SESSION_MEMO_TTL, &hit))
		return false;
	p = hit.body;
	e = hit.body + hit.blen;
	uid = strtoll(p, &end, 10);
	role = strtol(end, &end, 10);
	if (*end != ' ' || uid < 1 || role < ROLE_READER || role > ROLE_ADMIN)
		return false;
	p = end + 1;
	r->username = memo_next(&p, e);
	r->display_name = r->username ? memo_next(&p, e) : NULL;
	lang = r->display_name ? memo_next(&p, e) : NULL;
	r->csrf = lang ? memo_next(&p, e) : NULL;
	if (!r->csrf) {
		free(r->username);
		free(r->display_name);
		free(lang);
		r->username = r->display_name = NULL;
		return false;
	}
	r->uid = uid;
	r->role = (int)role;
	if (strcmp(lang, "es") == 0)
		r->lang = "es";
	else if (strcmp(lang, "en") == 0)
		r->lang = "en";
	free(lang);
	return true;
}

void auth_resolve(struct req *r)
{
	const char *tok = bearer(r);
	unsigned char hash[32];
	sqlite3_stmt *st;
	struct form cookies = {0};
	struct buf key = BUF_INIT;
	uint64_t gen = cache_generation();
	int64_t now = 0;

	if (tok) {
		if (strlen(tok) != AUTH_TOKEN_LEN)
			return;
		auth_token_hash(tok, hash);
		st = db_stmt(r->db,
			"SELECT u.id, u.username, u.display_name, u.role, "
			"coalesce(u.language, ''), t.id, coalesce(t.last_used_at, 0) "
			"FROM api_tokens t JOIN users u ON u.id = t.user_id "
			"WHERE t.token_hash = ?1 AND t.revoked = 0 AND u.active = 1");
		if (!st)
			return;
		sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			long long id = sqlite3_column_int64(st, 5);
			long long last = sqlite3_column_int64(st, 6);
			set_user(r, st);
			r->via_token = true;
			sqlite3_reset(st);
			/* Record use at most hourly: no write per request. */
			if (last < db_now() - 3600) {
				st = db_stmt(r->db, "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1");
				if (st) {
					db_bind_int(st, 1, id);
					db_bind_int(st, 2, db_now());
					sqlite3_step(st);
					sqlite3_reset(st);
				}
			}
		}
		sqlite3_reset(st);
		return;
	}
	const char *ch = http_header(r, "Cookie");
	if (!ch || form_parse_cookies(&cookies, ch) < 0)
		goto out;
	tok = form_get(&cookies, SESSION_COOKIE);
	if (!tok || strlen(tok) != AUTH_TOKEN_LEN)
		goto out;
	now = db_now();
	buf_puts(&key, "s|");
	buf_puts(&key, tok);
	if (r->w && session_memo_get(r, key.data, now))
		goto out;
	auth_token_hash(tok, hash);
	st = db_stmt(r->db,
		"SELECT u.id, u.username, u.display_name, u.role, "
		"coalesce(u.language, ''), s.csrf "
		"FROM sessions s JOIN users u ON u.id = s.user_id "
		"WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.active = 1");
	if (!st)
		goto out;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	db_bind_int(st, 2, db_now());
	if (sqlite3_step(st) == SQLITE_ROW) {
		set_user(r, st);
		r->csrf = xstrdup(db_col_text(st, 5));
		if (r->w)
			session_memo_put(r, key.data, gen, now, db_col_text(st, 4));
	}
	sqlite3_reset(st);
out:
	buf_free(&key);
	form_free(&cookies);
}

bool auth_csrf_ok(struct req *r)
{
	const char *t;
	size_t n;

	if (r->via_token)
		return true;
	if (!r->csrf)
		return false;
	t = form_get(&r->body, "csrf");
	if (!t)
		t = http_header(r, "X-CSRF-Token");
	if (!t)
		return false;
	n = strlen(r->csrf);
	return strlen(t) == n && sodium_memcmp(t, r->csrf, n) == 0;
}

static void set_cookie(struct req *r, const char *value, long max_age)
{
	struct buf c = BUF_INIT;

	buf_printf(&c, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld%s",
		   SESSION_COOKIE, value, max_age,
		   g_server && g_server->cfg.secure_cookies ? "; Secure" : "");
	http_set_header(r, "Set-Cookie", c.data);
	buf_free(&c);
}

int auth_start_session(struct req *r, long long uid)
{
	char tok[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
	unsigned char hash[32];
	sqlite3_stmt *st;
	int64_t now = db_now();
	int rc;

	auth_new_token(tok);
	auth_new_token(csrf);
	auth_token_hash(tok, hash);
	st = db_stmt(r->db,
		"INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		return -1;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	db_bind_int(st, 2, uid);
	db_bind_text(st, 3, csrf);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, now + SESSION_DAYS * 86400);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	/* Housekeeping rides along with logins: no timer needed. */
	st = db_stmt(r->db, "DELETE FROM sessions WHERE expires_at <= ?1");
	if (st) {
		db_bind_int(st, 1, now);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	set_cookie(r, tok, SESSION_DAYS * 86400L);
	free(r->csrf);
	r->csrf = xstrdup(csrf);
	return 0;
}

void auth_end_session(struct req *r)
{
	struct form cookies = {0};
	const char *ch = http_header(r, "Cookie");
	const char *tok;

	if (ch && form_parse_cookies(&cookies, ch) == 0 &&
	    (tok = form_get(&cookies, SESSION_COOKIE)) != NULL) {
		unsigned char hash[32];
		sqlite3_stmt *st = db_stmt(r->db, "DELETE FROM sessions WHERE token_hash = ?1");
		auth_token_hash(tok, hash);
		if (st) {
			sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
	form_free(&cookies);
	set_cookie(r, "", 0);
}

int auth_end_all(struct db *db, long long uid)
{
	sqlite3_stmt *st = db_stmt(db, "DELETE FROM sessions WHERE user_id = ?1");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, uid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	st = db_stmt(db, "UPDATE api_tokens SET revoked = 1 WHERE user_id = ?1");
	if (!st)
		return -1;
	db_bind_int(st, 1, uid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

long long auth_create_user(struct db *db, const char *username,
			   const char *display, int role, const char *pw)
{
	char *hash = NULL;
	sqlite3_stmt *st;
	long long id = -1;
	int rc;

	if (pw && !(hash = auth_hash_password(pw)))
		return -1;
	st = db_stmt(db,
		"INSERT INTO users(username, display_name, role, pw_hash, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5)");
	if (!st)
		goto out;
	db_bind_text(st, 1, username);
	db_bind_text(st, 2, display && *display ? display : username);
	db_bind_text(st, 3, role_name(role));
	db_bind_text(st, 4, hash);
	db_bind_int(st, 5, db_now());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		id = sqlite3_last_insert_rowid(db_handle(db));
		/* Paths marked for this role (issue 7); best effort: a user
		 * without them can still be given them by hand. */
		onboarding_auto_assign(db, id, role);
	} else if (rc == SQLITE_CONSTRAINT_UNIQUE)
		id = -2;
out:
	if (hash) {
		sodium_memzero(hash, strlen(hash));
		free(hash);
	}
	return id;
}

/* ---- throttling ---- */

#define THROTTLE_SLOTS 4096
#define THROTTLE_WINDOW 900   /* seconds */
#define MAX_USER_FAILS 5
#define MAX_ADDR_FAILS 20

struct throttle {
	char key[80];        /* "u:name" or "a:address"; "" when free */
	int fails;
	time_t since;
	time_t busy_until;   /* accounts: an attempt is being verified */
};

/* How long an attempt may keep its account busy at the most (its outcome
 * normally frees it within the verification's time). */
#define BUSY_SECONDS 30

static struct throttle table[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static struct throttle *slot_for(const char *kind, const char *value, bool create)
{
	char key[80];
	unsigned long h = 5381;
	time_t now = time(NULL);

	snprintf(key, sizeof(key), "%s:%s", kind, value);
	for (char *p = key; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		h = h * 33 + (unsigned char)*p;
	}
	for (int probe = 0; probe < 8; probe++) {
		struct throttle *t = &table[(h + (unsigned long)probe) % THROTTLE_SLOTS];
		if (strcmp(t->key, key) == 0) {
			if (now - t->since > THROTTLE_WINDOW) {
				t->fails = 0;
				t->since = now;
			}
			return t;
		}
	}
	if (!create)
		return NULL;
	/* Take a free or expired slot; failing that, the oldest of the run. */
	struct throttle *best = NULL;
	for (int probe = 0; probe < 8; probe++) {
		struct throttle *t = &table[(h + (unsigned long)probe) % THROTTLE_SLOTS];
		if (!t->key[0] || now - t->since > THROTTLE_WINDOW) {
			best = t;
			break;
		}
		if (!best || t->since < best->since)
			best = t;
	}
	snprintf(best->key, sizeof(best->key), "%s", key);
	best->fails = 0;
	best->since = now;
	best->busy_until = 0;
	return best;
}

enum auth_attempt auth_attempt(const char *username, const char *addr)
{
	struct throttle *u = NULL, *a;
	enum auth_attempt out = ATTEMPT_GO;
	time_t now = time(NULL);

	pthread_mutex_lock(&throttle_lock);
	if (username && *username && (u = slot_for("u", username, true))->fails >= MAX_USER_FAILS)
		out = ATTEMPT_THROTTLED;
	if (addr && *addr && (a = slot_for("a", addr, false)) && a->fails >= MAX_ADDR_FAILS)
		out = ATTEMPT_THROTTLED;
	/* One verification per account at a time: fifty attempts sent at once
	 * would otherwise all pass the check while the first was hashing. */
	if (out == ATTEMPT_GO && u) {
		if (u->busy_until > now)
			out = ATTEMPT_WAIT;
		else
			u->busy_until = now + BUSY_SECONDS;
	}
	pthread_mutex_unlock(&throttle_lock);
	return out;
}

void auth_attempt_done(const char *username, const char *addr, bool ok)
{
	struct throttle *t;

	pthread_mutex_lock(&throttle_lock);
	if (username && *username && (t = slot_for("u", username, !ok))) {
		t->busy_until = 0;
		if (ok)
			t->fails = 0;
		else
			t->fails++;
	}
	if (!ok && addr && *addr)
		slot_for("a", addr, true)->fails++;
	pthread_mutex_unlock(&throttle_lock);
	metrics_login(ok);
}
