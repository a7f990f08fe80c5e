/*
 * auth.h - passwords, sessions, API tokens, CSRF and login throttling.
 *
 * Passwords: argon2id via crypto_pwhash_str, verified on a small pool of
 * threads so a storm of logins never stalls page views. Session and API
 * tokens are 32 random bytes (base64url in the cookie/header); only their
 * BLAKE2b-256 hash is stored. Each session has its own CSRF token, checked
 * in constant time. Throttling is in memory: failures per account and per
 * client address in a sliding window answer 429 before any hashing.
 */
#ifndef OFICIO_AUTH_H
#define OFICIO_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct req;
struct db;

#define AUTH_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */
#define SESSION_COOKIE "oficio_session"
#define SESSION_DAYS 14

/* sodium_init and the password pool (nthreads >= 1). 0 or -1. */
int auth_init(int nthreads);
void auth_shutdown(void);

/* Hash a password (blocking; CLI and the pool). malloc'd string or NULL. */
char *auth_hash_password(const char *pw);
/* Verify (blocking). */
bool auth_verify_password(const char *hash, const char *pw);

/* Fill out[AUTH_TOKEN_LEN + 1] with a fresh random token. */
void auth_new_token(char *out);
/* BLAKE2b-256 of a token into out[32]. */
void auth_token_hash(const char *token, unsigned char out[32]);

/* Who is asking: the session cookie or the Bearer token of r; fills
 * r->uid, role, username, display_name, csrf, via_token, lang. An
 * invalid or expired credential leaves r anonymous. */
void auth_resolve(struct req *r);

/* True if the state-changing request r carries the session's CSRF token
 * (form field "csrf" or header X-CSRF-Token); always true for Bearer. */
bool auth_csrf_ok(struct req *r);

/* Create a session for uid and set the cookie on r. 0 or -1. */
int auth_start_session(struct req *r, long long uid);
/* End r's session (row deleted, cookie cleared). */
void auth_end_session(struct req *r);
/* End every session and API token of a user (deactivation). */
int auth_end_all(struct db *db, long long uid);

/* Throttling (5 failures per account, 20 per address in 15 minutes), and
 * one verification per account at a time. auth_attempt, before verifying
 * a password: ATTEMPT_THROTTLED if this account or address must wait its
 * 15 minutes; ATTEMPT_WAIT if another attempt on the account is being
 * verified (ask again shortly: its outcome may throttle this one);
 * ATTEMPT_GO, and the account is busy until auth_attempt_done, which
 * every ATTEMPT_GO must be followed by: it records the outcome (a failure
 * counts for the account and the address; a success clears the
 * account's) in the throttle and the metrics. */
enum auth_attempt { ATTEMPT_GO, ATTEMPT_WAIT, ATTEMPT_THROTTLED };
enum auth_attempt auth_attempt(const char *username, const char *addr);
void auth_attempt_done(const char *username, const char *addr, bool ok);

/* Verify pw against hash on the pool, then resume r with fn (http_resume);
 * fn finds the answer with auth_verify_result(r). The hash and pw are
 * copied. */
typedef int (*auth_done_fn)(struct req *r);
void auth_verify_async(struct req *r, const char *hash, const char *pw,
		       auth_done_fn fn);
bool auth_verify_result(struct req *r);

/* Create a user (the CLI and /admin). role is role.h; pw may be NULL.
 * Returns the new id, or -1 (duplicate name: -2). */
long long auth_create_user(struct db *db, const char *username,
			   const char *display, int role, const char *pw);

#endif
