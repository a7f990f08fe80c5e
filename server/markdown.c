/*
 * markdown.c - Markdown to safe HTML, plain text, headings and links.
 *
 * The pipeline: a linear guard scan of the source (see below), the
 * cmark-gfm parse, then Oficio's passes over the tree, each a cmark_iter
 * walk (iterative, so nesting depth costs no stack):
 *   1. tables and headings are rebuilt from CUSTOM_BLOCK/CUSTOM_INLINE
 *      nodes, so that headings can carry an id and table cells can hold
 *      wiki links (the table extension lets a cell contain only a fixed
 *      list of node types, custom inlines not among them);
 *   2. text nodes are scanned for [[Target|text]] and split into text and
 *      CUSTOM_INLINE links; link/image URLs are checked for /files/{hash};
 *   3. the plain text is collected, and each heading's text gives its id.
 * Then cmark renders the tree in safe mode. The only raw HTML in the
 * output is what the custom nodes carry, and it is built here from
 * constants, slugs and buf_html/buf_url output: user text inside those
 * nodes stays in TEXT children, escaped by the renderer.
 *
 * Invariants: the custom nodes are told apart by their user_data tag;
 * links/headings/files are deduplicated through a keyed hash table
 * (SipHash with a per-process random key, so crafted slugs cannot make it
 * quadratic).
 *
 * Caveats:
 * - cmark-gfm 0.29.0.gfm.6 changes a global table of special characters
 *   around every inline parse, so parses are serialised by parse_lock;
 *   our passes and the HTML renderer run in parallel. The extensions are
 *   registered once (pthread_once).
 * - The same release has superlinear paths fixed upstream later: image
 *   openers "![" that every completed link walks over, autolink scans
 *   that restart inside long words, per-cell list walks in wide table
 *   rows, and a walk to the root for every inline node (so 100,000 '>'
 *   then many lines cost depth x lines). guard_scan bounds each, at the
 *   cost of a degraded render for documents no person writes.
 * - Inserting a node makes cmark walk up to the root (a cycle check) too:
 *   wiki links under more than WIKILINK_MAX_DEPTH nodes stay text, a
 *   second bound should the guard's depth estimate ever fall short.
 * - Input that is not valid UTF-8 is repaired (U+FFFD) before cmark sees
 *   it: cmark's own repair is trusted only as a second line.
 * - Wiki links are found in one text run: "[[a *b*]]" is not a link.
 *   Backslash escapes do not prevent one ("\[\[x]]" is a link); code does.
 */
#include "markdown.h"
#include "buf.h"
#include "text.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

/* No CMARK_OPT_FOOTNOTES: in gfm.6 a "[^" label across a line break drops
 * text and can cut a UTF-8 sequence ("a [^\nb] c" renders "a [^] c"). */
#define MD_OPTIONS CMARK_OPT_DEFAULT /* input is valid UTF-8 by then (markdown_render) */
#define WIKILINK_MAX_DEPTH 256    /* nodes above a text node, see caveats */

/* Guard limits; costs measured on gfm.6, see guard_scan. */
#define GUARD_NEST 100            /* container levels one line may open */
#define GUARD_BRACKETS 40000      /* "![" x ']' in one paragraph: ~0.5 ms */
#define GUARD_WORD_FREE 256       /* words up to this many bytes are not counted */
#define GUARD_WORDS 200000000ULL  /* sum of squared long-word lengths: ~0.2 s */
#define GUARD_PIPES_FREE 128      /* lines with up to this many '|' are not counted */
#define GUARD_PIPES 40000000ULL   /* sum of squared '|' counts of long lines: ~0.2 s */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t sip_k0, sip_k1;   /* set once by init(), read-only after */

/* user_data tags of our custom nodes; heading_tag[level] marks <hN>. */
static const char heading_tag[7];
static const char cell_tag;
static const char wikilink_tag;

/* A set of strings owned elsewhere (by the result), each with a value. */
struct slot {
	const char *key; /* NULL when free */
	size_t val;      /* links: index in out->links; ids: next suffix */
};

struct set {
	struct slot *slots;
	size_t cap;      /* 0 or a power of two, kept at most half full */
	size_t n;
};

/* A growable array of nodes. */
struct nodes {
	cmark_node **v;
	size_t n, cap;
};

/* State of one markdown_render call. */
struct render {
	struct md_result *out;
	md_exists_fn exists;
	void *ctx;
	struct set links, ids, files;
	size_t hcap, lcap, fcap;  /* allocated lengths of out's arrays */
	struct buf tmp;           /* scratch for slugs and on_enter strings */
	struct nodes dead;        /* replaced nodes, freed after rendering */
};

