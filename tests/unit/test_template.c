/*
 * test_template.c - the template engine and the message catalogues.
 *
 * Most cases parse a template from memory (tmpl_parse) and compare the
 * whole rendered string; loading, catalogues and file:line errors use real
 * files in a mkdtemp directory that each test removes again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "buf.h"
#include "template.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Helpers. */

static json_t *json(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (!v)
		fail_msg("bad test JSON: %s: %s", text, e.text);
	return v;
}

static struct tmpl_set *parse1(const char *text, struct buf *err)
{
	struct tmpl_source src = {"t", NULL, text, strlen(text)};

	return tmpl_parse(&src, 1, err);
}

/* Render template text with the context JSON (NULL: none) and compare. */
static void check(const char *text, const char *ctx, const char *want)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct tmpl_set *set = parse1(text, &err);
	json_t *v = ctx ? json(ctx) : NULL;

	if (!set)
		fail_msg("parse failed: %s", err.data);
	assert_int_equal(tmpl_render(set, "t", v, NULL, NULL, &out), 0);
	assert_string_equal(out.data, want);
	json_decref(v);
	tmpl_free(set);
	buf_free(&out);
	buf_free(&err);
}

/* Parse text; it must fail with an error containing want. */
static void check_error(const char *text, const char *want)
{
	struct buf err = BUF_INIT;
	struct tmpl_set *set = parse1(text, &err);

	if (set)
		fail_msg("parsed but should fail: %s", text);
	if (!strstr(err.data, want))
		fail_msg("error '%s' lacks '%s'", err.data, want);
	buf_free(&err);
}

static char *make_dir(void)
{
	char *d = strdup("/tmp/oficio-tmpl-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	struct buf path = BUF_INIT;
	FILE *f;

	buf_printf(&path, "%s/%s", dir, name);
	f = fopen(path.data, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	buf_free(&path);
}

/* Remove dir, its files and its sub-folders (one level is all we make). */
static void remove_dir(char *dir)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, de->d_name);
		if (unlink(path.data) < 0)
			remove_dir(path.data);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	buf_free(&path);
}

/* Escaping and values. */

static void test_escape_text(void **state)
{
	(void)state;
	check("<p>{{x}}</p>", "{\"x\": \"<b>&\\\"'</b>\"}",
	      "<p>&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;</p>");
}

static void test_escape_attribute(void **state)
{
	(void)state;
	check("<a title=\"{{x}}\" data-y='{{x}}'>", "{\"x\": \"\\\" onclick=\\\"alert(1)' <x>\"}",
	      "<a title=\"&quot; onclick=&quot;alert(1)&#39; &lt;x&gt;\" "
	      "data-y='&quot; onclick=&quot;alert(1)&#39; &lt;x&gt;'>");
}

static void test_raw(void **state)
{
	(void)state;
	check("{{{html}}}|{{html}}", "{\"html\": \"<p>a &amp; b</p>\"}",
	      "<p>a &amp; b</p>|&lt;p&gt;a &amp;amp; b&lt;/p&gt;");
	check("{{{ html }}}", "{\"html\": \"<i>\"}", "<i>");
}

static void test_values(void **state)
{
	(void)state;
	check("{{i}} {{n}} {{big}} {{r}} {{w}} {{e}} {{t}} {{f}}",
	      "{\"i\": 42, \"n\": -7, \"big\": 9223372036854775807,"
	      " \"r\": 2.5, \"w\": 3.0, \"e\": 1e20, \"t\": true, \"f\": false}",
	      "42 -7 9223372036854775807 2.5 3 1e+20 true false");
	check("[{{z}}][{{missing}}][{{o}}][{{a}}][{{s}}]",
	      "{\"z\": null, \"o\": {\"k\": 1}, \"a\": [1], \"s\": \"\"}", "[][][][][]");
	check("{{s}}", "{\"s\": \"caf\\u00e9 \\u00f1\"}", "caf\xc3\xa9 \xc3\xb1");
	check("{{.}}", "\"top\"", "top");
	check("a{{x}}b", NULL, "ab");
}

