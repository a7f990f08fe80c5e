/*
 * form.c - query strings, urlencoded bodies, cookies, multipart/form-data
 * and Accept-Language.
 *
 * Everything here reads bytes a client chose, so every function walks its
 * input with explicit lengths (bodies need not be NUL-terminated and may
 * hold NULs), never trusts a length it did not measure, and allocates at
 * most what it was given: decoding only shrinks. A parse either appends
 * every field of its input or, on the first malformed byte, removes what it
 * had appended and returns -1; there is no "best effort" form.
 *
 * Caveats: multipart parts are copied out of the body (one copy, at most the
 * body's size) so that a struct form owns all its memory and outlives the
 * request buffer. Content-Disposition values are taken literally between
 * the quotes: browsers percent-encode '"', CR and LF in names and filenames
 * (HTML's multipart encoding) and send backslashes unescaped (Windows
 * paths), so quoted-pair processing would corrupt real filenames.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem; the build defines it too */
#endif
#include "form.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

void form_free(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
		free(f->f[i].filename);
		free(f->f[i].content_type);
	}
	free(f->f);
	f->f = NULL;
	f->n = f->cap = 0;
}

/* Drop the fields appended since f had n0 of them (undo a failed parse). */
static void truncate_form(struct form *f, size_t n0)
{
	while (f->n > n0) {
		struct form_field *x = &f->f[--f->n];
		free(x->name);
		free(x->value);
		free(x->filename);
		free(x->content_type);
	}
}

/* Append a field, taking ownership of the strings on success only. */
static int add_field(struct form *f, char *name, char *value, size_t len,
		     char *filename, char *content_type)
{
	if (f->n >= FORM_MAX_FIELDS)
		return -1;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		if (cap > FORM_MAX_FIELDS)
			cap = FORM_MAX_FIELDS;
		f->f = xrealloc(f->f, cap * sizeof *f->f);
		f->cap = cap;
	}
	f->f[f->n++] = (struct form_field){name, value, len, filename, content_type};
	return 0;
}

const struct form_field *form_field(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return &f->f[i];
	return NULL;
}

const struct form_field *form_field_next(const struct form *f,
					 const struct form_field *prev)
{
	for (size_t i = (size_t)(prev - f->f) + 1; i < f->n; i++)
		if (strcmp(f->f[i].name, prev->name) == 0)
			return &f->f[i];
	return NULL;
}

const char *form_get(const struct form *f, const char *name)
{
	const struct form_field *x = form_field(f, name);
	return x ? x->value : NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True if s[0..n) equals the lowercase ASCII word w, ignoring case. Our own
 * rather than strncasecmp, whose answer depends on the locale. */
static bool ieq(const char *s, size_t n, const char *w)
{
	size_t i;
	for (i = 0; i < n && w[i]; i++)
		if (lower(s[i]) != w[i])
			return false;
	return i == n && w[i] == '\0';
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar: what a header or parameter name is made of. */
static bool is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A control byte no client sends inside a header (tab is allowed). */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

int form_decode(const char *s, size_t n, bool plus, char **out, size_t *outlen)
{
	char *d = xmalloc(n + 1);
	size_t j = 0;
	int rc = -1;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi, lo;
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0)
				goto out;
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus) {
			d[j++] = ' ';
		} else {
			d[j++] = s[i];
		}
	}
	/* Checked after decoding: escapes can spell bad UTF-8 or a NUL. */
	if (!text_utf8_valid(d, j))
		goto out;
	d[j] = '\0';
	*out = d;
	if (outlen)
		*outlen = j;
	d = NULL;
	rc = 0;
out:
	free(d);
	return rc;
}

int form_parse_urlencoded(struct form *f, const char *s, size_t n)
{
	size_t n0 = f->n, i = 0;
	char *name = NULL, *value = NULL;
	int rc = -1;

	while (i < n) {
		const char *piece = s + i, *eq;
		size_t plen, nlen, vlen;
		const char *amp = memchr(piece, '&', n - i);

		plen = amp ? (size_t)(amp - piece) : n - i;
		i += plen + 1;
		if (plen == 0)
			continue; /* "a=1&&b=2", trailing '&': WHATWG skips these */
		eq = memchr(piece, '=', plen);
		nlen = eq ? (size_t)(eq - piece) : plen;
		/* An encoded name is at most 3 bytes per decoded byte. */
		if (nlen == 0 || nlen > 3 * FORM_MAX_NAME || f->n >= FORM_MAX_FIELDS)
			goto out;
		if (form_decode(piece, nlen, true, &name, &nlen) < 0 || nlen > FORM_MAX_NAME)
			goto out;
		if (eq) {
			if (form_decode(eq + 1, plen - (size_t)(eq + 1 - piece), true,
					&value, &vlen) < 0)
				goto out;
		} else {
			value = xstrdup("");
			vlen = 0;
		}
		if (add_field(f, name, value, vlen, NULL, NULL) < 0)
			goto out;
		name = value = NULL;
	}
	rc = 0;
out:
	free(name);
	free(value);
	if (rc < 0)
		truncate_form(f, n0);
	return rc;
}

