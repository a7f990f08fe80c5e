/*
 * files.c - attachments: type sniffing, content-addressed storage, the
 * upload handlers (form and API) and /files/{hash}.
 *
 * The type of an upload is decided here from its first bytes (and, for
 * office documents, from the zip's central directory), never from what
 * the client says. Everything not on the allow-list of files.h is
 * refused with 415 before anything is written; an upload over
 * --max-upload is refused with 413 (the router already refused bodies
 * far over it). A stored upload is one transaction: the attachments row
 * (only if the hash is new), the page_files row, an audit row.
 *
 * Caveats: files are served from the database in one piece; at the
 * default 10 MiB cap that costs one copy per request, which the
 * immutable caching headers make rare. The zip reader looks only at the
 * central directory and at the stored "mimetype" entry of ODF files; it
 * never inflates anything, so a zip bomb costs nothing here.
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

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- sniffing ---- */

static const char MIME_TEXT[] = "text/plain; charset=utf-8";
static const char MIME_CSV[] = "text/csv; charset=utf-8";
static const char MIME_DOCX[] =
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document";
static const char MIME_XLSX[] =
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
static const char MIME_PPTX[] =
	"application/vnd.openxmlformats-officedocument.presentationml.presentation";

/* The ODF types accepted, with their extensions. text-web (an HTML
 * template) is left out on purpose. */
static const struct {
	const char *mime;
	const char *ext;
} odf[] = {
	{"application/vnd.oasis.opendocument.text", "odt"},
	{"application/vnd.oasis.opendocument.text-template", "ott"},
	{"application/vnd.oasis.opendocument.text-master", "odm"},
	{"application/vnd.oasis.opendocument.spreadsheet", "ods"},
	{"application/vnd.oasis.opendocument.spreadsheet-template", "ots"},
	{"application/vnd.oasis.opendocument.presentation", "odp"},
	{"application/vnd.oasis.opendocument.presentation-template", "otp"},
	{"application/vnd.oasis.opendocument.graphics", "odg"},
	{"application/vnd.oasis.opendocument.graphics-template", "otg"},
	{"application/vnd.oasis.opendocument.chart", "odc"},
	{"application/vnd.oasis.opendocument.formula", "odf"},
	{"application/vnd.oasis.opendocument.image", "odi"},
	{"application/vnd.oasis.opendocument.database", "odb"},
};
#define NODF (sizeof(odf) / sizeof(odf[0]))

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* ASCII case-insensitive "name ends with suffix". */
static bool ends_with(const char *name, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncasecmp(name + n - k, suffix, k) == 0;
}

/* The type of an ODF or OOXML zip, or NULL. Reads the End of Central
 * Directory record and walks the central directory, every offset checked
 * against n. Zip64 archives are refused (no office document under the
 * upload cap needs one). */