static void init(void)
{
	uint64_t k[2];

	cmark_gfm_core_extensions_ensure_registered();
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		/* No entropy yet: a weaker key only weakens flooding resistance. */
		k[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&k;
		k[1] = (uint64_t)clock() * 0x9e3779b97f4a7c15ULL;
	}
	sip_k0 = k[0];
	sip_k1 = k[1];
}

/* ---- keyed hash set ------------------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                            \
	do {                                                                \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);   \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                      \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                      \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);   \
	} while (0)

/* SipHash-1-3 of s[0..n) under the process key. */
static uint64_t sip(const char *s, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ sip_k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ sip_k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ sip_k0;
	uint64_t v3 = 0x7465646279746573ULL ^ sip_k1;
	uint64_t m, b = (uint64_t)n << 56;
	size_t i, j;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&m, s + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (j = 0; i + j < n; j++)
		b |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The slot holding key, or the free slot where it would go (cap > 0). */
static struct slot *set_slot(struct set *s, const char *key)
{
	size_t mask = s->cap - 1, i = (size_t)sip(key, strlen(key)) & mask;

	while (s->slots[i].key && strcmp(s->slots[i].key, key) != 0)
		i = (i + 1) & mask;
	return &s->slots[i];
}

static struct slot *set_find(struct set *s, const char *key)
{
	struct slot *sl;

	if (!s->cap)
		return NULL;
	sl = set_slot(s, key);
	return sl->key ? sl : NULL;
}

/* Add key (not yet present; the string must outlive the set). */
static struct slot *set_add(struct set *s, const char *key, size_t val)
{
	struct slot *sl;

	if (2 * (s->n + 1) > s->cap) {
		struct set bigger = {NULL, s->cap ? 2 * s->cap : 16, 0};
		size_t i;

		bigger.slots = xcalloc(bigger.cap, sizeof(*bigger.slots));
		for (i = 0; i < s->cap; i++)
			if (s->slots[i].key)
				*set_slot(&bigger, s->slots[i].key) = s->slots[i];
		bigger.n = s->n;
		free(s->slots);
		*s = bigger;
	}
	sl = set_slot(s, key);
	sl->key = key;
	sl->val = val;
	s->n++;
	return sl;
}

static void set_free(struct set *s)
{
	free(s->slots);
	s->slots = NULL;
	s->cap = s->n = 0;
}

/* Make room for one more element in an array of len n, capacity *cap. */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? 2 * *cap : 8;
	return xrealloc(v, *cap * size);
}

static void nodes_push(struct nodes *a, cmark_node *node)
{
	a->v = grow(a->v, a->n, &a->cap, sizeof(*a->v));
	a->v[a->n++] = node;
}

/* ---- guard ---------------------------------------------------------- */

/* End of the blank-line separated chunk starting at i (past the blank
 * line), counting its "![" in *img and ']' in *close. A paragraph never
 * spans a blank line, so a chunk holds whole inline runs. */
