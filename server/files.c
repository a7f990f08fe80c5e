/*
 * files.c - attachments: content-addressed storage, the upload handlers
 * (form and API) and /files/{hash}. Deciding the type (files_sniff) and
 * the names lives in files_sniff.c.
 *
 * The type of an upload is decided from its bytes, never from what the
 * client says. Everything not on the allow-list of files.h is refused
 * with 415 before anything is written; an upload over --max-upload is
 * refused with 413 (the router already refused bodies far over it). A
 * stored upload is one transaction: the attachments row (only if the
 * hash is new), the page_files row, an audit row.
 *
 * Caveats: files are served from the database in one piece; at the
 * default 10 MiB cap that costs one copy per request, which the
 * immutable caching headers make rare.
 */
#include "files.h"

#include "buf.h"
#include "db.h"
#include "http.h"
#include "lifecycle.h"
#include "pages.h"
#include "role.h"
#include "text.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the store ---- */

int files_put(struct db *db, const void *data, size_t n, const char *hash,
	      const char *mime, long long uid, bool *created)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO attachments(hash, size, mime, data, created_at, created_by) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(hash) DO NOTHING");
	int rc;

	*created = false;
	if (!st)
		return -1;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, (long long)n);
	db_bind_text(st, 3, mime);
	sqlite3_bind_blob64(st, 4, data, n, SQLITE_STATIC);
	db_bind_int(st, 5, db_now());
	if (uid)
		db_bind_int(st, 6, uid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	/* The statement stays cached: do not leave it pointing at data. */
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	*created = sqlite3_changes(db_handle(db)) > 0;
	return 0;
}

int files_link(struct db *db, long long page_id, const char *hash,
	       const char *filename, long long uid, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db,
		"INSERT INTO page_files(page_id, hash, filename, added_by, added_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(page_id, hash) DO NOTHING");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, page_id);
	db_bind_text(st, 2, hash);
	db_bind_text(st, 3, filename);
	if (uid)
		db_bind_int(st, 4, uid);
	db_bind_int(st, 5, at);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* "![name](/files/HASH)": the name with what Markdown would read as
 * syntax escaped, so any file name makes a working snippet. */
static void snippet(struct buf *b, const char *name, const char *hash, bool image)
{
	if (image)
		buf_putc(b, '!');
	buf_putc(b, '[');
	for (const char *p = name; *p; p++) {
		if (strchr("\\`*_[]<>", *p))
			buf_putc(b, '\\');
		buf_putc(b, *p);
	}
	buf_printf(b, "](/files/%s)", hash);
}

static void size_text(struct buf *b, long long n)
{
	if (n < 1024)
		buf_printf(b, "%lld B", n);
	else if (n < 1024 * 1024)
		buf_printf(b, "%lld KB", (n + 1023) / 1024);
	else if (n % (1024 * 1024) == 0)
		buf_printf(b, "%lld MB", n / (1024 * 1024));
	else
		buf_printf(b, "%.1f MB", (double)n / (1024.0 * 1024.0));
}

static json_t *file_json(const char *hash, const char *filename, const char *mime,
			 long long size)
{
	struct buf b = BUF_INIT;
	json_t *j = json_object();
	bool image = files_is_image(mime);

	json_object_set_new(j, "hash", json_string(hash));
	buf_printf(&b, "/files/%s", hash);
	json_object_set_new(j, "url", json_string(b.data));
	json_object_set_new(j, "filename", json_string(filename));
	json_object_set_new(j, "mime", json_string(mime));
	json_object_set_new(j, "size", json_integer(size));
	buf_reset(&b);
	size_text(&b, size);
	json_object_set_new(j, "size_text", json_string(b.data));
	json_object_set_new(j, "is_image", json_boolean(image));
	buf_reset(&b);
	snippet(&b, filename, hash, image);
	json_object_set_new(j, "markdown", json_string(b.data));
	buf_free(&b);
	return j;
}

json_t *files_of_page(struct db *db, long long page_id)
{
	sqlite3_stmt *st = db_stmt(db,
		"SELECT pf.hash, pf.filename, a.mime, a.size, pf.added_at, u.display_name "
		"FROM page_files pf JOIN attachments a ON a.hash = pf.hash "
		"LEFT JOIN users u ON u.id = pf.added_by "
		"WHERE pf.page_id = ?1 ORDER BY pf.added_at, pf.filename");
	json_t *a = json_array();

	if (!st)
		return a;
	db_bind_int(st, 1, page_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *j = file_json(db_col_text(st, 0), db_col_text(st, 1), db_col_text(st, 2),
				      sqlite3_column_int64(st, 3));
		json_object_set_new(j, "added_at", json_integer(sqlite3_column_int64(st, 4)));
		json_object_set_new(j, "added_by", sqlite3_column_type(st, 5) == SQLITE_NULL
							   ? json_null()
							   : db_col_json(st, 5));
		json_array_append_new(a, j);
	}
	sqlite3_reset(st);
	return a;
}

