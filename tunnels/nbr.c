/* SPDX-License-Identifier: ISC */
/*
 * DOC: multipoint neighbour table
 *
 * A hub keeps every spoke as a neighbour of one multipoint tunnel.  The
 * kernel routes a packet into the TUN because a reverse route says "via
 * 10.0.2.13 dev grip-hub"; the worker must map that inner next hop to the
 * spoke's outer address, SA and GRE key for every packet, so the lookup is
 * an O(1) hash probe, and so is the reverse map (outer source, NAT-T port,
 * GRE key -> spoke) used on receive.
 *
 * Layout: neighbours live in a dense array of entries (with a free list);
 * two open-addressing indexes with linear probing hold {hash, entry + 1}
 * pairs, the inner one with one slot per inner address (a spoke may have
 * IPv4 and IPv6), the outer one with one slot per spoke.  Keys are not
 * stored in the indexes: a probe compares the 32-bit hash first and only
 * then the entry, which keeps an index slot at 8 bytes.  Indexes stay at
 * most half full (doubling rehash), so an unsuccessful probe is short;
 * removal uses backward-shift deletion, so there are no tombstones and the
 * table does not degrade after churn.  The hash is a seeded multiply-xorshift
 * over the key's 64-bit words (keys are authenticated config and IKE
 * identities, not attacker-chosen, but the seed is random anyway).
 *
 * Concurrency: workers look up, the control thread adds and removes, at
 * human or IKE rates.  A pthread rwlock, writer-preferring so a stream of
 * lookups cannot starve a change, guards everything; a lookup copies the
 * neighbour out under the read lock, so no pointer into the table outlives
 * the lock and a removal never races a reader.  Read-copy-update (an atomic
 * pointer to an immutable table plus deferred free) would remove the shared
 * lock word from the fast path; it is the upgrade path if a profile ever
 * shows the lock (the benchmark in tests/unit/tunnels_nbr_test.c prints the
 * cost of a lookup).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <gripd/tunnel.h>

#define NBR_MIN_SLOTS 64u

struct nbr_slot {
	uint32_t hash;
	uint32_t ent; /* entry index + 1; 0 = empty */
};

struct nbr_index {
	struct nbr_slot *slots;
	uint32_t mask; /* slots - 1, a power of two minus one */
	uint32_t used;
};

struct nbr_ent {
	struct nbr n;
	uint32_t next_free; /* entry index + 1 of the next free one */
	bool used;
};

struct nbr_table {
	pthread_rwlock_t lock;
	uint64_t seed;
	struct nbr_ent *ents;
	uint32_t nents, cap, free_head, count;
	struct nbr_index inner, outer;
};

/* ---- keys and hashing ------------------------------------------------- */

/* A fixed-size key: family, address, (outer only) port and GRE key. */
struct nbr_key {
	uint64_t w[3];
};

static size_t
ip_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static void
key_inner(struct nbr_key *k, const struct tunnel_ip *a)
{
	uint8_t b[24] = {0};

	b[0] = (uint8_t)a->family;
	memcpy(b + 8, a->u.b, ip_len(a->family));
	memcpy(k->w, b, sizeof(b));
}

static void
key_outer(struct nbr_key *k, const struct tunnel_ip *a, uint16_t port,
    bool key_present, uint32_t key)
{
	uint8_t b[24] = {0};

	b[0] = (uint8_t)a->family;
	b[1] = key_present;
	memcpy(b + 2, &port, 2);
	memcpy(b + 4, key_present ? &key : &(uint32_t){0}, 4);
	memcpy(b + 8, a->u.b, ip_len(a->family));
	memcpy(k->w, b, sizeof(b));
}