static size_t chunk_end(const char *s, size_t n, size_t i, uint64_t *img, uint64_t *close)
{
	bool blank = true;

	*img = *close = 0;
	for (; i < n; i++) {
		char c = s[i];

		if (c == '\n' || c == '\r') {
			if (blank)
				return i + 1;
			blank = true;
			continue;
		}
		if (c != ' ' && c != '\t')
			blank = false;
		if (c == ']')
			(*close)++;
		else if (c == '!' && i + 1 < n && s[i + 1] == '[')
			(*img)++;
	}
	return n;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The index in the line s[i..e) before which a backslash keeps its
 * container markers ('>', "- ", "1. "...) and indentation from opening
 * more than about GUARD_NEST levels, or e when they do not. A line nests
 * only as deep as its own prefix (markers, and list levels continued by
 * two or more columns of white space each, past the one that may follow
 * each marker), plus lazy continuation of a paragraph opened on an
 * earlier line: so this bounds the depth of every node. */
static size_t nest_cut(const char *s, size_t i, size_t e)
{
	size_t col = 0, ws = 0, markers = 0, j, w;

	while (i < e) {
		char c = s[i];

		if (c == ' ' || c == '\t') {
			w = c == ' ' ? 1 : 4 - col % 4;
			col += w;
			ws += w;
			i++;
			continue;
		}
		j = i;
		if (c >= '0' && c <= '9') {
			while (j < e && j - i < 9 && s[j] >= '0' && s[j] <= '9')
				j++;
			if (j == e || (s[j] != '.' && s[j] != ')'))
				break;
		} else if (c != '>' && c != '-' && c != '*' && c != '+') {
			break;
		}
		if (c != '>' && j + 1 < e && !is_blank(s[j + 1]))
			break;   /* "-x", "1.x": not a list marker */
		markers++;
		if (markers + (ws > markers ? (ws - markers) / 2 : 0) > GUARD_NEST)
			return j;
		col += j - i + 1;
		i = j + 1;
	}
	return e;
}

/* Bound gfm.6's superlinear paths (measured: 160,000 "![[]()" took 170 s,
 * a 60 kB word of "www.a_" 1.8 s, a row of 20,000 cells 0.7 s, 100,000
 * '>' then 20,000 lazy lines 100 s: each inline node added walks up to
 * the root).
 * - Container markers past GUARD_NEST levels on a line are escaped.
 * - Every link completed in a paragraph walks all "![" still open in it:
 *   where "![" count times ']' count passes GUARD_BRACKETS, each "![" of
 *   that paragraph becomes "!\[".
 * - Autolink scans restart inside a word at each ':', '@' or 'w': words
 *   (runs without ASCII space) longer than GUARD_WORD_FREE add their
 *   squared length; past GUARD_WORDS, *autolink is false.
 * - Table rows cost the square of their cell count: lines with more than
 *   GUARD_PIPES_FREE '|' add their squared count; past GUARD_PIPES,
 *   *table is false.
 * Returns true when the escaped text is in *fixed, to be parsed instead. */
static bool guard_scan(const char *s, size_t n, bool *autolink, bool *table,
		       struct buf *fixed)
{
	uint64_t words = 0, pipes = 0, img, close, line_pipes = 0;
	size_t i, word = 0, start, end, line, cut;
	bool escape = false;

	for (i = 0, line = 0; i <= n; i++) {
		char c = i < n ? s[i] : '\n';

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (word > GUARD_WORD_FREE)
				words += (uint64_t)word * word;
			word = 0;
		} else {
			word++;
		}
		if (c == '|') {
			line_pipes++;
		} else if (c == '\n' || c == '\r') {
			if (line_pipes > GUARD_PIPES_FREE)
				pipes += line_pipes * line_pipes;
			line_pipes = 0;
			if (!escape && nest_cut(s, line, i) < i)
				escape = true;
			line = i + 1;
		}
	}
	*autolink = words <= GUARD_WORDS;
	*table = pipes <= GUARD_PIPES;

	for (start = 0; start < n && !escape; start = end) {
		end = chunk_end(s, n, start, &img, &close);
		escape = img * close > GUARD_BRACKETS;
	}
	if (!escape)
		return false;
	for (start = 0; start < n; start = end) {
		bool images;

		end = chunk_end(s, n, start, &img, &close);
		images = img * close > GUARD_BRACKETS;
		for (line = start; line < end; line = i) {
			for (i = line; i < end && s[i] != '\n' && s[i] != '\r'; i++)
				;
			cut = nest_cut(s, line, i);
			if (cut == i)
				cut = SIZE_MAX;   /* nothing to cut on this line */
			i = i < end ? i + 1 : i;   /* past the line end */
			for (size_t k = line; k < i; k++) {
				if (k == cut ||
				    (images && s[k] == '[' && k > line && s[k - 1] == '!'))
					buf_putc(fixed, '\\');
				buf_putc(fixed, s[k]);
			}
		}
	}
	return true;
}

/* Whether the autolink extension could find anything in s[0..n): it
 * links "www." (lower case), a scheme's "://" and e-mail addresses
 * (mailto: and xmpp: ones too), each of which needs one of these. Its
 * pass over every text node was a ninth of a long page's rendering. */
static bool may_autolink(const char *s, size_t n)
{
	return memchr(s, '@', n) || memmem(s, n, "://", 3) || memmem(s, n, "www.", 4);
}

/* ---- parse ---------------------------------------------------------- */

/* Parse s[0..n) into *doc with a parser kept for rendering (*parser).
 * Returns 0 or -1. */
static int parse(const char *s, size_t n, bool autolink, bool table,
		 cmark_parser **parser, cmark_node **doc)
{
	static const char *const names[] = {"table", "tasklist", "strikethrough",
					    "autolink", "tagfilter"};
	cmark_parser *p;
	size_t i;
	int rc = -1;

	*doc = NULL;
	p = *parser = cmark_parser_new(MD_OPTIONS);
	if (!p)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cmark_syntax_extension *ext;

		if ((!autolink && strcmp(names[i], "autolink") == 0) ||
		    (!table && strcmp(names[i], "table") == 0))
			continue;
		ext = cmark_find_syntax_extension(names[i]);
		if (!ext || !cmark_parser_attach_syntax_extension(p, ext))
			return -1;
	}
	/* See the caveat on the special-character table. */
	pthread_mutex_lock(&parse_lock);
	cmark_parser_feed(p, s, n);
	*doc = cmark_parser_finish(p);
	pthread_mutex_unlock(&parse_lock);
	if (*doc) {
		cmark_consolidate_text_nodes(*doc);
		rc = 0;
	}
	return rc;
}

