/*
 * fuzz_markdown.c - libFuzzer target for the whole Markdown pipeline
 * (markdown.c): the input is rendered as a page, with an exists callback
 * that says yes to even-length slugs.
 *
 * Besides "no crash, no leak, no hang", it checks what markdown.h
 * promises: rendering succeeds; HTML, text and heading text are valid
 * UTF-8 whatever the input; no raw HTML tag or javascript: URL comes
 * through; link slugs are valid slugs; heading levels are 1..6 and ids
 * are unique; file hashes are 64 lowercase hex digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "markdown.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool even(void *ctx, const char *slug)
{
	(void)ctx;
	return strlen(slug) % 2 == 0;
}

static void check(const struct md_result *r)
{
	size_t i, j;

	if (!text_utf8_valid(r->html.data, r->html.len) ||
	    !text_utf8_valid(r->text.data, r->text.len) ||
	    !text_utf8_valid(r->headings_text.data, r->headings_text.len))
		abort();
	/* Raw HTML is omitted, so these can only come from a bug. */
	if (strstr(r->html.data, "<script") || strstr(r->html.data, "<iframe") ||
	    strstr(r->html.data, "<style") || strcasestr(r->html.data, "href=\"javascript:") ||
	    strcasestr(r->html.data, "src=\"javascript:"))
		abort();
	for (i = 0; i < r->nlinks; i++)
		if (!text_slug_valid(r->links[i].slug, MD_SLUG_MAX) ||
		    r->links[i].exists != (strlen(r->links[i].slug) % 2 == 0))
			abort();
	for (i = 0; i < r->nheadings; i++) {
		if (r->headings[i].level < 1 || r->headings[i].level > 6 || !r->headings[i].id[0])
			abort();
		for (j = i + 1; j < r->nheadings && j < i + 64; j++)
			if (strcmp(r->headings[i].id, r->headings[j].id) == 0)
				abort();
	}
	for (i = 0; i < r->nfiles; i++) {
		if (strlen(r->files[i]) != 64)
			abort();
		for (j = 0; j < 64; j++)
			if (!strchr("0123456789abcdef", r->files[i][j]))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct md_result r;

	if (markdown_render((const char *)data, size, even, NULL, &r) != 0)
		abort();
	check(&r);
	md_result_free(&r);
	return 0;
}
