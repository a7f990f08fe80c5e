/*
 * fuzz_form.c - libFuzzer target for form.c's text decoders: the same
 * input is read as a urlencoded body, percent-decoded both ways, read as a
 * Cookie header and as an Accept-Language header.
 *
 * Besides "no crash, no leak", it checks the contracts form.h promises: a
 * failed parse leaves the form unchanged, every name is 1..FORM_MAX_NAME
 * bytes of UTF-8, every value is UTF-8 without NUL and NUL-terminated at
 * len, and the language picked is one of those offered or the default.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(const struct form *f)
{
	if (f->n > FORM_MAX_FIELDS || f->n > f->cap)
		abort();
	for (size_t i = 0; i < f->n; i++) {
		const struct form_field *x = &f->f[i];
		size_t nlen = strlen(x->name);

		if (nlen == 0 || nlen > FORM_MAX_NAME || !text_utf8_valid(x->name, nlen))
			abort();
		if (x->value[x->len] != '\0' || !text_utf8_valid(x->value, x->len))
			abort();
		if (x->filename || x->content_type)
			abort();
		if (form_field(f, x->name) == NULL || form_get(f, x->name) == NULL)
			abort();
	}
	/* Walking duplicates visits each field of that name once. */
	if (f->n) {
		size_t k = 0;
		for (const struct form_field *x = form_field(f, f->f[0].name); x;
		     x = form_field_next(f, x))
			k++;
		if (k == 0 || k > f->n)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const have[] = {"es", "en", "pt-BR", NULL};
	const char *s = (const char *)data;
	struct form f = {0};
	char *out = NULL, *str;
	size_t outlen, n0;
	const char *lang;

	if (form_parse_urlencoded(&f, s, size) < 0 && f.n != 0)
		abort();
	check_fields(&f);
	n0 = f.n;

	for (int plus = 0; plus < 2; plus++) {
		if (form_decode(s, size, plus, &out, &outlen) == 0) {
			if (outlen > size || out[outlen] != '\0' || !text_utf8_valid(out, outlen))
				abort();
			free(out);
			out = NULL;
		}
	}

	/* The header parsers take C strings: stop at the first NUL, as a
	 * header value would. */
	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';

	/* Appending to a form that already holds fields. */
	if (form_parse_cookies(&f, str) < 0 && f.n != n0)
		abort();
	check_fields(&f);

	lang = form_accept_language(str, have, "xx");
	if (strcmp(lang, "xx") != 0 && strcmp(lang, "es") != 0 && strcmp(lang, "en") != 0 &&
	    strcmp(lang, "pt-BR") != 0)
		abort();

	free(str);
	form_free(&f);
	return 0;
}