/* ---- pass 1: tables and headings as custom nodes -------------------- */

static cmark_node *custom(cmark_node_type type, const char *enter, const char *exit,
			  const void *tag)
{
	cmark_node *n = cmark_node_new(type);

	if (enter)
		cmark_node_set_on_enter(n, enter);
	if (exit)
		cmark_node_set_on_exit(n, exit);
	cmark_node_set_user_data(n, (void *)tag);
	return n;
}

/* Move every child of from to the end of to; 0 or -1. Both sides are
 * cheap: to hangs off a detached node, so cmark's cycle check is short. */
static int move_children(cmark_node *from, cmark_node *to)
{
	cmark_node *c;

	while ((c = cmark_node_first_child(from)))
		if (!cmark_node_append_child(to, c))
			return -1;
	return 0;
}

/* Put blk where old was. old is freed only after rendering: the text
 * nodes moved out of it may still point into its content buffer. */
static int replace(cmark_node *old, cmark_node *blk, struct nodes *dead)
{
	if (!cmark_node_replace(old, blk)) {
		cmark_node_free(blk);
		return -1;
	}
	nodes_push(dead, old);
	return 0;
}

/* <hN>: a CUSTOM_BLOCK (for the line breaks around it) holding a
 * CUSTOM_INLINE whose on_enter gets the id in pass 3. */
static int rebuild_heading(cmark_node *h, struct nodes *dead)
{
	int level = cmark_node_get_heading_level(h);
	cmark_node *blk, *in;

	if (level < 1 || level > 6)
		level = 6;
	blk = custom(CMARK_NODE_CUSTOM_BLOCK, NULL, NULL, NULL);
	in = custom(CMARK_NODE_CUSTOM_INLINE, NULL, NULL, &heading_tag[level]);
	if (!cmark_node_append_child(blk, in) || move_children(h, in) < 0) {
		cmark_node_free(blk);
		return -1;
	}
	return replace(h, blk, dead);
}

/* The cmark-gfm table markup, rebuilt: rows are custom blocks, cells
 * custom inlines (which may hold wiki links). */
static int rebuild_table(cmark_node *t, struct buf *tmp, struct nodes *dead)
{
	uint16_t ncols = cmark_gfm_extensions_get_table_columns(t);
	uint8_t *align = cmark_gfm_extensions_get_table_alignments(t);
	cmark_node *blk, *row, *last_body = NULL, *cell;
	bool body_open = false;

	for (row = cmark_node_first_child(t); row; row = cmark_node_next(row))
		if (!cmark_gfm_extensions_get_table_row_is_header(row))
			last_body = row;
	blk = custom(CMARK_NODE_CUSTOM_BLOCK, "<table>", "</table>", NULL);
	for (row = cmark_node_first_child(t); row; row = cmark_node_next(row)) {
		bool head = cmark_gfm_extensions_get_table_row_is_header(row);
		const char *enter = "<tr>", *exit = "</tr>";
		cmark_node *rb;
		size_t col = 0;

		if (head) {
			enter = "<thead>\n<tr>";
			exit = "</tr>\n</thead>";
		} else if (!body_open) {
			enter = "<tbody>\n<tr>";
			body_open = true;
		}
		if (row == last_body)
			exit = "</tr>\n</tbody>";
		rb = custom(CMARK_NODE_CUSTOM_BLOCK, enter, exit, NULL);
		if (!cmark_node_append_child(blk, rb))
			goto fail;
		for (cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell), col++) {
			const char *tag = head ? "th" : "td";
			char a = align && col < ncols ? (char)align[col] : 0;
			cmark_node *ci;

			buf_reset(tmp);
			buf_printf(tmp, "<%s%s>", tag,
				   a == 'l' ? " align=\"left\"" :
				   a == 'c' ? " align=\"center\"" :
				   a == 'r' ? " align=\"right\"" : "");
			ci = custom(CMARK_NODE_CUSTOM_INLINE, tmp->data, head ? "</th>" : "</td>",
				    &cell_tag);
			if (!cmark_node_append_child(rb, ci) || move_children(cell, ci) < 0)
				goto fail;
		}
	}
	return replace(t, blk, dead);
fail:
	cmark_node_free(blk);
	return -1;
}

static bool is_table(cmark_node *n)
{
	cmark_syntax_extension *ext = cmark_node_get_syntax_extension(n);

	return ext && cmark_node_get_type(n) != CMARK_NODE_ITEM &&
	       strcmp(cmark_node_get_type_string(n), "table") == 0;
}