static void test_dotted(void **state)
{
	(void)state;
	check("{{a.b.c}}|{{a.b}}|{{a.x.c}}|{{a.b.c.d}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}",
	      "deep|||");
	/* The first segment picks the frame; the rest do not walk on. */
	check("{{#x}}[{{a.b}}]{{/x}}[{{a.b}}]", "{\"a\": {\"b\": \"root\"}, \"x\": {\"a\": {}}}",
	      "[][root]");
	/* Found in an outer frame, the rest resolve inside it. */
	check("{{#items}}{{user.name}}:{{n}} {{/items}}",
	      "{\"user\": {\"name\": \"ana\"}, \"items\": [{\"n\": 1}, {\"n\": 2}]}",
	      "ana:1 ana:2 ");
}

static void test_whitespace_in_tags(void **state)
{
	(void)state;
	check("{{ x }}{{\tx\t}}{{# s }}y{{/ s }}{{^ s }}n{{/s}}", "{\"x\": \"1\", \"s\": true}",
	      "11y");
}

/* Sections. */

static void test_section_array(void **state)
{
	(void)state;
	check("<ul>{{#items}}<li>{{name}}</li>{{/items}}</ul>",
	      "{\"items\": [{\"name\": \"a\"}, {\"name\": \"<b>\"}]}",
	      "<ul><li>a</li><li>&lt;b&gt;</li></ul>");
	check("{{#xs}}{{.}},{{/xs}}", "{\"xs\": [1, \"two\", 3.5, true]}", "1,two,3.5,true,");
	check("{{#m}}{{#.}}{{.}}{{/.}};{{/m}}", "{\"m\": [[1, 2], [3], []]}", "12;3;;");
}

static void test_section_empty_array(void **state)
{
	(void)state;
	check("a{{#xs}}never{{/xs}}b", "{\"xs\": []}", "ab");
	check("{{#xs}}x{{/xs}}{{^xs}}none{{/xs}}", "{\"xs\": []}", "none");
}

static void test_section_object(void **state)
{
	(void)state;
	check("{{#user}}{{name}} ({{role}}){{/user}}",
	      "{\"user\": {\"name\": \"ana\", \"role\": \"editor\"}}", "ana (editor)");
	check("{{#o}}yes{{/o}}", "{\"o\": {}}", "yes");
}

static void test_section_booleans(void **state)
{
	(void)state;
	check("{{#t}}T{{/t}}{{#f}}F{{/f}}{{#n}}N{{/n}}{{#z}}Z{{/z}}"
	      "{{#zr}}R{{/zr}}{{#e}}E{{/e}}{{#missing}}M{{/missing}}"
	      "{{#one}}1{{/one}}{{#s}}[{{.}}]{{/s}}",
	      "{\"t\": true, \"f\": false, \"n\": null, \"z\": 0, \"zr\": 0.0,"
	      " \"e\": \"\", \"one\": 1, \"s\": \"str\"}",
	      "T1[str]");
}

static void test_inverted(void **state)
{
	(void)state;
	check("{{^f}}F{{/f}}{{^n}}N{{/n}}{{^z}}Z{{/z}}{{^zr}}R{{/zr}}"
	      "{{^e}}E{{/e}}{{^a}}A{{/a}}{{^missing}}M{{/missing}}"
	      "{{^t}}no{{/t}}{{^one}}no{{/one}}{{^o}}no{{/o}}",
	      "{\"t\": true, \"f\": false, \"n\": null, \"z\": 0, \"zr\": 0.0,"
	      " \"e\": \"\", \"a\": [], \"one\": 1, \"o\": {}}",
	      "FNZREAM");
	/* An inverted body sees the same context. */
	check("{{^list}}{{msg}}{{/list}}", "{\"list\": [], \"msg\": \"empty\"}", "empty");
}

