/*
 * test_markdown.c - the Markdown pipeline: GFM extensions, safe mode,
 * wiki links, heading ids, plain text, file references, pathological and
 * malformed input, concurrent use.
 *
 * The pathological cases assert only that the render completes and what
 * it produced; their wall-clock times are printed (not asserted: CI
 * machines vary, and ASan multiplies them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "markdown.h"
#include "text.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Pages that "exist" for the tests, and how often the callback ran. */
static const char *const existing[] = {"pagina-uno", "cd", "ab", "tabla", NULL};
static int exists_calls;

static bool exists(void *ctx, const char *slug)
{
	size_t i;

	(void)ctx;
	exists_calls++;
	for (i = 0; existing[i]; i++)
		if (strcmp(existing[i], slug) == 0)
			return true;
	return false;
}

/* Render s (a C string) into *r, asserting success. */
static void render(const char *s, struct md_result *r)
{
	assert_int_equal(markdown_render(s, strlen(s), exists, NULL, r), 0);
}

static void has(const struct md_result *r, const char *needle)
{
	if (!strstr(r->html.data, needle))
		fail_msg("missing %s in\n%s", needle, r->html.data);
}

static void lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("unexpected %s in\n%s", needle, hay);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* unit repeated n times, between pre and post (malloc'd). */
static char *repeat(const char *pre, const char *unit, size_t n, const char *post, size_t *len)
{
	size_t a = strlen(pre), u = strlen(unit), b = strlen(post), i;
	char *s = malloc(a + u * n + b + 1), *p = s;

	assert_non_null(s);
	memcpy(p, pre, a);
	p += a;
	for (i = 0; i < n; i++, p += u)
		memcpy(p, unit, u);
	memcpy(p, post, b);
	p += b;
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

static void test_table(void **state)
{
	struct md_result r;

	(void)state;
	render("| a | b |\n|:-|-:|\n| **x** | y |\n| z |\n", &r);
	/* Alignment as classes: align="" is obsolete HTML and the CSP forbids
	 * inline styles. */
	has(&r, "<table>\n<thead>\n<tr>\n<th class=\"al-left\">a</th><th class=\"al-right\">b</th>\n"
		"</tr>\n</thead>\n<tbody>\n<tr>\n<td class=\"al-left\"><strong>x</strong></td>"
		"<td class=\"al-right\">y</td>\n</tr>\n<tr>\n<td class=\"al-left\">z</td>");
	lacks(r.html.data, "align=");
	has(&r, "</tr>\n</tbody>\n</table>");
	assert_string_equal(r.text.data, "a\tb\nx\ty\nz");
	md_result_free(&r);

	render("| h |\n|---|\n", &r);   /* header only: no tbody */
	has(&r, "<thead>\n<tr>\n<th>h</th>\n</tr>\n</thead>\n</table>");
	lacks(r.html.data, "tbody");
	md_result_free(&r);
}

static void test_tasklist(void **state)
{
	struct md_result r;

	(void)state;
	render("- [ ] abrir caja\n- [x] contar\n", &r);
	has(&r, "<li><input type=\"checkbox\" aria-hidden=\"true\" disabled=\"\" /> abrir caja</li>");
	has(&r, "<li><input type=\"checkbox\" aria-hidden=\"true\" checked=\"\" disabled=\"\" /><span class=\"vh\">\u2713</span> contar</li>");
	assert_string_equal(r.text.data, "abrir caja\ncontar");
	md_result_free(&r);
}

static void test_strikethrough_autolink(void **state)
{
	struct md_result r;

	(void)state;
	render("~~viejo~~ www.example.com https://x.org/a?b=1 ana@example.com \"quotes\"", &r);
	has(&r, "<del>viejo</del>");
	has(&r, "<a href=\"http://www.example.com\">www.example.com</a>");
	has(&r, "<a href=\"https://x.org/a?b=1\">https://x.org/a?b=1</a>");
	has(&r, "<a href=\"mailto:ana@example.com\">ana@example.com</a>");
	has(&r, "&quot;quotes&quot;");   /* no smart quotes */
	md_result_free(&r);
}

static void test_raw_html_omitted(void **state)
{
	struct md_result r;

	(void)state;
	render("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)> "
	       "<a href=\"javascript:x\">y</a>\n\n<div onclick=\"x\">block</div>\n", &r);
	lacks(r.html.data, "<script");
	lacks(r.html.data, "<img");
	lacks(r.html.data, "onerror");
	lacks(r.html.data, "<div");
	lacks(r.html.data, "javascript");
	has(&r, "<!-- raw HTML omitted -->");
	lacks(r.text.data, "script");
	md_result_free(&r);
}

static void test_dangerous_urls(void **state)
{
	struct md_result r;

	(void)state;
	render("[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:x) "
	       "[d](file:///etc/passwd) [e](data:text/html;base64,PHNjcmlwdD4=) "
	       "[f](javascript&#58;alert(1)) <javascript:alert(2)> "
	       "![g](data:image/png;base64,iVBORw0KGgo=) ![h](javascript:alert(3)) "
	       "![i](data:image/svg+xml;base64,PHN2Zz4=) [ok](https://ok.example/)\n", &r);
	lacks(r.html.data, "href=\"javascript");
	lacks(r.html.data, "href=\"JaVaScRiPt");
	lacks(r.html.data, "vbscript:");
	lacks(r.html.data, "file:");
	lacks(r.html.data, "data:text");
	lacks(r.html.data, "src=\"javascript");
	lacks(r.html.data, "data:image/svg");
	has(&r, "<a href=\"\">a</a>");
	has(&r, "<a href=\"\">f</a>");
	has(&r, "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"g\" />");
	has(&r, "<img src=\"\" alt=\"h\" />");
	has(&r, "<a href=\"https://ok.example/\">ok</a>");
	md_result_free(&r);
}

static void test_wikilinks(void **state)
{
	struct md_result r;

	(void)state;
	exists_calls = 0;
	render("Ver [[Página Uno]], [[No Existe]], [[ab|el texto]] y "
	       "[[Say \"hi\" & <go]] y [[pagina uno|otra vez]].", &r);
	has(&r, "<a class=\"wikilink\" href=\"/p/pagina-uno\">Página Uno</a>");
	has(&r, "<a class=\"wikilink missing\" href=\"/new?title=No%20Existe\">No Existe</a>");
	has(&r, "<a class=\"wikilink\" href=\"/p/ab\">el texto</a>");
	has(&r, "<a class=\"wikilink missing\" href=\"/new?title=Say%20%22hi%22%20%26%20%3Cgo\">"
		"Say &quot;hi&quot; &amp; &lt;go</a>");
	has(&r, "<a class=\"wikilink\" href=\"/p/pagina-uno\">otra vez</a>");
	lacks(r.html.data, "[[");
	assert_int_equal(r.nlinks, 4);
	assert_int_equal(exists_calls, 4);   /* once per distinct slug */
	assert_string_equal(r.links[0].slug, "pagina-uno");
	assert_string_equal(r.links[0].target, "Página Uno");
	assert_true(r.links[0].exists);
	assert_string_equal(r.links[1].slug, "no-existe");
	assert_false(r.links[1].exists);
	assert_string_equal(r.links[2].slug, "ab");
	assert_string_equal(r.links[3].slug, "say-hi-go");
	assert_string_equal(r.text.data,
			    "Ver Página Uno, No Existe, el texto y Say \"hi\" & <go y otra vez.");
	md_result_free(&r);

	/* NULL callback: every target exists. */
	assert_int_equal(markdown_render("[[Nada]]", 8, NULL, NULL, &r), 0);
	has(&r, "<a class=\"wikilink\" href=\"/p/nada\">Nada</a>");
	assert_true(r.links[0].exists);
	md_result_free(&r);
}

static void test_wikilinks_not_converted(void **state)
{
	struct md_result r;

	(void)state;
	render("`[[code]]` [[unclosed and [[]] and [[ | x]] and [[a]b]] and [[x] end\n\n"
	       "```\n[[in block]]\n```\n\n    [[indented]]\n\n[see [[inside]]](/x) "
	       "![alt [[img]]](/i.png)\n", &r);
	lacks(r.html.data, "wikilink");
	assert_int_equal(r.nlinks, 0);
	has(&r, "<code>[[code]]</code>");
	has(&r, "[[unclosed and [[]] and [[ | x]] and [[a]b]] and [[x] end");
	has(&r, "<pre><code>[[in block]]\n</code></pre>");
	has(&r, "<a href=\"/x\">see [[inside]]</a>");
	md_result_free(&r);

	/* The innermost pair wins; brackets around it stay text. */
	render("[[[x]]] and [[a [[b]] c]]", &r);
	has(&r, "[<a class=\"wikilink missing\" href=\"/new?title=x\">x</a>]");
	has(&r, "[[a <a class=\"wikilink missing\" href=\"/new?title=b\">b</a> c]]");
	md_result_free(&r);
}

static void test_wikilinks_in_blocks(void **state)
{
	struct md_result r;

	(void)state;
	render("# Sobre [[Tabla|la tabla]]\n\n| col |\n|---|\n| [[cd]] y *[[ab]]* |\n\n"
	       "> - ~~[[Viejo]]~~\n", &r);
	has(&r, "<h1 id=\"sobre-la-tabla\">Sobre <a class=\"wikilink\" href=\"/p/tabla\">"
		"la tabla</a></h1>");
	has(&r, "<td><a class=\"wikilink\" href=\"/p/cd\">cd</a> y <em><a class=\"wikilink\" "
		"href=\"/p/ab\">ab</a></em></td>");
	has(&r, "<del><a class=\"wikilink missing\" href=\"/new?title=Viejo\">Viejo</a></del>");
	assert_int_equal(r.nlinks, 4);
	assert_string_equal(r.headings[0].text, "Sobre la tabla");
	md_result_free(&r);
}

static void test_heading_ids(void **state)
{
	struct md_result r;

	(void)state;
	render("# Devolución fuera de plazo\n\n## Pasos\n\nTexto.\n\n## Pasos\n\n"
	       "### Pasos 2\n\nSetext\n------\n\n## Pasos\n\n#\n\n## `code` & **más**\n", &r);
	has(&r, "<h1 id=\"devolucion-fuera-de-plazo\">Devolución fuera de plazo</h1>\n");
	has(&r, "<h2 id=\"pasos\">Pasos</h2>\n<p>Texto.</p>\n<h2 id=\"pasos-2\">Pasos</h2>");
	has(&r, "<h3 id=\"pasos-2-2\">Pasos 2</h3>");
	has(&r, "<h2 id=\"setext\">Setext</h2>");
	has(&r, "<h2 id=\"pasos-3\">Pasos</h2>");
	has(&r, "<h1 id=\"pagina\"></h1>");
	has(&r, "<h2 id=\"code-mas\"><code>code</code> &amp; <strong>más</strong></h2>");
	assert_int_equal(r.nheadings, 8);
	assert_int_equal(r.headings[0].level, 1);
	assert_string_equal(r.headings[0].id, "devolucion-fuera-de-plazo");
	assert_string_equal(r.headings[0].text, "Devolución fuera de plazo");
	assert_int_equal(r.headings[3].level, 3);
	assert_string_equal(r.headings[3].id, "pasos-2-2");
	assert_string_equal(r.headings[7].text, "code & más");
	assert_string_equal(r.headings_text.data,
			    "Devolución fuera de plazo\nPasos\nPasos\nPasos 2\nSetext\nPasos\n\n"
			    "code & más\n");
	md_result_free(&r);
}

static void test_plain_text(void **state)
{
	struct md_result r;

	(void)state;
	render("# Título\n\n**Negrita** y _énfasis_ con [un enlace](https://example.com/secreto "
	       "\"titulo\") e ![la imagen](/img/x.png) y `código`.\nSegunda línea  \nduro\n\n"
	       "| a | b |\n|---|---|\n| c | d |\n\n> cita\n\n- uno\n- dos\n\n---\n\n"
	       "```sh\nls -l\n```\n\n<b>html</b>\n\nFin.\n", &r);
	assert_string_equal(r.text.data,
			    "Título\nNegrita y énfasis con un enlace e la imagen y código. Segunda "
			    "línea\nduro\na\tb\nc\td\ncita\nuno\ndos\nls -l\nhtml\nFin.");
	lacks(r.text.data, "*");
	lacks(r.text.data, "|");
	lacks(r.text.data, "http");
	lacks(r.text.data, "png");
	md_result_free(&r);
}

static void test_files(void **state)
{
	static const char h1[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const char h1up[] = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef";
	static const char h2[] = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
	struct md_result r;
	struct buf md = BUF_INIT;

	(void)state;
	buf_printf(&md,
		   "![foto](/files/%s) [pdf](/files/%s?download=1) [otra](/files/%s#p2) "
		   "[corta](/files/abc) [larga](/files/%sff) [ext](https://x.org/files/%s) "
		   "`/files/%s`\n\n[ref]: /files/%s\n\n[ref]\n",
		   h1, h1up, h2, h1, h1, h2, h2);
	render(md.data, &r);
	assert_int_equal(r.nfiles, 2);
	assert_string_equal(r.files[0], h1);
	assert_string_equal(r.files[1], h2);
	md_result_free(&r);
	buf_free(&md);
}

/* Render a generated input, check it completed, report the time. */
static void timed(const char *name, const char *pre, const char *unit, size_t n,
		  const char *post, const char *expect)
{
	struct md_result r;
	size_t len;
	char *s = repeat(pre, unit, n, post, &len);
	double t = now();

	assert_int_equal(markdown_render(s, len, exists, NULL, &r), 0);
	printf("    %-34s %8zu bytes %7.3f s\n", name, len, now() - t);
	assert_true(r.html.len > 0);
	if (expect)
		has(&r, expect);
	assert_true(text_utf8_valid(r.html.data, r.html.len));
	md_result_free(&r);
	free(s);
}

static void test_pathological_nesting(void **state)
{
	size_t len;
	char *deep;

	(void)state;
	timed("100,000 '>'", "", ">", 100000, " a\n", "<blockquote>\n<blockquote>");
	deep = repeat("", ">", 100000, " ", &len);
	timed("100,000 '>' then 20,000 link lines", deep, "[[a]] *[[b]]*\n", 20000, "",
	      "<a class=\"wikilink missing\" href=\"/new?title=b\">b</a>");
	free(deep);
	deep = repeat("", "- ", 100000, "a\n", &len);
	timed("100,000 '- ' then 20,000 lines", deep, "b *c* d\n", 20000, "", "<em>c</em>");
	free(deep);
	deep = repeat("", "1. ", 100000, "a\n", &len);
	timed("100,000 '1. ' then 20,000 lines", deep, "b *c* d\n", 20000, "", "<em>c</em>");
	free(deep);
	deep = repeat("", "> - ", 50000, "a\n", &len);
	timed("50,000 '> - ' then 20,000 lines", deep, "b *c* d\n", 20000, "", "<em>c</em>");
	free(deep);
	timed("100,000 '['", "", "[", 100000, "a\n", "[[[[a");
	timed("100,000 '[['", "", "[[", 100000, "a\n", "[[[[a");
	timed("100,000 '[[' then ']]'", "", "[[", 100000, "a]]\n", "wikilink");
	timed("100,000 '*'", "", "*", 100000, "a\n", NULL);
	timed("50,000 '*' a 50,000 '*'", "", "**", 25000, "a**************************", NULL);
	timed("65,000 '*a **a ' unclosed", "", "*a **a ", 65000, "b", NULL);
	timed("100,000 '- '", "", "- ", 100000, "a\n", "<ul>\n<li>\n<ul>");
	timed("100,000 headings", "", "# a\n", 100000, "", "<h1 id=\"a-100000\">");
	timed("100,000 wiki links", "", "[[p]] ", 100000, "", "/new?title=p");
	deep = repeat("", ">", 100, " ", &len);
	timed("100 '>' then 20,000 link lines", deep, "[[a]] [[b]]\n", 20000, "",
	      "<a class=\"wikilink missing\" href=\"/new?title=b\">b</a>");
	free(deep);
}

static void test_pathological_library(void **state)
{
	struct md_result r;
	size_t len;
	char *s;

	(void)state;
	/* Quadratic in cmark-gfm 0.29.0.gfm.6 without the guard. */
	timed("160,000 '![[]()'", "", "![[]()", 160000, "", NULL);
	timed("www.a_ x 50,000 (one word)", "", "www.a_", 50000, "", NULL);
	timed("row of 100,000 cells", "| a |\n|---|\n", "|x", 100000, "|\n", NULL);
	timed("header of 50,000 cells", "", "|a", 50000, "|\n|-|\n", NULL);
	timed("'[a](<b' x 30,000", "", "[a](<b", 30000, "", NULL);
	timed("'[ (](' x 80,000", "", "[ (](", 80000, "", NULL);
	timed("'</' + '<!--' x 300,000", "</", "<!--", 300000, "", NULL);
	timed("'- b\\n  \\n' x 100,000", "", "- b\n  \n", 100000, "", NULL);

	/* The guarded paragraph loses its images, the others keep theirs. */
	s = repeat("![ok](/a.png)\n\n", "![[]()", 1000, "\n\n[[cd]] www.example.com\n", &len);
	assert_int_equal(markdown_render(s, len, exists, NULL, &r), 0);
	has(&r, "<img src=\"/a.png\" alt=\"ok\" />");
	assert_null(strstr(strstr(r.html.data, "</p>"), "<img"));
	has(&r, "<a class=\"wikilink\" href=\"/p/cd\">cd</a>");
	has(&r, "<a href=\"http://www.example.com\">");
	md_result_free(&r);
	free(s);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static void test_nesting_guard(void **state)
{
	struct md_result r;
	size_t len;
	char *s;

	(void)state;
	/* 100 levels are kept, the rest of the line is text. */
	s = repeat("", ">", 105, " x\n", &len);
	render(s, &r);
	assert_int_equal(count(r.html.data, "<blockquote>"), 100);
	has(&r, "<p>&gt;&gt;&gt;&gt;&gt; x</p>");
	md_result_free(&r);
	free(s);

	s = repeat("", "- ", 120, "x\n", &len);
	render(s, &r);
	assert_int_equal(count(r.html.data, "<ul>"), 100);
	has(&r, "<li>- - - - - - - - - - - - - - - - - - - - x</li>");
	md_result_free(&r);
	free(s);

	/* Ordinary nesting and thematic breaks are left alone. */
	render("> - 1. > a\n\n* * *\n\n  - b\n", &r);
	assert_string_equal(r.html.data,
			    "<blockquote>\n<ul>\n<li>\n<ol>\n<li>\n<blockquote>\n<p>a</p>\n"
			    "</blockquote>\n</li>\n</ol>\n</li>\n</ul>\n</blockquote>\n<hr />\n"
			    "<ul>\n<li>b</li>\n</ul>\n");
	md_result_free(&r);
}

static void test_invalid_utf8(void **state)
{
	static const char bad[] = "# T\xc3\xadtulo \xff\xfe\n\n[[\xc3]] [[a\xed\xa0\x80|\xf8x]] "
				  "\xc0\xaf text\0with NUL [[b\0c]]\n| \xff | b |\n|-|-|\n";
	struct md_result r;

	(void)state;
	assert_int_equal(markdown_render(bad, sizeof(bad) - 1, exists, NULL, &r), 0);
	assert_true(text_utf8_valid(r.html.data, r.html.len));
	assert_true(text_utf8_valid(r.text.data, r.text.len));
	assert_true(text_utf8_valid(r.headings_text.data, r.headings_text.len));
	has(&r, "\xef\xbf\xbd");   /* U+FFFD */
	assert_int_equal(r.nheadings, 1);
	assert_true(r.nlinks >= 2);
	for (size_t i = 0; i < r.nlinks; i++)
		assert_true(text_slug_valid(r.links[i].slug, MD_SLUG_MAX));
	md_result_free(&r);
}

static void test_edges(void **state)
{
	struct md_result r;
	char *big;

	(void)state;
	/* gfm.6 footnotes dropped "mundo" here; footnotes are off. */
	render("Hola [^\nmundo] fin\n", &r);
	assert_string_equal(r.html.data, "<p>Hola [^\nmundo] fin</p>\n");
	md_result_free(&r);

	assert_int_equal(markdown_render("", 0, exists, NULL, &r), 0);
	assert_string_equal(r.html.data, "");
	assert_string_equal(r.text.data, "");
	assert_int_equal(r.nheadings + r.nlinks + r.nfiles, 0);
	md_result_free(&r);
	md_result_free(&r);   /* twice is fine */

	assert_int_equal(markdown_render(NULL, 0, NULL, NULL, &r), 0);
	md_result_free(&r);

	big = calloc(1, MD_MAX_INPUT + 1);
	assert_non_null(big);
	assert_int_equal(markdown_render(big, MD_MAX_INPUT + 1, exists, NULL, &r), -1);
	assert_string_equal(r.html.data, "");
	md_result_free(&r);
	free(big);
}

/* Several threads render at once; each result must equal the serial one
 * (cmark-gfm 0.29.0.gfm.6 shares parse state between parsers). */
static const char thread_doc[] =
	"# Título\n\n~~tachado~~ www.example.com [[cd]] ana@example.com\n\n"
	"| a | b |\n|---|---|\n| ~~x~~ | [[ab]] |\n\n- [x] hecho\n";
static char *thread_expect;

static void *thread_main(void *arg)
{
	int i, *bad = arg;

	for (i = 0; i < 200; i++) {
		struct md_result r;

		if (markdown_render(thread_doc, strlen(thread_doc), exists, NULL, &r) != 0 ||
		    strcmp(r.html.data, thread_expect) != 0)
			(*bad)++;
		md_result_free(&r);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[6];
	int bad[6] = {0};
	struct md_result r;
	size_t i;

	(void)state;
	render(thread_doc, &r);
	has(&r, "<del>tachado</del>");
	thread_expect = r.html.data;
	for (i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_main, &bad[i]), 0);
	for (i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(bad[i], 0);
	}
	md_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_tasklist),
		cmocka_unit_test(test_strikethrough_autolink),
		cmocka_unit_test(test_raw_html_omitted),
		cmocka_unit_test(test_dangerous_urls),
		cmocka_unit_test(test_wikilinks),
		cmocka_unit_test(test_wikilinks_not_converted),
		cmocka_unit_test(test_wikilinks_in_blocks),
		cmocka_unit_test(test_heading_ids),
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_pathological_nesting),
		cmocka_unit_test(test_pathological_library),
		cmocka_unit_test(test_nesting_guard),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
