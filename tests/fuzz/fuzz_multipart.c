/*
 * fuzz_multipart.c - libFuzzer target for form_parse_multipart.
 *
 * Input: the first line (up to '\n', a trailing '\r' dropped) is the
 * Content-Type header, the rest is the body. The body is passed in place,
 * so it ends exactly where libFuzzer's buffer ends and AddressSanitizer
 * sees any read past it.
 *
 * Checks form.h's contracts besides "no crash, no leak": a failed parse
 * leaves the form unchanged; names are 1..FORM_MAX_NAME bytes of UTF-8;
 * values are NUL-terminated at len; non-file parts are UTF-8 without NUL;
 * every part lies inside the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t ctlen = nl ? (size_t)(nl - data) : size, total = 0;
	const char *body = nl ? (const char *)nl + 1 : (const char *)data + size;
	size_t blen = nl ? size - ctlen - 1 : 0;
	struct form f = {0};
	char *ct;

	ct = malloc(ctlen + 1);
	if (!ct)
		return 0;
	memcpy(ct, data, ctlen);
	if (ctlen && ct[ctlen - 1] == '\r')
		ctlen--;
	ct[ctlen] = '\0';

	if (form_parse_multipart(&f, ct, body, blen) < 0) {
		if (f.n != 0)
			abort();
	}
	if (f.n > FORM_MAX_FIELDS)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		const struct form_field *x = &f.f[i];
		size_t nlen = strlen(x->name);

		if (nlen == 0 || nlen > FORM_MAX_NAME || !text_utf8_valid(x->name, nlen))
			abort();
		if (x->value[x->len] != '\0')
			abort();
		if (!x->filename && !text_utf8_valid(x->value, x->len))
			abort();
		if (x->filename && !text_utf8_valid(x->filename, strlen(x->filename)))
			abort();
		if (x->content_type &&
		    !text_utf8_valid(x->content_type, strlen(x->content_type)))
			abort();
		total += x->len;
		if (total > blen)
			abort();
	}
	free(ct);
	form_free(&f);
	return 0;
}
