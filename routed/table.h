/* SPDX-License-Identifier: ISC */
/*
 * table.h (private to routed/): helpers for the hash tables of the RIB,
 * the LPM and zclient.
 *
 * table_alloc(): zeroed memory for tables that are probed before they are
 * written.  calloc() serves a big block from fresh mmap pages and skips
 * the memset.  A hash probe *reads* a slot first, which maps the kernel's shared zero
 * page; the first write to that page is then a copy-on-write fault, and
 * because the mapping changes, a TLB shoot-down interrupt to every CPU
 * that runs one of our threads (the datapath workers).  perf on a 2-vCPU
 * VM: about 1 ms of a 10,000-prefix LPM fill went to do_wp_page and
 * flush_tlb_mm_range (docs/benchmarks.md, "Route injection", fifth set).
 * Writing the zeros at once faults every page in as plain anonymous
 * memory, with no copy and no shoot-down.
 */
#ifndef GRIPD_TABLE_H
#define GRIPD_TABLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* As calloc(n, size), but every page written now. */
static inline void *
table_alloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	if ((p = malloc(n * size)) != NULL)
		memset(p, 0, n * size);
	return p;
}

/*
 * Hash of a 16-byte address plus a small tag (family, prefix length):
 * two 64-bit words, each multiplied, then the 64-bit finalizer of
 * MurmurHash3 (every input bit reaches every output bit), so the low bits
 * a table masks with are as good as the high ones.  A dozen cycles where
 * byte-wise FNV-1a needed a 16-step multiply chain.
 */
static inline uint64_t
table_hash16(const uint8_t addr[16], uint32_t tag)
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^
	    ((uint64_t)tag << 32 | tag);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

#endif
