/*
 * diff.c - line diff: Myers' O(ND) algorithm in its linear-space form (the
 * "middle snake" bisection of Myers 1986, laid out as in GNU diff's
 * analyze.c), the hunks view built on it, and authorship carried through it.
 *
 * A diff runs in four steps. The common prefix and suffix are stripped by
 * comparing bytes, which is all most saves need. The lines left in the
 * middle are interned (a 64-bit multiply-xor hash, then the bytes) so the
 * search compares integers. Lines that occur on one side only are marked changed
 * up front: no common subsequence can use them, so dropping them keeps the
 * result minimal and makes "everything rewritten" linear. What is left goes
 * through the bisection, which marks every line kept or changed, and the
 * script is read off the marks, deletions before additions in each gap.
 *
 * Invariants: the script is valid whatever happens to the bounds, because
 * a line is only ever kept by the stripping loops after comparing it equal
 * to its partner; the bisection only chooses where to cut. The bisection
 * runs from an explicit stack, so deep splits cannot overflow the C stack.
 *
 * Caveats: time is bounded twice. A single middle-snake search stops at
 * DIFF_COST_MAX and cuts at the furthest point either direction reached (GNU
 * diff's heuristic), and the whole diff has DIFF_WORK_MAX steps (diagonals
 * visited plus snake steps); past that every piece still pending is deleted
 * and added whole. Both only make the script longer. Among scripts of equal
 * length no effort is made to slide changes to nicer boundaries.
 */
#include "diff.h"

#include "buf.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Cost at which one middle-snake search gives up on exactness: scripts of
 * up to about 2 * DIFF_COST_MAX changed lines stay minimal. Both bounds can be
 * set from the compiler so a fuzz build can make them tiny. */
#ifndef DIFF_COST_MAX
#define DIFF_COST_MAX 1024
#endif
/* Steps for a whole diff (diagonals visited plus snake steps): some 5 ns
 * each in the worst, branch-heavy case, so about 20 ms of search at most. */
#ifndef DIFF_WORK_MAX
#define DIFF_WORK_MAX ((size_t)1 << 22)
#endif

struct span {
	size_t xoff, xlim; /* [xoff, xlim) of the x side */
	size_t yoff, ylim; /* [yoff, ylim) of the y side */
};

/* Each distinct line of the middle gets a dense id. Ids and line indices
 * are 32-bit to halve the memory of big diffs. */
struct intern {
	uint32_t *slot; /* open addressing: id + 1, or 0 when empty */
	size_t mask;    /* number of slots - 1, a power of two */
	uint64_t *hash; /* per id: hash of the line */
	const char **p; /* per id: bytes of its first occurrence */
	size_t *len;
	uint32_t *cnt[2]; /* per id: occurrences in a and in b */
	uint32_t n;       /* ids given so far */
};

struct search {
	const uint32_t *x, *y; /* line ids of the two sides */
	const uint32_t *xmap;  /* x index -> index in the middle of a */
	const uint32_t *ymap;
	bool *achg, *bchg;  /* out: middle line of a / b is changed */
	ptrdiff_t *fd, *bd; /* furthest x per diagonal, forward and back */
	size_t work;        /* steps left in the budget */
	struct span *stack; /* pieces still to be compared */
	size_t nstack, capstack;
};

/* Array of n elements, not zeroed: for arrays written before being read. */
static void *alloc_n(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		abort();
	return xmalloc(n * size);
}

void diff_lines_split(struct diff_lines *l, const char *text, size_t len)
{
	const char *p, *end, *nl;
	size_t n = 0, i;

	if (len == 0)
		text = ""; /* no arithmetic on a NULL pointer */
	end = text + len;
	for (p = text; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1)
		n++;
	if (p < end)
		n++;
	l->text = text;
	l->n = n;
	l->start = alloc_n(n, sizeof(*l->start));
	l->len = alloc_n(n, sizeof(*l->len));
	for (i = 0, p = text; i < n; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		l->start[i] = (size_t)(p - text);
		l->len[i] = (size_t)(nl - p);
		if (l->len[i] > 0 && p[l->len[i] - 1] == '\r')
			l->len[i]--;
		p = nl + 1;
	}
}

void diff_lines_free(struct diff_lines *l)
{
	free(l->start);
	free(l->len);
	l->start = NULL;
	l->len = NULL;
	l->n = 0;
}

