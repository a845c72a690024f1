/* SPDX-License-Identifier: ISC */
/*
 * DOC: the ESP SA database
 *
 * Two fixed-size hash tables of SA pointers: inbound SAs keyed by SPI (we
 * allocate our inbound SPIs, so the SPI alone identifies the SA, RFC 4301
 * section 4.1), outbound SAs keyed by tunnel_id (one current SA per
 * tunnel).  Chains are singly linked through esp_sa.next.
 *
 * Threads.  One control thread (IKE, timers) changes the tables, under
 * db->lock so that a second writer would merely wait.  Worker threads
 * look SAs up on every packet without any lock or shared write: bucket
 * heads and next pointers are atomics, published with release stores, so
 * a reader sees either the old or the new chain, both valid.  A removed SA
 * cannot be freed at once, since a worker may still be using it; it is put
 * on a limbo list tagged with a new epoch number, and freed once every
 * online worker has announced a quiescent state (esp_sadb_quiescent,
 * called between packet batches) at that epoch or later.  This is
 * quiescent-state-based reclamation, the userspace RCU flavour with the
 * cheapest readers: a lookup costs a hash and a few loads; a worker pays
 * one store per batch.  A rwlock would cost two atomic read-modify-writes
 * on one shared cache line per packet and make workers contend with each
 * other.  Offline workers (blocked in epoll) do not hold up reclamation.
 *
 * Make-before-break rekey (esp_sadb_replace):
 *
 *	t0  new inbound SA linked: both old and new inbound SPIs accepted
 *	t0  outbound pointer of the tunnel switched to the new SA
 *	    (old outbound SA unlinked, freed after a grace period)
 *	t0 + grace  esp_sadb_expire unlinks the old inbound SA
 *
 * Tables do not grow: the bucket count is chosen at creation (a hub with
 * N spokes wants about 2N buckets).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/esp.h>

#include "esp_sa.h"

struct esp_sadb_qs {
	_Atomic uint64_t epoch;		/* 0: offline */
	char pad[64 - sizeof(uint64_t)];
};

struct esp_sadb {
	pthread_mutex_t lock;		/* writers */
	unsigned mask;
	_Atomic(struct esp_sa *) *in;	/* by SPI */
	_Atomic(struct esp_sa *) *out;	/* by tunnel_id */
	struct esp_sa *limbo;
	_Atomic uint64_t epoch;
	_Atomic uint64_t unknown_spi;
	struct esp_sadb_qs qs[ESP_WORKERS_MAX];
};

static inline unsigned
hash32(uint32_t x, unsigned mask)
{
	/* SPIs are random already; mix anyway for sequential allocators. */
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x & mask;
}

static inline unsigned
hash64(uint64_t x, unsigned mask)
{
	return hash32((uint32_t)x ^ (uint32_t)(x >> 32) * 0x9e3779b9U, mask);
}

int
esp_sadb_create(unsigned buckets, struct esp_sadb **out)
{
	struct esp_sadb *db;
	unsigned n = 1;

	if (buckets == 0)
		buckets = 1024;
	while (n < buckets && n < (1u << 24))
		n <<= 1;
	if ((db = aligned_alloc(64, (sizeof(*db) + 63) & ~(size_t)63)) == NULL)
		return -ENOMEM;
	memset(db, 0, sizeof(*db));
	db->mask = n - 1;
	db->in = calloc(n, sizeof(*db->in));
	db->out = calloc(n, sizeof(*db->out));
	if (db->in == NULL || db->out == NULL ||
	    pthread_mutex_init(&db->lock, NULL) != 0) {
		free(db->in);
		free(db->out);
		free(db);
		return -ENOMEM;
	}
	atomic_init(&db->epoch, 1);
	*out = db;
	return 0;
}

static void
free_chains(_Atomic(struct esp_sa *) *tab, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct esp_sa *sa = atomic_load(&tab[i]), *next;

		for (; sa != NULL; sa = next) {
			next = atomic_load(&sa->next);
			esp_sa_free(sa);
		}
	}
}

void
esp_sadb_free(struct esp_sadb *db)
{
	struct esp_sa *sa, *next;

	if (db == NULL)
		return;
	free_chains(db->in, db->mask + 1);
	free_chains(db->out, db->mask + 1);
	for (sa = db->limbo; sa != NULL; sa = next) {
		next = sa->limbo_next;
		esp_sa_free(sa);
	}
	pthread_mutex_destroy(&db->lock);
	free(db->in);
	free(db->out);
	free(db);
}

static _Atomic(struct esp_sa *) *
bucket(struct esp_sadb *db, enum esp_dir dir, const struct esp_sa_params *p)
{
	if (dir == ESP_DIR_IN)
		return &db->in[hash32(p->spi, db->mask)];
	return &db->out[hash64(p->tunnel_id, db->mask)];
}