static int rebuild(cmark_node *doc, struct render *r)
{
	struct nodes tables = {0}, heads = {0};
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	size_t i;
	int rc = -1;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (cmark_node_get_type(n) == CMARK_NODE_HEADING)
			nodes_push(&heads, n);
		else if (is_table(n))
			nodes_push(&tables, n);
	}
	for (i = 0; i < heads.n; i++)
		if (rebuild_heading(heads.v[i], &r->dead) < 0)
			goto out;
	for (i = 0; i < tables.n; i++)
		if (rebuild_table(tables.v[i], &r->tmp, &r->dead) < 0)
			goto out;
	rc = 0;
out:
	cmark_iter_free(it);
	free(heads.v);
	free(tables.v);
	return rc;
}

/* ---- pass 2: wiki links and file references ------------------------- */

/* Find the next wiki link in s[pos..n): the innermost "[[" before the
 * first "]]", with a valid target. Linear over repeated calls: every byte
 * before the returned (or last) "]]" is passed over. */
static bool next_wikilink(const char *s, size_t n, size_t pos, size_t *open, size_t *close)
{
	for (;;) {
		const char *o = memmem(s + pos, n - pos, "[[", 2), *c, *k, *bar;
		size_t tlen;
		const char *t;

		if (!o)
			return false;
		c = memmem(o + 2, (size_t)(s + n - (o + 2)), "]]", 2);
		if (!c)
			return false;
		for (k = c - 1; k > o; k--)
			if (k[0] == '[' && k[1] == '[') {
				o = k;
				break;
			}
		pos = (size_t)(c - s) + 2;
		bar = memchr(o + 2, '|', (size_t)(c - (o + 2)));
		tlen = (size_t)((bar ? bar : c) - (o + 2));
		t = text_trim(o + 2, &tlen);
		if (tlen == 0 || tlen > MD_TARGET_MAX || memchr(t, '[', tlen) ||
		    memchr(t, ']', tlen))
			continue;
		*open = (size_t)(o - s);
		*close = (size_t)(c - s);
		return true;
	}
}

static cmark_node *text_node(const char *s, size_t n)
{
	cmark_node *t = cmark_node_new(CMARK_NODE_TEXT);
	char *lit = xstrndup(s, n);

	cmark_node_set_literal(t, lit);
	free(lit);
	return t;
}

/* The link node for the wiki link whose inner text is s[0..n). */
static cmark_node *wikilink_node(struct render *r, const char *s, size_t n)
{
	const char *bar = memchr(s, '|', n), *target, *label;
	size_t tlen = bar ? (size_t)(bar - s) : n, llen = bar ? n - tlen - 1 : 0;
	struct md_result *out = r->out;
	struct slot *sl;
	struct md_link *l;
	cmark_node *a;

	target = text_trim(s, &tlen);
	label = bar ? text_trim(bar + 1, &llen) : NULL;
	if (!llen) {
		label = target;
		llen = tlen;
	}
	buf_reset(&r->tmp);
	text_slugify(&r->tmp, target, tlen, MD_SLUG_MAX);
	sl = set_find(&r->links, r->tmp.data);
	if (!sl) {
		out->links = grow(out->links, out->nlinks, &r->lcap, sizeof(*out->links));
		l = &out->links[out->nlinks];
		l->slug = xstrdup(r->tmp.data);
		l->target = xstrndup(target, tlen);
		l->exists = r->exists ? r->exists(r->ctx, l->slug) : true;
		sl = set_add(&r->links, l->slug, out->nlinks++);
	}
	l = &out->links[sl->val];

	buf_reset(&r->tmp);
	if (l->exists) {
		buf_puts(&r->tmp, "<a class=\"wikilink\" href=\"/p/");
		buf_html(&r->tmp, l->slug, strlen(l->slug));
	} else {
		struct buf enc = BUF_INIT;

		buf_url(&enc, target, tlen);
		buf_puts(&r->tmp, "<a class=\"wikilink missing\" href=\"/new?title=");
		buf_html(&r->tmp, enc.data, enc.len);
		buf_free(&enc);
	}
	buf_puts(&r->tmp, "\">");
	a = custom(CMARK_NODE_CUSTOM_INLINE, r->tmp.data, "</a>", &wikilink_tag);
	cmark_node_append_child(a, text_node(label, llen));
	return a;
}

/* At most WIKILINK_MAX_DEPTH + 1 steps up, see the caveats. */
static bool too_deep(cmark_node *n)
{
	int d = 0;

	while ((n = cmark_node_parent(n)))
		if (++d > WIKILINK_MAX_DEPTH)
			return true;
	return false;
}

/* Split the text node t around its wiki links; the iterator moves past
 * the new nodes. Returns 0 or -1. */
