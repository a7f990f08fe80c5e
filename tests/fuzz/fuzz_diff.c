/*
 * fuzz_diff.c - libFuzzer target for the line diff (server/diff.c).
 *
 * The input is cut at its first NUL byte (or, without one, at the middle)
 * into the texts a and b. The script from a to b must apply to a and give
 * b, both ways round; the hunks must agree with the script and with their
 * own headers; authorship carried from a to b must follow the script and
 * survive encode/decode. The decoder also gets the raw input. Any
 * disagreement aborts, which libFuzzer reports as a crash.
 *
 * Inputs of a few KB rarely reach the search's bounds; build once more with
 * -DDIFF_COST_MAX=3 -DDIFF_WORK_MAX=200 to drive the coarse paths too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_diff: %s\n", what);
		abort();
	}
}

static int line_eq(const struct diff_lines *a, size_t i, const struct diff_lines *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	       memcmp(a->text + a->start[i], b->text + b->start[j], a->len[i]) == 0;
}

/* Apply the script to a and check it gives b; the shape as diff.h says. */
static void check_script(const struct diff_lines *a, const struct diff_lines *b,
                         const struct diff_op *ops, size_t nops, size_t *nadd, size_t *ndel)
{
	size_t i = 0, j = 0;
	int adding = 0;

	*nadd = *ndel = 0;
	for (size_t k = 0; k < nops; k++) {
		check(ops[k].a == i && ops[k].b == j, "op out of order");
		if (ops[k].kind == DIFF_SAME) {
			check(i < a->n && j < b->n && line_eq(a, i, b, j), "SAME lines differ");
			i++, j++;
			adding = 0;
		} else if (ops[k].kind == DIFF_DEL) {
			check(i < a->n && !adding, "bad DEL");
			i++, (*ndel)++;
		} else if (ops[k].kind == DIFF_ADD) {
			check(j < b->n, "bad ADD");
			j++, (*nadd)++;
			adding = 1;
		} else {
			check(0, "bad op kind");
		}
	}
	check(i == a->n && j == b->n, "script does not cover both texts");
}

/* Parse "-s,c" or "-s" (c is then 1) after the sign; -1 if neither. */
static int range(const char *p, long long *start, long long *count)
{
	int used = 0;

	*count = 1;
	if (sscanf(p, "%lld,%lld%n", start, count, &used) == 2 && used > 0)
		return 0;
	return sscanf(p, "%lld", start) == 1 ? 0 : -1;
}

/* Every hunk's lines must be numbered in order and match its header. All
 * changes are in hunks, so the unchanged lines before a hunk are as many on
 * both sides: that gives the start of an empty side. */
static void check_hunks(json_t *hunks, size_t nadd, size_t ndel)
{
	long long add = 0, del = 0, last_old = 0, last_new = 0;
	size_t i;
	json_t *h;

	json_array_foreach(hunks, i, h)
	{
		const char *hdr = json_string_value(json_object_get(h, "header"));
		json_t *lines = json_object_get(h, "lines"), *l;
		long long os, oc, ns, nc, cold = 0, cnew = 0, fold = 0, fnew = 0;
		long long hadd = 0, hdel = 0, before_old, before_new;
		const char *plus;
		size_t k;

		check(hdr && json_is_array(lines) && json_array_size(lines) > 0, "hunk shape");
		plus = strstr(hdr, " +");
		check(strncmp(hdr, "@@ -", 4) == 0 && plus && range(hdr + 4, &os, &oc) == 0 &&
		          range(plus + 2, &ns, &nc) == 0,
		      "header syntax");
		json_array_foreach(lines, k, l)
		{
			const char *op = json_string_value(json_object_get(l, "op"));
			json_t *o = json_object_get(l, "old"), *n = json_object_get(l, "new");

			check(op && json_is_string(json_object_get(l, "text")), "line shape");
			if (strcmp(op, "add") != 0) {
				check(json_is_integer(o) && json_integer_value(o) > last_old &&
				          (cold == 0 || json_integer_value(o) == last_old + 1),
				      "old numbers");
				last_old = json_integer_value(o);
				if (!cold++)
					fold = last_old;
			} else {
				check(json_is_null(o), "add has old");
			}
			if (strcmp(op, "del") != 0) {
				check(json_is_integer(n) && json_integer_value(n) > last_new &&
				          (cnew == 0 || json_integer_value(n) == last_new + 1),
				      "new numbers");
				last_new = json_integer_value(n);
				if (!cnew++)
					fnew = last_new;
			} else {
				check(json_is_null(n), "del has new");
			}
			hadd += strcmp(op, "add") == 0;
			hdel += strcmp(op, "del") == 0;
		}
		check(oc == cold && nc == cnew && (hadd || hdel), "header counts");
		before_old = cold ? fold - 1 : fnew - 1 - add + del;
		before_new = cnew ? fnew - 1 : fold - 1 - del + add;
		check(before_old - del == before_new - add, "unchanged lines before");
		check(os == (cold ? fold : before_old), "header old start");
		check(ns == (cnew ? fnew : before_new), "header new start");
		add += hadd;
		del += hdel;
	}
	check(add == (long long)nadd && del == (long long)ndel, "hunks miss changes");
}