/* Writer side: the link pointing at the SA (dir, spi), or NULL. */
static _Atomic(struct esp_sa *) *
find_link(struct esp_sadb *db, enum esp_dir dir, uint32_t spi)
{
	if (dir == ESP_DIR_IN) {
		_Atomic(struct esp_sa *) *l = &db->in[hash32(spi, db->mask)];
		struct esp_sa *sa;

		for (; (sa = atomic_load(l)) != NULL; l = &sa->next)
			if (sa->p.spi == spi)
				return l;
		return NULL;
	}
	/* Outbound SAs are hashed by tunnel: scan (control thread only). */
	for (unsigned i = 0; i <= db->mask; i++) {
		_Atomic(struct esp_sa *) *l = &db->out[i];
		struct esp_sa *sa;

		for (; (sa = atomic_load(l)) != NULL; l = &sa->next)
			if (sa->p.spi == spi)
				return l;
	}
	return NULL;
}

static struct esp_sa *
find_out_by_tunnel(struct esp_sadb *db, uint64_t tunnel_id)
{
	struct esp_sa *sa = atomic_load(&db->out[hash64(tunnel_id, db->mask)]);

	for (; sa != NULL; sa = atomic_load(&sa->next))
		if (sa->p.tunnel_id == tunnel_id)
			return sa;
	return NULL;
}

static void
link_sa(struct esp_sadb *db, struct esp_sa *sa)
{
	_Atomic(struct esp_sa *) *b = bucket(db, sa->p.dir, &sa->p);

	atomic_store_explicit(&sa->next, atomic_load(b), memory_order_relaxed);
	/* Release: a reader that sees sa sees it fully built. */
	atomic_store_explicit(b, sa, memory_order_release);
	sa->linked = true;
}

/* Unlinks the SA that *l points at and puts it in limbo. */
static void
retire(struct esp_sadb *db, _Atomic(struct esp_sa *) *l)
{
	struct esp_sa *sa = atomic_load(l);

	atomic_store_explicit(l, atomic_load(&sa->next), memory_order_release);
	sa->linked = false;
	/* Readers at an epoch >= this one cannot have seen sa. */
	sa->limbo_epoch = atomic_fetch_add(&db->epoch, 1) + 1;
	sa->limbo_next = db->limbo;
	db->limbo = sa;
}

static void
reclaim(struct esp_sadb *db)
{
	uint64_t min = UINT64_MAX;
	struct esp_sa **pp, *sa;

	for (unsigned i = 0; i < ESP_WORKERS_MAX; i++) {
		uint64_t e = atomic_load(&db->qs[i].epoch);

		if (e != 0 && e < min)
			min = e;
	}
	for (pp = &db->limbo; (sa = *pp) != NULL;) {
		if (sa->limbo_epoch <= min) {
			*pp = sa->limbo_next;
			esp_sa_free(sa);
		} else {
			pp = &sa->limbo_next;
		}
	}
}

static int
check_new(struct esp_sadb *db, const struct esp_sa_params *p)
{
	if (p->dir == ESP_DIR_IN)
		return find_link(db, ESP_DIR_IN, p->spi) ? -EEXIST : 0;
	return find_out_by_tunnel(db, p->tunnel_id) ? -EEXIST : 0;
}

int
esp_sadb_install(struct esp_sadb *db, const struct esp_sa_params *p,
    uint64_t now)
{
	struct esp_sa *sa;
	int rc;

	if ((rc = esp_sa_create(p, now, &sa)) < 0)
		return rc;
	pthread_mutex_lock(&db->lock);
	if ((rc = check_new(db, p)) == 0)
		link_sa(db, sa);
	pthread_mutex_unlock(&db->lock);
	if (rc < 0)
		esp_sa_free(sa);
	return rc;
}

