/*
 * fuzz_prompts.c - libFuzzer target for template guidance (prompts.c,
 * through markdown_paragraphs in markdown.c).
 *
 * The input is cut at its first NUL byte (or, without one, at the middle)
 * into a template and a text. What prompts.h promises must hold: every
 * prompt line is trimmed and not empty; stripping keeps the text's lines
 * in order and unchanged (only whole lines go, each a prompt or a blank
 * line after one), removes every prompt line and says how many; a text
 * without prompt lines comes out byte for byte; stripping twice changes
 * nothing more; a template's questions are its first prompt lines, in
 * order. Any disagreement aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "prompts.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_prompts: %s\n", what);
		abort();
	}
}

static int is_prompt(const struct prompts *p, const char *s, size_t n)
{
	const char *t = text_trim(s, &n);

	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->line[i]) == n && memcmp(p->line[i], t, n) == 0)
			return 1;
	return 0;
}

static int blank(const char *s, size_t n)
{
	text_trim(s, &n);
	return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	const char *nul = memchr(in, '\0', size);
	size_t cut = nul ? (size_t)(nul - in) : size / 2;
	char *tmpl = xstrndup(in, cut);
	const char *md = in + (nul ? cut + 1 : cut);
	size_t len = size - (size_t)(md - in), removed = 0, i = 0, j = 0;
	struct prompts p = PROMPTS_INIT, q = PROMPTS_INIT;
	struct buf out = BUF_INIT, again = BUF_INIT;
	size_t n;

	prompts_add(&p, tmpl);
	for (size_t k = 0; k < p.n; k++) {
		size_t l = strlen(p.line[k]);
		size_t m = l;
		check(l > 0, "an empty prompt line");
		check(text_trim(p.line[k], &m) == p.line[k] && m == l, "an untrimmed prompt line");
	}
	/* The questions are the prompts' first lines, in the same order:
	 * prompts_add gathers the paragraph lines before the empty steps. */
	prompts_add_questions(&q, tmpl);
	check(q.n <= p.n, "more questions than prompts");
	for (size_t k = 0; k < q.n; k++)
		check(strcmp(q.line[k], p.line[k]) == 0, "a question that is not a prompt, or out of order");
	prompts_free(&q);
	n = prompts_strip(&p, md, len, &out);
	check(!buf_error(&out), "buffer error");
	/* Walk both line by line: each input line is kept as it was, or is a
	 * prompt, or is a blank line right after a removed one. */
	while (i < len) {
		const char *e = memchr(md + i, '\n', len - i);
		size_t end = e ? (size_t)(e - md) + 1 : len;
		size_t ln = end - i;
		if (j + ln <= out.len && memcmp(out.data + j, md + i, ln) == 0 &&
		    !(ln && is_prompt(&p, md + i, ln) && !blank(md + i, ln))) {
			j += ln;
		} else if (!blank(md + i, ln)) {
			check(is_prompt(&p, md + i, ln), "a line that is not a prompt was removed or changed");
			removed++;
		}
		i = end;
	}
	check(j == out.len, "the output holds more than the kept lines");
	check(removed == n, "the count of removed lines is wrong");
	if (n == 0)
		check(out.len == len && memcmp(out.data, md, len) == 0, "a text without prompts changed");
	check(prompts_strip(&p, out.data, out.len, &again) == 0, "a prompt line survived");
	check(again.len == out.len && memcmp(again.data, out.data, out.len) == 0,
	      "stripping twice changed the text");
	prompts_free(&p);
	buf_free(&out);
	buf_free(&again);
	free(tmpl);
	return 0;
}