/* ---- permissions ---- */

/* May r attach files to page (which r can see)? See files.h. */
static bool may_attach(struct req *r, json_t *page)
{
	const char *status = json_string_value(json_object_get(page, "status"));

	if (r->role < ROLE_STAFF || !view_can_see(r, page))
		return false;
	if (r->role >= ROLE_EDITOR || view_can_edit(r, page))
		return true;
	/* Staff: what they may propose a change to. */
	return status && strcmp(status, "archived") != 0;
}

json_t *files_view(struct req *r, json_t *page, bool on_page)
{
	json_t *v = json_object();
	json_t *items = files_of_page(r->db, json_integer_value(json_object_get(page, "id")));
	bool can = may_attach(r, page);
	struct buf b = BUF_INIT;

	json_object_set(v, "slug", json_object_get(page, "slug"));
	json_object_set_new(v, "items", items);
	json_object_set_new(v, "can_upload", json_boolean(can));
	json_object_set_new(v, "show", json_boolean(can || json_array_size(items) > 0));
	json_object_set_new(v, "on_page", json_boolean(on_page));
	size_text(&b, (long long)g_server->cfg.max_upload);
	json_object_set_new(v, "max_upload_text", json_string(b.data));
	buf_free(&b);
	return v;
}

/* ---- serving ---- */

/* Content-Disposition with an ASCII fallback and the exact UTF-8 name
 * (RFC 6266, RFC 8187). */
static void disposition(struct buf *b, const char *type, const char *name)
{
	buf_printf(b, "%s; filename=\"", type);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		buf_putc(b, *p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ||
				     *p == '%' ? '_' : (char)*p);
	buf_puts(b, "\"; filename*=UTF-8''");
	buf_url(b, name, strlen(name));
}

/* Does If-None-Match name etag (or "*")? */
static bool etag_matches(const char *inm, const char *etag)
{
	size_t k = strlen(etag);

	if (!inm)
		return false;
	for (const char *p = inm; *p;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*' || strncmp(p, etag, k) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

int files_serve(struct req *r)
{
	const char *hash = http_arg(r, 0);
	sqlite3_stmt *st;
	char *filename = NULL;
	struct buf etag = BUF_INIT, cd = BUF_INIT;
	int status;

	if (!files_hash_valid(hash))
		return http_error(r, 404, "not_found", "err.not_found");
	/* The first page r may read that lists the file gives its name. */
	st = db_stmt(r->db,
		"SELECT p.status, p.created_by, pf.filename FROM page_files pf "
		"JOIN pages p ON p.id = pf.page_id WHERE pf.hash = ?1 "
		"ORDER BY pf.added_at, p.id");
	if (!st)
		return http_error(r, 500, "error", "err.internal");
	db_bind_text(st, 1, hash);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (pages_visible(r->role, r->uid, db_col_text(st, 0),
				  sqlite3_column_int64(st, 1))) {
			filename = xstrdup(db_col_text(st, 2));
			break;
		}
	}
	sqlite3_reset(st);
	if (!filename)
		return http_error(r, 404, "not_found", "err.not_found");
	buf_printf(&etag, "\"%s\"", hash);
	http_set_header(r, "ETag", etag.data);
	/* Content-addressed: the bytes behind this URL never change. Private,
	 * because who may fetch it depends on who asks. */
	http_set_header(r, "Cache-Control", "private, max-age=31536000, immutable");
	if (etag_matches(http_header(r, "If-None-Match"), etag.data)) {
		status = http_bytes(r, 304, NULL, "", 0);
		goto out;
	}
	st = db_stmt(r->db, "SELECT mime, data FROM attachments WHERE hash = ?1");
	if (!st) {
		status = http_error(r, 500, "error", "err.internal");
		goto out;
	}
	db_bind_text(st, 1, hash);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		status = http_error(r, 404, "not_found", "err.not_found");
		goto out;
	}
	{
		/* r->content_type must outlive the statement: the static
		 * string of a known type. */
		const char *type = files_known_type(db_col_text(st, 0));
		if (!type)
			type = "application/octet-stream";
		disposition(&cd, files_is_image(type) ? "inline" : "attachment", filename);
		http_set_header(r, "Content-Disposition", cd.data);
		status = http_bytes(r, 200, type, sqlite3_column_blob(st, 1),
				    (size_t)sqlite3_column_bytes(st, 1));
	}
	sqlite3_reset(st);
out:
	free(filename);
	buf_free(&etag);
	buf_free(&cd);
	return status;
}

/* ---- uploading ---- */

