/*
 * template.c - the logic-less template engine: loading, parsing and
 * rendering templates, and checking them against the message catalogues
 * (i18n.c, which shares template_int.h with this file).
 *
 * Each template is parsed once, at load, into a flat array of nodes. A
 * section node records the index just past its body, so a render is a loop
 * over a range of that array that recurses only into section bodies and
 * partials, and allocates nothing but the growth of the output buffer. The
 * context stack is a fixed array in the render state: load has proved (a
 * cap on sections while parsing, then a walk of the partial graph) that no
 * template nests sections and partials deeper than MAX_DEPTH and that no
 * partial includes itself, so a render can neither overflow the stack nor
 * recurse without end. The render still checks both, cheaply, so that a
 * bug here is an error page and not a crash.
 *
 * Names live in place: a template's source is kept (text nodes point into
 * it) and the bytes of a tag, which are never output, are reused to hold
 * the tag's name with its dots turned into NULs, ready for json_object_get.
 *
 * Caveats: sets (and catalogues) are immutable after load and are shared
 * by every thread; contexts are only read (borrowed references). A render
 * visits at most MAX_STEPS nodes and adds at most MAX_OUTPUT bytes:
 * sections over arrays nest multiplicatively, and a runaway render must
 * fail in milliseconds, not stall an event loop. A list page of 10,000
 * items uses well under a tenth of either.
 */
#include "template.h"
#include "template_int.h"

#include "buf.h"
#include "text.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 32                       /* sections + partials nested */
#define MAX_FILE ((size_t)4 << 20)         /* bytes in one file read */
#define MAX_STEPS ((unsigned long)1 << 22) /* node visits in one render */
#define MAX_OUTPUT ((size_t)32 << 20)      /* bytes one render may add */
#define MAX_SHOWN 40                       /* bytes of a bad name in errors */

enum node_kind {
	NODE_TEXT,     /* literal bytes */
	NODE_VAR,      /* {{name}}, HTML-escaped */
	NODE_RAW,      /* {{{name}}} */
	NODE_SECTION,  /* {{#name}} */
	NODE_INVERTED, /* {{^name}} */
	NODE_PARTIAL,  /* {{>name}} */
	NODE_MSG,      /* {{@key}}, HTML-escaped */
};

struct node {
	enum node_kind kind;
	unsigned line;  /* 1-based line of the tag or of the text's start */
	unsigned level; /* sections open around this node */
	unsigned nseg;  /* name segments; 0 is "."; 1 for partials, messages */
	const char *s;  /* text bytes, or the name (segments NUL-separated) */
	size_t len;     /* text bytes, or the name's length as written */
	size_t end;     /* section, inverted: index just past the body */
	size_t target;  /* partial: index of its template in the set */
};

struct tmpl {
	char *name;         /* file name without .html */
	char *path;         /* shown in errors */
	char *src;          /* the source, NUL-terminated; nodes point into it */
	size_t srclen;      /* bytes of src */
	struct node *nodes; /* in document order */
	size_t nnodes;
	unsigned deep; /* deepest nesting of sections and partials */
};

struct tmpl_set {
	struct tmpl *t; /* sorted by name, for bsearch */
	size_t n;
};

/* Errors. */

void tmpl_perr(struct buf *err, const char *path, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (line)
		buf_printf(err, "%s:%u: ", path, line);
	else
		buf_printf(err, "%s: ", path);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	buf_putc(err, '\n');
}