static void test_context_stack(void **state)
{
	(void)state;
	check("{{#a}}{{#b}}{{x}}{{y}}{{z}}{{/b}}{{/a}}",
	      "{\"x\": \"rx\", \"y\": \"ry\", \"z\": \"rz\","
	      " \"a\": {\"y\": \"ay\", \"z\": \"az\", \"b\": {\"z\": \"bz\"}}}",
	      "rxaybz");
	/* A scalar item does not hide outer names. */
	check("{{#xs}}{{.}}{{sep}}{{/xs}}", "{\"xs\": [1, 2], \"sep\": \";\"}", "1;2;");
}

static void test_standalone_lines(void **state)
{
	(void)state;
	check("<ul>\n  {{#items}}\n  <li>{{.}}</li>\n  {{/items}}\n</ul>\n",
	      "{\"items\": [\"a\", \"b\"]}", "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n");
	check("a\r\n{{! note }}\r\nb\r\n", NULL, "a\r\nb\r\n");
	check("{{#t}}\nx\n{{/t}}", "{\"t\": true}", "x\n");
	/* Not alone on the line: every byte stays. */
	check("a {{#t}} b {{/t}} c\n", "{\"t\": true}", "a  b  c\n");
	check("  {{x}}\n", "{\"x\": 1}", "  1\n");
}

static void test_comments(void **state)
{
	(void)state;
	check("a{{! anything {{ at all\n even lines }}b", NULL, "ab");
}

/* Partials. */

static void test_partials(void **state)
{
	struct tmpl_source src[] = {
	    {"page", NULL, "<h1>{{title}}</h1>{{#items}}{{>item}}{{/items}}{{>footer}}", 0},
	    {"item", NULL, "<li>{{name}} of {{title}}</li>", 0},
	    {"footer", NULL, "<footer>{{>copy}}</footer>", 0},
	    {"copy", NULL, "(c) {{year}}", 0},
	};
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct tmpl_set *set;
	json_t *ctx;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		src[i].len = strlen(src[i].text);
	set = tmpl_parse(src, 4, &err);
	if (!set)
		fail_msg("%s", err.data);
	assert_true(tmpl_exists(set, "page"));
	assert_true(tmpl_exists(set, "copy"));
	assert_false(tmpl_exists(set, "nope"));
	ctx = json("{\"title\": \"T\", \"year\": 2024,"
	           " \"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}");
	assert_int_equal(tmpl_render(set, "page", ctx, NULL, NULL, &out), 0);
	assert_string_equal(out.data, "<h1>T</h1><li>a of T</li><li>b of T</li>"
	                              "<footer>(c) 2024</footer>");
	buf_reset(&out);
	assert_int_equal(tmpl_render(set, "item", ctx, NULL, NULL, &out), 0);
	assert_string_equal(out.data, "<li> of T</li>");
	assert_int_equal(tmpl_render(set, "nope", ctx, NULL, NULL, &out), -1);
	json_decref(ctx);
	tmpl_free(set);
	buf_free(&out);
	buf_free(&err);
}

/* Errors at load. */

static void test_parse_errors(void **state)
{
	(void)state;
	check_error("a\nb\n c {{name\n", "t:3: unclosed tag");
	check_error("{{{raw}}\n", "t:1: unclosed {{{ tag");
	check_error("\n{{}}", "t:2: empty name");
	check_error("{{#}}{{/}}", "t:1: empty name");
	check_error("{{ }}", "t:1: empty name");
	check_error("{{a b}}", "t:1: bad name 'a b'");
	check_error("{{a..b}}", "bad name");
	check_error("{{.a}}", "bad name");
	check_error("{{a.}}", "bad name");
	check_error("{{<x}}", "bad name");
	check_error("{{>bad/name}}", "bad name");
	check_error("{{=<% %>=}}", "t:1: {{= is not supported");
	check_error("{{&x}}", "{{& is not supported");
	check_error("{{#a}}\n{{#b}}\n{{/a}}\n{{/b}}", "t:3: {{/a}} closes {{#b}} from line 2");
	check_error("x\n{{/a}}", "t:2: closing tag without a section: 'a'");
	check_error("{{#a.b}}{{/a}}", "{{/a}} closes {{#a.b}}");
	check_error("{{#a}}{{/a.b}}", "{{/a.b}} closes {{#a}}");
	check_error("1\n{{#outer}}\n{{^inner}}\nx\n{{/inner}}\n",
	            "t:2: unclosed section {{#outer}}");
	check_error("{{^x}}", "t:1: unclosed section {{^x}}");
	check_error("{{>nobody}}", "t:1: unknown partial 'nobody'");
	check_error("a\n{{>t}}", "t:2: partial recursion: t > t");
	check_error("ok\n\xff\xfe\n", "t:2: invalid UTF-8");
	check_error("a\n\xc3(", "t:2: invalid UTF-8");
}

