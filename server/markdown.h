/*
 * markdown.h - the Markdown pipeline: cmark-gfm (table, tasklist,
 * strikethrough, autolink, tagfilter; no footnotes) in safe mode, plus
 * Oficio's own passes over the tree: wiki links, heading ids, plain text
 * for search, referenced attachments.
 *
 * Rendering happens once, when a revision is saved; views serve the
 * stored HTML. Raw HTML is omitted; unsafe URLs (javascript:, vbscript:,
 * file:, data: other than png/gif/jpeg/webp images) are emptied by cmark's
 * safe mode. Every walk is iterative, so 100,000 nested '>' or '[' cannot
 * overflow the stack.
 *
 * Caveat: cmark-gfm 0.29.0.gfm.6 (Debian 12) has quadratic paths that
 * later releases fixed. Before parsing, a linear scan bounds them: a line
 * opening more than 100 levels of '>' or list markers has the rest
 * escaped (shown as text); a paragraph with very many "![" and "]" gets
 * its "![" escaped (images there show as text); a document with words of
 * thousands of bytes loses autolinks, one with lines of more than a
 * hundred '|' loses tables. No real page comes near those limits.
 */
#ifndef OFICIO_MARKDOWN_H
#define OFICIO_MARKDOWN_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

#define MD_MAX_INPUT ((size_t)16 * 1024 * 1024) /* bytes; longer input is refused */
#define MD_SLUG_MAX 80     /* bytes of a wiki-link slug (as text_slugify) */
#define MD_TARGET_MAX 200  /* bytes of a wiki-link target; longer stays text */

struct md_heading {
	int level;   /* 1..6 */
	char *id;    /* unique within the page: slug of the text, "-2".. on repeat */
	char *text;  /* plain text of the heading */
};

struct md_link {
	char *slug;   /* target slug (text_slugify of the target, MD_SLUG_MAX) */
	char *target; /* target as first written, e.g. "Otra página" */
	bool exists;  /* as the exists callback said at render time */
};

struct md_result {
	struct buf html;      /* safe HTML fragment */
	struct buf text;      /* plain text of the body: no markup, no URLs */
	struct buf headings_text; /* heading texts, one per line (for search) */
	struct md_heading *headings;  /* in document order */
	size_t nheadings;
	struct md_link *links;    /* distinct wiki-link slugs, in order of first use */
	size_t nlinks;
	char **files;             /* distinct /files/{hash} hashes referenced, lowercase */
	size_t nfiles;
};

/* Callback: does a page with this slug exist? ctx is passed through.
 * Called once per distinct slug, from the thread calling markdown_render. */
typedef bool (*md_exists_fn)(void *ctx, const char *slug);

/* Render md[0..len). exists may be NULL (every wiki link then exists).
 * Wiki links: [[Target]] and [[Target|text]] inside one run of text (not in
 * code, links or images, nor split by emphasis); existing targets become
 * <a class="wikilink" href="/p/SLUG">, missing ones
 * <a class="wikilink missing" href="/new?title=URLENCODED-TARGET">.
 * Headings become <hN id="..."> and are listed in out->headings.
 * out need not be initialised: it is overwritten. Free it with
 * md_result_free, whatever the return value. Returns 0, or -1 when len
 * exceeds MD_MAX_INPUT or on internal failure (out is then empty).
 * Input that is not valid UTF-8 is still rendered (bad bytes become
 * U+FFFD). Safe to call from several threads at once. */
int markdown_render(const char *md, size_t len, md_exists_fn exists,
		    void *ctx, struct md_result *out);

/* Release everything in r and leave it empty; safe to call twice. */
void md_result_free(struct md_result *r);

/* Callback: a top-level paragraph spans source lines first..last
 * (1-based, inclusive). ctx is passed through. */
typedef void (*md_paragraph_fn)(void *ctx, int first, int last);

/* Call fn for each top-level paragraph of md[0..len), in order: what is
 * neither a heading, list, table, quote, code, break nor HTML (as
 * markdown_render would parse it). Returns 0, or -1 when len exceeds
 * MD_MAX_INPUT, md is not valid UTF-8, or on internal failure. Safe to
 * call from several threads at once. */
int markdown_paragraphs(const char *md, size_t len, md_paragraph_fn fn, void *ctx);

#endif