/* Append s[0..n) for a human: quoted, control bytes as '?', cut short. */
static void show(struct buf *b, const char *s, size_t n)
{
	size_t i;

	buf_putc(b, '\'');
	for (i = 0; i < n && i < MAX_SHOWN; i++) {
		unsigned char c = (unsigned char)s[i];
		buf_putc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (n > MAX_SHOWN)
		buf_puts(b, "...");
	buf_putc(b, '\'');
}

/* "path:line: what 'name'\n" */
void tmpl_perr_name(struct buf *err, const char *path, unsigned line, const char *what,
                      const char *s, size_t n)
{
	buf_printf(err, "%s:%u: %s ", path, line, what);
	show(err, s, n);
	buf_putc(err, '\n');
}

/* Append a parsed name as it was written: its segments joined by dots. */
static void put_name(struct buf *b, const struct node *nd)
{
	size_t i;

	for (i = 0; i < nd->len; i++)
		buf_putc(b, nd->s[i] ? nd->s[i] : '.');
}

/* Reading. */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A context name: "." or [A-Za-z0-9_-] segments joined by single dots. */
static bool valid_path(const char *s, size_t n)
{
	size_t i, seg = 0;

	if (n == 1 && s[0] == '.')
		return true;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (seg == 0)
				return false;
			seg = 0;
		} else if (name_char(s[i])) {
			seg++;
		} else {
			return false;
		}
	}
	return seg > 0;
}

/* A template, partial or message name: [A-Za-z0-9_.-]+. */
bool tmpl_valid_key(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!name_char(s[i]) && s[i] != '.')
			return false;
	return n > 0;
}

static size_t count_nl(const char *s, size_t n)
{
	const char *end = s + n;
	size_t k = 0;

	while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		k++;
		s++;
	}
	return k;
}

/* Index of the first "cc" in s[from..n), or n. */
static size_t find2(const char *s, size_t n, size_t from, char c)
{
	const char *p;

	while (from + 1 < n) {
		p = memchr(s + from, c, n - from - 1);
		if (!p)
			break;
		from = (size_t)(p - s);
		if (s[from + 1] == c)
			return from;
		from++;
	}
	return n;
}

/* Every line well-formed UTF-8 without NUL, or an error naming the line. */
static int check_utf8(const char *path, const char *s, size_t n, struct buf *err)
{
	size_t i = 0, e;
	unsigned line = 1;
	const char *nl;

	while (i < n) {
		nl = memchr(s + i, '\n', n - i);
		e = nl ? (size_t)(nl - s) : n;
		if (!text_utf8_valid(s + i, e - i)) {
			tmpl_perr(err, path, line, "invalid UTF-8 or NUL byte");
			return -1;
		}
		i = e + 1;
		line++;
	}
	return 0;
}

/* Read a whole file (at most MAX_FILE bytes), NUL-terminated. */
char *tmpl_read_all(const char *path, size_t *len, struct buf *err)
{
	struct buf b = BUF_INIT;
	FILE *f;
	size_t got;
	char *data = NULL;

	f = fopen(path, "rb");
	if (!f) {
		tmpl_perr(err, path, 0, "%s", strerror(errno));
		return NULL;
	}
	for (;;) {
		if (buf_grow(&b, 65536) < 0 || b.len > MAX_FILE) {
			tmpl_perr(err, path, 0, "larger than %zu bytes", MAX_FILE);
			goto out;
		}
		got = fread(b.data + b.len, 1, 65536, f);
		b.len += got;
		b.data[b.len] = '\0';
		if (got < 65536)
			break;
	}
	if (ferror(f)) {
		tmpl_perr(err, path, 0, "read error");
		goto out;
	}
	if (b.len > MAX_FILE) {
		tmpl_perr(err, path, 0, "larger than %zu bytes", MAX_FILE);
		goto out;
	}
	*len = b.len;
	data = buf_detach(&b);
out:
	buf_free(&b);
	fclose(f);
	return data;
}

int tmpl_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parsing. */

struct parser {
	struct tmpl *t;
	char *s;                /* t->src */
	size_t n;               /* t->srclen */
	size_t cap;             /* nodes allocated */
	size_t open[MAX_DEPTH]; /* node index of each open section */
	size_t nopen;
	struct buf *err;
};

static struct node *add_node(struct parser *p, enum node_kind kind, unsigned line)
{
	struct node *nd;

	if (p->t->nnodes == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->t->nodes = xrealloc(p->t->nodes, p->cap * sizeof *nd);
	}
	nd = &p->t->nodes[p->t->nnodes++];
	memset(nd, 0, sizeof *nd);
	nd->kind = kind;
	nd->line = line;
	nd->level = (unsigned)p->nopen;
	return nd;
}