struct upload {
	const char *data;      /* the file's bytes */
	size_t len;
	const char *name;      /* as the client sent it; may be NULL */
	/* results */
	char hash[FILES_HASH_HEX + 1];
	const char *mime;
	char *filename;        /* cleaned, malloc'd */
	bool created;          /* a new attachments row */
	bool linked;           /* a new page_files row */
	json_t *page;          /* the page, after a successful check */
};

/* Check and store u on the route's page. Returns 0 when stored, else the
 * status of the error already answered through http_error. */
static int upload(struct req *r, struct upload *u)
{
	const char *slug = http_arg(r, 0);
	long long page_id;
	int64_t now = db_now();
	int before;

	if (!text_slug_valid(slug, SLUG_MAX))
		return http_error(r, 404, "not_found", "err.not_found");
	u->page = pages_get(r->db, slug, 0);
	if (!u->page || !view_can_see(r, u->page))
		return http_error(r, 404, "not_found", "err.not_found");
	if (!may_attach(r, u->page))
		return http_error(r, 403, "forbidden", "err.forbidden");
	if (!u->data || u->len == 0)
		return http_error(r, 400, "file_missing", "err.file_missing");
	if (u->len > g_server->cfg.max_upload)
		return http_error(r, 413, "too_large", "err.file_too_large");
	u->mime = files_sniff(u->data, u->len, u->name);
	if (!u->mime)
		return http_error(r, 415, "unsupported_media_type", "err.file_type");
	if (files_name_mismatch(u->name, u->mime))
		return http_error(r, 415, "unsupported_media_type", "err.file_mismatch");
	files_hash(u->data, u->len, u->hash);
	u->filename = files_clean_name(u->name, u->name ? strlen(u->name) : 0, u->mime);
	page_id = json_integer_value(json_object_get(u->page, "id"));
	if (db_begin(r->db) < 0)
		return http_error(r, 503, "busy", "err.internal");
	if (files_put(r->db, u->data, u->len, u->hash, u->mime, r->uid, &u->created) < 0)
		goto fail;
	before = sqlite3_total_changes(db_handle(r->db));
	if (files_link(r->db, page_id, u->hash, u->filename, r->uid, now) < 0)
		goto fail;
	u->linked = sqlite3_total_changes(db_handle(r->db)) > before;
	if (u->linked)
		lifecycle_audit(r, "attach", slug, u->hash);
	if (db_commit(r->db) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "oficio: storing an attachment: %s\n", db_errmsg(r->db));
	db_rollback(r->db);
	return http_error(r, 500, "error", "err.internal");
}

static void upload_free(struct upload *u)
{
	free(u->filename);
	json_decref(u->page);
}

int files_upload_form(struct req *r)
{
	const struct form_field *f = form_field(&r->body, "file");
	struct upload u;
	struct buf loc = BUF_INIT;
	int status;

	memset(&u, 0, sizeof(u));
	if (f && f->filename) {
		u.data = f->value;
		u.len = f->len;
		u.name = f->filename;
	}
	status = upload(r, &u);
	if (status == 0) {
		/* Back to the editor, where the form is. */
		buf_printf(&loc, "/p/%s/edit#attachments", http_arg(r, 0));
		status = http_redirect(r, loc.data);
	}
	upload_free(&u);
	buf_free(&loc);
	return status;
}

int files_upload_api(struct req *r)
{
	const char *ct = http_header(r, "Content-Type");
	struct upload u;
	int status;

	memset(&u, 0, sizeof(u));
	if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0) {
		const struct form_field *f;
		if (form_parse_multipart(&r->body, ct, r->raw, r->raw_len) < 0)
			return http_error(r, 400, "bad_request", "err.bad_request");
		f = form_field(&r->body, "file");
		if (f) {
			u.data = f->value;
			u.len = f->len;
			u.name = f->filename && *f->filename ? f->filename : http_query(r, "filename");
		}
	} else {
		u.data = r->raw;
		u.len = r->raw_len;
		u.name = http_query(r, "filename");
	}
	status = upload(r, &u);
	if (status == 0) {
		json_t *j = file_json(u.hash, u.filename, u.mime, (long long)u.len);
		json_object_set_new(j, "created", json_boolean(u.created));
		status = http_json(r, u.created || u.linked ? 201 : 200, j);
	}
	upload_free(&u);
	return status;
}

int files_list_api(struct req *r)
{
	const char *slug = http_arg(r, 0);
	json_t *p = text_slug_valid(slug, SLUG_MAX) ? pages_get(r->db, slug, 0) : NULL;
	json_t *list;

	if (!p || !view_can_see(r, p)) {
		json_decref(p);
		return http_error(r, 404, "not_found", "err.not_found");
	}
	list = files_of_page(r->db, json_integer_value(json_object_get(p, "id")));
	json_decref(p);
	return http_json(r, 200, json_pack("{s:s, s:o}", "slug", slug, "attachments", list));
}