static void test_parse_error_long_name(void **state)
{
	struct buf text = BUF_INIT;
	int i;

	(void)state;
	buf_puts(&text, "{{");
	for (i = 0; i < 100; i++)
		buf_puts(&text, "a\x01");
	buf_puts(&text, "}}");
	check_error(text.data, "bad name 'a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?a?...'");
	buf_free(&text);
}

static void test_partial_recursion_indirect(void **state)
{
	struct tmpl_source src[] = {
	    {"a", "dir/a.html", "x{{>b}}", 7},
	    {"b", "dir/b.html", "{{#s}}\n{{>c}}{{/s}}", 19},
	    {"c", "dir/c.html", "{{>a}}", 6},
	};
	struct buf err = BUF_INIT;

	(void)state;
	assert_null(tmpl_parse(src, 3, &err));
	assert_non_null(strstr(err.data, "dir/c.html:1: partial recursion: a > b > c > a"));
	buf_free(&err);
}

static char *nested(int depth, const char *inner)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < depth; i++)
		buf_printf(&b, "{{#d%d}}", i);
	buf_puts(&b, inner);
	for (i = depth; i-- > 0;)
		buf_printf(&b, "{{/d%d}}", i);
	return buf_detach(&b);
}

static void test_nesting_cap(void **state)
{
	struct buf err = BUF_INIT, out = BUF_INIT, ctx = BUF_INIT;
	struct tmpl_set *set;
	char *ok = nested(32, "{{v}}"), *deep = nested(33, "x");
	json_t *v;
	int i;

	(void)state;
	set = parse1(ok, &err);
	if (!set)
		fail_msg("%s", err.data);
	/* d0: {d1: {... d31: {v: "bottom"}}} */
	for (i = 0; i < 32; i++)
		buf_printf(&ctx, "{\"d%d\": ", i);
	buf_puts(&ctx, "{\"v\": \"bottom\"}");
	for (i = 0; i < 32; i++)
		buf_putc(&ctx, '}');
	v = json(ctx.data);
	assert_int_equal(tmpl_render(set, "t", v, NULL, NULL, &out), 0);
	assert_string_equal(out.data, "bottom");
	json_decref(v);
	tmpl_free(set);
	check_error(deep, "t:1: sections nested deeper than 32");
	free(ok);
	free(deep);
	buf_free(&err);
	buf_free(&out);
	buf_free(&ctx);
}

static void test_nesting_cap_through_partials(void **state)
{
	struct buf err = BUF_INIT;
	char *outer = nested(20, "{{>inner}}"), *inner = nested(12, "x");
	struct tmpl_source src[] = {
	    {"outer", NULL, outer, strlen(outer)},
	    {"inner", NULL, inner, strlen(inner)},
	};
	struct tmpl_set *set;

	(void)state;
	assert_null(tmpl_parse(src, 2, &err));
	assert_non_null(strstr(
	    err.data, "outer:1: sections and partials nested deeper than 32 through {{>inner}}"));
	free(inner);
	/* 20 + 1 + 11 = 32 is allowed. */
	inner = nested(11, "x");
	src[1].text = inner;
	src[1].len = strlen(inner);
	set = tmpl_parse(src, 2, &err);
	assert_non_null(set);
	tmpl_free(set);
	free(outer);
	free(inner);
	buf_free(&err);
}

/* Work and size. */

