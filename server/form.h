/*
 * form.h - decoding what clients send: query strings and urlencoded
 * bodies, cookies, multipart/form-data, and Accept-Language.
 *
 * Every name and value is checked for well-formed UTF-8 with no NUL (file
 * parts' bytes excepted); a malformed percent escape, bad UTF-8, a name over
 * FORM_MAX_NAME bytes or more than FORM_MAX_FIELDS fields makes the whole
 * input invalid (-1 -> 400), never a half-decoded form: a parse function
 * that fails leaves f exactly as it found it. Later duplicates are kept
 * (form_get returns the first; form_field_next walks the rest).
 *
 * Caveat: the caller caps the input size (http.c); decoded output is never
 * larger than the input, so nothing here allocates more than it was given.
 */
#ifndef OFICIO_FORM_H
#define OFICIO_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define FORM_MAX_FIELDS 512        /* fields in one struct form, all sources */
#define FORM_MAX_NAME 128          /* bytes in a field name, after decoding */
#define FORM_MAX_BOUNDARY 70       /* RFC 2046 */
#define FORM_MAX_HEADER_LINE 1024  /* bytes in a part header line, without CRLF */
#define FORM_MAX_PART_HEADERS 16   /* header lines in one multipart part */

struct form_field {
	char *name;           /* NUL-terminated, 1..FORM_MAX_NAME bytes */
	char *value;          /* NUL-terminated; file parts may hold NULs, use len */
	size_t len;           /* value length in bytes */
	char *filename;       /* multipart file parts only (may be ""), else NULL */
	char *content_type;   /* multipart parts that sent one, else NULL */
};

struct form {
	struct form_field *f; /* fields in input order */
	size_t n, cap;        /* used, allocated */
};

/* A zeroed struct form is empty and valid. Frees every field; f is empty
 * and reusable afterwards. Safe to call twice. */
void form_free(struct form *f);

/* a=b&c=d with '+' as space and %XX escapes (WHATWG urlencoded): empty
 * pieces ("a=1&&b=2", a trailing '&') are skipped, "a" alone is a = "".
 * An empty name ("=b") is invalid. s need not be NUL-terminated and may be
 * NULL when n is 0. Appends to f. 0, or -1 if invalid (f unchanged). */
int form_parse_urlencoded(struct form *f, const char *s, size_t n);

/* Cookie header "a=b; c=d". Values are not percent-decoded; a value in
 * double quotes loses the quotes; white space around names and values is
 * trimmed. Cookies belong to the host, not to Oficio, so a stray cookie set
 * by a neighbouring application must not lock every user out: pairs without
 * '=' or a name, with a name over FORM_MAX_NAME, or with invalid UTF-8 are
 * skipped. -1 (f unchanged) only for what no browser sends: a control byte
 * other than tab, or more than FORM_MAX_FIELDS cookies. header may be NULL. */
int form_parse_cookies(struct form *f, const char *header);

/* multipart/form-data body (RFC 7578, RFC 2046); content_type is the
 * request's Content-Type header, whose boundary parameter (quoted or not,
 * 1..70 chars) delimits the parts. Lines end in CRLF. Each part needs
 * Content-Disposition: form-data; name="..." and may carry filename="..."
 * (a file part) and Content-Type. File parts keep raw bytes (not UTF-8
 * checked); other parts must be UTF-8 without NUL. A preamble and an
 * epilogue are ignored. -1 (f unchanged) on anything malformed: no or bad
 * boundary, missing close delimiter, a header line over
 * FORM_MAX_HEADER_LINE, folded headers, a transfer encoding other than
 * 7bit/8bit/binary, too many parts. */
int form_parse_multipart(struct form *f, const char *content_type,
			 const char *body, size_t n);

/* First value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);
/* First field of name, or NULL. */
const struct form_field *form_field(const struct form *f, const char *name);
/* The next field after prev (a pointer returned by form_field or by this
 * function) with the same name, or NULL:
 *   for (p = form_field(f, "tag"); p; p = form_field_next(f, p)) ... */
const struct form_field *form_field_next(const struct form *f,
					 const struct form_field *prev);

/* Pick a language from `have` (a NULL-terminated list such as {"es", "en",
 * NULL}) by the q-values of an Accept-Language header (RFC 9110 12.5.4).
 * A range matches a tag when one is the other or a '-'-prefix of it
 * ("en-US" fits "en", "es" fits "es-MX"), case-insensitively; the highest q
 * wins, ties go to the earlier range; q=0 excludes. Returns def when the
 * header is NULL, malformed, or names nothing in have. Never allocates. */
const char *form_accept_language(const char *header, const char *const *have,
				 const char *def);

/* Percent-decode s[0..n) into *out (malloc'd, NUL-terminated, length in
 * *outlen when outlen is not NULL), '+' as space when plus is true.
 * 0, or -1 (nothing allocated) on a malformed escape, invalid UTF-8 or NUL. */
int form_decode(const char *s, size_t n, bool plus, char **out, size_t *outlen);

#endif