/* Cut the name at s[b..e) in place: NUL after it and, for a dotted context
 * name, NUL for every dot. The byte at e is inside the tag ("}}" or a
 * blank), never output, so writing it is safe. */
static unsigned cut_name(char *s, size_t b, size_t e, bool dotted)
{
	unsigned nseg = 1;
	size_t i;

	s[e] = '\0';
	if (!dotted)
		return 1;
	if (e - b == 1 && s[b] == '.')
		return 0;
	for (i = b; i < e; i++) {
		if (s[i] == '.') {
			s[i] = '\0';
			nseg++;
		}
	}
	return nseg;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* One tag: s[b..e) is its name, trimmed; sig its sigil (0 for none). */
static int parse_tag(struct parser *p, char sig, size_t b, size_t e, unsigned line)
{
	const char *path = p->t->path;
	char *s = p->s;
	struct node *nd;
	enum node_kind kind;
	unsigned nseg;
	bool key = sig == '>' || sig == '@';

	if (sig == '!')
		return 0;
	if (sig == '=' || sig == '&') {
		tmpl_perr(p->err, path, line, "{{%c is not supported%s", sig,
		     sig == '&' ? "; raw output is {{{name}}}" : "");
		return -1;
	}
	if (b == e) {
		tmpl_perr(p->err, path, line, "empty name in tag");
		return -1;
	}
	if (key ? !tmpl_valid_key(s + b, e - b) : !valid_path(s + b, e - b)) {
		tmpl_perr_name(p->err, path, line, "bad name", s + b, e - b);
		return -1;
	}
	if (sig == '/') {
		if (!p->nopen) {
			tmpl_perr_name(p->err, path, line, "closing tag without a section:", s + b,
			          e - b);
			return -1;
		}
		nd = &p->t->nodes[p->open[p->nopen - 1]];
		nseg = cut_name(s, b, e, true);
		if (nseg != nd->nseg || e - b != nd->len || memcmp(nd->s, s + b, e - b) != 0) {
			buf_printf(p->err, "%s:%u: {{/", path, line);
			put_name(p->err, &(struct node){.s = s + b, .len = e - b});
			buf_puts(p->err, "}} closes {{#");
			put_name(p->err, nd);
			buf_printf(p->err, "}} from line %u\n", nd->line);
			return -1;
		}
		nd->end = p->t->nnodes;
		p->nopen--;
		return 0;
	}
	switch (sig) {
	case '#':
		kind = NODE_SECTION;
		break;
	case '^':
		kind = NODE_INVERTED;
		break;
	case '>':
		kind = NODE_PARTIAL;
		break;
	case '@':
		kind = NODE_MSG;
		break;
	case '{':
		kind = NODE_RAW;
		break;
	default:
		kind = NODE_VAR;
		break;
	}
	if ((kind == NODE_SECTION || kind == NODE_INVERTED) && p->nopen == MAX_DEPTH) {
		tmpl_perr(p->err, path, line, "sections nested deeper than %d", MAX_DEPTH);
		return -1;
	}
	nd = add_node(p, kind, line);
	nd->s = s + b;
	nd->len = e - b;
	nd->nseg = cut_name(s, b, e, !key);
	if (kind == NODE_SECTION || kind == NODE_INVERTED)
		p->open[p->nopen++] = p->t->nnodes - 1;
	return 0;
}

static void add_text(struct parser *p, size_t from, size_t to, unsigned line)
{
	struct node *nd;

	if (from >= to)
		return;
	nd = add_node(p, NODE_TEXT, line);
	nd->s = p->s + from;
	nd->len = to - from;
}

/* Parse t->src into t->nodes. On error appends to err and returns -1. */
static int parse(struct tmpl *t, struct buf *err)
{
	struct parser p = {.t = t, .s = t->src, .n = t->srclen, .err = err};
	char *s = t->src;
	size_t n = t->srclen;
	size_t pos = 0, text = 0; /* scan position; start of pending text */
	size_t o, in, cb, e, b, k, a;
	unsigned line = 1, text_line = 1;
	bool triple, alone;
	char sig;

	if (check_utf8(t->path, s, n, err) < 0)
		return -1;
	while ((o = find2(s, n, pos, '{')) < n) {
		line += (unsigned)count_nl(s + pos, o - pos);
		sig = s[o + 2]; /* src is NUL-terminated: at worst '\0' */
		triple = sig == '{';
		if (!strchr("#^/!>@{=&", sig) || sig == '\0')
			sig = 0;
		in = o + 2 + (sig != 0);
		cb = find2(s, n, in, '}'); /* the closing braces */
		if (cb == n) {
			tmpl_perr(err, t->path, line, "unclosed tag");
			return -1;
		}
		e = cb + 2;
		if (triple) {
			if (s[e] != '}') {
				tmpl_perr(err, t->path, line, "unclosed {{{ tag (want }}})");
				return -1;
			}
			e++;
		}
		b = in;
		k = cb;
		if (sig != '!') {
			while (b < k && (blank(s[b]) || s[b] == '\n' || s[b] == '\r'))
				b++;
			while (k > b && (blank(s[k - 1]) || s[k - 1] == '\n' || s[k - 1] == '\r'))
				k--;
		}

		/* A block tag alone on its line takes the line with it. */
		alone = false;
		if (sig && strchr("#^/!", sig)) {
			size_t lb = o;
			while (lb > text && blank(s[lb - 1]))
				lb--;
			a = e;
			while (a < n && blank(s[a]))
				a++;
			if (a + 1 < n && s[a] == '\r' && s[a + 1] == '\n')
				a++;
			if ((lb == 0 || s[lb - 1] == '\n') && (a == n || s[a] == '\n')) {
				alone = true;
				add_text(&p, text, lb, text_line);
				e = a < n ? a + 1 : n;
			}
		}
		if (!alone)
			add_text(&p, text, o, text_line);
		if (parse_tag(&p, sig, b, k, line) < 0)
			return -1;
		line += (unsigned)count_nl(s + o, e - o);
		pos = text = e;
		text_line = line;
	}
	add_text(&p, text, n, text_line);
	if (p.nopen) {
		const struct node *nd = &t->nodes[p.open[p.nopen - 1]];
		buf_printf(err, "%s:%u: unclosed section {{%c", t->path, nd->line,
		           nd->kind == NODE_SECTION ? '#' : '^');
		put_name(err, nd);
		buf_puts(err, "}}\n");
		return -1;
	}
	return 0;
}

/* Sets. */

static int cmp_tmpl(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name, ((const struct tmpl *)b)->name);
}

