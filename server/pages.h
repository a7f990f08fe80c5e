/*
 * pages.h - the page store: pages, their append-only revisions, links,
 * tags, line authorship and the search index, kept in step in one
 * transaction per save.
 *
 * Everything returned is a new jansson reference (caller decrefs) shaped
 * for both the templates and the JSON API. No HTML is built here apart
 * from what markdown.c renders.
 */
#ifndef OFICIO_PAGES_H
#define OFICIO_PAGES_H

#include <jansson.h>
#include <stdbool.h>

struct db;

#define TITLE_MAX 200        /* code points */
#define SLUG_MAX 80          /* bytes */
#define MARKDOWN_MAX (1024 * 1024)
#define COMMENT_MAX 500
#define CATEGORY_MAX 80
#define TAGS_MAX 20

/* What a save asks for. Strings may be NULL where noted. */
struct page_save {
	const char *slug;        /* NULL: derived from the title */
	const char *title;
	const char *kind;        /* procedure|lesson|reference; NULL keeps/defaults */
	const char *category;    /* NULL keeps */
	const char *tags;        /* comma separated; NULL keeps */
	const char *markdown;
	const char *comment;     /* may be NULL */
	const char *status;      /* for a new page; NULL: published */
	int base_rev;            /* -1: no check; 0: must be new; n: must be current */
	long long author_id;
	bool significant;
	int restored_from;       /* 0, or the revision being restored */
	long long lesson_id;     /* 0, or the lesson that prompted this change */
	long long proposal_id;   /* 0, or the proposal being accepted */
	bool verify;             /* the editor's save counts as verification */
};

enum save_status {
	SAVE_CREATED = 1,
	SAVE_SAVED,
	SAVE_UNCHANGED,   /* same text and title: no new revision */
	SAVE_CONFLICT,    /* base_rev is not current; nothing written */
	SAVE_INVALID,     /* see err_key */
	SAVE_TOO_LARGE,
	SAVE_ERROR,       /* database failure; nothing written */
};

struct save_result {
	enum save_status status;
	long long page_id;
	int rev;                 /* the new (or, on conflict, current) revision */
	char slug[SLUG_MAX + 1];
	const char *err_key;     /* catalogue key for SAVE_INVALID */
};

/* Validate and save as one transaction. */
void pages_save(struct db *db, const struct page_save *in, struct save_result *out);

/* Validate a title (1..TITLE_MAX code points, no control characters). */
bool pages_title_ok(const char *title);
/* Validate the common fields; returns NULL or a catalogue key. */
const char *pages_check(const struct page_save *in);

/* The page with its revision rev (0: current), or NULL:
 * {id,slug,kind,title,category,tags:[],status,rev,current_rev,is_current,
 *  markdown,html,toc:[],author:{id,name},saved_at,comment,created_at,
 *  updated_at,owner,backup_owner,review_days,verified_at,verified_by,
 *  requires_ack, ack_rev, created_by} */
json_t *pages_get(struct db *db, const char *slug, int rev);

/* Page id by slug, or 0. */
long long pages_id(struct db *db, const char *slug);

/* Would a new page titled title be saved at slug: is slug what the title
 * makes, and does no page hold it yet? A page saved without a slug whose
 * slug is taken gets another one ("-2"), so a link to slug would still
 * lead nowhere. */
bool pages_new_slug_is(struct db *db, const char *title, const char *slug);

/* [{n,title,author:{id,name},saved_at,comment,significant,restored_from}]
 * newest first. */
json_t *pages_history(struct db *db, long long page_id);

/* Pages that link here: [{slug,title,kind}]. */
json_t *pages_backlinks(struct db *db, const char *slug);

/* Recently changed pages visible to role/uid: [{slug,title,kind,rev,
 * author,saved_at,comment}]. */
json_t *pages_recent(struct db *db, int limit, int role, long long uid);

/* Filtered list: any filter may be NULL. [{slug,title,kind,category,
 * status,rev,updated_at,tags:[]}] ordered by title. */
json_t *pages_list(struct db *db, const char *kind, const char *category,
		   const char *tag, const char *status, int role, long long uid,
		   int limit, int offset);

/* [{name,count}] of categories / tags of visible pages. */
json_t *pages_categories(struct db *db, int role, long long uid);
json_t *pages_tags(struct db *db, int role, long long uid);

/* May this user see this page at all (status, authorship)? */
bool pages_visible(int role, long long uid, const char *status, long long created_by);

/* The markdown of revision rev of page_id (malloc'd) or NULL. */
char *pages_markdown(struct db *db, long long page_id, int rev);

#endif