int form_parse_cookies(struct form *f, const char *header)
{
	size_t n0 = f->n;
	const char *p = header;
	int rc = -1;

	if (!header)
		return 0;
	for (const char *q = header; *q; q++)
		if (is_ctl((unsigned char)*q))
			goto out;
	while (*p) {
		const char *pair = p, *semi = strchr(p, ';');
		size_t plen = semi ? (size_t)(semi - p) : strlen(p);
		const char *eq = memchr(pair, '=', plen);
		const char *nm, *val;
		size_t nlen, vlen;

		p = semi ? semi + 1 : pair + plen;
		/* Skipped, not rejected: see form.h (cookies are the host's). */
		if (!eq)
			continue;
		nlen = (size_t)(eq - pair);
		nm = text_trim(pair, &nlen);
		vlen = plen - (size_t)(eq + 1 - pair);
		val = text_trim(eq + 1, &vlen);
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val++;
			vlen -= 2;
		}
		if (nlen == 0 || nlen > FORM_MAX_NAME || !text_utf8_valid(nm, nlen) ||
		    !text_utf8_valid(val, vlen))
			continue;
		if (f->n >= FORM_MAX_FIELDS)
			goto out;
		/* Cannot fail now: the cap was checked just above. */
		add_field(f, xstrndup(nm, nlen), xstrndup(val, vlen), vlen, NULL, NULL);
	}
	rc = 0;
out:
	if (rc < 0)
		truncate_form(f, n0);
	return rc;
}

/*
 * One parameter of a header value: OWS ";" OWS name "=" (token |
 * quoted-string). *p walks s[0..end). Returns 1 with the name and the value
 * (quotes removed, taken literally) set, 0 at the end of the value, -1 if
 * malformed. A trailing ';' is tolerated.
 */
static int next_param(const char **p, const char *end, const char **k,
		      size_t *klen, const char **v, size_t *vlen)
{
	const char *s = *p;

	while (s < end && is_ows(*s))
		s++;
	if (s == end)
		return 0;
	if (*s++ != ';')
		return -1;
	while (s < end && is_ows(*s))
		s++;
	if (s == end) {
		*p = s;
		return 0;
	}
	*k = s;
	while (s < end && is_tchar(*s))
		s++;
	*klen = (size_t)(s - *k);
	if (*klen == 0 || s == end || *s++ != '=')
		return -1;
	if (s < end && *s == '"') {
		const char *close = memchr(s + 1, '"', (size_t)(end - s - 1));
		if (!close)
			return -1;
		*v = s + 1;
		*vlen = (size_t)(close - s - 1);
		s = close + 1;
	} else {
		*v = s;
		while (s < end && is_tchar(*s))
			s++;
		*vlen = (size_t)(s - *v);
		if (*vlen == 0)
			return -1;
	}
	*p = s;
	return 1;
}

/* RFC 2046 bchars: what a boundary may be made of (space but not last). */
static bool boundary_valid(const char *b, size_t n)
{
	if (n == 0 || n > FORM_MAX_BOUNDARY || b[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("'()+_,-./:=? ", c)))
			return false;
	}
	return true;
}

/* Find the boundary parameter of a multipart/form-data Content-Type. */
static int boundary_of(const char *ct, const char **b, size_t *blen)
{
	static const char type[] = "multipart/form-data";
	size_t klen, vlen, n = strlen(ct);
	const char *p = text_trim(ct, &n), *end, *k, *v;
	int r;

	*b = NULL;
	end = p + n;
	if (n < sizeof type - 1 || !ieq(p, sizeof type - 1, type))
		return -1;
	p += sizeof type - 1;
	while ((r = next_param(&p, end, &k, &klen, &v, &vlen)) == 1) {
		if (!ieq(k, klen, "boundary"))
			continue;
		if (*b)
			return -1; /* two boundaries: which one? */
		*b = v;
		*blen = vlen;
	}
	if (r < 0 || !*b || !boundary_valid(*b, *blen))
		return -1;
	return 0;
}