static int wikilinks_in(struct render *r, cmark_node *t, cmark_iter *it)
{
	const char *lit = cmark_node_get_literal(t);
	size_t n = lit ? strlen(lit) : 0, pos = 0, open, close;
	cmark_node *last = t;
	bool first = true;
	char *s;
	int rc = 0;

	if (!n || !memmem(lit, n, "[[", 2) || too_deep(t))
		return 0;
	s = xstrndup(lit, n);  /* lit is about to be replaced */
	while (next_wikilink(s, n, pos, &open, &close)) {
		cmark_node *a = wikilink_node(r, s + open + 2, close - open - 2);

		if (!first && open > pos) {
			cmark_node *pre = text_node(s + pos, open - pos);

			if (!cmark_node_insert_after(last, pre)) {
				cmark_node_free(pre);
				cmark_node_free(a);
				rc = -1;
				break;
			}
			last = pre;
		}
		if (!cmark_node_insert_after(last, a)) {
			/* First try: t's parent takes no custom inline; leave it be. */
			cmark_node_free(a);
			rc = first ? 0 : -1;
			break;
		}
		if (first) {
			s[open] = '\0';
			cmark_node_set_literal(t, s);
			s[open] = '[';
			first = false;
		}
		last = a;
		pos = close + 2;
	}
	if (!first && rc == 0 && pos < n) {
		cmark_node *rest = text_node(s + pos, n - pos);

		if (cmark_node_insert_after(last, rest))
			last = rest;
		else {
			cmark_node_free(rest);
			rc = -1;
		}
	}
	if (!first)
		cmark_iter_reset(it, last, CMARK_EVENT_EXIT);
	free(s);
	return rc;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Record the hash if url is /files/ + 64 hex digits (+ ?query or #frag). */
static void file_ref(struct render *r, const char *url)
{
	struct md_result *out = r->out;
	char hash[65];
	size_t i;

	if (!url || strncmp(url, "/files/", 7) != 0)
		return;
	url += 7;
	for (i = 0; i < 64; i++) {
		if (!is_hex(url[i]))
			return;
		hash[i] = (char)(url[i] >= 'A' && url[i] <= 'F' ? url[i] - 'A' + 'a' : url[i]);
	}
	hash[64] = '\0';
	if ((url[64] != '\0' && url[64] != '?' && url[64] != '#') || set_find(&r->files, hash))
		return;
	out->files = grow(out->files, out->nfiles, &r->fcap, sizeof(*out->files));
	out->files[out->nfiles] = xstrdup(hash);
	set_add(&r->files, out->files[out->nfiles], out->nfiles);
	out->nfiles++;
}

static int links_pass(struct render *r, cmark_node *doc)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	size_t in_link = 0;   /* LINK/IMAGE nodes open around the current one */
	int rc = 0;

	while (rc == 0 && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(n);

		if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
			if (ev == CMARK_EVENT_ENTER) {
				file_ref(r, cmark_node_get_url(n));
				in_link++;
			} else {
				in_link--;
			}
		} else if (type == CMARK_NODE_TEXT && !in_link) {
			rc = wikilinks_in(r, n, it);
		}
	}
	cmark_iter_free(it);
	return rc;
}

/* ---- pass 3: plain text and heading ids ----------------------------- */

static void line_break(struct buf *b)
{
	if (b->len && b->data[b->len - 1] != '\n')
		buf_putc(b, '\n');
}

static int heading_level(cmark_node *n)
{
	void *tag = cmark_node_get_user_data(n);
	int i;

	for (i = 1; i <= 6; i++)
		if (tag == &heading_tag[i])
			return i;
	return 0;
}

/* Record the heading whose plain text is text[0..n) and give node its id. */
static void add_heading(struct render *r, cmark_node *node, int level, const char *text, size_t n)
{
	struct md_result *out = r->out;
	struct md_heading *h;
	struct slot *sl;
	char *id;
	size_t i;

	text = text_trim(text, &n);
	buf_reset(&r->tmp);
	text_slugify(&r->tmp, text, n, MD_SLUG_MAX);
	sl = set_find(&r->ids, r->tmp.data);
	if (sl) {
		/* Each base keeps its next suffix, so n repeats cost O(n). */
		size_t k = sl->val, base = r->tmp.len;

		for (;; k++) {
			buf_truncate(&r->tmp, base);
			buf_printf(&r->tmp, "-%zu", k);
			if (!set_find(&r->ids, r->tmp.data))
				break;
		}
		sl->val = k + 1;
	}
	id = xstrdup(r->tmp.data);

	out->headings = grow(out->headings, out->nheadings, &r->hcap, sizeof(*out->headings));
	h = &out->headings[out->nheadings++];
	h->level = level;
	h->id = id;
	h->text = xstrndup(text, n);
	for (i = 0; i < n; i++)   /* a hard break inside a heading */
		if (h->text[i] == '\n')
			h->text[i] = ' ';
	set_add(&r->ids, id, 2);
	buf_puts(&out->headings_text, h->text);
	buf_putc(&out->headings_text, '\n');

	buf_reset(&r->tmp);
	buf_printf(&r->tmp, "<h%d id=\"", level);
	buf_html(&r->tmp, id, strlen(id));
	buf_puts(&r->tmp, "\">");
	cmark_node_set_on_enter(node, r->tmp.data);
	buf_reset(&r->tmp);
	buf_printf(&r->tmp, "</h%d>", level);
	cmark_node_set_on_exit(node, r->tmp.data);
}

