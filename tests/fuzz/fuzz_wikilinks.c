/*
 * fuzz_wikilinks.c - libFuzzer target for wiki links and heading ids in
 * markdown.c. The input is rendered as it is, and also wrapped as a link
 * target in a paragraph, a heading and a table cell, so that the fuzzer
 * works on what lies between "[[" and "]]".
 *
 * Checks: every recorded link has a valid slug equal to text_slugify of
 * its target, a target of 1..MD_TARGET_MAX bytes, and an exists flag
 * matching the callback (even-length slugs exist); each slug appears
 * once; the HTML has no more wiki-link anchors than "[[" in the source
 * allows; heading ids are unique.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "markdown.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool even(void *ctx, const char *slug)
{
	(void)ctx;
	return strlen(slug) % 2 == 0;
}

static size_t count(const char *s, size_t n, const char *needle)
{
	size_t k = 0, m = strlen(needle);
	const char *p = s, *end = s + n;

	while (p < end && (p = memmem(p, (size_t)(end - p), needle, m))) {
		k++;
		p += m;
	}
	return k;
}

static void check(const char *md, size_t len, const struct md_result *r)
{
	struct buf slug = BUF_INIT;
	size_t i, j;

	for (i = 0; i < r->nlinks; i++) {
		const struct md_link *l = &r->links[i];
		size_t tlen = strlen(l->target);

		buf_reset(&slug);
		text_slugify(&slug, l->target, tlen, MD_SLUG_MAX);
		if (tlen == 0 || tlen > MD_TARGET_MAX || strcmp(slug.data, l->slug) != 0 ||
		    !text_slug_valid(l->slug, MD_SLUG_MAX) ||
		    l->exists != (strlen(l->slug) % 2 == 0))
			abort();
		for (j = i + 1; j < r->nlinks && j < i + 64; j++)
			if (strcmp(l->slug, r->links[j].slug) == 0)
				abort();
	}
	/* Each anchor needs its own "[[" (a NUL or bad byte becomes U+FFFD,
	 * never a bracket). */
	if (count(r->html.data, r->html.len, "<a class=\"wikilink") > count(md, len, "[["))
		abort();
	for (i = 0; i < r->nheadings; i++)
		for (j = i + 1; j < r->nheadings && j < i + 64; j++)
			if (strcmp(r->headings[i].id, r->headings[j].id) == 0)
				abort();
	if (!text_utf8_valid(r->html.data, r->html.len))
		abort();
	buf_free(&slug);
}

static void run(const char *pre, const uint8_t *data, size_t size, const char *post)
{
	struct buf md = BUF_INIT;
	struct md_result r;

	buf_puts(&md, pre);
	buf_append(&md, data, size);
	buf_puts(&md, post);
	if (markdown_render(md.data, md.len, even, NULL, &r) != 0)
		abort();
	check(md.data, md.len, &r);
	md_result_free(&r);
	buf_free(&md);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run("", data, size, "");
	run("Ver [[", data, size, "]] y [[otra|texto]].");
	run("## [[", data, size, "]]\n\n## [[x]]\n");
	run("| a | b |\n|---|---|\n| [[", data, size, "]] | c |\n");
	return 0;
}