static const struct tmpl *find_tmpl(const struct tmpl_set *set, const char *name)
{
	struct tmpl key = {.name = (char *)name};

	if (!set || !name)
		return NULL;
	return bsearch(&key, set->t, set->n, sizeof key, cmp_tmpl);
}

/* Depth-first walk of the partial graph from template i: finds cycles and
 * computes each template's deepest nesting. state: 0 new, 1 on the path,
 * 2 done; path[0..depth] are the templates on the current path. */
static int walk(struct tmpl_set *set, size_t i, unsigned char *state, size_t *path, size_t depth,
                struct buf *err)
{
	struct tmpl *t = &set->t[i];
	unsigned deep = 0, d;
	size_t j, k, u;

	state[i] = 1;
	path[depth] = i;
	for (j = 0; j < t->nnodes; j++) {
		const struct node *nd = &t->nodes[j];

		d = nd->level;
		if (nd->kind == NODE_SECTION || nd->kind == NODE_INVERTED)
			d++;
		if (nd->kind == NODE_PARTIAL) {
			u = nd->target;
			if (state[u] == 1) {
				buf_printf(err, "%s:%u: partial recursion: ", t->path, nd->line);
				for (k = 0; path[k] != u; k++)
					;
				for (; k <= depth; k++)
					buf_printf(err, "%s > ", set->t[path[k]].name);
				buf_printf(err, "%s\n", set->t[u].name);
				return -1;
			}
			if (state[u] == 0 && walk(set, u, state, path, depth + 1, err) < 0)
				return -1;
			d += 1 + set->t[u].deep;
			if (d > MAX_DEPTH) {
				tmpl_perr(err, t->path, nd->line,
				     "sections and partials nested deeper "
				     "than %d through {{>%s}}",
				     MAX_DEPTH, nd->s);
				return -1;
			}
		}
		if (d > deep)
			deep = d;
	}
	t->deep = deep;
	state[i] = 2;
	return 0;
}