int
esp_sadb_replace(struct esp_sadb *db, uint32_t old_in_spi,
    const struct esp_sa_params *new_in, uint32_t old_out_spi,
    const struct esp_sa_params *new_out, uint64_t now, uint64_t grace)
{
	struct esp_sa *in = NULL, *out = NULL, *old_in = NULL, *old_out = NULL;
	_Atomic(struct esp_sa *) *l;
	int rc;

	if ((new_in != NULL && new_in->dir != ESP_DIR_IN) ||
	    (new_out != NULL && new_out->dir != ESP_DIR_OUT))
		return -EINVAL;
	/* Allocate first: nothing below can fail half-way. */
	if (new_in != NULL && (rc = esp_sa_create(new_in, now, &in)) < 0)
		return rc;
	if (new_out != NULL && (rc = esp_sa_create(new_out, now, &out)) < 0) {
		esp_sa_free(in);
		return rc;
	}
	pthread_mutex_lock(&db->lock);
	rc = 0;
	if (in != NULL) {
		if ((l = find_link(db, ESP_DIR_IN, old_in_spi)) == NULL ||
		    (old_in = atomic_load(l))->expire_at != 0)
			rc = -ENOENT;
		else if (find_link(db, ESP_DIR_IN, new_in->spi) != NULL)
			rc = -EEXIST;
	}
	if (rc == 0 && out != NULL) {
		old_out = find_out_by_tunnel(db, new_out->tunnel_id);
		if (old_out == NULL || old_out->p.spi != old_out_spi)
			rc = -ENOENT;
	}
	if (rc < 0) {
		pthread_mutex_unlock(&db->lock);
		esp_sa_free(in);
		esp_sa_free(out);
		return rc;
	}
	/* 1. New inbound live: the peer may switch as soon as it likes. */
	if (in != NULL)
		link_sa(db, in);
	/* 2. Switch outbound in one store: new SA takes the old one's place. */
	if (out != NULL) {
		l = &db->out[hash64(old_out->p.tunnel_id, db->mask)];
		while (atomic_load(l) != old_out)
			l = &atomic_load(l)->next;
		atomic_store_explicit(&out->next, atomic_load(&old_out->next),
		    memory_order_relaxed);
		atomic_store_explicit(&old_out->next, out,
		    memory_order_release);
		/* old_out -> out -> rest; now drop old_out from the chain. */
		retire(db, l);
		out->linked = true;
	}
	/* 3. Old inbound lingers for packets still in flight. */
	if (old_in != NULL)
		old_in->expire_at = now + (grace > 0 ? grace : 1);
	pthread_mutex_unlock(&db->lock);
	return 0;
}

int
esp_sadb_remove(struct esp_sadb *db, enum esp_dir dir, uint32_t spi)
{
	_Atomic(struct esp_sa *) *l;
	int rc = -ENOENT;

	pthread_mutex_lock(&db->lock);
	if ((l = find_link(db, dir, spi)) != NULL) {
		retire(db, l);
		reclaim(db);
		rc = 0;
	}
	pthread_mutex_unlock(&db->lock);
	return rc;
}

static unsigned
sa_check_time(struct esp_sa *sa, uint64_t now)
{
	const struct esp_lifetime *s = &sa->p.soft, *h = &sa->p.hard;
	uint64_t age = now > sa->created ? now - sa->created : 0;
	unsigned ev = 0;

	if (s->seconds && age >= s->seconds)
		ev |= ESP_EV_SOFT;
	if (h->seconds && age >= h->seconds)
		ev |= ESP_EV_HARD | ESP_EV_SOFT;
	if (ev != 0)
		atomic_fetch_or(&sa->events, ev);
	return esp_sa_events(sa);
}

static unsigned
expire_table(struct esp_sadb *db, _Atomic(struct esp_sa *) *tab,
    uint64_t now,
    void (*cb)(void *arg, const struct esp_sa *sa, unsigned events),
    void *arg)
{
	unsigned removed = 0;

	for (unsigned i = 0; i <= db->mask; i++) {
		_Atomic(struct esp_sa *) *l = &tab[i];
		struct esp_sa *sa;

		while ((sa = atomic_load(l)) != NULL) {
			unsigned ev = sa_check_time(sa, now);
			unsigned fresh = ev & ~sa->reported;

			/* Lingering old SAs were replaced: nothing to say. */
			if (fresh != 0 && sa->expire_at == 0 && cb != NULL)
				cb(arg, sa, fresh);
			sa->reported |= fresh;
			if ((ev & ESP_EV_HARD) ||
			    (sa->expire_at != 0 && now >= sa->expire_at)) {
				retire(db, l);
				removed++;
				continue;
			}
			l = &sa->next;
		}
	}
	return removed;
}

unsigned
esp_sadb_expire(struct esp_sadb *db, uint64_t now,
    void (*cb)(void *arg, const struct esp_sa *sa, unsigned events),
    void *arg)
{
	unsigned removed;

	pthread_mutex_lock(&db->lock);
	removed = expire_table(db, db->in, now, cb, arg);
	removed += expire_table(db, db->out, now, cb, arg);
	reclaim(db);
	pthread_mutex_unlock(&db->lock);
	return removed;
}

struct esp_sa *
esp_sadb_lookup_in(struct esp_sadb *db, uint32_t spi)
{
	struct esp_sa *sa = atomic_load_explicit(&db->in[hash32(spi,
	    db->mask)], memory_order_acquire);

	for (; sa != NULL;
	    sa = atomic_load_explicit(&sa->next, memory_order_acquire))
		if (sa->p.spi == spi)
			return sa;
	return NULL;
}