/* What one part's headers said. Strings are owned until handed to add_field. */
struct part {
	char *name;
	char *filename;
	char *content_type;
	bool disposition;     /* a Content-Disposition was seen */
};

/* Content-Disposition: form-data; name="..."[; filename="..."]. */
static int parse_disposition(struct part *pt, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *k, *v;
	size_t klen, vlen;
	int r;

	if (n < 9 || !ieq(s, 9, "form-data"))
		return -1;
	p += 9;
	while ((r = next_param(&p, end, &k, &klen, &v, &vlen)) == 1) {
		if (ieq(k, klen, "name")) {
			if (pt->name || vlen == 0 || vlen > FORM_MAX_NAME)
				return -1;
			pt->name = xstrndup(v, vlen);
		} else if (ieq(k, klen, "filename")) {
			if (pt->filename)
				return -1;
			pt->filename = xstrndup(v, vlen);
		}
		/* Other parameters (filename* included, which RFC 7578 forbids
		 * senders to use) are ignored. */
	}
	return r;
}

/* One header line of a part (without its CRLF). */
static int parse_part_header(struct part *pt, const char *s, size_t n)
{
	const char *v;
	size_t klen = 0, vlen;

	for (size_t i = 0; i < n; i++)
		if (is_ctl((unsigned char)s[i]))
			return -1;
	if (!text_utf8_valid(s, n))
		return -1;
	while (klen < n && is_tchar(s[klen]))
		klen++;
	/* No name covers obs-fold too: a line that starts with white space. */
	if (klen == 0 || klen == n || s[klen] != ':')
		return -1;
	vlen = n - klen - 1;
	v = text_trim(s + klen + 1, &vlen);
	if (ieq(s, klen, "content-disposition")) {
		if (pt->disposition)
			return -1;
		pt->disposition = true;
		return parse_disposition(pt, v, vlen);
	}
	if (ieq(s, klen, "content-type")) {
		if (pt->content_type || vlen == 0)
			return -1;
		pt->content_type = xstrndup(v, vlen);
		return 0;
	}
	if (ieq(s, klen, "content-transfer-encoding")) {
		/* We do not decode base64 or quoted-printable; passing such a
		 * part on undecoded would be guessing. */
		if (ieq(v, vlen, "binary") || ieq(v, vlen, "8bit") || ieq(v, vlen, "7bit"))
			return 0;
		return -1;
	}
	return 0; /* any other header is not ours to judge */
}

/*
 * After a delimiter: "--" closes the body (returns 1), else transport
 * padding and CRLF open a part (returns 0); anything else is -1. *pos is
 * moved past what was read.
 */
static int after_delimiter(const char *s, size_t n, size_t *pos)
{
	size_t i = *pos;

	if (n - i >= 2 && s[i] == '-' && s[i + 1] == '-')
		return 1;
	while (i < n && is_ows(s[i]))
		i++;
	if (n - i < 2 || s[i] != '\r' || s[i + 1] != '\n')
		return -1;
	*pos = i + 2;
	return 0;
}

/*
 * One part starting at *pos (just after its delimiter line): headers, a
 * blank line, then bytes up to the next delimiter `delim` (CRLF "--"
 * boundary). On success the field is appended and *pos is just past that
 * delimiter.
 */
static int parse_part(struct form *f, const char *s, size_t n, size_t *pos,
		      const char *delim, size_t dlen)
{
	struct part pt = {NULL, NULL, NULL, false};
	size_t i = *pos, headers = 0, vlen;
	const char *body, *next;
	char *value = NULL;
	int rc = -1;

	for (;;) {
		size_t lim = n - i, eol;
		const char *cr;

		if (lim > FORM_MAX_HEADER_LINE + 1)
			lim = FORM_MAX_HEADER_LINE + 1;
		cr = memchr(s + i, '\r', lim);
		if (!cr || (size_t)(cr - s) + 1 >= n || cr[1] != '\n')
			goto out; /* over-long, truncated, or bare CR */
		eol = (size_t)(cr - s);
		if (memchr(s + i, '\n', eol - i))
			goto out; /* bare LF: lines end in CRLF */
		if (eol == i) {
			i += 2;
			break;
		}
		if (++headers > FORM_MAX_PART_HEADERS ||
		    parse_part_header(&pt, s + i, eol - i) < 0)
			goto out;
		i = eol + 2;
	}
	if (!pt.name || f->n >= FORM_MAX_FIELDS)
		goto out;
	body = s + i;
	next = memmem(body, n - i, delim, dlen);
	if (!next)
		goto out; /* no closing delimiter */
	vlen = (size_t)(next - body);
	if (!pt.filename && !text_utf8_valid(body, vlen))
		goto out;
	value = xstrndup(body, vlen);
	if (add_field(f, pt.name, value, vlen, pt.filename, pt.content_type) < 0)
		goto out;
	pt.name = pt.filename = pt.content_type = value = NULL;
	*pos = (size_t)(next - s) + dlen;
	rc = 0;
out:
	free(pt.name);
	free(pt.filename);
	free(pt.content_type);
	free(value);
	return rc;
}

