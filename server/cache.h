/*
 * cache.h - a small per-thread cache of rendered fragments (the article
 * part of a page view), so a page read a thousand times is rendered once.
 *
 * Invalidation is by generation: every successful state-changing request
 * bumps one process-wide counter (cache_bump), and an entry made under an
 * older generation is a miss. Entries also expire after a short time, so
 * relative times ("hace 3 días") and changes made by another process (the
 * CLI) show up soon. Each loop thread owns its cache: no locks.
 */
#ifndef OFICIO_CACHE_H
#define OFICIO_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;
struct buf;

#define CACHE_TTL 60          /* seconds */
#define CACHE_MAX_ENTRY (256 * 1024)

struct cache *cache_new(size_t slots);
void cache_free(struct cache *c);

/* The current generation, and a bump after any write. */
uint64_t cache_generation(void);
void cache_bump(void);

/* A hit: pointers into the cache, valid until the next cache_put on this
 * thread's cache (callers use them at once, without storing them). */
struct cache_hit {
	const char *title; /* also ends with a NUL */
	size_t tlen;
	const char *body;
	size_t blen;
};

/* Whether what was made at time at under generation gen (both read
 * before making it) is still good at now, ttl seconds long: nothing was
 * written since, it is not older than ttl, and the clock has not gone
 * back. For the small memos kept beside this cache too. */
bool cache_fresh(uint64_t gen, int64_t at, int64_t now, int ttl);

/* Look key up: 1 and *hit filled, or 0. now is db_now(). */
int cache_get(struct cache *c, const char *key, int64_t now, struct cache_hit *hit);
/* The same with a shorter time to live than CACHE_TTL (seconds). */
int cache_get_ttl(struct cache *c, const char *key, int64_t now, int ttl,
		  struct cache_hit *hit);
/* Store (replacing any entry of that key). gen is the generation read
 * BEFORE the content was computed, so a write racing with the render
 * makes the entry stale rather than wrong. */
void cache_put(struct cache *c, const char *key, uint64_t gen, int64_t now,
	       const char *title, size_t tlen, const char *body, size_t blen);

#endif