static void test_big_array(void **state)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct tmpl_set *set = parse1("{{#xs}}<li>{{n}}</li>{{/xs}}", &err);
	json_t *ctx = json_object(), *xs = json_array();
	int i;

	(void)state;
	assert_non_null(set);
	for (i = 0; i < 100000; i++)
		json_array_append_new(xs, json_pack("{s:i}", "n", i));
	json_object_set_new(ctx, "xs", xs);
	assert_int_equal(tmpl_render(set, "t", ctx, NULL, NULL, &out), 0);
	assert_true(strncmp(out.data, "<li>0</li><li>1</li>", 20) == 0);
	assert_non_null(strstr(out.data, "<li>99999</li>"));
	assert_string_equal(out.data + out.len - 14, "<li>99999</li>");
	/* 100000 items of 3 nodes plus "<li></li>" and digits. */
	assert_int_equal(out.len, 100000 * 9 + 10 * 1 + 90 * 2 + 900 * 3 + 9000 * 4 + 90000 * 5);
	json_decref(ctx);
	tmpl_free(set);
	buf_free(&out);
	buf_free(&err);
}

static void test_work_budget(void **state)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct tmpl_set *set;
	json_t *ctx;

	(void)state;
	/* Eight sections over the same ten items: 10^8 visits, refused. */
	set = parse1("{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}x"
	             "{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}{{/a}}",
	             &err);
	assert_non_null(set);
	ctx = json("{\"a\": [0,1,2,3,4,5,6,7,8,9]}");
	assert_int_equal(tmpl_render(set, "t", ctx, NULL, NULL, &out), -1);
	/* Four deep is 10^4 and fine. */
	tmpl_free(set);
	buf_reset(&out);
	set = parse1("{{#a}}{{#a}}{{#a}}{{#a}}x{{/a}}{{/a}}{{/a}}{{/a}}", &err);
	assert_non_null(set);
	assert_int_equal(tmpl_render(set, "t", ctx, NULL, NULL, &out), 0);
	assert_int_equal(out.len, 10000);
	json_decref(ctx);
	tmpl_free(set);
	buf_free(&out);
	buf_free(&err);
}

static void test_output_cap(void **state)
{
	struct buf err = BUF_INIT, out = BUF_INIT, big = BUF_INIT;
	struct tmpl_set *set = parse1("{{#a}}{{{big}}}{{/a}}", &err);
	json_t *ctx = json_object(), *a = json_array();
	int i;

	(void)state;
	assert_non_null(set);
	for (i = 0; i < 1024 * 1024; i++)
		buf_putc(&big, 'x');
	json_object_set_new(ctx, "big", json_stringn(big.data, big.len));
	for (i = 0; i < 20; i++)
		json_array_append_new(a, json_true());
	json_object_set(ctx, "a", a);
	/* 20 MiB is a (huge) page... */
	buf_puts(&out, "kept");
	assert_int_equal(tmpl_render(set, "t", ctx, NULL, NULL, &out), 0);
	assert_int_equal(out.len, 4 + 20 * big.len);
	/* ...40 MiB is a runaway, however much the buffer could take. */
	for (i = 0; i < 20; i++)
		json_array_append_new(a, json_true());
	buf_reset(&out);
	assert_int_equal(tmpl_render(set, "t", ctx, NULL, NULL, &out), -1);
	assert_true(out.len < 34 * big.len);
	json_decref(a);
	json_decref(ctx);
	tmpl_free(set);
	buf_free(&out);
	buf_free(&err);
	buf_free(&big);
}

/* Files. */

