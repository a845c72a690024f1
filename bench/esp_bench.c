/* SPDX-License-Identifier: ISC */
/*
 * esp_bench: per-packet cost of userspace ESP (crypto/esp.c), one thread.
 * For every algorithm and payload size it times N encapsulations, then N
 * encapsulate+decapsulate round trips, and prints ns/packet and payload
 * Gbit/s for encap and for decap (round trip minus encap).
 *
 * Not built by CMake; see docs/esp.md:
 *	gcc -O2 -I include -I crypto -o esp_bench bench/esp_bench.c \
 *	    crypto/esp.c crypto/esp_alg.c crypto/replay.c crypto/sadb.c \
 *	    -lcrypto -lpthread
 *	./esp_bench [packets]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gripd/esp.h>

#include "esp_alg.h"

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct esp_sa *
mk(enum esp_alg alg, enum esp_dir dir)
{
	const struct esp_alg_info *ai = esp_alg_lookup(alg);
	struct esp_sa_params p;
	struct esp_sa *sa;

	memset(&p, 0, sizeof(p));
	p.spi = 0x12345678;
	p.dir = dir;
	p.alg = alg;
	p.enc_key_len = ai->key_len + ai->salt_len;
	memset(p.enc_key, 0x42, p.enc_key_len);
	p.auth_key_len = ai->auth_key_len;
	memset(p.auth_key, 0x24, p.auth_key_len);
	p.mode = ESP_MODE_TRANSPORT;
	p.esn = true;
	if (esp_sa_create(&p, 0, &sa) < 0)
		abort();
	return sa;
}

int
main(int argc, char **argv)
{
	static const enum esp_alg algs[] = { ESP_ALG_AES_GCM_128,
	    ESP_ALG_AES_GCM_256, ESP_ALG_CHACHA20_POLY1305,
	    ESP_ALG_AES_CBC_128_HMAC_SHA256, ESP_ALG_AES_CBC_256_HMAC_SHA256 };
	static const size_t sizes[] = { 64, 1400 };
	long n = argc > 1 ? atol(argv[1]) : 200000;
	struct esp_worker w = { .index = 0 };
	static uint8_t buf[2048];

	printf("%-26s %5s %10s %8s %10s %8s\n", "algorithm", "bytes",
	    "encap ns", "Gbit/s", "decap ns", "Gbit/s");
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		for (size_t s = 0; s < 2; s++) {
			struct esp_sa *out = mk(algs[a], ESP_DIR_OUT);
			struct esp_sa *in = mk(algs[a], ESP_DIR_IN);
			size_t off, len, pl_off, pl_len;
			double t0, enc, rt;
			uint8_t nh;

			memset(buf, 0xab, sizeof(buf));
			t0 = now_ns();
			for (long i = 0; i < n; i++)
				if (esp_encap(&w, out, buf, sizeof(buf), 64,
				    sizes[s], ESP_NH_GRE, &off, &len) < 0)
					abort();
			enc = (now_ns() - t0) / n;
			esp_sa_free(out);
			out = mk(algs[a], ESP_DIR_OUT);
			t0 = now_ns();
			for (long i = 0; i < n; i++) {
				if (esp_encap(&w, out, buf, sizeof(buf), 64,
				    sizes[s], ESP_NH_GRE, &off, &len) < 0)
					abort();
				if (esp_decap(&w, in, buf + off, len, &pl_off,
				    &pl_len, &nh) < 0)
					abort();
			}
			rt = (now_ns() - t0) / n;
			printf("%-26s %5zu %10.0f %8.2f %10.0f %8.2f\n",
			    esp_alg_name(algs[a]), sizes[s], enc,
			    sizes[s] * 8 / enc, rt - enc,
			    sizes[s] * 8 / (rt - enc));
			esp_sa_free(out);
			esp_sa_free(in);
		}
	}

	/* SA database: inbound lookups among 4096 SAs, as a hub would do. */
	{
		struct esp_sadb *db;
		struct esp_sa_params p;
		volatile uintptr_t sink = 0;
		double t0;

		if (esp_sadb_create(8192, &db) < 0)
			abort();
		memset(&p, 0, sizeof(p));
		p.dir = ESP_DIR_IN;
		p.alg = ESP_ALG_AES_GCM_128;
		p.enc_key_len = 20;
		for (uint32_t i = 0; i < 4096; i++) {
			p.spi = 0xc0000000u + i * 7919;
			if (esp_sadb_install(db, &p, 0) < 0)
				abort();
		}
		esp_sadb_online(db, &w);
		t0 = now_ns();
		for (long i = 0; i < n * 10; i++)
			sink += (uintptr_t)esp_sadb_lookup_in(db,
			    0xc0000000u + (uint32_t)(i & 4095) * 7919);
		printf("sadb lookup (4096 inbound SAs): %.1f ns\n",
		    (now_ns() - t0) / (n * 10));
		esp_sadb_offline(db, &w);
		esp_sadb_free(db);
	}
	return 0;
}