static void text_pass(struct render *r, cmark_node *doc)
{
	struct buf *b = &r->out->text;
	cmark_iter *it = cmark_iter_new(doc);
	cmark_event_type ev;
	size_t head_start = 0;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(n);
		const char *lit;
		int level;

		switch (type) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			lit = cmark_node_get_literal(n);
			if (lit)
				buf_puts(b, lit);
			break;
		case CMARK_NODE_CODE_BLOCK:
			line_break(b);
			lit = cmark_node_get_literal(n);
			if (lit)
				buf_puts(b, lit);
			line_break(b);
			break;
		case CMARK_NODE_SOFTBREAK:
			buf_putc(b, ' ');
			break;
		case CMARK_NODE_LINEBREAK:
			buf_putc(b, '\n');
			break;
		case CMARK_NODE_HTML_BLOCK:
		case CMARK_NODE_HTML_INLINE:
		case CMARK_NODE_FOOTNOTE_REFERENCE:
			break;   /* omitted from the HTML, so from the text too */
		case CMARK_NODE_CUSTOM_INLINE:
			level = heading_level(n);
			if (level && ev == CMARK_EVENT_ENTER) {
				head_start = b->len;
			} else if (level) {
				add_heading(r, n, level, b->data + head_start, b->len - head_start);
			} else if (ev == CMARK_EVENT_EXIT && cmark_node_get_user_data(n) == &cell_tag) {
				buf_putc(b, '\t');
			}
			break;
		default:
			if ((type & CMARK_NODE_TYPE_MASK) != CMARK_NODE_TYPE_BLOCK)
				break;
			if (b->len && b->data[b->len - 1] == '\t')   /* after a row's last cell */
				buf_truncate(b, b->len - 1);
			line_break(b);
			break;
		}
	}
	cmark_iter_free(it);
	while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\t'))
		buf_truncate(b, b->len - 1);
}

/* ---- entry points --------------------------------------------------- */

static void result_init(struct md_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->html);
	buf_init(&r->text);
	buf_init(&r->headings_text);
}

void md_result_free(struct md_result *r)
{
	size_t i;

	buf_free(&r->html);
	buf_free(&r->text);
	buf_free(&r->headings_text);
	for (i = 0; i < r->nheadings; i++) {
		free(r->headings[i].id);
		free(r->headings[i].text);
	}
	for (i = 0; i < r->nlinks; i++) {
		free(r->links[i].slug);
		free(r->links[i].target);
	}
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	free(r->headings);
	free(r->links);
	free(r->files);
	result_init(r);
}

/* Copy cmark's HTML, hiding task-list checkboxes from assistive
 * technology: they are disabled, unlabelled decoration (the item's text is
 * the content), and an unlabelled input is an accessibility error; a done
 * item says so with a hidden check mark instead. (oficio.css draws them as
 * marks; oficio.js makes them the reader's own checklist, labelled, in her
 * browser: the stored HTML stays the same for everyone.) The
 * strings are cmark's own output; user text can never contain them raw
 * because the renderer escapes '<'. */
static const char box[] = "<input type=\"checkbox\"";

/* "<th align=\"center\">" -> " class=\"al-center\"" (what follows "<th"),
 * or NULL when hit is not an aligned table cell. */
static const char *align_class(const char *hit)
{
	static const char *const from[] = {" align=\"left\">", " align=\"center\">",
					   " align=\"right\">"};
	static const char *const to[] = {" class=\"al-left\"", " class=\"al-center\"",
					 " class=\"al-right\""};

	if (strncmp(hit, "<th", 3) != 0 && strncmp(hit, "<td", 3) != 0)
		return NULL;
	for (int i = 0; i < 3; i++)
		if (strncmp(hit + 3, from[i], strlen(from[i])) == 0)
			return to[i];
	return NULL;
}

/* The next place put_html rewrites: a task box or an aligned cell. */
static const char *next_fix(const char *p)
{
	for (;; p++) {
		p = strchr(p, '<');
		if (!p)
			return NULL;
		if (strncmp(p, box, sizeof(box) - 1) == 0 || align_class(p))
			return p;
	}
}