static void test_load_dir(void **state)
{
	struct buf err = BUF_INIT, out = BUF_INIT, sub = BUF_INIT;
	char *dir = make_dir();
	struct tmpl_set *set;
	json_t *ctx;

	(void)state;
	write_file(dir, "layout.html", "<main>{{>body-part}}</main>\n");
	write_file(dir, "body-part.html", "{{greeting}}");
	write_file(dir, "notes.txt", "{{ not a template");
	write_file(dir, ".hidden.html", "{{ not read");
	buf_printf(&sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub.data, 0700), 0);
	write_file(sub.data, "x.html", "{{ not read");
	set = tmpl_load(dir, &err);
	if (!set)
		fail_msg("%s", err.data);
	assert_true(tmpl_exists(set, "layout"));
	assert_true(tmpl_exists(set, "body-part"));
	assert_false(tmpl_exists(set, "notes"));
	assert_false(tmpl_exists(set, "x"));
	assert_false(tmpl_exists(set, ".hidden"));
	ctx = json("{\"greeting\": \"hola & adi\\u00f3s\"}");
	assert_int_equal(tmpl_render(set, "layout", ctx, NULL, NULL, &out), 0);
	assert_string_equal(out.data, "<main>hola &amp; adi\xc3\xb3s</main>\n");
	json_decref(ctx);
	tmpl_free(set);
	remove_dir(dir);
	free(dir);
	buf_free(&err);
	buf_free(&out);
	buf_free(&sub);
}

static void test_load_errors(void **state)
{
	struct buf err = BUF_INIT, want = BUF_INIT;
	char *dir = make_dir();

	(void)state;
	write_file(dir, "a.html", "line 1\nline 2 {{#list}}\n{{/lsit}}\n");
	write_file(dir, "b.html", "{{>missing}}");
	write_file(dir, "c.html", "fine");
	assert_null(tmpl_load(dir, &err));
	buf_printf(&want, "%s/a.html:3: {{/lsit}} closes {{#list}} from line 2\n", dir);
	assert_non_null(strstr(err.data, want.data));
	/* a.html's error stops the load before partials are resolved. */
	assert_null(strstr(err.data, "b.html"));
	remove_dir(dir);
	free(dir);

	buf_reset(&err);
	dir = make_dir();
	write_file(dir, "b.html", "x\n\n{{>missing}}");
	write_file(dir, "p.html", "{{>q}}");
	write_file(dir, "q.html", "\n{{>p}}");
	assert_null(tmpl_load(dir, &err));
	buf_reset(&want);
	buf_printf(&want, "%s/b.html:3: unknown partial 'missing'\n", dir);
	assert_string_equal(err.data, want.data);
	remove_dir(dir);
	free(dir);

	buf_reset(&err);
	dir = make_dir();
	write_file(dir, "p.html", "{{>q}}");
	write_file(dir, "q.html", "\n{{>p}}");
	assert_null(tmpl_load(dir, &err));
	buf_reset(&want);
	buf_printf(&want, "%s/q.html:2: partial recursion: p > q > p\n", dir);
	assert_string_equal(err.data, want.data);
	remove_dir(dir);
	free(dir);

	buf_reset(&err);
	assert_null(tmpl_load("/nonexistent/oficio", &err));
	assert_non_null(strstr(err.data, "/nonexistent/oficio: "));
	buf_free(&err);
	buf_free(&want);
}

/* Messages. */

static char *make_catalogues(void)
{
	char *dir = make_dir();

	write_file(dir, "es",
	           "# Spanish, the fallback\n"
	           "\n"
	           "nav.home = Inicio\n"
	           "nav.search=Buscar\n"
	           "  only.es   =   S\xc3\xb3lo en espa\xc3\xb1ol  \n"
	           "danger = <b>&\n"
	           "multi = uno\\ndos \\\\n \\t\r\n");
	write_file(dir, "en",
	           "nav.home = Home\n"
	           "nav.search = Search\n"
	           "danger = x\n"
	           "multi = one\n");
	write_file(dir, "README", "not a catalogue");
	return dir;
}

