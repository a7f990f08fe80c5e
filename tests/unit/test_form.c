/*
 * test_form.c - form.c: urlencoded, cookies, multipart, Accept-Language.
 *
 * Bad input is tested as carefully as good input: every rejection must also
 * leave the struct form as it was (no half-decoded forms).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "form.h"

/* Parse a NUL-terminated urlencoded string into a fresh form. */
static int urlenc(struct form *f, const char *s)
{
	return form_parse_urlencoded(f, s, strlen(s));
}

/* Expect s to be rejected and to leave a fresh form empty. */
static void urlenc_bad(const char *s)
{
	struct form f = {0};
	if (urlenc(&f, s) != -1)
		fail_msg("accepted: \"%s\"", s);
	assert_int_equal(f.n, 0);
	form_free(&f);
}

static void test_urlencoded_basic(void **state)
{
	struct form f = {0};
	(void)state;

	assert_int_equal(urlenc(&f, "q=devoluci%C3%B3n+fuera%20de+plazo&kind=procedure"), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(form_get(&f, "q"), "devolución fuera de plazo");
	assert_int_equal(form_field(&f, "q")->len, strlen("devolución fuera de plazo"));
	assert_string_equal(form_get(&f, "kind"), "procedure");
	assert_null(form_get(&f, "missing"));
	assert_null(form_field(&f, "q")->filename);
	assert_null(form_field(&f, "q")->content_type);
	form_free(&f);
	form_free(&f); /* twice is safe */
	assert_int_equal(f.n, 0);
}

static void test_urlencoded_plus_and_escapes(void **state)
{
	struct form f = {0};
	(void)state;

	/* '+' is a space, %2B a literal plus, escapes in names too. */
	assert_int_equal(urlenc(&f, "a+b=1%2B1&%6Eame=x%26y%3Dz&%C3%B3=%C3%B3"), 0);
	assert_string_equal(form_get(&f, "a b"), "1+1");
	assert_string_equal(form_get(&f, "name"), "x&y=z");
	assert_string_equal(form_get(&f, "ó"), "ó");
	/* Lowercase hex is as good as uppercase. */
	form_free(&f);
	assert_int_equal(urlenc(&f, "t=%c3%b3"), 0);
	assert_string_equal(form_get(&f, "t"), "ó");
	form_free(&f);
	/* A raw '=' in a value belongs to the value. */
	assert_int_equal(urlenc(&f, "eq=a=b"), 0);
	assert_string_equal(form_get(&f, "eq"), "a=b");
	form_free(&f);
}

static void test_urlencoded_malformed(void **state)
{
	(void)state;
	urlenc_bad("a=%G1");
	urlenc_bad("a=%1G");
	urlenc_bad("a=1%");
	urlenc_bad("a=1%4");
	urlenc_bad("a%=1");
	urlenc_bad("a=%00");
	urlenc_bad("%00=a");
	urlenc_bad("a=%FF");         /* not UTF-8 */
	urlenc_bad("a=%C0%AF");      /* overlong '/' */
	urlenc_bad("a=%C3");         /* truncated sequence */
	urlenc_bad("a=%ED%A0%80");   /* surrogate */
	urlenc_bad("a=\xff");        /* raw invalid byte */
	urlenc_bad("=b");            /* empty name */
	urlenc_bad("=");
	urlenc_bad("ok=1&=b");

	/* A NUL inside the given length is rejected, not a terminator. */
	struct form f = {0};
	assert_int_equal(form_parse_urlencoded(&f, "a=b\0c", 5), -1);
	assert_int_equal(f.n, 0);
	/* ...but the length is what counts, not the NUL terminator. */
	assert_int_equal(form_parse_urlencoded(&f, "a=bcd", 3), 0);
	assert_string_equal(form_get(&f, "a"), "b");
	form_free(&f);
}

static void test_urlencoded_empty(void **state)
{
	struct form f = {0};
	(void)state;

	assert_int_equal(form_parse_urlencoded(&f, NULL, 0), 0);
	assert_int_equal(urlenc(&f, ""), 0);
	assert_int_equal(urlenc(&f, "&&&"), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(urlenc(&f, "a=&b&&c=3&"), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(form_get(&f, "a"), "");
	assert_int_equal(form_field(&f, "a")->len, 0);
	assert_string_equal(form_get(&f, "b"), "");
	assert_string_equal(form_get(&f, "c"), "3");
	form_free(&f);
}

static void test_urlencoded_duplicates(void **state)
{
	struct form f = {0};
	const struct form_field *x;
	const char *want[] = {"a", "b", "c"};
	size_t k = 0;
	(void)state;

	assert_int_equal(urlenc(&f, "tag=a&other=1&tag=b&tag=c"), 0);
	assert_string_equal(form_get(&f, "tag"), "a");
	for (x = form_field(&f, "tag"); x; x = form_field_next(&f, x)) {
		assert_true(k < 3);
		assert_string_equal(x->value, want[k++]);
	}
	assert_int_equal(k, 3);
	assert_null(form_field_next(&f, form_field(&f, "other")));
	form_free(&f);
}

static void test_urlencoded_field_cap(void **state)
{
	struct buf b = BUF_INIT;
	struct form f = {0};
	(void)state;

	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		buf_printf(&b, "%sf%d=%d", i ? "&" : "", i, i);
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), 0);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	assert_string_equal(form_get(&f, "f511"), "511");
	/* One more, in a later call, is over the cap and changes nothing. */
	assert_int_equal(urlenc(&f, "x=1"), -1);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	form_free(&f);

	buf_puts(&b, "&one=more");
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), -1);
	assert_int_equal(f.n, 0);
	form_free(&f);
	buf_free(&b);
}