static const char *sniff_zip(const unsigned char *p, size_t n)
{
	size_t eocd = 0, off, end;
	unsigned count;
	bool found = false, types = false, word = false, xl = false, ppt = false;
	const char *odf_mime = NULL;

	if (n < 22)
		return NULL;
	/* The record is 22 bytes plus a comment of at most 65535. */
	for (size_t i = n - 22;; i--) {
		if (p[i] == 'P' && p[i + 1] == 'K' && p[i + 2] == 5 && p[i + 3] == 6) {
			eocd = i;
			found = true;
			break;
		}
		if (i == 0 || n - i >= 22 + 65535)
			break;
	}
	if (!found)
		return NULL;
	count = rd16(p + eocd + 10);
	off = rd32(p + eocd + 16);
	end = off + (size_t)rd32(p + eocd + 12);
	if (count == 0xffff || rd32(p + eocd + 16) == 0xffffffffu || end > eocd || off > end)
		return NULL;
	for (unsigned k = 0; k < count; k++) {
		const unsigned char *h = p + off;
		size_t nl, el, cl, lo;
		const char *name;

		if (off + 46 > end || rd32(h) != 0x02014b50)
			return NULL;
		nl = rd16(h + 28);
		el = rd16(h + 30);
		cl = rd16(h + 32);
		if (off + 46 + nl + el + cl > end)
			return NULL;
		name = (const char *)h + 46;
		if (nl == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
			types = true;
		else if (nl > 5 && memcmp(name, "word/", 5) == 0)
			word = true;
		else if (nl > 3 && memcmp(name, "xl/", 3) == 0)
			xl = true;
		else if (nl > 4 && memcmp(name, "ppt/", 4) == 0)
			ppt = true;
		if (ends_with(name, nl, "vbaProject.bin"))
			return NULL; /* macros: not on the list */
		if (nl == 8 && memcmp(name, "mimetype", 8) == 0) {
			/* ODF: a stored (method 0) entry whose bytes are the type. */
			size_t size = rd32(h + 20), lnl, lel, data;
			lo = rd32(h + 42);
			if (rd16(h + 10) != 0 || size == 0 || size > 80 || lo + 30 > n ||
			    rd32(p + lo) != 0x04034b50)
				return NULL;
			lnl = rd16(p + lo + 26);
			lel = rd16(p + lo + 28);
			data = lo + 30 + lnl + lel;
			if (data + size > n)
				return NULL;
			for (size_t i = 0; i < NODF; i++)
				if (strlen(odf[i].mime) == size &&
				    memcmp(p + data, odf[i].mime, size) == 0)
					odf_mime = odf[i].mime;
			if (!odf_mime)
				return NULL;
		}
		off += 46 + nl + el + cl;
	}
	if (odf_mime)
		return odf_mime;
	if (!types)
		return NULL;
	if (word + xl + ppt != 1)
		return NULL;
	return word ? MIME_DOCX : xl ? MIME_XLSX : MIME_PPTX;
}

/* Does text look like markup a browser would run (HTML, SVG, XML)? */
static bool looks_like_markup(const char *s, size_t n)
{
	static const char *const tags[] = {"<html", "<!doctype", "<svg", "<script",
					   "<body", "<head", "<iframe", "<?xml"};
	size_t i = 0, scan;

	if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' ||
			 s[i] == '\f'))
		i++;
	if (i < n && s[i] == '<')
		return true;
	scan = n < 1024 ? n : 1024;
	for (size_t j = 0; j < scan; j++) {
		if (s[j] != '<')
			continue;
		for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
			size_t k = strlen(tags[t]);
			if (j + k <= n && strncasecmp(s + j, tags[t], k) == 0)
				return true;
		}
	}
	return false;
}

const char *files_sniff(const void *data, size_t n, const char *filename)
{
	const unsigned char *p = data;

	if (!p || n == 0)
		return NULL;
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return "image/gif";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
		return sniff_zip(p, n);
	if (text_utf8_valid(data, n) && !looks_like_markup(data, n)) {
		if (filename && ends_with(filename, strlen(filename), ".csv"))
			return MIME_CSV;
		return MIME_TEXT;
	}
	return NULL;
}

const char *files_ext(const char *mime)
{
	static const struct {
		const char *mime, *ext;
	} map[] = {
		{"image/png", "png"},       {"image/jpeg", "jpg"}, {"image/gif", "gif"},
		{"image/webp", "webp"},     {"application/pdf", "pdf"},
		{MIME_TEXT, "txt"},         {MIME_CSV, "csv"},     {MIME_DOCX, "docx"},
		{MIME_XLSX, "xlsx"},        {MIME_PPTX, "pptx"},
	};

	if (!mime)
		return "bin";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(mime, map[i].mime) == 0)
			return map[i].ext;
	for (size_t i = 0; i < NODF; i++)
		if (strcmp(mime, odf[i].mime) == 0)
			return odf[i].ext;
	return "bin";
}