static void one_way(const struct diff_lines *a, const struct diff_lines *b)
{
	struct diff_op *ops;
	size_t nops, nadd, ndel;
	json_t *hunks;
	int added, removed;
	long long *aa, *ba, *back;
	struct buf enc = BUF_INIT;

	diff_compute(a, b, &ops, &nops);
	check_script(a, b, ops, nops, &nadd, &ndel);
	hunks = diff_hunks_json(a, b, ops, nops, 3, &added, &removed);
	check(hunks && (size_t)added == nadd && (size_t)removed == ndel, "hunk totals");
	check_hunks(hunks, nadd, ndel);
	json_decref(hunks);
	hunks = diff_hunks_json(a, b, ops, nops, 0, NULL, NULL);
	check_hunks(hunks, nadd, ndel);
	json_decref(hunks);

	/* Authors of a in runs of 1 to 3 lines, so encoding has runs. */
	aa = xcalloc(a->n, sizeof(*aa));
	for (size_t i = 0; i < a->n; i++)
		aa[i] = (long long)(i / (1 + i % 3)) - 2;
	ba = diff_carry_authors(a, aa, b, 99);
	for (size_t k = 0; k < nops; k++) {
		if (ops[k].kind == DIFF_SAME)
			check(ba[ops[k].b] == aa[ops[k].a], "kept line lost its author");
		else if (ops[k].kind == DIFF_ADD)
			check(ba[ops[k].b] == 99, "added line not the new author's");
	}
	diff_authors_encode(&enc, ba, b->n);
	back = xcalloc(b->n, sizeof(*back));
	check(!buf_error(&enc) && diff_authors_decode(enc.data, back, b->n) == 0, "decode");
	check(b->n == 0 || memcmp(back, ba, b->n * sizeof(*ba)) == 0, "round trip");
	if (b->n > 0)
		check(diff_authors_decode(enc.data, back, b->n - 1) == -1, "decode short n");
	check(diff_authors_decode(enc.data, back, b->n + 1) == -1 || b->n + 1 == 0,
	      "decode long n");

	buf_free(&enc);
	free(back);
	free(ba);
	free(aa);
	free(ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(data, '\0', size);
	size_t cut = nul ? (size_t)(nul - text) : size / 2;
	size_t rest = nul ? cut + 1 : cut;
	struct diff_lines a, b;
	long long authors[64];
	char *s;

	diff_lines_split(&a, text, cut);
	diff_lines_split(&b, text + rest, size - rest);
	one_way(&a, &b);
	one_way(&b, &a);
	one_way(&a, &a);
	diff_lines_free(&a);
	diff_lines_free(&b);

	/* The decoder on arbitrary text must fail cleanly or fill exactly n. */
	s = xstrndup(text, size);
	for (size_t n = 0; n <= 64; n += 16)
		diff_authors_decode(s, authors, n);
	diff_authors_decode(s, authors, strlen(s) < 64 ? strlen(s) : 64);
	free(s);
	return 0;
}