int form_parse_multipart(struct form *f, const char *content_type,
			 const char *body, size_t n)
{
	struct buf delim = BUF_INIT;
	size_t n0 = f->n, pos, dlen, blen = 0;
	const char *b;
	int r, rc = -1;

	if (!content_type || boundary_of(content_type, &b, &blen) < 0)
		goto out;
	buf_puts(&delim, "\r\n--");
	buf_append(&delim, b, blen);
	dlen = delim.len;
	/* The first delimiter may open the body without its CRLF; anything
	 * before a later one is preamble (RFC 2046 5.1.1). */
	if (n >= dlen - 2 && memcmp(body, delim.data + 2, dlen - 2) == 0) {
		pos = dlen - 2;
	} else {
		const char *first = n ? memmem(body, n, delim.data, dlen) : NULL;
		if (!first)
			goto out;
		pos = (size_t)(first - body) + dlen;
	}
	while ((r = after_delimiter(body, n, &pos)) == 0)
		if (parse_part(f, body, n, &pos, delim.data, dlen) < 0)
			goto out;
	if (r < 0)
		goto out;
	rc = 0; /* the epilogue after "--boundary--" is ignored */
out:
	buf_free(&delim);
	if (rc < 0)
		truncate_form(f, n0);
	return rc;
}

/* Accept-Language q-value (RFC 9110 12.4.2) in thousandths, or -1. */
static int qvalue(const char **p)
{
	const char *s = *p;
	int q, scale = 100;

	if (*s != '0' && *s != '1')
		return -1;
	q = (*s++ - '0') * 1000;
	if (*s == '.') {
		s++;
		for (int k = 0; k < 3 && *s >= '0' && *s <= '9'; k++, s++) {
			q += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (q > 1000 || (*s >= '0' && *s <= '9'))
		return -1;
	*p = s;
	return q;
}

/* A language range r[0..rn) and a tag t match when one is the other or a
 * '-'-prefix of it. */
static bool lang_match(const char *r, size_t rn, const char *t)
{
	size_t tn = strlen(t), m = rn < tn ? rn : tn;

	for (size_t i = 0; i < m; i++)
		if (lower(r[i]) != lower(t[i]))
			return false;
	return rn == tn || (rn > tn && r[tn] == '-') || (tn > rn && t[rn] == '-');
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

const char *form_accept_language(const char *header, const char *const *have,
				 const char *def)
{
	const char *p = header, *best = def;
	int bestq = 0;

	if (!header || !have)
		return def;
	for (;;) {
		const char *r;
		size_t sub;
		int q = 1000;

		while (is_ows(*p) || *p == ',')
			p++; /* HTTP lists allow empty elements */
		if (!*p)
			break;
		r = p;
		if (*p == '*') {
			p++;
		} else {
			/* 1*8ALPHA *("-" 1*8alphanum) */
			for (sub = 0; is_alpha(*p); sub++)
				p++;
			if (sub < 1 || sub > 8)
				return def;
			while (*p == '-') {
				p++;
				for (sub = 0; is_alpha(*p) || (*p >= '0' && *p <= '9'); sub++)
					p++;
				if (sub < 1 || sub > 8)
					return def;
			}
		}
		size_t rn = (size_t)(p - r);
		while (is_ows(*p))
			p++;
		if (*p == ';') {
			p++;
			while (is_ows(*p))
				p++;
			if (lower(p[0]) != 'q' || p[1] != '=')
				return def;
			p += 2;
			if ((q = qvalue(&p)) < 0)
				return def;
			while (is_ows(*p))
				p++;
		}
		if (*p != ',' && *p != '\0')
			return def;
		if (q <= bestq || *r == '*')
			continue; /* '*' names nothing in particular: def fits */
		for (size_t i = 0; have[i]; i++) {
			if (lang_match(r, rn, have[i])) {
				best = have[i];
				bestq = q;
				break;
			}
		}
	}
	return best;
}
