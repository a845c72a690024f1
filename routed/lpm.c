/* SPDX-License-Identifier: ISC */
/*
 * DOC: longest-prefix match for the multipoint datapath (see lpm.h)
 *
 * Open addressing with linear probing and tombstones, kept at most half
 * full; grows by doubling.  Keys are normalized (host bits cleared) so a
 * lookup masks the destination to each length in use and probes once per
 * length.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lpm.h"
#include "table.h"

struct lpm_ent {
	uint8_t used; /* 0 empty, 1 used, 2 deleted */
	uint8_t family_v6;
	uint8_t plen;
	uint8_t key[16];
	struct tunnel_ip nexthop;
};

struct lpm {
	pthread_rwlock_t lock;
	struct lpm_ent *v;
	size_t cap, n, tomb;
	uint64_t lens4;    /* bit L set: some IPv4 /L exists */
	uint64_t lens6[3]; /* lengths 0..128 */
	unsigned count4[33], count6[129];
};

static void
mask(uint8_t *out, const uint8_t *in, unsigned alen, unsigned plen)
{
	memset(out, 0, 16);
	for (unsigned i = 0; i < alen; i++) {
		if (plen >= (i + 1) * 8)
			out[i] = in[i];
		else if (plen > i * 8)
			out[i] = (uint8_t)(in[i] & (0xff << (8 - (plen - i * 8))));
	}
}

static uint64_t
hash(int v6, unsigned plen, const uint8_t *key)
{
	return table_hash16(key, (uint32_t)v6 << 8 | plen);
}

struct lpm *
lpm_new(void)
{
	struct lpm *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cap = 64;
	t->v = calloc(t->cap, sizeof(*t->v));
	if (t->v == NULL) {
		free(t);
		return NULL;
	}
	pthread_rwlock_init(&t->lock, NULL);
	return t;
}

void
lpm_free(struct lpm *t)
{
	if (t == NULL)
		return;
	pthread_rwlock_destroy(&t->lock);
	free(t->v);
	free(t);
}

static struct lpm_ent *
find(struct lpm *t, int v6, unsigned plen, const uint8_t *key, bool for_insert)
{
	size_t m = t->cap - 1, i = hash(v6, plen, key) & m;
	struct lpm_ent *tomb = NULL;

	for (size_t probes = 0; probes < t->cap; probes++, i = (i + 1) & m) {
		struct lpm_ent *e = &t->v[i];
		if (e->used == 0)
			return for_insert ? (tomb ? tomb : e) : NULL;
		if (e->used == 2) {
			if (tomb == NULL)
				tomb = e;
			continue;
		}
		if (e->family_v6 == v6 && e->plen == plen &&
		    memcmp(e->key, key, 16) == 0)
			return e;
	}
	return for_insert ? tomb : NULL;
}

/* Room for `more` new entries (at most half full, tombstones counted). */
static int
grow_for(struct lpm *t, size_t more)
{
	struct lpm_ent *old = t->v;
	size_t oldcap = t->cap, cap = t->cap * 2;

	if ((t->n + more) * 2 <= t->cap &&
	    (t->n + t->tomb + more) * 4 <= t->cap * 3)
		return 0;
	while ((t->n + more) * 2 > cap)
		cap *= 2;
	t->v = table_alloc(cap, sizeof(*t->v));
	if (t->v == NULL) {
		t->v = old;
		return -ENOMEM;
	}
	t->cap = cap;
	t->tomb = 0;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].used != 1)
			continue;
		*find(t, old[i].family_v6, old[i].plen, old[i].key, true) = old[i];
	}
	free(old);
	return 0;
}

static int
norm(const struct tunnel_prefix *p, int *v6, uint8_t key[16])
{
	if (p->addr.family == AF_INET && p->plen <= 32) {
		*v6 = 0;
		mask(key, p->addr.u.b, 4, p->plen);
		return 0;
	}
	if (p->addr.family == AF_INET6 && p->plen <= 128) {
		*v6 = 1;
		mask(key, p->addr.u.b, 16, p->plen);
		return 0;
	}
	return -EINVAL;
}

