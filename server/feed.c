/*
 * feed.c - Atom feeds (RFC 4287):
 *   GET /feed.atom          published changes (readers; anyone with
 *                           --public-read), newest first
 *   GET /feed/{token}.atom  one person's inbox, read-only, for a feed
 *                           reader that cannot log in: the token is the
 *                           credential. Only its BLAKE2b hash is stored
 *                           (users.feed_token_hash); /me makes a new one
 *                           (the old stops working) or revokes it.
 * The XML comes from templates/feed_atom.html through the template
 * engine, which escapes every value for XML as it does for HTML; bytes XML
 * 1.0 forbids (control characters, U+FFFE/U+FFFF) are dropped after
 * rendering, so the document is well-formed whatever the data holds.
 */
#include "auth.h"
#include "buf.h"
#include "db.h"
#include "feed.h"
#include "http.h"
#include "inbox.h"
#include "lifecycle.h"
#include "role.h"
#include "routes.h"
#include "template.h"
#include "text.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEED_MAX 50

static void rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* "http://host": the Host the client used when it looks like a host name,
 * else the address we listen on. */
static void base_url(struct req *r, struct buf *out)
{
	const char *host = http_header(r, "Host");
	bool ok = host && *host && strlen(host) <= 255;

	for (const char *c = host; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		     (*c >= '0' && *c <= '9') || strchr(".-:[]", *c);
	buf_puts(out, g_server->cfg.secure_cookies ? "https://" : "http://");
	buf_puts(out, ok ? host : g_server->cfg.listen);
}

/* Drop what XML 1.0 forbids: C0 controls but tab, LF, CR; U+FFFE, U+FFFF. */
static void xml_clean(struct buf *b)
{
	size_t w = 0;

	for (size_t i = 0; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			continue;
		if (c == 0xEF && i + 2 < b->len && (unsigned char)b->data[i + 1] == 0xBF &&
		    ((unsigned char)b->data[i + 2] == 0xBE || (unsigned char)b->data[i + 2] == 0xBF)) {
			i += 2;
			continue;
		}
		b->data[w++] = b->data[i];
	}
	buf_truncate(b, w);
}

static int render(struct req *r, json_t *c)
{
	struct buf out = BUF_INIT;
	int status;

	if (tmpl_render(g_server->tmpl, "feed_atom", c, g_server->msgs, r->lang, &out) < 0) {
		json_decref(c);
		buf_free(&out);
		return http_error(r, 500, "error", "err.internal");
	}
	json_decref(c);
	xml_clean(&out);
	status = http_bytes(r, 200, "application/atom+xml; charset=utf-8", out.data, out.len);
	buf_free(&out);
	return status;
}

static json_t *entry(const char *base, const char *slug, const char *anchor, const char *label,
		     const char *title, int64_t at, const char *author, const char *summary)
{
	struct buf link = BUF_INIT, id = BUF_INIT;
	char t[32];
	json_t *e;

	buf_puts(&link, base);
	buf_puts(&link, "/p/");
	buf_puts(&link, slug);
	buf_puts(&id, link.data);
	buf_putc(&id, '#');
	buf_puts(&id, anchor);
	rfc3339(at, t);
	e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id.data, "link", link.data,
		      "label", label, "title", title, "updated", t, "summary", summary ? summary : "");
	if (author && *author)
		json_object_set_new(e, "author", json_string(author));
	buf_free(&link);
	buf_free(&id);
	return e;
}

