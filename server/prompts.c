/*
 * prompts.c - template guidance that is never published (see prompts.h).
 *
 * A new page starts from its kind's template, questions included, so the
 * writer reads them where she writes (page_edit.c). At the first save,
 * a line that still reads as a question is dropped; anything she typed,
 * even in the same paragraph, is kept byte for byte. Matching whole
 * lines, not paragraphs, is what lets "question, then her answer on the
 * next line" publish the answer alone. Once the page exists, its editor
 * lists the questions beside the text instead (prompts_add_questions).
 *
 * Caveat: a line typed to read exactly like a prompt goes too; prompts
 * are questions and instructions no one writes as content.
 */
#include "prompts.h"

#include "buf.h"
#include "markdown.h"
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* What the paragraph callback needs: the template and where its lines
 * start, in cmark's numbering (LF, CRLF and a lone CR end a line). */
struct scan {
	struct prompts *p;
	const char *s;
	size_t len;
	size_t *start;   /* start[k]: offset of line k + 1 */
	size_t nlines;
};

static bool has(const struct prompts *p, const char *s, size_t n)
{
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->line[i]) == n && memcmp(p->line[i], s, n) == 0)
			return true;
	return false;
}

static void add_line(struct prompts *p, const char *s, size_t n)
{
	s = text_trim(s, &n);
	if (n == 0 || has(p, s, n))
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->line = xrealloc(p->line, p->cap * sizeof(*p->line));
	}
	p->line[p->n++] = xstrndup(s, n);
}

static void on_paragraph(void *ctx, int first, int last)
{
	struct scan *sc = ctx;

	for (int k = first; k >= 1 && k <= last && (size_t)k <= sc->nlines; k++) {
		size_t a = sc->start[k - 1];
		size_t b = (size_t)k < sc->nlines ? sc->start[k] : sc->len;
		add_line(sc->p, sc->s + a, b - a);
	}
}

/* Whether s[0..n) (trimmed) is a list item with nothing in it: a marker
 * ("-", "*", "+", "1.", "1)"), and at most an empty task box ("[ ]"). A
 * template's "- [ ] " is a step to fill in; left as it is, it published
 * an empty step (a checkbox with no text). */
static bool empty_item(const char *s, size_t n)
{
	size_t i = 0;

	if (n && (s[0] == '-' || s[0] == '*' || s[0] == '+')) {
		i = 1;
	} else {
		while (i < n && i < 9 && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == 0 || i == n || (s[i] != '.' && s[i] != ')'))
			return false;
		i++;
	}
	if (i == n)
		return true;
	if (s[i] != ' ' && s[i] != '\t')
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return n - i == 3 && memcmp(s + i, "[ ]", 3) == 0;
}

/* The prompt lines of tmpl into p: its paragraphs' lines, and its empty
 * steps when steps is set. */
static void scan_template(struct prompts *p, const char *tmpl, bool steps)
{
	struct scan sc = {p, tmpl, tmpl ? strlen(tmpl) : 0, NULL, 0};
	size_t cap = 16;

	if (!sc.len)
		return;
	sc.start = xmalloc(cap * sizeof(*sc.start));
	sc.start[sc.nlines++] = 0;
	for (size_t i = 0; i < sc.len; i++) {
		if (tmpl[i] != '\n' && tmpl[i] != '\r')
			continue;
		if (tmpl[i] == '\r' && i + 1 < sc.len && tmpl[i + 1] == '\n')
			i++;
		if (i + 1 >= sc.len)
			break;   /* a final line ending opens no line */
		if (sc.nlines == cap) {
			cap *= 2;
			sc.start = xrealloc(sc.start, cap * sizeof(*sc.start));
		}
		sc.start[sc.nlines++] = i + 1;
	}
	/* A template that does not parse has no prompts: it is shown and
	 * saved as it is, as before. */
	(void)markdown_paragraphs(tmpl, sc.len, on_paragraph, &sc);
	for (size_t k = 0; steps && k < sc.nlines; k++) {
		size_t a = sc.start[k], b = k + 1 < sc.nlines ? sc.start[k + 1] : sc.len, n = b - a;
		const char *t = text_trim(tmpl + a, &n);
		if (empty_item(t, n))
			add_line(p, t, n);
	}
	free(sc.start);
}

void prompts_add(struct prompts *p, const char *tmpl)
{
	scan_template(p, tmpl, true);
}

void prompts_add_questions(struct prompts *p, const char *tmpl)
{
	scan_template(p, tmpl, false);
}

size_t prompts_strip(const struct prompts *p, const char *md, size_t len, struct buf *out)
{
	size_t i = 0, removed = 0;
	bool prev_blank = true;   /* the start of the text is as a blank line */
	bool skip_blank = false;  /* a prompt on its own went: so does one blank after it */

	while (i < len) {
		const char *nl = memchr(md + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - md) + 1 : len;
		size_t n = end - i;
		const char *t = text_trim(md + i, &n);

		if (n == 0) {
			if (!skip_blank) {
				buf_append(out, md + i, end - i);
				prev_blank = true;
			}
			skip_blank = false;
		} else if (p->n && has(p, t, n)) {
			removed++;
			skip_blank = prev_blank;
		} else {
			buf_append(out, md + i, end - i);
			prev_blank = false;
			skip_blank = false;
		}
		i = end;
	}
	return removed;
}

void prompts_free(struct prompts *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->line[i]);
	free(p->line);
	p->line = NULL;
	p->n = p->cap = 0;
}