static bool line_eq(const struct diff_lines *a, size_t i, const struct diff_lines *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	       memcmp(a->text + a->start[i], b->text + b->start[j], a->len[i]) == 0;
}

/* FNV-style multiply and xor, but a word at a time: hashing the middle is
 * most of the cost of a small diff. Byte order changes the values, which
 * never leave the process. */
static uint64_t hash_line(const char *p, size_t n)
{
	const uint64_t k = 0xff51afd7ed558ccdULL;
	uint64_t h = 0xcbf29ce484222325ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * k;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * k;
	/* Mix the high bits down into the low ones that pick the slot. */
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The id of line p[0..len), new or not, counted once for side 0 (a) or 1. */
static uint32_t intern_line(struct intern *t, const char *p, size_t len, int side)
{
	uint64_t h = hash_line(p, len);
	size_t k = (size_t)h & t->mask;
	uint32_t id;

	for (; t->slot[k]; k = (k + 1) & t->mask) {
		id = t->slot[k] - 1;
		if (t->hash[id] == h && t->len[id] == len && memcmp(t->p[id], p, len) == 0) {
			t->cnt[side][id]++;
			return id;
		}
	}
	id = t->n++;
	t->slot[k] = id + 1;
	t->hash[id] = h;
	t->p[id] = p;
	t->len[id] = len;
	t->cnt[side][id] = 1;
	t->cnt[!side][id] = 0;
	return id;
}

static void charge(struct search *s, size_t steps)
{
	s->work = steps < s->work ? s->work - steps : 0;
}

static void push(struct search *s, size_t xoff, size_t xlim, size_t yoff, size_t ylim)
{
	if (s->nstack == s->capstack) {
		s->capstack = s->capstack ? 2 * s->capstack : 32;
		s->stack = xrealloc(s->stack, s->capstack * sizeof(*s->stack));
	}
	s->stack[s->nstack++] = (struct span){xoff, xlim, yoff, ylim};
}

static void mark(struct search *s, const struct span *p)
{
	for (size_t i = p->xoff; i < p->xlim; i++)
		s->achg[s->xmap[i]] = true;
	for (size_t j = p->yoff; j < p->ylim; j++)
		s->bchg[s->ymap[j]] = true;
}

/*
 * Find where a shortest path through the piece [xoff,xlim) x [yoff,ylim)
 * crosses its middle diagonal band, searching from both corners at once;
 * the piece has been stripped, so its ends differ. Diagonal d holds the
 * points with x - y == d; fd[d] is the furthest x a forward path of the
 * current cost reached on it, bd[d] the smallest a backward path reached.
 * Past DIFF_COST_MAX, or out of budget, cut at the point that got furthest.
 */
static void midpoint(struct search *s, ptrdiff_t xoff, ptrdiff_t xlim, ptrdiff_t yoff,
                     ptrdiff_t ylim, ptrdiff_t *xmid, ptrdiff_t *ymid)
{
	ptrdiff_t *fd = s->fd, *bd = s->bd;
	const uint32_t *x = s->x, *y = s->y;
	const ptrdiff_t dmin = xoff - ylim, dmax = xlim - yoff;
	const ptrdiff_t fmid = xoff - yoff, bmid = xlim - ylim;
	ptrdiff_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
	const bool odd = (fmid - bmid) % 2 != 0;
	ptrdiff_t fbest = -1, fxbest = 0, bbest = PTRDIFF_MAX, bxbest = 0;

	fd[fmid] = xoff;
	bd[bmid] = xlim;
	for (ptrdiff_t cost = 1;; cost++) {
		size_t steps = 0;
		ptrdiff_t d;

		/* Widen the forward band by one each side, or narrow it at
		 * the edge of the piece; -1 is "never reached". */
		if (fmin > dmin)
			fd[--fmin - 1] = -1;
		else
			++fmin;
		if (fmax < dmax)
			fd[++fmax + 1] = -1;
		else
			--fmax;
		for (d = fmax; d >= fmin; d -= 2) {
			ptrdiff_t lo = fd[d - 1], hi = fd[d + 1];
			ptrdiff_t x0 = lo < hi ? hi : lo + 1, xi = x0, yi = x0 - d;

			while (xi < xlim && yi < ylim && x[xi] == y[yi])
				xi++, yi++;
			steps += 1 + (size_t)(xi - x0);
			fd[d] = xi;
			if (odd && bmin <= d && d <= bmax && bd[d] <= xi) {
				*xmid = xi;
				*ymid = yi;
				charge(s, steps);
				return;
			}
		}
		/* The same backwards from the far corner. */
		if (bmin > dmin)
			bd[--bmin - 1] = PTRDIFF_MAX;
		else
			++bmin;
		if (bmax < dmax)
			bd[++bmax + 1] = PTRDIFF_MAX;
		else
			--bmax;
		for (d = bmax; d >= bmin; d -= 2) {
			ptrdiff_t lo = bd[d - 1], hi = bd[d + 1];
			ptrdiff_t x0 = lo < hi ? lo : hi - 1, xi = x0, yi = x0 - d;

			while (xi > xoff && yi > yoff && x[xi - 1] == y[yi - 1])
				xi--, yi--;
			steps += 1 + (size_t)(x0 - xi);
			bd[d] = xi;
			if (!odd && fmin <= d && d <= fmax && xi <= fd[d]) {
				*xmid = xi;
				*ymid = yi;
				charge(s, steps);
				return;
			}
		}
		charge(s, steps);
		if (cost < DIFF_COST_MAX && s->work > 0)
			continue;

		/* Too expensive: take whichever search got further from its
		 * corner, its points clamped into the piece. */
		for (d = fmax; d >= fmin; d -= 2) {
			ptrdiff_t xi = fd[d] < xlim ? fd[d] : xlim, yi = xi - d;

			if (yi > ylim)
				xi = ylim + d, yi = ylim;
			if (xi + yi > fbest)
				fbest = xi + yi, fxbest = xi;
		}
		for (d = bmax; d >= bmin; d -= 2) {
			ptrdiff_t xi = bd[d] > xoff ? bd[d] : xoff, yi = xi - d;

			if (yi < yoff)
				xi = yoff + d, yi = yoff;
			if (xi + yi < bbest)
				bbest = xi + yi, bxbest = xi;
		}
		if ((xlim + ylim) - bbest < fbest - (xoff + yoff)) {
			*xmid = fxbest;
			*ymid = fbest - fxbest;
		} else {
			*xmid = bxbest;
			*ymid = bbest - bxbest;
		}
		return;
	}
}

/* Mark every line of the x and y sides kept or changed. */
static void bisect(struct search *s, size_t nx, size_t ny)
{
	push(s, 0, nx, 0, ny);
	while (s->nstack > 0) {
		struct span p = s->stack[--s->nstack];
		size_t width = p.xlim - p.xoff;
		ptrdiff_t xmid, ymid;

		while (p.xoff < p.xlim && p.yoff < p.ylim && s->x[p.xoff] == s->y[p.yoff])
			p.xoff++, p.yoff++;
		while (p.xoff < p.xlim && p.yoff < p.ylim && s->x[p.xlim - 1] == s->y[p.ylim - 1])
			p.xlim--, p.ylim--;
		charge(s, width - (p.xlim - p.xoff));
		if (p.xoff == p.xlim || p.yoff == p.ylim || s->work == 0) {
			mark(s, &p);
			continue;
		}
		midpoint(s, (ptrdiff_t)p.xoff, (ptrdiff_t)p.xlim, (ptrdiff_t)p.yoff,
		         (ptrdiff_t)p.ylim, &xmid, &ymid);
		/* A cut at a corner (or, defensively, outside the piece) would
		 * not make progress: give the piece up instead. */
		if (xmid < (ptrdiff_t)p.xoff || xmid > (ptrdiff_t)p.xlim ||
		    ymid < (ptrdiff_t)p.yoff || ymid > (ptrdiff_t)p.ylim ||
		    (xmid == (ptrdiff_t)p.xoff && ymid == (ptrdiff_t)p.yoff) ||
		    (xmid == (ptrdiff_t)p.xlim && ymid == (ptrdiff_t)p.ylim)) {
			mark(s, &p);
			continue;
		}
		push(s, (size_t)xmid, p.xlim, (size_t)ymid, p.ylim);
		push(s, p.xoff, (size_t)xmid, p.yoff, (size_t)ymid);
	}
}

/* Mark the changed lines among a[pre, pre+ma) and b[pre, pre+mb). */
static void diff_middle(const struct diff_lines *a, const struct diff_lines *b, size_t pre,
                        size_t ma, size_t mb, bool *achg, bool *bchg)
{
	struct intern t = {0};
	struct search s = {0};
	uint32_t *x, *y, *xmap, *ymap;
	ptrdiff_t *fd, *bd;
	size_t slots = 16, nx = 0, ny = 0, i;

	/* Past 32-bit line numbers (a text of gigabytes, far beyond any
	 * page) everything is simply changed. */
	if (ma + mb >= UINT32_MAX) {
		memset(achg, true, ma * sizeof(*achg));
		memset(bchg, true, mb * sizeof(*bchg));
		return;
	}
	while (slots < 2 * (ma + mb))
		slots *= 2;
	t.slot = xcalloc(slots, sizeof(*t.slot));
	t.mask = slots - 1;
	t.hash = alloc_n(ma + mb, sizeof(*t.hash));
	t.p = alloc_n(ma + mb, sizeof(*t.p));
	t.len = alloc_n(ma + mb, sizeof(*t.len));
	/* Both counts are set when an id is made. */
	t.cnt[0] = alloc_n(ma + mb, sizeof(*t.cnt[0]));
	t.cnt[1] = alloc_n(ma + mb, sizeof(*t.cnt[1]));
	x = alloc_n(ma, sizeof(*x));
	y = alloc_n(mb, sizeof(*y));
	xmap = alloc_n(ma, sizeof(*xmap));
	ymap = alloc_n(mb, sizeof(*ymap));
	for (i = 0; i < ma; i++)
		x[i] = intern_line(&t, a->text + a->start[pre + i], a->len[pre + i], 0);
	for (i = 0; i < mb; i++)
		y[i] = intern_line(&t, b->text + b->start[pre + i], b->len[pre + i], 1);

	/* A line found on one side only is changed; the search gets the
	 * others, compacted in place. */
	for (i = 0; i < ma; i++) {
		if (t.cnt[1][x[i]] == 0) {
			achg[i] = true;
		} else {
			x[nx] = x[i];
			xmap[nx++] = (uint32_t)i;
		}
	}
	for (i = 0; i < mb; i++) {
		if (t.cnt[0][y[i]] == 0) {
			bchg[i] = true;
		} else {
			y[ny] = y[i];
			ymap[ny++] = (uint32_t)i;
		}
	}
	free(t.slot);
	free(t.hash);
	free(t.p);
	free(t.len);
	free(t.cnt[0]);
	free(t.cnt[1]);

	/* Diagonals run from -ny-1 to nx+1 counting the sentinels; the
	 * search writes each entry before reading it. */
	fd = alloc_n(nx + ny + 3, sizeof(*fd));
	bd = alloc_n(nx + ny + 3, sizeof(*bd));
	s.fd = fd + ny + 1;
	s.bd = bd + ny + 1;
	s.x = x;
	s.y = y;
	s.xmap = xmap;
	s.ymap = ymap;
	s.achg = achg;
	s.bchg = bchg;
	s.work = DIFF_WORK_MAX;
	bisect(&s, nx, ny);

	free(fd);
	free(bd);
	free(s.stack);
	free(x);
	free(y);
	free(xmap);
	free(ymap);
}

int diff_compute(const struct diff_lines *a, const struct diff_lines *b, struct diff_op **ops,
                 size_t *nops)
{
	size_t pre = 0, suf = 0, ma, mb, i, j, n = 0;
	bool *achg, *bchg;
	struct diff_op *o;

	while (pre < a->n && pre < b->n && line_eq(a, pre, b, pre))
		pre++;
	while (suf < a->n - pre && suf < b->n - pre &&
	       line_eq(a, a->n - 1 - suf, b, b->n - 1 - suf))
		suf++;
	ma = a->n - pre - suf;
	mb = b->n - pre - suf;
	achg = xcalloc(ma, sizeof(*achg));
	bchg = xcalloc(mb, sizeof(*bchg));
	if (ma > 0 && mb > 0) {
		diff_middle(a, b, pre, ma, mb, achg, bchg);
	} else {
		memset(achg, true, ma * sizeof(*achg));
		memset(bchg, true, mb * sizeof(*bchg));
	}

	/* One op per line of a, plus one per added line of b. */
	for (j = 0; j < mb; j++)
		n += bchg[j];
	o = alloc_n(a->n + n, sizeof(*o));
	n = 0;
	for (i = 0; i < pre; i++)
		o[n++] = (struct diff_op){DIFF_SAME, i, i};
	for (i = 0, j = 0; i < ma || j < mb;) {
		if (i < ma && j < mb && !achg[i] && !bchg[j]) {
			o[n++] = (struct diff_op){DIFF_SAME, pre + i++, pre + j++};
			continue;
		}
		/* Kept lines pair up, so one of these runs; were a kept line
		 * ever left without a partner it would go out as changed,
		 * never loop. */
		if (i < ma && (achg[i] || j == mb))
			do
				o[n++] = (struct diff_op){DIFF_DEL, pre + i++, pre + j};
			while (i < ma && achg[i]);
		if (j < mb && (bchg[j] || i == ma))
			do
				o[n++] = (struct diff_op){DIFF_ADD, pre + i, pre + j++};
			while (j < mb && bchg[j]);
	}
	for (i = 0; i < suf; i++)
		o[n++] = (struct diff_op){DIFF_SAME, pre + ma + i, pre + mb + i};

	free(achg);
	free(bchg);
	*ops = o;
	*nops = n;
	return 0;
}

/* jansson returns NULL only when out of memory (or on bad UTF-8, which
 * json_text rules out first): abort like xmalloc. */
static json_t *jcheck(json_t *v)
{
	if (!v)
		abort();
	return v;
}

static void jset(json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, jcheck(v)) < 0)
		abort();
}