static void put_html(struct buf *out, const char *html)
{
	static const char checked[] = " checked=\"\" disabled=\"\" />";
	const char *p = html, *hit;

	while ((hit = next_fix(p)) != NULL) {
		const char *al = align_class(hit);
		if (al) {
			/* cmark-gfm writes align="..." on table cells, obsolete in
			 * HTML5; a class does the same (CSP forbids inline style). */
			buf_append(out, p, (size_t)(hit - p) + 3);
			buf_puts(out, al);
			p = strchr(hit, '>');
			continue;
		}
		buf_append(out, p, (size_t)(hit - p) + sizeof(box) - 1);
		buf_puts(out, " aria-hidden=\"true\"");
		p = hit + sizeof(box) - 1;
		/* A done step keeps its state for screen readers as a
		 * visually hidden check mark after the hidden box. */
		if (strncmp(p, checked, sizeof(checked) - 1) == 0) {
			buf_append(out, p, sizeof(checked) - 1);
			buf_puts(out, "<span class=\"vh\">\u2713</span>");
			p += sizeof(checked) - 1;
		}
	}
	buf_puts(out, p);
}

int markdown_render(const char *md, size_t len, md_exists_fn exists, void *ctx,
		    struct md_result *out)
{
	struct render r = {out, exists, ctx, {0}, {0}, {0}, 0, 0, 0, BUF_INIT, {0}};
	struct buf clean = BUF_INIT, fixed = BUF_INIT;
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL;
	bool autolink, table;
	char *html = NULL;
	int rc = -1;

	result_init(out);
	if (len > MD_MAX_INPUT)
		return -1;
	if (!md) {
		md = "";
		len = 0;
	}
	pthread_once(&init_once, init);
	if (!text_utf8_valid(md, len)) {
		/* Bad bytes and NULs become U+FFFD here, so the guard and the
		 * wiki-link targets see what cmark sees. */
		size_t i = 0;

		while (i < len) {
			uint32_t c = text_utf8_next(md, len, &i);

			text_utf8_put(&clean, c ? c : 0xFFFD);
		}
		md = clean.data;
		len = clean.len;
	}
	if (guard_scan(md, len, &autolink, &table, &fixed)) {
		md = fixed.data;
		len = fixed.len;
	}
	autolink = autolink && may_autolink(md, len);
	if (buf_error(&clean) || buf_error(&fixed) ||
	    parse(md, len, autolink, table, &parser, &doc) < 0)
		goto out;
	if (rebuild(doc, &r) < 0 || links_pass(&r, doc) < 0)
		goto out;
	text_pass(&r, doc);
	html = cmark_render_html(doc, MD_OPTIONS, cmark_parser_get_syntax_extensions(parser));
	if (!html)
		goto out;
	put_html(&out->html, html);
	if (buf_error(&out->html) || buf_error(&out->text) || buf_error(&out->headings_text) ||
	    buf_error(&r.tmp))
		goto out;
	rc = 0;
out:
	if (html)
		cmark_get_default_mem_allocator()->free(html);
	if (doc)
		cmark_node_free(doc);
	for (size_t i = 0; i < r.dead.n; i++)
		cmark_node_free(r.dead.v[i]);
	free(r.dead.v);
	if (parser)
		cmark_parser_free(parser);
	set_free(&r.links);
	set_free(&r.ids);
	set_free(&r.files);
	buf_free(&r.tmp);
	buf_free(&clean);
	buf_free(&fixed);
	if (rc < 0)
		md_result_free(out);
	return rc;
}

int markdown_paragraphs(const char *md, size_t len, md_paragraph_fn fn, void *ctx)
{
	struct buf fixed = BUF_INIT;
	cmark_parser *parser = NULL;
	cmark_node *doc = NULL, *n;
	bool autolink, table;
	int rc = -1;

	if (len > MD_MAX_INPUT || !text_utf8_valid(md, len))
		return -1;
	pthread_once(&init_once, init);
	/* The guard escapes inside lines and never adds one, so the line
	 * numbers still point into md. */
	if (guard_scan(md, len, &autolink, &table, &fixed)) {
		md = fixed.data;
		len = fixed.len;
	}
	if (buf_error(&fixed) || parse(md, len, false, table, &parser, &doc) < 0)
		goto out;
	for (n = cmark_node_first_child(doc); n; n = cmark_node_next(n))
		if (cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH)
			fn(ctx, cmark_node_get_start_line(n), cmark_node_get_end_line(n));
	rc = 0;
out:
	if (doc)
		cmark_node_free(doc);
	if (parser)
		cmark_parser_free(parser);
	buf_free(&fixed);
	return rc;
}
