/*
 * test_prompts.c - template guidance kept out of published text
 * (server/prompts.c): which lines of a template are prompts, and that
 * stripping removes those lines alone, keeping every byte a writer typed;
 * a template's questions for the editor's guide.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "prompts.h"

#define LESSON "## Situación\n\n¿Qué necesitaba el cliente?\n\n## Qué hice\n\n" \
	       "¿Qué hiciste, paso a paso?\nSi saltaste una norma, ¿cuál?\n\n## Resultado\n\n"

/* md stripped by the prompts of tmpl, as a NUL-terminated string in out;
 * returns the number of lines removed. */
static size_t strip(const char *tmpl, const char *md, struct buf *out)
{
	struct prompts p = PROMPTS_INIT;
	size_t n;

	buf_reset(out);
	prompts_add(&p, tmpl);
	n = prompts_strip(&p, md, strlen(md), out);
	prompts_free(&p);
	return n;
}

static void prompt_lines_are_plain_paragraphs(void **state)
{
	struct prompts p = PROMPTS_INIT;

	(void)state;
	prompts_add(&p, LESSON);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.line[0], "¿Qué necesitaba el cliente?");
	assert_string_equal(p.line[1], "¿Qué hiciste, paso a paso?");
	assert_string_equal(p.line[2], "Si saltaste una norma, ¿cuál?");
	prompts_free(&p);
	assert_int_equal(p.n, 0);

	/* Structure is not guidance: headings (both kinds), lists and task
	 * lists with text, tables, quotes, code, breaks. An empty step is a
	 * blank to fill in: guidance. */
	prompts_add(&p, "# Título\n\nSetext\n======\n\n- [ ] \n- [ ] paso\n- punto\n\n1. uno\n\n"
			"| a | b |\n|---|---|\n| c | d |\n\n> cita\n\n    código\n\n```\nvalla\n```\n\n"
			"---\n\nGuía final.\n");
	assert_int_equal(p.n, 2);
	assert_string_equal(p.line[0], "Guía final.");
	assert_string_equal(p.line[1], "- [ ]");
	prompts_free(&p);

	/* Empty items of every kind of list; not a box ticked, a "[]", or an
	 * item with anything in it. */
	prompts_add(&p, "* [ ]\n+\t[ ]\n1. [ ]\n12)\n-\n- [x]\n- []\n- [ ] a\n1.5\n-[ ]\n");
	assert_int_equal(p.n, 5);
	assert_string_equal(p.line[0], "* [ ]");
	assert_string_equal(p.line[1], "+\t[ ]");
	assert_string_equal(p.line[2], "1. [ ]");
	assert_string_equal(p.line[3], "12)");
	assert_string_equal(p.line[4], "-");
	prompts_free(&p);

	/* Windows line endings (a textarea's), trailing blanks, repeats. */
	prompts_add(&p, "## A\r\n\r\n  Pregunta uno  \r\nPregunta dos\r\n\r\n## B\r\n\r\nPregunta uno\r\n");
	assert_int_equal(p.n, 2);
	assert_string_equal(p.line[0], "Pregunta uno");
	assert_string_equal(p.line[1], "Pregunta dos");
	prompts_free(&p);

	prompts_add(&p, NULL);
	prompts_add(&p, "");
	prompts_add(&p, "## Solo títulos\n\n## Y más\n");
	assert_int_equal(p.n, 0);
	prompts_free(&p);
}

static void questions_are_the_paragraph_lines_alone(void **state)
{
	struct prompts q = PROMPTS_INIT;

	(void)state;
	/* In the template's order, once each, without the empty steps (a
	 * blank to fill in asks nothing), whatever comes first. */
	prompts_add_questions(&q, "## Pasos\n\n- [ ] \n1.\n\n¿Qué faltó?\n  ¿Quién lo vio?\n\n"
				  "- [ ] \n\n¿Qué faltó?\n\n| a |\n|---|\n\nÚltima.\n");
	assert_int_equal(q.n, 3);
	assert_string_equal(q.line[0], "¿Qué faltó?");
	assert_string_equal(q.line[1], "¿Quién lo vio?");
	assert_string_equal(q.line[2], "Última.");
	prompts_free(&q);

	prompts_add_questions(&q, LESSON);
	assert_int_equal(q.n, 3);
	assert_string_equal(q.line[2], "Si saltaste una norma, ¿cuál?");
	prompts_free(&q);

	prompts_add_questions(&q, "## Pasos\n\n- [ ] \n- [ ] \n");
	prompts_add_questions(&q, NULL);
	prompts_add_questions(&q, "");
	assert_int_equal(q.n, 0);
	prompts_free(&q);
}