/* Check the partials of a parsed set: each exists, none recurses, none
 * nests too deep. */
static int link_partials(struct tmpl_set *set, struct buf *err)
{
	unsigned char *state;
	size_t *path;
	const struct tmpl *u;
	size_t i, j;
	int rc = 0;

	for (i = 0; i < set->n; i++) {
		struct tmpl *t = &set->t[i];
		for (j = 0; j < t->nnodes; j++) {
			struct node *nd = &t->nodes[j];
			if (nd->kind != NODE_PARTIAL)
				continue;
			u = find_tmpl(set, nd->s);
			if (!u) {
				tmpl_perr_name(err, t->path, nd->line, "unknown partial", nd->s,
				          nd->len);
				rc = -1;
				continue;
			}
			nd->target = (size_t)(u - set->t);
		}
	}
	if (rc < 0)
		return -1;
	state = xcalloc(set->n, 1);
	path = xcalloc(set->n, sizeof *path);
	for (i = 0; i < set->n && rc == 0; i++)
		if (state[i] == 0)
			rc = walk(set, i, state, path, 0, err);
	free(state);
	free(path);
	return rc;
}

/* Parse n templates whose name, path, src and srclen are set; takes them
 * over (they are freed on error too). */
static struct tmpl_set *build(struct tmpl *t, size_t n, struct buf *err)
{
	struct tmpl_set *set = xmalloc(sizeof *set);
	size_t i;
	int rc = 0;

	set->t = t;
	set->n = n;
	qsort(t, n, sizeof *t, cmp_tmpl);
	for (i = 0; i < n; i++) {
		if (!tmpl_valid_key(t[i].name, strlen(t[i].name))) {
			tmpl_perr(err, t[i].path, 0, "bad template name");
			rc = -1;
		} else if (i > 0 && strcmp(t[i - 1].name, t[i].name) == 0) {
			tmpl_perr(err, t[i].path, 0, "duplicate template name");
			rc = -1;
		} else if (t[i].srclen > MAX_FILE) {
			tmpl_perr(err, t[i].path, 0, "larger than %zu bytes", MAX_FILE);
			rc = -1;
		} else if (parse(&t[i], err) < 0) {
			rc = -1;
		}
	}
	if (rc == 0)
		rc = link_partials(set, err);
	if (rc < 0) {
		tmpl_free(set);
		return NULL;
	}
	return set;
}

struct tmpl_set *tmpl_parse(const struct tmpl_source *src, size_t n, struct buf *err)
{
	struct tmpl *t = xcalloc(n ? n : 1, sizeof *t);
	size_t i;

	for (i = 0; i < n; i++) {
		t[i].name = xstrdup(src[i].name);
		t[i].path = xstrdup(src[i].path ? src[i].path : src[i].name);
		t[i].src = xstrndup(src[i].text, src[i].len);
		t[i].srclen = src[i].len;
	}
	return build(t, n, err);
}