/* Length of the well-formed UTF-8 sequence at p[0..n), or 0 if there is
 * none (overlongs, surrogates and code points past U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, k;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < len; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return len;
}

/* The line as a JSON string, as-is when it is UTF-8 (the normal case: page
 * text is validated on input), else with each bad byte as U+FFFD. */
static json_t *json_text(const char *p, size_t n)
{
	struct buf b = BUF_INIT;
	json_t *v;
	size_t i, k;

	v = json_stringn(p, n);
	if (v)
		return v;
	for (i = 0; i < n; i += k) {
		k = utf8_seq((const unsigned char *)p + i, n - i);
		if (k) {
			buf_append(&b, p + i, k);
		} else {
			buf_puts(&b, "\xef\xbf\xbd");
			k = 1;
		}
	}
	v = jcheck(json_stringn(b.data, b.len));
	buf_free(&b);
	return v;
}

/* One side of a hunk header: "start" or "start,count" as diff -u writes. */
static void range(struct buf *b, size_t before, size_t count)
{
	if (count == 1)
		buf_printf(b, "%zu", before + 1);
	else if (count == 0)
		buf_printf(b, "%zu,0", before);
	else
		buf_printf(b, "%zu,%zu", before + 1, count);
}

static json_t *hunk_json(const struct diff_lines *a, const struct diff_lines *b,
                         const struct diff_op *ops, size_t from, size_t to, size_t abefore,
                         size_t bbefore)
{
	json_t *hunk = jcheck(json_object()), *lines = jcheck(json_array());
	struct buf h = BUF_INIT;
	size_t acount = 0, bcount = 0;

	for (size_t k = from; k < to; k++) {
		const struct diff_op *op = &ops[k];
		json_t *line = jcheck(json_object());
		const char *kind = op->kind == DIFF_SAME  ? "same"
		                   : op->kind == DIFF_DEL ? "del"
		                                          : "add";

		jset(line, "op", json_string(kind));
		if (op->kind == DIFF_ADD)
			jset(line, "text", json_text(b->text + b->start[op->b], b->len[op->b]));
		else
			jset(line, "text", json_text(a->text + a->start[op->a], a->len[op->a]));
		if (op->kind != DIFF_ADD) {
			jset(line, "old", json_integer((json_int_t)op->a + 1));
			acount++;
		} else {
			jset(line, "old", json_null());
		}
		if (op->kind != DIFF_DEL) {
			jset(line, "new", json_integer((json_int_t)op->b + 1));
			bcount++;
		} else {
			jset(line, "new", json_null());
		}
		if (json_array_append_new(lines, line) < 0)
			abort();
	}
	buf_puts(&h, "@@ -");
	range(&h, abefore, acount);
	buf_puts(&h, " +");
	range(&h, bbefore, bcount);
	buf_puts(&h, " @@");
	jset(hunk, "header", json_stringn(h.data, h.len));
	jset(hunk, "lines", lines);
	buf_free(&h);
	return hunk;
}