struct esp_sa *
esp_sadb_lookup_out(struct esp_sadb *db, uint64_t tunnel_id)
{
	struct esp_sa *sa = atomic_load_explicit(&db->out[hash64(tunnel_id,
	    db->mask)], memory_order_acquire);

	for (; sa != NULL;
	    sa = atomic_load_explicit(&sa->next, memory_order_acquire))
		if (sa->p.tunnel_id == tunnel_id)
			return sa;
	return NULL;
}

int
esp_sadb_input(struct esp_sadb *db, struct esp_worker *w, uint8_t *buf,
    size_t len, struct esp_sa **sap, size_t *pl_off, size_t *pl_len,
    uint8_t *nh)
{
	struct esp_sa *sa;
	uint32_t spi;

	*sap = NULL;
	if (esp_peek_spi(buf, len, &spi) < 0 ||
	    (sa = esp_sadb_lookup_in(db, spi)) == NULL) {
		atomic_fetch_add_explicit(&db->unknown_spi, 1,
		    memory_order_relaxed);
		return -ENOENT;
	}
	*sap = sa;
	return esp_decap(w, sa, buf, len, pl_off, pl_len, nh);
}

int
esp_sadb_seq_next(struct esp_sadb *db, uint64_t tunnel_id, uint64_t *next)
{
	struct esp_sa *sa;

	pthread_mutex_lock(&db->lock);
	if ((sa = find_out_by_tunnel(db, tunnel_id)) != NULL)
		*next = esp_sa_seq_next(sa);
	pthread_mutex_unlock(&db->lock);
	return sa != NULL ? 0 : -ENOENT;
}

int
esp_sadb_set_seq_limit(struct esp_sadb *db, uint64_t tunnel_id,
    uint64_t limit)
{
	struct esp_sa *sa;

	pthread_mutex_lock(&db->lock);
	if ((sa = find_out_by_tunnel(db, tunnel_id)) != NULL)
		esp_sa_set_seq_limit(sa, limit);
	pthread_mutex_unlock(&db->lock);
	return sa != NULL ? 0 : -ENOENT;
}

int
esp_sadb_seq_stop(struct esp_sadb *db, uint64_t tunnel_id, uint64_t *next)
{
	struct esp_sa *sa;

	pthread_mutex_lock(&db->lock);
	if ((sa = find_out_by_tunnel(db, tunnel_id)) != NULL)
		*next = esp_sa_seq_stop(sa);
	pthread_mutex_unlock(&db->lock);
	return sa != NULL ? 0 : -ENOENT;
}

uint64_t
esp_sadb_unknown_spi(struct esp_sadb *db)
{
	return atomic_load_explicit(&db->unknown_spi, memory_order_relaxed);
}

int
esp_sadb_replay_get(struct esp_sadb *db, uint32_t spi, struct esp_replay *out)
{
	_Atomic(struct esp_sa *) *l;
	int rc = -ENOENT;

	pthread_mutex_lock(&db->lock);
	if ((l = find_link(db, ESP_DIR_IN, spi)) != NULL)
		rc = esp_sa_replay_get(atomic_load(l), out);
	pthread_mutex_unlock(&db->lock);
	return rc;
}

int
esp_sadb_counters(struct esp_sadb *db, enum esp_dir dir, uint32_t spi,
    struct esp_sa_counters *c)
{
	_Atomic(struct esp_sa *) *l;
	int rc = -ENOENT;

	pthread_mutex_lock(&db->lock);
	if ((l = find_link(db, dir, spi)) != NULL) {
		esp_sa_counters(atomic_load(l), c);
		rc = 0;
	}
	pthread_mutex_unlock(&db->lock);
	return rc;
}

void
esp_sadb_online(struct esp_sadb *db, struct esp_worker *w)
{
	if (w->index >= ESP_WORKERS_MAX)
		return;
	atomic_store(&db->qs[w->index].epoch, atomic_load(&db->epoch));
	/* Order the announcement before any lookup (see the DOC above). */
	atomic_thread_fence(memory_order_seq_cst);
}

void
esp_sadb_quiescent(struct esp_sadb *db, struct esp_worker *w)
{
	if (w->index >= ESP_WORKERS_MAX)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store(&db->qs[w->index].epoch, atomic_load(&db->epoch));
	atomic_thread_fence(memory_order_seq_cst);
}

void
esp_sadb_offline(struct esp_sadb *db, struct esp_worker *w)
{
	if (w->index >= ESP_WORKERS_MAX)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	atomic_store(&db->qs[w->index].epoch, 0);
}