static void test_i18n_get(void **state)
{
	struct buf err = BUF_INIT;
	char *dir = make_catalogues();
	struct i18n *msgs = i18n_load(dir, &err);

	(void)state;
	if (!msgs)
		fail_msg("%s", err.data);
	assert_true(i18n_has_lang(msgs, "es"));
	assert_true(i18n_has_lang(msgs, "en"));
	assert_false(i18n_has_lang(msgs, "fr"));
	assert_false(i18n_has_lang(msgs, NULL));
	assert_string_equal(i18n_get(msgs, "es", "nav.home"), "Inicio");
	assert_string_equal(i18n_get(msgs, "en", "nav.home"), "Home");
	assert_string_equal(i18n_get(msgs, "es", "nav.search"), "Buscar");
	assert_string_equal(i18n_get(msgs, "en", "only.es"), "S\xc3\xb3lo en espa\xc3\xb1ol");
	assert_string_equal(i18n_get(msgs, "fr", "nav.home"), "Inicio");
	assert_string_equal(i18n_get(msgs, NULL, "nav.home"), "Inicio");
	assert_string_equal(i18n_get(msgs, "en", "no.such"), "no.such");
	assert_string_equal(i18n_get(NULL, "en", "nav.home"), "nav.home");
	assert_string_equal(i18n_get(msgs, "es", "multi"), "uno\ndos \\n \\t");
	i18n_free(msgs);
	remove_dir(dir);
	free(dir);
	buf_free(&err);
}

static void test_messages_in_templates(void **state)
{
	struct buf err = BUF_INIT, out = BUF_INIT;
	char *dir = make_catalogues();
	struct i18n *msgs = i18n_load(dir, &err);
	struct tmpl_set *set = parse1("{{@nav.home}}|{{@only.es}}|{{@no.such}}|"
	                              "{{#xs}}{{@nav.search}}{{/xs}}|{{@danger}}",
	                              &err);
	json_t *ctx = json("{\"xs\": [1]}");

	(void)state;
	assert_non_null(msgs);
	assert_non_null(set);
	assert_int_equal(tmpl_render(set, "t", ctx, msgs, "en", &out), 0);
	assert_string_equal(out.data, "Home|S\xc3\xb3lo en espa\xc3\xb1ol|no.such|Search|x");
	buf_reset(&out);
	assert_int_equal(tmpl_render(set, "t", NULL, msgs, "es", &out), 0);
	assert_string_equal(out.data,
	                    "Inicio|S\xc3\xb3lo en espa\xc3\xb1ol|no.such||&lt;b&gt;&amp;");
	buf_reset(&out);
	assert_int_equal(tmpl_render(set, "t", NULL, msgs, "de", &out), 0);
	assert_string_equal(out.data,
	                    "Inicio|S\xc3\xb3lo en espa\xc3\xb1ol|no.such||&lt;b&gt;&amp;");
	buf_reset(&out);
	assert_int_equal(tmpl_render(set, "t", NULL, NULL, "es", &out), 0);
	assert_string_equal(out.data, "nav.home|only.es|no.such||danger");
	json_decref(ctx);
	tmpl_free(set);
	i18n_free(msgs);
	remove_dir(dir);
	free(dir);
	buf_free(&err);
	buf_free(&out);
}

static void test_i18n_errors(void **state)
{
	struct buf err = BUF_INIT, want = BUF_INIT;
	char *dir = make_dir();

	(void)state;
	write_file(dir, "es", "a = 1\nno equals here\n = empty\nb c = 2\na = again\nok = \xc3\n");
	write_file(dir, "en", "a = 1\n");
	assert_null(i18n_load(dir, &err));
	buf_printf(&want, "%s/es:2: expected key = value\n", dir);
	assert_non_null(strstr(err.data, want.data));
	buf_reset(&want);
	buf_printf(&want, "%s/es:3: empty key\n", dir);
	assert_non_null(strstr(err.data, want.data));
	buf_reset(&want);
	buf_printf(&want, "%s/es:4: bad key 'b c'\n", dir);
	assert_non_null(strstr(err.data, want.data));
	buf_reset(&want);
	buf_printf(&want, "%s/es:5: duplicate key 'a' (first at line 1)\n", dir);
	assert_non_null(strstr(err.data, want.data));
	buf_reset(&want);
	buf_printf(&want, "%s/es:6: invalid UTF-8", dir);
	assert_non_null(strstr(err.data, want.data));
	remove_dir(dir);
	free(dir);

	/* Spanish is the fallback, so it must be there. */
	buf_reset(&err);
	dir = make_dir();
	write_file(dir, "en", "a = 1\n");
	assert_null(i18n_load(dir, &err));
	assert_non_null(strstr(err.data, "no catalogue 'es'"));
	remove_dir(dir);
	free(dir);
	buf_free(&err);
	buf_free(&want);
}