int
lpm_add(struct lpm *t, const struct tunnel_prefix *p,
    const struct tunnel_ip *nexthop)
{
	uint8_t key[16];
	int v6, r;

	if ((r = norm(p, &v6, key)) < 0)
		return r;
	pthread_rwlock_wrlock(&t->lock);
	/* One probe: the entry if present, else where it goes. */
	if ((r = grow_for(t, 1)) < 0)
		goto out;
	struct lpm_ent *e = find(t, v6, p->plen, key, true);
	if (e->used != 1) {
		if (e->used == 2)
			t->tomb--;
		e->used = 1;
		e->family_v6 = (uint8_t)v6;
		e->plen = (uint8_t)p->plen;
		memcpy(e->key, key, 16);
		t->n++;
		if (v6) {
			t->count6[p->plen]++;
			t->lens6[p->plen / 64] |= 1ULL << (p->plen % 64);
		} else {
			t->count4[p->plen]++;
			t->lens4 |= 1ULL << p->plen;
		}
	}
	e->nexthop = *nexthop;
out:
	pthread_rwlock_unlock(&t->lock);
	return r;
}

int
lpm_reserve(struct lpm *t, size_t more)
{
	int r;

	pthread_rwlock_wrlock(&t->lock);
	r = grow_for(t, more);
	pthread_rwlock_unlock(&t->lock);
	return r;
}

int
lpm_del(struct lpm *t, const struct tunnel_prefix *p)
{
	uint8_t key[16];
	int v6, r = 0;

	if (norm(p, &v6, key) < 0)
		return -EINVAL;
	pthread_rwlock_wrlock(&t->lock);
	struct lpm_ent *e = find(t, v6, p->plen, key, false);
	if (e == NULL) {
		r = -ENOENT;
	} else {
		e->used = 2;
		t->n--;
		t->tomb++;
		if (v6 && --t->count6[p->plen] == 0)
			t->lens6[p->plen / 64] &= ~(1ULL << (p->plen % 64));
		if (!v6 && --t->count4[p->plen] == 0)
			t->lens4 &= ~(1ULL << p->plen);
	}
	pthread_rwlock_unlock(&t->lock);
	return r;
}

void
lpm_walk(struct lpm *t,
    void (*cb)(const struct tunnel_prefix *p, const struct tunnel_ip *nexthop,
	void *arg), void *arg)
{
	pthread_rwlock_rdlock(&t->lock);
	for (size_t i = 0; i < t->cap; i++) {
		const struct lpm_ent *e = &t->v[i];
		struct tunnel_prefix p = { 0 };

		if (e->used != 1)
			continue;
		p.addr.family = e->family_v6 ? AF_INET6 : AF_INET;
		memcpy(p.addr.u.b, e->key, 16);
		p.plen = e->plen;
		cb(&p, &e->nexthop, arg);
	}
	pthread_rwlock_unlock(&t->lock);
}

int
lpm_lookup(struct lpm *t, const struct tunnel_ip *dst, struct tunnel_ip *nexthop)
{
	uint8_t key[16];
	int r = -ENOENT;
	int v6 = dst->family == AF_INET6;
	int maxlen = v6 ? 128 : 32;

	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EINVAL;
	pthread_rwlock_rdlock(&t->lock);
	for (int l = maxlen; l >= 0 && r < 0; l--) {
		bool in_use = v6 ? (t->lens6[l / 64] >> (l % 64)) & 1 :
		    (t->lens4 >> l) & 1;
		if (!in_use)
			continue;
		mask(key, dst->u.b, v6 ? 16 : 4, (unsigned)l);
		struct lpm_ent *e = find(t, v6, (unsigned)l, key, false);
		if (e != NULL) {
			*nexthop = e->nexthop;
			r = 0;
		}
	}
	pthread_rwlock_unlock(&t->lock);
	return r;
}

unsigned
lpm_count(struct lpm *t)
{
	unsigned n;

	pthread_rwlock_rdlock(&t->lock);
	n = (unsigned)t->n;
	pthread_rwlock_unlock(&t->lock);
	return n;
}
