/*
 * cache.c - per-thread fragment cache (see cache.h).
 *
 * Open addressing with linear probing over a fixed array; a full probe
 * run evicts its oldest entry. Keys are short strings (slug, language,
 * role), compared after a 64-bit hash.
 */
#include "cache.h"

#include "buf.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8

struct entry {
	uint64_t hash;
	char *key;       /* NULL: free slot */
	uint64_t gen;
	int64_t at;      /* when stored */
	char *title;
	size_t tlen;
	char *body;
	size_t blen;
};

struct cache {
	struct entry *e;
	size_t n;        /* power of two */
};

static _Atomic uint64_t generation = 1;

uint64_t cache_generation(void)
{
	return atomic_load_explicit(&generation, memory_order_acquire);
}

void cache_bump(void)
{
	atomic_fetch_add_explicit(&generation, 1, memory_order_release);
}

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

struct cache *cache_new(size_t slots)
{
	struct cache *c = xcalloc(1, sizeof(*c));
	size_t n = 64;

	while (n < slots)
		n *= 2;
	c->n = n;
	c->e = xcalloc(n, sizeof(*c->e));
	return c;
}

static void clear(struct entry *e)
{
	free(e->key);
	free(e->title);
	free(e->body);
	memset(e, 0, sizeof(*e));
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		clear(&c->e[i]);
	free(c->e);
	free(c);
}

bool cache_fresh(uint64_t gen, int64_t at, int64_t now, int ttl)
{
	return gen == cache_generation() && now - at < ttl && now >= at;
}

int cache_get(struct cache *c, const char *key, int64_t now, struct cache_hit *hit)
{
	return cache_get_ttl(c, key, now, CACHE_TTL, hit);
}

int cache_get_ttl(struct cache *c, const char *key, int64_t now, int ttl,
		  struct cache_hit *hit)
{
	uint64_t h = hash_key(key);

	for (size_t k = 0; k < PROBE; k++) {
		struct entry *e = &c->e[(h + k) & (c->n - 1)];
		if (!e->key || e->hash != h || strcmp(e->key, key) != 0)
			continue;
		if (!cache_fresh(e->gen, e->at, now, ttl)) {
			clear(e);
			return 0;
		}
		hit->title = e->title;
		hit->tlen = e->tlen;
		hit->body = e->body;
		hit->blen = e->blen;
		return 1;
	}
	return 0;
}

void cache_put(struct cache *c, const char *key, uint64_t gen, int64_t now,
	       const char *title, size_t tlen, const char *body, size_t blen)
{
	uint64_t h = hash_key(key);
	struct entry *victim = NULL;

	if (blen > CACHE_MAX_ENTRY || gen != cache_generation())
		return;
	for (size_t k = 0; k < PROBE; k++) {
		struct entry *e = &c->e[(h + k) & (c->n - 1)];
		if (!e->key || (e->hash == h && strcmp(e->key, key) == 0)) {
			victim = e;
			break;
		}
		if (!victim || e->at < victim->at)
			victim = e;
	}
	clear(victim);
	victim->hash = h;
	victim->key = xstrdup(key);
	victim->gen = gen;
	victim->at = now;
	victim->title = xstrndup(title, tlen);
	victim->tlen = tlen;
	victim->body = xstrndup(body, blen);
	victim->blen = blen;
}
