-- 003_lighter_index.sql - a search index and revisions that cost a save less.
--
-- words_fts, the vocabulary "¿Quisiste decir…?" is drawn from, now indexes
-- each page's distinct words (oficio_words(), search_tokenize.c) in one
-- contentless column instead of its whole text: the same words and page
-- counts, a tenth of the tokens of a long page.
-- pages_fts has no prefix index any more (it had 2 and 3 letters): every
-- word wrote two extra entries at each save, a tenth of a long page's
-- save. A search prefix needs 3 letters (search_query.c) and FTS5 reads
-- the range of words it starts. Search-as-you-type, which asks for a
-- prefix at every key, has titles_fts: the titles alone, with the prefix
-- index, a few words per save.
-- revisions.text is no longer written ('' from this schema on): the
-- current revision's plain text is page_text.body; older revisions keep
-- their Markdown (pages.c).
-- The indexes are filled at the next start: serve, import and demo rebuild an
-- index whose tokenizer version differs (cli.c, TOKENIZER_VERSION 4).

DROP TABLE words_vocab;
DROP TABLE words_fts;
DROP TABLE pages_fts;
CREATE VIRTUAL TABLE pages_fts USING fts5(title, headings, tags, body,
	content='page_text', content_rowid='id', tokenize='oficio');
CREATE VIRTUAL TABLE titles_fts USING fts5(title,
	content='page_text', content_rowid='id', tokenize='oficio', prefix='2 3');
CREATE VIRTUAL TABLE words_fts USING fts5(words,
	content='', tokenize='oficio_plain', detail='none');
CREATE VIRTUAL TABLE words_vocab USING fts5vocab(words_fts, 'row');
