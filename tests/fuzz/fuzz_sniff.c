/*
 * fuzz_sniff.c - libFuzzer target for files_sniff (magic bytes, the zip
 * central directory of office documents, the markup check of text) and
 * files_clean_name.
 *
 * The input is passed in place, so AddressSanitizer sees any read past
 * its end (the zip reader follows offsets taken from the input). Checks
 * files.h's contracts besides "no crash": an accepted type is one of the
 * allow-list (files_ext knows it), text is accepted only when valid UTF-8
 * that does not start with '<'; a cleaned name is non-empty UTF-8 of at
 * most FILES_NAME_MAX bytes without '/', '\\', '"' or control bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *m = files_sniff(data, size, NULL);
	const char *c = files_sniff(data, size, "x.csv");
	char *name;

	if (m && strcmp(files_ext(m), "bin") == 0)
		abort(); /* a type off the list */
	if ((m == NULL) != (c == NULL))
		abort(); /* the name may only pick text/csv over text/plain */
	if (m && strncmp(m, "text/", 5) == 0) {
		size_t i = 0;
		if (!text_utf8_valid((const char *)data, size))
			abort();
		if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
			i = 3;
		while (i < size && strchr(" \t\r\n\f", data[i]) && data[i])
			i++;
		if (i < size && data[i] == '<')
			abort();
	}
	name = files_clean_name((const char *)data, size, m ? m : "image/png");
	{
		size_t n = strlen(name);
		if (n == 0 || n > FILES_NAME_MAX || !text_utf8_valid(name, n))
			abort();
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)name[i];
			if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\' || ch == '"')
				abort();
		}
	}
	free(name);
	return 0;
}