bool files_name_mismatch(const char *filename, const char *mime)
{
	const char *dot;
	static const struct {
		const char *ext, *mime; /* mime prefix the extension promises */
	} claims[] = {
		{"png", "image/png"},   {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"},
		{"jpe", "image/jpeg"},  {"gif", "image/gif"},   {"webp", "image/webp"},
		{"pdf", "application/pdf"},
		{"txt", "text/"},       {"csv", "text/"},
		{"docx", MIME_DOCX},    {"xlsx", MIME_XLSX},    {"pptx", MIME_PPTX},
		{"odt", "application/vnd.oasis.opendocument."},
		{"ods", "application/vnd.oasis.opendocument."},
		{"odp", "application/vnd.oasis.opendocument."},
		{"odg", "application/vnd.oasis.opendocument."},
		/* Names that promise something a browser would run. */
		{"svg", "-"}, {"svgz", "-"}, {"html", "-"}, {"htm", "-"}, {"xhtml", "-"},
		{"shtml", "-"}, {"xml", "-"}, {"js", "-"}, {"mjs", "-"},
	};

	if (!filename || !mime || !(dot = strrchr(filename, '.')))
		return false;
	dot++;
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++)
		if (strcasecmp(dot, claims[i].ext) == 0)
			return strncmp(mime, claims[i].mime, strlen(claims[i].mime)) != 0;
	return false;
}

bool files_is_image(const char *mime)
{
	return mime && strncmp(mime, "image/", 6) == 0;
}

void files_hash(const void *data, size_t n, char out[FILES_HASH_HEX + 1])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), data, n, NULL, 0);
	sodium_bin2hex(out, FILES_HASH_HEX + 1, h, sizeof(h));
}

bool files_hash_valid(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < FILES_HASH_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

char *files_clean_name(const char *name, size_t n, const char *mime)
{
	struct buf b = BUF_INIT;
	size_t i = 0, start = 0;

	for (size_t k = 0; name && k < n; k++)
		if (name[k] == '/' || name[k] == '\\')
			start = k + 1;
	i = start;
	while (name && i < n) {
		size_t at = i;
		uint32_t c = text_utf8_next(name, n, &i);
		/* Controls, quotes, U+FFFD (bad bytes), bidi overrides. */
		if (c < 0x20 || c == 0x7f || c == '"' || c == 0xfffd ||
		    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
			continue;
		/* No hidden files on download: no leading dots or blanks. */
		if (b.len == 0 && (c == '.' || c == ' '))
			continue;
		if (b.len + (i - at) > FILES_NAME_MAX)
			break;
		buf_append(&b, name + at, i - at);
	}
	while (b.len && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '.'))
		buf_truncate(&b, b.len - 1);
	if (b.len == 0)
		buf_printf(&b, "file.%s", files_ext(mime));
	return buf_detach(&b);
}

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

json_t *files_view(struct req *r, json_t *page)
{
	json_t *v = json_object();
	struct buf b = BUF_INIT;

	json_object_set(v, "slug", json_object_get(page, "slug"));
	json_object_set_new(v, "items",
			    files_of_page(r->db, json_integer_value(json_object_get(page, "id"))));
	json_object_set_new(v, "can_upload", json_boolean(may_attach(r, page)));
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
		/* r->content_type must outlive the statement: use our static
		 * strings for the types we know (all of them). */
		const char *mime = db_col_text(st, 0);
		const char *type = NULL;
		static const char *const known[] = {
			"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
			MIME_TEXT, MIME_CSV, MIME_DOCX, MIME_XLSX, MIME_PPTX,
		};
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(mime, known[i]) == 0)
				type = known[i];
		for (size_t i = 0; !type && i < NODF; i++)
			if (strcmp(mime, odf[i].mime) == 0)
				type = odf[i].mime;
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
	const char *back = http_form(r, "back");
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
		/* Back where the form was: the page, or (default) its editor. */
		buf_printf(&loc, "/p/%s%s#attachments", http_arg(r, 0),
			   back && strcmp(back, "page") == 0 ? "" : "/edit");
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