/* GET /feed.atom */
int feed_public(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT p.slug, p.title, p.kind, p.updated_at, p.current_rev, u.display_name, "
		"r.comment, substr(t.body, 1, 280) FROM pages p "
		"JOIN revisions r ON r.page_id = p.id AND r.n = p.current_rev "
		"LEFT JOIN page_text t ON t.id = p.id "
		"LEFT JOIN users u ON u.id = r.author_id WHERE p.status = 'published' "
		"ORDER BY p.updated_at DESC, p.id DESC LIMIT ?1");
	struct buf base = BUF_INIT, self = BUF_INIT, k = BUF_INIT;
	json_t *c = json_object(), *entries = json_array();
	int64_t newest = 0;
	char t[32], anchor[32];

	base_url(r, &base);
	if (st) {
		db_bind_int(st, 1, FEED_MAX);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int64_t at = sqlite3_column_int64(st, 3);
			const char *comment = db_col_text(st, 6);
			if (at > newest)
				newest = at;
			buf_reset(&k);
			buf_puts(&k, "kind.");
			buf_puts(&k, db_col_text(st, 2));
			snprintf(anchor, sizeof(anchor), "rev-%d", sqlite3_column_int(st, 4));
			json_array_append_new(entries, entry(base.data, db_col_text(st, 0), anchor,
				http_msg(r, k.data), db_col_text(st, 1), at, db_col_text(st, 5),
				*comment ? comment : db_col_text(st, 7)));
		}
		sqlite3_reset(st);
	}
	buf_puts(&self, base.data);
	buf_puts(&self, "/feed.atom");
	rfc3339(newest ? newest : db_now(), t);
	json_object_set_new(c, "lang", json_string(r->lang));
	json_object_set_new(c, "feed_id", json_string(self.data));
	json_object_set_new(c, "self", json_string(self.data));
	json_object_set_new(c, "base", json_string(base.data));
	json_object_set_new(c, "feed_title", json_string(http_msg(r, "feed.public_title")));
	json_object_set_new(c, "updated", json_string(t));
	json_object_set_new(c, "entries", entries);
	buf_free(&base);
	buf_free(&self);
	buf_free(&k);
	return render(r, c);
}

/* ---- the secret per-user feed ---- */