struct tmpl_set *tmpl_load(const char *dir, struct buf *err)
{
	struct tmpl *t = NULL;
	size_t n = 0, cap = 0, i, len;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	d = opendir(dir);
	if (!d) {
		tmpl_perr(err, dir, 0, "%s", strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		struct buf path = BUF_INIT;

		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".html") != 0)
			continue;
		buf_printf(&path, "%s/%s", dir, de->d_name);
		if (stat(path.data, &st) < 0 || !S_ISREG(st.st_mode)) {
			buf_free(&path);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			t = xrealloc(t, cap * sizeof *t);
		}
		memset(&t[n], 0, sizeof *t);
		t[n].name = xstrndup(de->d_name, len - 5);
		t[n].path = buf_detach(&path);
		t[n].src = tmpl_read_all(t[n].path, &t[n].srclen, err);
		if (!t[n].src)
			rc = -1;
		n++;
	}
	closedir(d);
	if (!t)
		t = xcalloc(1, sizeof *t); /* no files: an empty, valid set */
	if (rc < 0) {
		for (i = 0; i < n; i++) {
			free(t[i].name);
			free(t[i].path);
			free(t[i].src);
		}
		free(t);
		return NULL;
	}
	return build(t, n, err);
}

void tmpl_free(struct tmpl_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->t[i].name);
		free(set->t[i].path);
		free(set->t[i].src);
		free(set->t[i].nodes);
	}
	free(set->t);
	free(set);
}

int tmpl_exists(const struct tmpl_set *set, const char *name)
{
	return find_tmpl(set, name) != NULL;
}

/* Rendering. */

struct render {
	const struct tmpl_set *set;
	const struct catalog *cat;      /* the render's language, or NULL */
	const struct catalog *fallback; /* Spanish, or NULL */
	struct buf *out;
	unsigned long steps;          /* nodes visited, against MAX_STEPS */
	size_t limit;                 /* out->len may not pass this */
	unsigned partials;            /* partials entered */
	size_t depth;                 /* contexts on the stack */
	json_t *stack[MAX_DEPTH + 1]; /* the root context, then sections */
};

static json_t *lookup(const struct render *r, const struct node *nd)
{
	const char *seg = nd->s;
	json_t *v = NULL;
	size_t i;
	unsigned k;

	if (nd->nseg == 0)
		return r->depth ? r->stack[r->depth - 1] : NULL;
	for (i = r->depth; i-- > 0 && !v;)
		v = json_object_get(r->stack[i], seg);
	for (k = 1; v && k < nd->nseg; k++) {
		seg += strlen(seg) + 1;
		v = json_object_get(v, seg);
	}
	return v;
}

static bool truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return true;
	default:
		return false;
	}
}