static void untouched_template_keeps_its_structure(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(strip(LESSON, LESSON, &out), 3);
	assert_string_equal(out.data, "## Situación\n\n## Qué hice\n\n## Resultado\n\n");
	buf_free(&out);
}

static void what_the_writer_typed_stays(void **state)
{
	struct buf out = BUF_INIT;
	const char *mine;

	(void)state;
	/* The answer under the question, in its paragraph or the next. */
	assert_int_equal(strip(LESSON,
		"## Situación\n\n¿Qué necesitaba el cliente?\nDevolver un abrigo sin tique.\n\n"
		"## Qué hice\n\n¿Qué hiciste, paso a paso?\n\nAcepté el extracto.\n"
		"Si saltaste una norma, ¿cuál?\n\n## Resultado\n\nContento.\n", &out), 3);
	assert_string_equal(out.data,
		"## Situación\n\nDevolver un abrigo sin tique.\n\n"
		"## Qué hice\n\nAcepté el extracto.\n\n## Resultado\n\nContento.\n");

	/* Questions replaced: nothing to remove, every byte kept (CRLF,
	 * blank lines, trailing spaces and all). */
	mine = "## Situación\r\n\r\nUna clienta con un regalo.  \r\n\r\n\r\n## Qué hice\r\n\r\n"
	       "Le di un vale.\r\n";
	assert_int_equal(strip(LESSON, mine, &out), 0);
	assert_string_equal(out.data, mine);

	/* A question kept as part of a longer line is text she wrote. */
	mine = "¿Qué necesitaba el cliente? Un cambio de talla.\n"
	       "- ¿Qué necesitaba el cliente?\n"
	       "> ¿Qué necesitaba el cliente?\n"
	       "¿Qué necesitaba el cliente\n";
	assert_int_equal(strip(LESSON, mine, &out), 0);
	assert_string_equal(out.data, mine);
	buf_free(&out);
}

/* The procedure template's steps: those filled in stay, in their order;
 * the empty ones go, and the list ends where it did. */
static void empty_steps_go(void **state)
{
	static const char tmpl[] = "## Cuándo se aplica\n\n\n## Pasos\n\n- [ ] \n- [ ] \n- [ ] \n\n"
				   "## Excepciones\n\n";
	struct buf out = BUF_INIT;

	(void)state;
	assert_int_equal(strip(tmpl, "## Pasos\r\n\r\n- [ ] Pedir el tique\r\n- [ ] \r\n"
				     "- [ ] Sellarlo\r\n- [ ] \r\n\r\n## Excepciones\r\n", &out), 2);
	assert_string_equal(out.data, "## Pasos\r\n\r\n- [ ] Pedir el tique\r\n- [ ] Sellarlo\r\n"
				      "\r\n## Excepciones\r\n");
	/* None filled in: the heading, then the next. */
	assert_int_equal(strip(tmpl, tmpl, &out), 3);
	assert_string_equal(out.data, "## Cuándo se aplica\n\n\n## Pasos\n\n## Excepciones\n\n");
	buf_free(&out);
}

static void line_endings_and_edges(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	/* As a browser sends the form: CRLF; white space around the line. */
	assert_int_equal(strip(LESSON, "## Situación\r\n\r\n  ¿Qué necesitaba el cliente? \r\n\r\n"
				       "## Qué hice\r\n\r\nTodo.\r\n", &out), 1);
	assert_string_equal(out.data, "## Situación\r\n\r\n## Qué hice\r\n\r\nTodo.\r\n");
	/* At the very start and end, without a final newline. */
	assert_int_equal(strip(LESSON, "¿Qué necesitaba el cliente?\n\nHola", &out), 1);
	assert_string_equal(out.data, "Hola");
	assert_int_equal(strip(LESSON, "Hola\n\n¿Qué necesitaba el cliente?", &out), 1);
	assert_string_equal(out.data, "Hola\n\n");
	assert_int_equal(strip(LESSON, "¿Qué necesitaba el cliente?", &out), 1);
	assert_string_equal(out.data, "");
	/* No prompts: the text as it came. */
	assert_int_equal(strip("## Pasos\n\n- paso\n", "## Pasos\n\n- [ ] \n\nx\n", &out), 0);
	assert_string_equal(out.data, "## Pasos\n\n- [ ] \n\nx\n");
	assert_int_equal(strip(LESSON, "", &out), 0);
	assert_string_equal(out.data, "");
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(prompt_lines_are_plain_paragraphs),
		cmocka_unit_test(questions_are_the_paragraph_lines_alone),
		cmocka_unit_test(untouched_template_keeps_its_structure),
		cmocka_unit_test(what_the_writer_typed_stays),
		cmocka_unit_test(empty_steps_go),
		cmocka_unit_test(line_endings_and_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