static void test_urlencoded_long_names(void **state)
{
	struct buf b = BUF_INIT;
	struct form f = {0};
	(void)state;

	for (int i = 0; i < FORM_MAX_NAME; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "=v");
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), 0);
	assert_int_equal(strlen(f.f[0].name), FORM_MAX_NAME);
	form_free(&f);

	buf_reset(&b);
	for (int i = 0; i < FORM_MAX_NAME + 1; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "=v");
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), -1);

	/* The cap is on the decoded name: 128 x "%C3%B3" is 256 bytes. */
	buf_reset(&b);
	for (int i = 0; i < FORM_MAX_NAME; i++)
		buf_puts(&b, "%C3%B3");
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), -1);
	buf_reset(&b);
	for (int i = 0; i < FORM_MAX_NAME / 2; i++)
		buf_puts(&b, "%C3%B3");
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), 0);
	assert_int_equal(f.n, 1);
	form_free(&f);

	/* Long values are fine (the caller caps the body). */
	buf_reset(&b);
	buf_puts(&b, "v=");
	for (int i = 0; i < 100000; i++)
		buf_putc(&b, 'x');
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), 0);
	assert_int_equal(form_field(&f, "v")->len, 100000);
	form_free(&f);
	buf_free(&b);
}

static void test_urlencoded_failure_keeps_earlier(void **state)
{
	struct form f = {0};
	(void)state;

	assert_int_equal(urlenc(&f, "a=1"), 0);
	assert_int_equal(urlenc(&f, "b=2&c=%ZZ"), -1);
	assert_int_equal(f.n, 1);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_null(form_get(&f, "b"));
	assert_int_equal(urlenc(&f, "b=2"), 0);
	assert_int_equal(f.n, 2);
	form_free(&f);
}

static void test_decode(void **state)
{
	char *out = NULL;
	size_t n = 99;
	(void)state;

	assert_int_equal(form_decode("a+b%20c", 7, false, &out, &n), 0);
	assert_string_equal(out, "a+b c");
	assert_int_equal(n, 5);
	free(out);
	assert_int_equal(form_decode("a+b", 3, true, &out, NULL), 0);
	assert_string_equal(out, "a b");
	free(out);
	assert_int_equal(form_decode("", 0, true, &out, &n), 0);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
	free(out);

	out = NULL;
	assert_int_equal(form_decode("%", 1, true, &out, &n), -1);
	assert_int_equal(form_decode("%0", 2, true, &out, &n), -1);
	assert_int_equal(form_decode("%00", 3, true, &out, &n), -1);
	assert_int_equal(form_decode("%FF", 3, true, &out, &n), -1);
	assert_int_equal(form_decode("%C0%AF", 6, true, &out, &n), -1);
	assert_int_equal(form_decode("%F4%90%80%80", 12, true, &out, &n), -1); /* > U+10FFFF */
	assert_null(out);
	/* Four-byte UTF-8 is fine. */
	assert_int_equal(form_decode("%F0%9F%99%82", 12, true, &out, &n), 0);
	assert_string_equal(out, "\xF0\x9F\x99\x82");
	free(out);
}