static void put_value(struct buf *out, const json_t *v, bool escape)
{
	double d;

	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			buf_html(out, json_string_value(v), json_string_length(v));
		else
			buf_append(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(out, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		/* Whole numbers within 2^53 print exactly as integers;
		 * comparing against the cast avoids needing libm. */
		d = json_real_value(v);
		if (d > -9007199254740992.0 && d < 9007199254740992.0 && (double)(long long)d == d)
			buf_printf(out, "%lld", (long long)d);
		else
			buf_printf(out, "%g", d);
		break;
	case JSON_TRUE:
		buf_puts(out, "true");
		break;
	case JSON_FALSE:
		buf_puts(out, "false");
		break;
	default:
		break; /* null, objects and arrays print nothing */
	}
}

static int render_range(struct render *r, const struct tmpl *t, size_t from, size_t to);

/* Render a section's body with v pushed, once per item for an array. */
static int section(struct render *r, const struct tmpl *t, size_t i, json_t *v)
{
	const struct node *nd = &t->nodes[i];
	size_t k, n;
	int rc = 0;

	if (r->depth == MAX_DEPTH + 1)
		return -1; /* load rules this out; never trust it blindly */
	if (!json_is_array(v)) {
		r->stack[r->depth++] = v;
		rc = render_range(r, t, i + 1, nd->end);
		r->depth--;
		return rc;
	}
	n = json_array_size(v);
	for (k = 0; k < n && rc == 0; k++) {
		if (++r->steps > MAX_STEPS)
			return -1;
		r->stack[r->depth++] = json_array_get(v, k);
		rc = render_range(r, t, i + 1, nd->end);
		r->depth--;
	}
	return rc;
}

static int render_range(struct render *r, const struct tmpl *t, size_t from, size_t to)
{
	const struct node *nd;
	const char *msg;
	size_t i;
	json_t *v;
	int rc;

	for (i = from; i < to; i++) {
		nd = &t->nodes[i];
		if (++r->steps > MAX_STEPS || r->out->len > r->limit || buf_error(r->out))
			return -1;
		switch (nd->kind) {
		case NODE_TEXT:
			buf_append(r->out, nd->s, nd->len);
			break;
		case NODE_VAR:
			put_value(r->out, lookup(r, nd), true);
			break;
		case NODE_RAW:
			put_value(r->out, lookup(r, nd), false);
			break;
		case NODE_MSG:
			msg = NULL;
			if (r->cat)
				msg = i18n_cat_get(r->cat, nd->s);
			if (!msg && r->fallback && r->fallback != r->cat)
				msg = i18n_cat_get(r->fallback, nd->s);
			if (!msg)
				msg = nd->s;
			buf_html(r->out, msg, strlen(msg));
			break;
		case NODE_SECTION:
			v = lookup(r, nd);
			if (truthy(v) && section(r, t, i, v) < 0)
				return -1;
			i = nd->end - 1;
			break;
		case NODE_INVERTED:
			/* Falsy: the body follows inline, nothing pushed. */
			if (truthy(lookup(r, nd)))
				i = nd->end - 1;
			break;
		case NODE_PARTIAL:
			if (r->partials == MAX_DEPTH)
				return -1;
			r->partials++;
			rc = render_range(r, &r->set->t[nd->target], 0,
			                  r->set->t[nd->target].nnodes);
			r->partials--;
			if (rc < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx, const struct i18n *msgs,
                const char *lang, struct buf *out)
{
	const struct tmpl *t = find_tmpl(set, name);
	struct render r;

	if (!t)
		return -1;
	r.set = set;
	r.cat = i18n_cat_find(msgs, lang);
	r.fallback = i18n_cat_find(msgs, "es");
	r.out = out;
	r.steps = 0;
	r.limit = out->len + MAX_OUTPUT;
	r.partials = 0;
	r.depth = 0;
	if (ctx)
		r.stack[r.depth++] = ctx;
	if (render_range(&r, t, 0, t->nnodes) < 0 || out->len > r.limit || buf_error(out))
		return -1;
	return 0;
}

int tmpl_check_messages(const struct tmpl_set *set, const struct i18n *msgs, struct buf *err)
{
	const struct catalog *es = i18n_cat_find(msgs, "es"), *c;
	size_t i, j, k;
	int rc = 0;

	if (!msgs || !es) {
		buf_puts(err, "no message catalogues\n");
		return -1;
	}
	for (i = 0; set && i < set->n; i++) {
		const struct tmpl *t = &set->t[i];
		for (j = 0; j < t->nnodes; j++) {
			const struct node *nd = &t->nodes[j];
			if (nd->kind != NODE_MSG)
				continue;
			for (k = 0; k < msgs->ncats; k++) {
				c = &msgs->cats[k];
				if (i18n_cat_get(c, nd->s))
					continue;
				tmpl_perr(err, t->path, nd->line, "message '%s' missing from %s", nd->s,
				     c->path);
				rc = -1;
			}
		}
	}
	for (k = 0; k < msgs->ncats; k++) {
		c = &msgs->cats[k];
		if (c == es)
			continue;
		for (j = 0; j < es->nmsgs; j++) {
			if (i18n_cat_get(c, es->msgs[j].key))
				continue;
			tmpl_perr(err, c->path, 0, "missing '%s' (%s:%u)", es->msgs[j].key, es->path,
			     es->msgs[j].line);
			rc = -1;
		}
		for (j = 0; j < c->nmsgs; j++) {
			if (i18n_cat_get(es, c->msgs[j].key))
				continue;
			tmpl_perr(err, c->path, c->msgs[j].line, "'%s' is not in %s", c->msgs[j].key,
			     es->path);
			rc = -1;
		}
	}
	return rc;
}
