/*
 * feed.h - the secret per-user Atom feed's token (feed.c), for /me.
 */
#ifndef OFICIO_FEED_H
#define OFICIO_FEED_H

#include <stdbool.h>

struct buf;
struct req;

/* A new token for r's user, replacing any old one (which stops working);
 * only its hash is stored. Returns the token (malloc'd; shown once) or
 * NULL on a database error. Audited. */
char *feed_token_new(struct req *r);
/* Forget r's user's token. 0 or -1. Audited. */
int feed_token_revoke(struct req *r);
/* Has r's user a feed token? */
bool feed_has_token(struct req *r);
/* The feed's absolute URL for token, appended to out. */
void feed_url(struct req *r, const char *token, struct buf *out);

#endif