static void test_cookies(void **state)
{
	struct form f = {0};
	(void)state;

	assert_int_equal(form_parse_cookies(&f, "sid=abc123; csrf=x%2By; lang=es"), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(form_get(&f, "sid"), "abc123");
	assert_string_equal(form_get(&f, "csrf"), "x%2By"); /* not decoded */
	assert_string_equal(form_get(&f, "lang"), "es");
	form_free(&f);

	/* Spaces around pairs, names and values are trimmed; inner ones kept. */
	assert_int_equal(form_parse_cookies(&f, "  a = 1 ;b=two words;\tc=3  ;"), 0);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_string_equal(form_get(&f, "b"), "two words");
	assert_string_equal(form_get(&f, "c"), "3");
	form_free(&f);

	/* Quoted values lose their quotes, and only a matching pair. */
	assert_int_equal(form_parse_cookies(&f, "q=\"quoted; \"; r=\"half; s=\"\"; t=\""), 0);
	/* The ';' inside quotes still splits (RFC 6265 has no quoting of ';'). */
	assert_string_equal(form_get(&f, "q"), "\"quoted");
	assert_string_equal(form_get(&f, "r"), "\"half");
	assert_string_equal(form_get(&f, "s"), "");
	assert_string_equal(form_get(&f, "t"), "\"");
	form_free(&f);
	assert_int_equal(form_parse_cookies(&f, "u=\"a b\""), 0);
	assert_string_equal(form_get(&f, "u"), "a b");
	form_free(&f);

	/* Empty values and '=' inside values. */
	assert_int_equal(form_parse_cookies(&f, "e=; v=a=b=c"), 0);
	assert_string_equal(form_get(&f, "e"), "");
	assert_string_equal(form_get(&f, "v"), "a=b=c");
	form_free(&f);

	/* Duplicates kept in order (browsers send the most specific first). */
	assert_int_equal(form_parse_cookies(&f, "sid=1; sid=2"), 0);
	assert_string_equal(form_get(&f, "sid"), "1");
	assert_string_equal(form_field_next(&f, form_field(&f, "sid"))->value, "2");
	form_free(&f);

	/* Neighbours' junk is skipped, not fatal. */
	assert_int_equal(form_parse_cookies(&f, "justvalue; =noname; bad=\xff; ok=1;;"), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(form_get(&f, "ok"), "1");
	form_free(&f);
	assert_int_equal(form_parse_cookies(&f, ""), 0);
	assert_int_equal(form_parse_cookies(&f, NULL), 0);
	assert_int_equal(f.n, 0);

	/* Control bytes are what no browser sends: the header is rejected. */
	assert_int_equal(form_parse_cookies(&f, "a=1; b=\x01"), -1);
	assert_int_equal(form_parse_cookies(&f, "a=1\r\nX-Evil: 1"), -1);
	assert_int_equal(form_parse_cookies(&f, "a=1; b=\x7f"), -1);
	assert_int_equal(f.n, 0);
	form_free(&f);
}

static void test_cookies_caps(void **state)
{
	struct buf b = BUF_INIT;
	struct form f = {0};
	(void)state;

	for (int i = 0; i < FORM_MAX_NAME + 1; i++)
		buf_putc(&b, 'c');
	buf_puts(&b, "=long; short=1");
	assert_int_equal(form_parse_cookies(&f, b.data), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(form_get(&f, "short"), "1");
	form_free(&f);

	buf_reset(&b);
	for (int i = 0; i <= FORM_MAX_FIELDS; i++)
		buf_printf(&b, "c%d=%d; ", i, i);
	assert_int_equal(form_parse_cookies(&f, b.data), -1);
	assert_int_equal(f.n, 0);
	form_free(&f);
	buf_free(&b);
}

/* A multipart body built from pieces; \r\n spelled out so the bytes are
 * exactly what is on the wire. */
#define CT "multipart/form-data; boundary=XyZ"

static int mp(struct form *f, const char *ct, const char *body, size_t n)
{
	return form_parse_multipart(f, ct, body, n);
}

static void mp_bad(const char *ct, const char *body)
{
	struct form f = {0};
	if (mp(&f, ct, body, strlen(body)) != -1)
		fail_msg("accepted multipart: ct=\"%s\" body=\"%s\"", ct, body);
	assert_int_equal(f.n, 0);
	form_free(&f);
}

/* RFC 2046: the boundary must not occur in content, so a file holding
 * "\r\n--XyZ" followed by anything but padding+CRLF or "--" is malformed,
 * not a file with those bytes. */
static void test_multipart_boundary_in_file(void **state)
{
	static const char body[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"upload\"; filename=\"a.bin\"\r\n"
		"\r\n"
		"\x00\xff\r\n--XyZ \x01\r\n"
		"\r\n"
		"--XyZ--\r\n";
	(void)state;
	struct form f = {0};
	assert_int_equal(mp(&f, CT, body, sizeof body - 1), -1);
	assert_int_equal(f.n, 0);
	form_free(&f);
}

static void test_multipart_ok(void **state)
{
	/* Binary bytes with NUL, 0xFF, CRLF, "--", "--X", "--XyZZ" (a longer
	 * word than the boundary but not preceded by CRLF) and "\r\n-XyZ". */
	static const char filebytes[] =
		"\x00\xff\xfe\r\n--\r\n--X\r\nxx--XyZ\r\n-XyZ\r\n\r\n\x89PNG\r\n\x1a\n";
	struct buf b = BUF_INIT;
	struct form f = {0};
	const struct form_field *up, *t;
	(void)state;

	buf_puts(&b, "--XyZ\r\n"
		     "Content-Disposition: form-data; name=\"title\"\r\n"
		     "\r\n"
		     "Devolución fuera de plazo\r\n"
		     "--XyZ\r\n"
		     "content-disposition: form-data; name=\"upload\"; filename=\"C:\\dir\\a b.bin\"\r\n"
		     "Content-Type: application/octet-stream\r\n"
		     "\r\n");
	buf_append(&b, filebytes, sizeof filebytes - 1);
	buf_puts(&b, "\r\n--XyZ\r\n"
		     "Content-Disposition: form-data; name=\"empty\"\r\n"
		     "\r\n"
		     "\r\n--XyZ\r\n"
		     "Content-Disposition: form-data; name=\"lines\"\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "\r\n"
		     "one\r\ntwo\r\n\r\n"
		     "\r\n--XyZ\r\n"
		     "Content-Disposition: form-data; name=title\r\n"
		     "\r\n"
		     "second\r\n--XyZ--\r\nepilogue is ignored");
	assert_int_equal(mp(&f, CT, b.data, b.len), 0);
	assert_int_equal(f.n, 5);

	t = form_field(&f, "title");
	assert_string_equal(t->value, "Devolución fuera de plazo");
	assert_null(t->filename);
	assert_null(t->content_type);
	assert_string_equal(form_field_next(&f, t)->value, "second");

	up = form_field(&f, "upload");
	assert_non_null(up);
	assert_int_equal(up->len, sizeof filebytes - 1);
	assert_memory_equal(up->value, filebytes, sizeof filebytes - 1);
	assert_int_equal(up->value[up->len], '\0');
	assert_string_equal(up->filename, "C:\\dir\\a b.bin");
	assert_string_equal(up->content_type, "application/octet-stream");

	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "lines"), "one\r\ntwo\r\n\r\n");
	assert_string_equal(form_field(&f, "lines")->content_type, "text/plain; charset=utf-8");
	form_free(&f);
	buf_free(&b);
}

static void test_multipart_boundary_forms(void **state)
{
	static const char body[] =
		"--a'(b)+_,-./:=? c\r\n"
		"Content-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n"
		"--a'(b)+_,-./:=? c--\r\n";
	static const char tok[] =
		"--simple-1\r\n"
		"Content-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n"
		"--simple-1--";
	struct form f = {0};
	(void)state;

	/* Quoted, with every bchar including an inner space. */
	assert_int_equal(mp(&f, "multipart/form-data; boundary=\"a'(b)+_,-./:=? c\"",
			    body, sizeof body - 1), 0);
	assert_string_equal(form_get(&f, "x"), "1");
	form_free(&f);

	/* Unquoted; type and parameter names in any case, other parameters
	 * ignored, white space around ';'; no trailing CRLF after close. */
	assert_int_equal(mp(&f, "Multipart/Form-Data ;charset=utf-8 ; BOUNDARY=simple-1",
			    tok, sizeof tok - 1), 0);
	assert_string_equal(form_get(&f, "x"), "1");
	form_free(&f);
	assert_int_equal(mp(&f, "multipart/form-data; boundary=\"simple-1\";", tok,
			    sizeof tok - 1), 0);
	form_free(&f);

	/* Bad Content-Types. */
	mp_bad("multipart/form-data", tok);
	mp_bad("multipart/mixed; boundary=simple-1", tok);
	mp_bad("multipart/form-datax; boundary=simple-1", tok);
	mp_bad("multipart/form-data; boundary=", tok);
	mp_bad("multipart/form-data; boundary=\"\"", tok);
	mp_bad("multipart/form-data; boundary=\"simple-1", tok);
	mp_bad("multipart/form-data; boundary=simple-1; boundary=simple-1", tok);
	mp_bad("multipart/form-data; boundary=\"ends with space \"", tok);
	mp_bad("multipart/form-data; boundary=\"bad\\char\"", tok);
	mp_bad("multipart/form-data boundary=simple-1", tok);
	mp_bad("multipart/form-data; boundary = simple-1", tok);
	mp_bad("", tok);
	{
		struct form g = {0};
		assert_int_equal(mp(&g, NULL, tok, sizeof tok - 1), -1);
		form_free(&g);
	}

	/* 70 characters is the longest boundary. */
	struct buf ct = BUF_INIT, b = BUF_INIT;
	char bnd[72];
	memset(bnd, 'b', 70);
	bnd[70] = '\0';
	buf_printf(&ct, "multipart/form-data; boundary=%s", bnd);
	buf_printf(&b, "--%s\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n--%s--\r\n",
		   bnd, bnd);
	assert_int_equal(mp(&f, ct.data, b.data, b.len), 0);
	form_free(&f);
	bnd[70] = 'b';
	bnd[71] = '\0';
	buf_reset(&ct);
	buf_reset(&b);
	buf_printf(&ct, "multipart/form-data; boundary=%s", bnd);
	buf_printf(&b, "--%s\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n--%s--\r\n",
		   bnd, bnd);
	assert_int_equal(mp(&f, ct.data, b.data, b.len), -1);
	form_free(&f);
	buf_free(&ct);
	buf_free(&b);
}

static void test_multipart_preamble_padding_empty(void **state)
{
	static const char pre[] =
		"This is a preamble.\r\n--XyZ \t\r\n"
		"Content-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--";
	struct form f = {0};
	(void)state;

	assert_int_equal(mp(&f, CT, pre, sizeof pre - 1), 0);
	assert_string_equal(form_get(&f, "x"), "1");
	form_free(&f);
	/* A form with no fields. */
	assert_int_equal(mp(&f, CT, "--XyZ--\r\n", 9), 0);
	assert_int_equal(f.n, 0);
	form_free(&f);
}

static void test_multipart_malformed(void **state)
{
	(void)state;
	/* Missing close delimiter, or truncated anywhere. */
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"");
	mp_bad(CT, "--XyZ\r\n");
	mp_bad(CT, "--XyZ");
	mp_bad(CT, "");
	mp_bad(CT, "no boundary at all");
	mp_bad(CT, "--XyZ\r\n\r\n1\r\n--XyZ--\r\n"); /* no headers */
	/* Bare LF line endings. */
	mp_bad(CT, "--XyZ\nContent-Disposition: form-data; name=\"x\"\n\n1\n--XyZ--\n");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\r\n\r\n1\r\n--XyZ--");
	/* Junk after a delimiter, a boundary that runs on. */
	mp_bad(CT, "--XyZjunk\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZZ--");
	/* Content-Disposition: missing, wrong type, no name, empty name,
	 * duplicated, unclosed quote, bad parameter syntax. */
	mp_bad(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"; name=\"y\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n"
		   "Content-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\" junk\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data name=\"x\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"; filename=\"a\"; filename=\"b\"\r\n\r\n1\r\n--XyZ--");
	/* Header without a colon, folded header, control byte in a header. */
	mp_bad(CT, "--XyZ\r\nContent-Disposition form-data; name=\"x\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data;\r\n name=\"x\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\x01\"\r\n\r\n1\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\n1\r\n--XyZ--");
	/* Encodings we do not decode. */
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n"
		   "Content-Transfer-Encoding: base64\r\n\r\nMQ==\r\n--XyZ--");
	/* Text parts must be UTF-8 without NUL. */
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\xff\r\n--XyZ--");
	mp_bad(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\xc0\xaf\r\n--XyZ--");
	{
		static const char nul[] =
			"--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\na\0b\r\n--XyZ--";
		struct form f = {0};
		assert_int_equal(mp(&f, CT, nul, sizeof nul - 1), -1);
		assert_int_equal(f.n, 0);
		form_free(&f);
	}
}

static void test_multipart_ok_headers(void **state)
{
	static const char body[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"x\"; filename*=UTF-8''a\r\n"
		"Content-Transfer-Encoding: 8BIT\r\n"
		"X-Whatever: ignored\r\n"
		"\r\n1\r\n--XyZ--";
	struct form f = {0};
	(void)state;

	assert_int_equal(mp(&f, CT, body, sizeof body - 1), 0);
	assert_string_equal(form_get(&f, "x"), "1");
	assert_null(form_field(&f, "x")->filename);
	form_free(&f);
}

static void test_multipart_caps(void **state)
{
	struct buf b = BUF_INIT;
	struct form f = {0};
	(void)state;

	/* A header line of exactly FORM_MAX_HEADER_LINE bytes passes, one
	 * byte more fails. */
	const char *pre = "Content-Disposition: form-data; name=\"x\"; pad=\"";
	size_t fill = FORM_MAX_HEADER_LINE - strlen(pre) - 1;
	for (int extra = 0; extra < 2; extra++) {
		buf_reset(&b);
		buf_puts(&b, "--XyZ\r\n");
		buf_puts(&b, pre);
		for (size_t i = 0; i < fill + (size_t)extra; i++)
			buf_putc(&b, 'p');
		buf_puts(&b, "\"\r\n\r\n1\r\n--XyZ--");
		assert_int_equal(mp(&f, CT, b.data, b.len), extra ? -1 : 0);
		form_free(&f);
	}

	/* Too many header lines in one part. */
	buf_reset(&b);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"x\"\r\n");
	for (int i = 0; i < FORM_MAX_PART_HEADERS; i++)
		buf_puts(&b, "X-A: b\r\n");
	buf_puts(&b, "\r\n1\r\n--XyZ--");
	assert_int_equal(mp(&f, CT, b.data, b.len), -1);

	/* Too many parts. */
	buf_reset(&b);
	for (int i = 0; i < FORM_MAX_FIELDS; i++)
		buf_printf(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\n%d\r\n", i, i);
	buf_puts(&b, "--XyZ--\r\n");
	assert_int_equal(mp(&f, CT, b.data, b.len), 0);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	form_free(&f);
	buf_truncate(&b, b.len - strlen("--XyZ--\r\n"));
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"over\"\r\n\r\n1\r\n--XyZ--\r\n");
	assert_int_equal(mp(&f, CT, b.data, b.len), -1);
	assert_int_equal(f.n, 0);
	form_free(&f);

	/* Name length. */
	buf_reset(&b);
	buf_puts(&b, "--XyZ\r\nContent-Disposition: form-data; name=\"");
	for (int i = 0; i < FORM_MAX_NAME + 1; i++)
		buf_putc(&b, 'n');
	buf_puts(&b, "\"\r\n\r\n1\r\n--XyZ--");
	assert_int_equal(mp(&f, CT, b.data, b.len), -1);
	form_free(&f);
	buf_free(&b);
}

static void test_multipart_failure_keeps_earlier(void **state)
{
	static const char bad[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n3\r\n";
	struct form f = {0};
	(void)state;

	assert_int_equal(urlenc(&f, "a=1"), 0);
	assert_int_equal(mp(&f, CT, bad, sizeof bad - 1), -1);
	assert_int_equal(f.n, 1);
	assert_null(form_get(&f, "b"));
	form_free(&f);
}

static const char *const langs[] = {"es", "en", NULL};

static void test_accept_language(void **state)
{
	(void)state;
	assert_string_equal(form_accept_language("en-US,en;q=0.9,es;q=0.8", langs, "es"), "en");
	assert_string_equal(form_accept_language("es-MX", langs, "en"), "es");
	assert_string_equal(form_accept_language("fr", langs, "es"), "es");
	assert_string_equal(form_accept_language("fr-FR,fr;q=0.9,en;q=0.5", langs, "es"), "en");
	assert_string_equal(form_accept_language("en;q=0.5, es;q=0.7", langs, "en"), "es");
	assert_string_equal(form_accept_language("en;q=0.5, es;q=0.5", langs, "es"), "en");
	assert_string_equal(form_accept_language("EN-gb", langs, "es"), "en");
	assert_string_equal(form_accept_language("es;q=0, en;q=0.1", langs, "es"), "en");
	assert_string_equal(form_accept_language("es;q=0", langs, "en"), "en");
	assert_string_equal(form_accept_language("*", langs, "es"), "es");
	assert_string_equal(form_accept_language("fr, *;q=0.5", langs, "en"), "en");
	assert_string_equal(form_accept_language(" , en ; q=1.000 ,", langs, "es"), "en");
	assert_string_equal(form_accept_language("es-419;q=0.9,en;q=0.8", langs, "en"), "es");
	/* "e" is not a prefix of "en" at a subtag boundary; "english" is not "en". */
	assert_string_equal(form_accept_language("e", langs, "es"), "es");
	assert_string_equal(form_accept_language("english", langs, "es"), "es");
	/* A longer tag in the list is matched by a shorter range. */
	{
		static const char *const tags[] = {"pt-BR", "en", NULL};
		assert_string_equal(form_accept_language("pt", tags, "en"), "pt-BR");
		assert_string_equal(form_accept_language("pt-PT", tags, "en"), "en");
	}

	/* Garbage, anywhere, means the default. */
	assert_string_equal(form_accept_language(NULL, langs, "es"), "es");
	assert_string_equal(form_accept_language("", langs, "es"), "es");
	assert_string_equal(form_accept_language("%%%garbage%%%", langs, "es"), "es");
	assert_string_equal(form_accept_language("en;q=2", langs, "es"), "es");
	assert_string_equal(form_accept_language("en;q=1.5", langs, "es"), "es");
	assert_string_equal(form_accept_language("en;q=0.1234", langs, "es"), "es");
	assert_string_equal(form_accept_language("en;q=", langs, "es"), "es");
	assert_string_equal(form_accept_language("en;level=1", langs, "es"), "es");
	assert_string_equal(form_accept_language("en-", langs, "es"), "es");
	assert_string_equal(form_accept_language("toolongsubtag", langs, "es"), "es");
	assert_string_equal(form_accept_language("en es", langs, "es"), "es");
	assert_string_equal(form_accept_language("en,\xc3\xb3", langs, "es"), "es");
	assert_string_equal(form_accept_language("en", NULL, "es"), "es");
}

static void test_field_cap_across_sources(void **state)
{
	struct buf b = BUF_INIT;
	struct form f = {0};
	(void)state;

	for (int i = 0; i < FORM_MAX_FIELDS - 1; i++)
		buf_printf(&b, "%sf%d=%d", i ? "&" : "", i, i);
	assert_int_equal(form_parse_urlencoded(&f, b.data, b.len), 0);
	assert_int_equal(form_parse_cookies(&f, "a=1; b=2"), -1);
	assert_int_equal(f.n, FORM_MAX_FIELDS - 1);
	assert_int_equal(form_parse_cookies(&f, "a=1"), 0);
	assert_int_equal(f.n, FORM_MAX_FIELDS);
	form_free(&f);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urlencoded_basic),
		cmocka_unit_test(test_urlencoded_plus_and_escapes),
		cmocka_unit_test(test_urlencoded_malformed),
		cmocka_unit_test(test_urlencoded_empty),
		cmocka_unit_test(test_urlencoded_duplicates),
		cmocka_unit_test(test_urlencoded_field_cap),
		cmocka_unit_test(test_urlencoded_long_names),
		cmocka_unit_test(test_urlencoded_failure_keeps_earlier),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_cookies_caps),
		cmocka_unit_test(test_multipart_boundary_in_file),
		cmocka_unit_test(test_multipart_ok),
		cmocka_unit_test(test_multipart_boundary_forms),
		cmocka_unit_test(test_multipart_preamble_padding_empty),
		cmocka_unit_test(test_multipart_malformed),
		cmocka_unit_test(test_multipart_ok_headers),
		cmocka_unit_test(test_multipart_caps),
		cmocka_unit_test(test_multipart_failure_keeps_earlier),
		cmocka_unit_test(test_accept_language),
		cmocka_unit_test(test_field_cap_across_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