static uint32_t
key_hash(const struct nbr_table *tb, const struct nbr_key *k)
{
	uint64_t h = tb->seed;
	size_t i;

	for (i = 0; i < 3; i++) {
		h ^= k->w[i];
		h *= 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	/* MurmurHash3's fmix64 finalizer. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static bool
ip_eq(const struct tunnel_ip *a, const struct tunnel_ip *b)
{
	return a->family == b->family &&
	       memcmp(a->u.b, b->u.b, ip_len(a->family)) == 0;
}

static const struct tunnel_ip *
ent_inner(const struct nbr *n, int family)
{
	return family == AF_INET ? &n->inner4 : &n->inner6;
}

static bool
ent_outer_eq(const struct nbr *n, const struct tunnel_ip *outer, uint16_t port,
    bool key_present, uint32_t key)
{
	return ip_eq(&n->outer, outer) && n->outer_port == port &&
	       n->gre_key_present == key_present &&
	       (!key_present || n->gre_key == key);
}

/* ---- open addressing -------------------------------------------------- */

static int
index_init(struct nbr_index *ix, uint32_t nslots)
{
	ix->slots = calloc(nslots, sizeof(*ix->slots));
	if (ix->slots == NULL)
		return -ENOMEM;
	ix->mask = nslots - 1;
	ix->used = 0;
	return 0;
}

static void
index_put(struct nbr_index *ix, uint32_t hash, uint32_t ent)
{
	uint32_t i = hash & ix->mask;

	while (ix->slots[i].ent != 0)
		i = (i + 1) & ix->mask;
	ix->slots[i].hash = hash;
	ix->slots[i].ent = ent;
	ix->used++;
}

/* Keeps the index at most half full after one more insertion. */
static int
index_reserve(struct nbr_index *ix)
{
	struct nbr_index nix;
	uint32_t i;
	int err;

	if ((ix->used + 1) * 2 <= ix->mask + 1)
		return 0;
	if (ix->mask + 1 > (1u << 30))
		return -ENOMEM;
	if ((err = index_init(&nix, (ix->mask + 1) * 2)) < 0)
		return err;
	for (i = 0; i <= ix->mask; i++)
		if (ix->slots[i].ent != 0)
			index_put(&nix, ix->slots[i].hash, ix->slots[i].ent);
	free(ix->slots);
	*ix = nix;
	return 0;
}

/* Backward-shift deletion (no tombstones). */
static void
index_remove_at(struct nbr_index *ix, uint32_t i)
{
	uint32_t j = i, home;

	for (;;) {
		ix->slots[i].ent = 0;
		for (;;) {
			j = (j + 1) & ix->mask;
			if (ix->slots[j].ent == 0) {
				ix->used--;
				return;
			}
			home = ix->slots[j].hash & ix->mask;
			/* Can j's entry move back to i?  Not if home in (i, j].
			 */
			if (i <= j ? (home <= i || home > j)
				   : (home <= i && home > j))
				break;
		}
		ix->slots[i] = ix->slots[j];
		i = j;
	}
}

static int64_t
find_inner(
    const struct nbr_table *tb, const struct tunnel_ip *a, uint32_t *slotp)
{
	const struct nbr_index *ix = &tb->inner;
	struct nbr_key k;
	uint32_t h, i;

	if (ip_len(a->family) == 0)
		return -1;
	key_inner(&k, a);
	h = key_hash(tb, &k);
	for (i = h & ix->mask; ix->slots[i].ent != 0; i = (i + 1) & ix->mask) {
		const struct nbr *n;

		if (ix->slots[i].hash != h)
			continue;
		n = &tb->ents[ix->slots[i].ent - 1].n;
		if (ip_eq(ent_inner(n, a->family), a)) {
			if (slotp != NULL)
				*slotp = i;
			return ix->slots[i].ent - 1;
		}
	}
	return -1;
}

static int64_t
find_outer(const struct nbr_table *tb, const struct tunnel_ip *a, uint16_t port,
    bool key_present, uint32_t key, uint32_t *slotp)
{
	const struct nbr_index *ix = &tb->outer;
	struct nbr_key k;
	uint32_t h, i;

	if (ip_len(a->family) == 0)
		return -1;
	key_outer(&k, a, port, key_present, key);
	h = key_hash(tb, &k);
	for (i = h & ix->mask; ix->slots[i].ent != 0; i = (i + 1) & ix->mask) {
		if (ix->slots[i].hash == h &&
		    ent_outer_eq(&tb->ents[ix->slots[i].ent - 1].n, a, port,
			key_present, key)) {
			if (slotp != NULL)
				*slotp = i;
			return ix->slots[i].ent - 1;
		}
	}
	return -1;
}

/* ---- the table -------------------------------------------------------- */

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = NBR_MIN_SLOTS;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

struct nbr_table *
nbr_table_new(unsigned expected)
{
	pthread_rwlockattr_t attr;
	struct nbr_table *tb;

	if ((tb = calloc(1, sizeof(*tb))) == NULL)
		return NULL;
	if (expected > (1u << 24))
		expected = 1u << 24;
	if (index_init(&tb->inner, pow2_at_least(expected * 4)) < 0 ||
	    index_init(&tb->outer, pow2_at_least(expected * 2)) < 0) {
		free(tb->inner.slots);
		free(tb);
		return NULL;
	}
	if (getrandom(&tb->seed, sizeof(tb->seed), GRND_NONBLOCK) !=
	    sizeof(tb->seed))
		tb->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
	    &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&tb->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return tb;
}

void
nbr_table_free(struct nbr_table *tb)
{
	if (tb == NULL)
		return;
	pthread_rwlock_destroy(&tb->lock);
	free(tb->inner.slots);
	free(tb->outer.slots);
	free(tb->ents);
	free(tb);
}

static int
ent_alloc(struct nbr_table *tb, uint32_t *idx)
{
	struct nbr_ent *ne;
	uint32_t ncap;

	if (tb->free_head != 0) {
		*idx = tb->free_head - 1;
		tb->free_head = tb->ents[*idx].next_free;
		return 0;
	}
	if (tb->nents == tb->cap) {
		ncap = tb->cap ? tb->cap * 2 : 64;
		if (ncap > (1u << 28))
			return -ENOMEM;
		ne = realloc(tb->ents, ncap * sizeof(*ne));
		if (ne == NULL)
			return -ENOMEM;
		tb->ents = ne;
		tb->cap = ncap;
	}
	*idx = tb->nents++;
	return 0;
}

static void
ent_release(struct nbr_table *tb, uint32_t idx)
{
	tb->ents[idx].used = false;
	tb->ents[idx].next_free = tb->free_head;
	tb->free_head = idx + 1;
}

static bool
nbr_valid(const struct nbr *n)
{
	if (n->inner4.family != 0 && n->inner4.family != AF_INET)
		return false;
	if (n->inner6.family != 0 && n->inner6.family != AF_INET6)
		return false;
	return (n->inner4.family != 0 || n->inner6.family != 0) &&
	       ip_len(n->outer.family) != 0;
}

static void
index_add_ent(struct nbr_table *tb, uint32_t idx)
{
	const struct nbr *n = &tb->ents[idx].n;
	struct nbr_key k;

	if (n->inner4.family != 0) {
		key_inner(&k, &n->inner4);
		index_put(&tb->inner, key_hash(tb, &k), idx + 1);
	}
	if (n->inner6.family != 0) {
		key_inner(&k, &n->inner6);
		index_put(&tb->inner, key_hash(tb, &k), idx + 1);
	}
	key_outer(&k, &n->outer, n->outer_port, n->gre_key_present, n->gre_key);
	index_put(&tb->outer, key_hash(tb, &k), idx + 1);
}

int
nbr_add(struct nbr_table *tb, const struct nbr *n)
{
	uint32_t idx;
	int err;

	if (!nbr_valid(n))
		return -EINVAL;
	pthread_rwlock_wrlock(&tb->lock);
	err = -EEXIST;
	if ((n->inner4.family != 0 && find_inner(tb, &n->inner4, NULL) >= 0) ||
	    (n->inner6.family != 0 && find_inner(tb, &n->inner6, NULL) >= 0) ||
	    find_outer(tb, &n->outer, n->outer_port, n->gre_key_present,
		n->gre_key, NULL) >= 0)
		goto out;
	/* Two reservations for the inner index: IPv4 and IPv6. */
	if ((err = index_reserve(&tb->inner)) < 0)
		goto out;
	tb->inner.used++;
	err = index_reserve(&tb->inner);
	tb->inner.used--;
	if (err < 0 || (err = index_reserve(&tb->outer)) < 0 ||
	    (err = ent_alloc(tb, &idx)) < 0)
		goto out;
	tb->ents[idx].n = *n;
	if (!n->gre_key_present)
		tb->ents[idx].n.gre_key = 0;
	tb->ents[idx].used = true;
	tb->ents[idx].next_free = 0;
	index_add_ent(tb, idx);
	tb->count++;
	err = 0;
out:
	pthread_rwlock_unlock(&tb->lock);
	return err;
}

int
nbr_del(struct nbr_table *tb, const struct tunnel_ip *inner)
{
	const struct nbr *n;
	uint32_t slot;
	int64_t idx;

	pthread_rwlock_wrlock(&tb->lock);
	if ((idx = find_inner(tb, inner, NULL)) < 0) {
		pthread_rwlock_unlock(&tb->lock);
		return -ENOENT;
	}
	n = &tb->ents[idx].n;
	if (n->inner4.family != 0 && find_inner(tb, &n->inner4, &slot) >= 0)
		index_remove_at(&tb->inner, slot);
	if (n->inner6.family != 0 && find_inner(tb, &n->inner6, &slot) >= 0)
		index_remove_at(&tb->inner, slot);
	if (find_outer(tb, &n->outer, n->outer_port, n->gre_key_present,
		n->gre_key, &slot) >= 0)
		index_remove_at(&tb->outer, slot);
	ent_release(tb, (uint32_t)idx);
	tb->count--;
	pthread_rwlock_unlock(&tb->lock);
	return 0;
}

int
nbr_set_sa(struct nbr_table *tb, const struct tunnel_ip *inner, uint64_t sa)
{
	int64_t idx;

	pthread_rwlock_wrlock(&tb->lock);
	idx = find_inner(tb, inner, NULL);
	if (idx >= 0)
		tb->ents[idx].n.sa = sa;
	pthread_rwlock_unlock(&tb->lock);
	return idx >= 0 ? 0 : -ENOENT;
}

int
nbr_lookup(
    struct nbr_table *tb, const struct tunnel_ip *nexthop, struct nbr *out)
{
	int64_t idx;

	pthread_rwlock_rdlock(&tb->lock);
	idx = find_inner(tb, nexthop, NULL);
	if (idx >= 0)
		*out = tb->ents[idx].n;
	pthread_rwlock_unlock(&tb->lock);
	return idx >= 0 ? 0 : -ENOENT;
}

int
nbr_lookup_outer(struct nbr_table *tb, const struct tunnel_ip *outer,
    uint16_t port, bool key_present, uint32_t key, struct nbr *out)
{
	int64_t idx;

	pthread_rwlock_rdlock(&tb->lock);
	idx = find_outer(tb, outer, port, key_present, key, NULL);
	if (idx >= 0)
		*out = tb->ents[idx].n;
	pthread_rwlock_unlock(&tb->lock);
	return idx >= 0 ? 0 : -ENOENT;
}

unsigned
nbr_count(struct nbr_table *tb)
{
	unsigned n;

	pthread_rwlock_rdlock(&tb->lock);
	n = tb->count;
	pthread_rwlock_unlock(&tb->lock);
	return n;
}
