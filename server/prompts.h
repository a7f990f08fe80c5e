/*
 * prompts.h - the guidance a page template gives whoever writes from it
 * ("¿Qué necesitaba el cliente?"), kept out of what gets published.
 *
 * A template's prompts are the lines of its top-level plain paragraphs
 * (markdown_paragraphs), and its empty list items ("- [ ] ", a step to
 * fill in); its headings, lists with text, tables, quotes and code are
 * the page's structure and stay. A line of a text is a prompt line when,
 * white space around it aside, it reads exactly as one of them.
 */
#ifndef OFICIO_PROMPTS_H
#define OFICIO_PROMPTS_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* A set of prompt lines, each trimmed and malloc'd, in the order they
 * were first added (no line twice). */
struct prompts {
	char **line;
	size_t n, cap;
};

#define PROMPTS_INIT {NULL, 0, 0}

/* Add the prompt lines of the template tmpl (Markdown; NULL or "" add
 * nothing; a template that does not parse adds nothing either): its
 * paragraphs' lines in order, then its empty steps. */
void prompts_add(struct prompts *p, const char *tmpl);

/* Add only the questions of tmpl: the lines of its plain paragraphs, in
 * the template's order, without its empty steps (what an editor is shown
 * as the template's guide; a blank step asks nothing). NULL, "" or a
 * template that does not parse add nothing. */
void prompts_add_questions(struct prompts *p, const char *tmpl);

/* Append md[0..len) to out without its prompt lines, and without the blank
 * line that followed a removed line standing on its own (so a section left
 * empty reads "## Qué hice\n\n## Resultado", not three blank lines).
 * Every other byte is kept as it was, line endings (LF or CRLF) included:
 * text written on a prompt's line or next to it stays. Returns how many
 * prompt lines were removed. */
size_t prompts_strip(const struct prompts *p, const char *md, size_t len, struct buf *out);

/* Release the lines; p is empty again. */
void prompts_free(struct prompts *p);

#endif