json_t *diff_hunks_json(const struct diff_lines *a, const struct diff_lines *b,
                        const struct diff_op *ops, size_t nops, int context, int *added,
                        int *removed)
{
	json_t *hunks = jcheck(json_array());
	size_t ctx = context > 0 ? (size_t)context : 0;
	size_t pos = 0, abefore = 0, bbefore = 0, nadd = 0, ndel = 0;
	size_t first, last, next, from, to;

	for (size_t k = 0; k < nops; k++) {
		nadd += ops[k].kind == DIFF_ADD;
		ndel += ops[k].kind == DIFF_DEL;
	}
	if (added)
		*added = nadd > INT_MAX ? INT_MAX : (int)nadd;
	if (removed)
		*removed = ndel > INT_MAX ? INT_MAX : (int)ndel;

	for (first = 0;; first = next) {
		while (first < nops && ops[first].kind == DIFF_SAME)
			first++;
		if (first == nops)
			break;
		/* Take in following changes while the unchanged run between
		 * them is short enough to show whole (2 * ctx lines). */
		last = first;
		for (next = first + 1; next < nops; next++) {
			if (ops[next].kind == DIFF_SAME)
				continue;
			if (next - last - 1 > 2 * ctx)
				break;
			last = next;
		}
		/* pos is where the previous hunk ended; the gap rule keeps
		 * hunks from overlapping, pos only guards it. */
		from = first - pos > ctx ? first - ctx : pos;
		to = nops - last - 1 > ctx ? last + 1 + ctx : nops;
		for (; pos < from; pos++) {
			abefore += ops[pos].kind != DIFF_ADD;
			bbefore += ops[pos].kind != DIFF_DEL;
		}
		if (json_array_append_new(hunks, hunk_json(a, b, ops, from, to, abefore, bbefore)) <
		    0)
			abort();
		for (; pos < to; pos++) {
			abefore += ops[pos].kind != DIFF_ADD;
			bbefore += ops[pos].kind != DIFF_DEL;
		}
	}
	return hunks;
}