static bool token_ok(const char *t, size_t n)
{
	if (n != AUTH_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

static void add_items(json_t *entries, json_t *items, const char *base, int64_t *newest)
{
	size_t i;
	json_t *v;

	json_array_foreach(items, i, v) {
		const char *comment = json_string_value(json_object_get(v, "comment"));
		int64_t at = json_integer_value(json_object_get(v, "at"));
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *by = json_string_value(json_object_get(v, "by"));
		char anchor[96];

		if (at > *newest)
			*newest = at;
		if (!id) {
			snprintf(anchor, sizeof(anchor), "item-%lld",
				 (long long)json_integer_value(json_object_get(v, "id_n")));
			id = anchor;
		}
		json_array_append_new(entries, entry(base, json_string_value(json_object_get(v, "slug")),
			id, json_string_value(json_object_get(v, "label")),
			json_string_value(json_object_get(v, "title")), at, by, comment));
	}
}

/* The review queue as inbox-like items with stable ids. */
static void add_review(struct req *r, json_t *entries, json_t *review, const char *base,
		       int64_t *newest)
{
	size_t i;
	json_t *v;
	char id[64];

	json_array_foreach(json_object_get(review, "lessons"), i, v) {
		int64_t at = json_integer_value(json_object_get(v, "submitted_at"));
		snprintf(id, sizeof(id), "review-%lld-%lld",
			 (long long)json_integer_value(json_object_get(v, "id")), (long long)at);
		if (at > *newest)
			*newest = at;
		json_array_append_new(entries, entry(base, json_string_value(json_object_get(v, "slug")),
			id, http_msg(r, "inbox.type.review"), json_string_value(json_object_get(v, "title")),
			at, json_string_value(json_object_get(v, "author")), ""));
	}
	json_array_foreach(json_object_get(review, "proposals"), i, v) {
		int64_t at = json_integer_value(json_object_get(v, "created_at"));
		snprintf(id, sizeof(id), "proposal-%lld", (long long)json_integer_value(json_object_get(v, "id")));
		if (at > *newest)
			*newest = at;
		json_array_append_new(entries, entry(base, json_string_value(json_object_get(v, "slug")),
			id, http_msg(r, "inbox.type.proposal"), json_string_value(json_object_get(v, "title")),
			at, json_string_value(json_object_get(v, "author")),
			json_string_value(json_object_get(v, "comment"))));
	}
}

/* GET /feed/{token}.atom */
int feed_user(struct req *r)
{
	const char *arg = http_arg(r, 0);
	size_t n = arg ? strlen(arg) : 0;
	unsigned char hash[32];
	char token[AUTH_TOKEN_LEN + 1];
	sqlite3_stmt *st;
	struct inbox_user u;
	struct buf base = BUF_INIT, self = BUF_INIT, fid = BUF_INIT;
	static const char *const sections[] = {"returned", "overdue", "flags", "challenges",
					       "news", "changes"};
	json_t *inbox, *c, *entries;
	int64_t newest = 0;
	char t[32];
	const char *lang = NULL;

	if (n < 6 || strcmp(arg + n - 5, ".atom") != 0 || !token_ok(arg, n - 5))
		return http_error(r, 404, "not_found", "err.not_found");
	memcpy(token, arg, n - 5);
	token[n - 5] = '\0';
	auth_token_hash(token, hash);
	memset(&u, 0, sizeof(u));
	st = db_stmt(r->db, "SELECT id, role, coalesce(language, ''), inbox_seen_at FROM users "
			    "WHERE feed_token_hash = ?1 AND active = 1");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		u.uid = sqlite3_column_int64(st, 0);
		u.role = role_parse(db_col_text(st, 1));
		lang = strcmp(db_col_text(st, 2), "en") == 0 ? "en" :
		       strcmp(db_col_text(st, 2), "es") == 0 ? "es" : NULL;
		u.seen_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (!u.uid)
		return http_error(r, 404, "not_found", "err.not_found");
	if (lang)
		r->lang = lang;
	inbox = inbox_build(r, &u);
	base_url(r, &base);
	entries = json_array();
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		add_items(entries, json_object_get(inbox, sections[i]), base.data, &newest);
	if (json_object_get(inbox, "review"))
		add_review(r, entries, json_object_get(inbox, "review"), base.data, &newest);
	json_decref(inbox);
	buf_printf(&self, "%s/feed/%s.atom", base.data, token);
	buf_printf(&fid, "%s/feed/user-%lld", base.data, u.uid);
	rfc3339(newest ? newest : db_now(), t);
	c = json_object();
	json_object_set_new(c, "lang", json_string(r->lang));
	json_object_set_new(c, "feed_id", json_string(fid.data));
	json_object_set_new(c, "self", json_string(self.data));
	json_object_set_new(c, "base", json_string(base.data));
	json_object_set_new(c, "feed_title", json_string(http_msg(r, "feed.inbox_title")));
	json_object_set_new(c, "updated", json_string(t));
	json_object_set_new(c, "entries", entries);
	buf_free(&base);
	buf_free(&self);
	buf_free(&fid);
	return render(r, c);
}

/* ---- the token (me.c) ---- */

char *feed_token_new(struct req *r)
{
	char token[AUTH_TOKEN_LEN + 1];
	unsigned char hash[32];
	sqlite3_stmt *st = db_stmt(r->db, "UPDATE users SET feed_token_hash = ?2 WHERE id = ?1");
	int rc;

	if (!st)
		return NULL;
	auth_new_token(token);
	auth_token_hash(token, hash);
	db_bind_int(st, 1, r->uid);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return NULL;
	lifecycle_audit(r, "feed.token", r->username, "");
	return xstrdup(token);
}

int feed_token_revoke(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "UPDATE users SET feed_token_hash = NULL WHERE id = ?1");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, r->uid);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_reset(st);
	lifecycle_audit(r, "feed.revoke", r->username, "");
	return rc;
}

bool feed_has_token(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db,
		"SELECT feed_token_hash IS NOT NULL FROM users WHERE id = ?1");
	bool yes = false;

	if (!st)
		return false;
	db_bind_int(st, 1, r->uid);
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return yes;
}

void feed_url(struct req *r, const char *token, struct buf *out)
{
	base_url(r, out);
	buf_puts(out, "/feed/");
	buf_puts(out, token);
	buf_puts(out, ".atom");
}