static void test_check_messages(void **state)
{
	struct buf err = BUF_INIT, want = BUF_INIT;
	char *dir = make_catalogues();
	struct i18n *msgs = i18n_load(dir, &err);
	struct tmpl_set *good = parse1("{{@nav.home}}{{@danger}}", &err);
	struct tmpl_set *bad = parse1("{{@nav.home}}\n{{@nope}}", &err);

	(void)state;
	assert_non_null(msgs);
	assert_non_null(good);
	assert_non_null(bad);
	/* es has only.es, en does not. */
	assert_int_equal(tmpl_check_messages(good, msgs, &err), -1);
	buf_printf(&want, "%s/en: missing 'only.es' (%s/es:5)\n", dir, dir);
	assert_string_equal(err.data, want.data);

	buf_reset(&err);
	assert_int_equal(tmpl_check_messages(bad, msgs, &err), -1);
	buf_reset(&want);
	buf_printf(&want, "t:2: message 'nope' missing from %s/en\n", dir);
	assert_non_null(strstr(err.data, want.data));
	buf_reset(&want);
	buf_printf(&want, "t:2: message 'nope' missing from %s/es\n", dir);
	assert_non_null(strstr(err.data, want.data));
	assert_null(strstr(err.data, "nav.home"));
	i18n_free(msgs);

	/* Matching catalogues: clean. And a key only in en is reported. */
	write_file(dir, "en",
	           "nav.home = Home\nnav.search = Search\n"
	           "only.es = x\ndanger = d\nmulti = m\nextra = e\n");
	buf_reset(&err);
	msgs = i18n_load(dir, &err);
	assert_non_null(msgs);
	assert_int_equal(tmpl_check_messages(good, msgs, &err), -1);
	buf_reset(&want);
	buf_printf(&want, "%s/en:6: 'extra' is not in %s/es\n", dir, dir);
	assert_string_equal(err.data, want.data);
	i18n_free(msgs);
	write_file(dir, "en",
	           "nav.home = Home\nnav.search = Search\n"
	           "only.es = x\ndanger = d\nmulti = m\n");
	buf_reset(&err);
	msgs = i18n_load(dir, &err);
	assert_non_null(msgs);
	assert_int_equal(tmpl_check_messages(good, msgs, &err), 0);
	assert_string_equal(err.data, "");

	i18n_free(msgs);
	tmpl_free(good);
	tmpl_free(bad);
	remove_dir(dir);
	free(dir);
	buf_free(&err);
	buf_free(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape_text),
	    cmocka_unit_test(test_escape_attribute),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_dotted),
	    cmocka_unit_test(test_whitespace_in_tags),
	    cmocka_unit_test(test_section_array),
	    cmocka_unit_test(test_section_empty_array),
	    cmocka_unit_test(test_section_object),
	    cmocka_unit_test(test_section_booleans),
	    cmocka_unit_test(test_inverted),
	    cmocka_unit_test(test_context_stack),
	    cmocka_unit_test(test_standalone_lines),
	    cmocka_unit_test(test_comments),
	    cmocka_unit_test(test_partials),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_parse_error_long_name),
	    cmocka_unit_test(test_partial_recursion_indirect),
	    cmocka_unit_test(test_nesting_cap),
	    cmocka_unit_test(test_nesting_cap_through_partials),
	    cmocka_unit_test(test_big_array),
	    cmocka_unit_test(test_work_budget),
	    cmocka_unit_test(test_output_cap),
	    cmocka_unit_test(test_load_dir),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_i18n_get),
	    cmocka_unit_test(test_messages_in_templates),
	    cmocka_unit_test(test_i18n_errors),
	    cmocka_unit_test(test_check_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