long long *diff_carry_authors(const struct diff_lines *a, const long long *a_authors,
                              const struct diff_lines *b, long long new_author)
{
	long long *out = xcalloc(b->n, sizeof(*out));
	struct diff_op *ops;
	size_t nops;

	diff_compute(a, b, &ops, &nops);
	for (size_t k = 0; k < nops; k++) {
		if (ops[k].kind == DIFF_SAME)
			out[ops[k].b] = a_authors[ops[k].a];
		else if (ops[k].kind == DIFF_ADD)
			out[ops[k].b] = new_author;
	}
	free(ops);
	return out;
}

void diff_authors_encode(struct buf *out, const long long *authors, size_t n)
{
	size_t i = 0, run;

	while (i < n) {
		for (run = 1; i + run < n && authors[i + run] == authors[i]; run++)
			;
		buf_printf(out, "%s%lld*%zu", i ? "," : "", authors[i], run);
		i += run;
	}
}

/* Parse [1-9][0-9]* (or a lone "0" when zero_ok) up to max; -1 if not. */
static int parse_uint(const char **sp, unsigned long long max, bool zero_ok, unsigned long long *v)
{
	const char *s = *sp;
	unsigned long long n = 0;

	if (*s == '0') {
		if (!zero_ok)
			return -1;
		*v = 0;
		*sp = s + 1;
		return 0;
	}
	if (*s < '1' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > max || n > max / 10 || n * 10 > max - d)
			return -1;
		n = n * 10 + d;
	}
	*v = n;
	*sp = s;
	return 0;
}

int diff_authors_decode(const char *s, long long *authors, size_t n)
{
	size_t filled = 0;
	unsigned long long mag, count;
	long long id;
	bool neg;

	if (!s)
		return -1;
	if (*s == '\0')
		return n == 0 ? 0 : -1;
	for (;;) {
		neg = *s == '-';
		s += neg;
		/* |LLONG_MIN| is one more than LLONG_MAX. */
		if (parse_uint(&s, neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX, !neg,
		               &mag) < 0)
			return -1;
		id = neg ? (mag > (unsigned long long)LLONG_MAX ? LLONG_MIN : -(long long)mag)
		         : (long long)mag;
		if (*s++ != '*')
			return -1;
		if (parse_uint(&s, n - filled, false, &count) < 0)
			return -1;
		for (size_t k = 0; k < count; k++)
			authors[filled++] = id;
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -1;
	}
	return filled == n ? 0 : -1;
}
