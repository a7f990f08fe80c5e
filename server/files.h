/*
 * files.h - attachments: images and documents uploaded to pages, stored
 * content-addressed in the database and served at /files/{hash}.
 *
 * Invariants: an attachment is named by the hex BLAKE2b-256 of its bytes
 * (attachments.hash), so the same bytes are stored once however often
 * they are uploaded; each upload to a page adds a page_files row (page,
 * hash, file name). The type is decided from the bytes alone, against an
 * allow-list (files_sniff): a name or a Content-Type the client sends is
 * never believed. SVG, HTML and anything unknown are refused. The pure
 * functions (type, names, hash) are in files_sniff.c, the store and the
 * handlers in files.c.
 *
 * Who may fetch /files/{hash}: whoever may read at least one page that
 * lists it in page_files; everyone else gets 404, the same answer as for
 * a hash that does not exist, so existence does not leak. A page merely
 * linking to /files/{hash} in its Markdown grants nothing.
 *
 * Who may upload: staff and above, to pages they can see and may edit or
 * propose a change to (published pages, their own drafts); editors to any
 * page they can see. Readers get 403 from the router. An attachment added
 * by a staff member to a published page is listed on it at once; the
 * Markdown that shows it inline still goes through the proposal review.
 */
#ifndef OFICIO_FILES_H
#define OFICIO_FILES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct req;

#define FILES_HASH_HEX 64      /* hex digits of a BLAKE2b-256 hash */
#define FILES_NAME_MAX 200     /* bytes of a stored file name */

/* The type of data[0..n) when it is one Oficio accepts, else NULL:
 * image/png, image/jpeg, image/gif, image/webp, application/pdf, the ODF
 * types (a zip whose stored "mimetype" entry names
 * application/vnd.oasis.opendocument.*), the three OOXML documents (a zip
 * with "[Content_Types].xml" and a word/, xl/ or ppt/ part; none with
 * macros), and UTF-8 text without NUL: "text/csv; charset=utf-8" when
 * filename (may be NULL) ends in .csv, else "text/plain; charset=utf-8".
 * Text that starts like markup ('<' first, or HTML/SVG tags near the
 * start) is refused, so an HTML file renamed .png or .txt is never stored.
 * Empty input is refused. Returns a static string; never allocates. */
const char *files_sniff(const void *data, size_t n, const char *filename);

/* True if filename's extension names a type the bytes are not (a.png
 * holding a PDF, a.pdf holding text). Unknown extensions never mismatch. */
bool files_name_mismatch(const char *filename, const char *mime);

/* The static string of an accepted type equal to mime (as stored in the
 * database), or NULL when mime is not on the list. */
const char *files_known_type(const char *mime);

/* The usual file extension of an accepted type, without the dot ("png");
 * "bin" for anything else. */
const char *files_ext(const char *mime);

/* True for the types served inline (images); the rest are downloads. */
bool files_is_image(const char *mime);

/* Hex BLAKE2b-256 of data[0..n) into out (65 bytes, NUL-terminated). */
void files_hash(const void *data, size_t n, char out[FILES_HASH_HEX + 1]);

/* True if s is exactly 64 lowercase hex digits. */
bool files_hash_valid(const char *s);

/* A safe stored file name from what the client sent (may be NULL): the
 * last path component, control characters and quotes dropped, at most
 * FILES_NAME_MAX bytes on a UTF-8 boundary; "file.EXT" (from mime) when
 * nothing is left. malloc'd. */
char *files_clean_name(const char *name, size_t n, const char *mime);

/* Store data[0..n) (hash and mime already decided by the caller) unless
 * the hash is there already; *created tells which. Runs inside the
 * caller's transaction. 0, or -1 on a database error. */
int files_put(struct db *db, const void *data, size_t n, const char *hash,
	      const char *mime, long long uid, bool *created);

/* List hash on page_id as filename (kept if the page lists it already).
 * Inside the caller's transaction. uid may be 0. 0 or -1. */
int files_link(struct db *db, long long page_id, const char *hash,
	       const char *filename, long long uid, int64_t at);

/* The attachments of a page, oldest first, for templates and the API:
 * [{hash, url, filename, mime, size, size_text, is_image, markdown,
 *   added_at, added_by}] where markdown is the snippet that shows or
 * links the file ("![name](/files/HASH)" or "[name](/files/HASH)").
 * The caller has checked that the reader may see the page. New
 * reference; an empty array on error. */
json_t *files_of_page(struct db *db, long long page_id);

/* What the attachments partial (templates/attachments.html) needs, for
 * page (a pages_get object r may see): {slug, items: files_of_page,
 * can_upload, show (items or can_upload: readers of a page without
 * attachments see nothing), on_page, max_upload_text}. on_page true: the page view,
 * which lists the files and links to the editor's upload form (the
 * article is cached per language and role, so it must not hold a form
 * with a CSRF token); false: the editor, which shows the form. The page
 * and edit handlers set it as "attachments" in their context. Depends on
 * the page and r's role only, for published pages. New reference. */
json_t *files_view(struct req *r, json_t *page, bool on_page);

/* Handlers (routes.c). */
int files_serve(struct req *r);       /* GET /files/{hash} */
int files_upload_form(struct req *r); /* POST /p/{slug}/files (multipart "file") */
int files_upload_api(struct req *r);  /* POST /api/v1/pages/{slug}/attachments */
int files_list_api(struct req *r);    /* GET /api/v1/pages/{slug}/attachments */

#endif
