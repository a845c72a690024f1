/* SPDX-License-Identifier: ISC */
/*
 * fuzz_esp: ESP decapsulation (crypto/esp.c) on arbitrary bytes, with a
 * fixed key, for every algorithm.
 *
 * Input layout:
 *	byte 0	bits 0-2: algorithm (mod 5); bit 3: ESN; bit 4: tunnel
 *		mode; bit 5: "authentic" mode
 *	rest	raw mode: the ESP packet as received
 *		authentic mode: 4 bytes of sequence number, then a plaintext
 *		(payload, padding, pad length, next header) that the target
 *		seals under the SA's keys first, so that the trailer checks
 *		behind the ICV get fuzzed too
 *
 * Every input also goes through esp_udp_classify.  Must never crash, leak
 * or deliver a payload outside the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gripd/esp.h>

#include "esp_alg.h"

static const enum esp_alg fuzz_algs[5] = {
	ESP_ALG_AES_GCM_128, ESP_ALG_AES_GCM_256, ESP_ALG_CHACHA20_POLY1305,
	ESP_ALG_AES_CBC_128_HMAC_SHA256, ESP_ALG_AES_CBC_256_HMAC_SHA256,
};

#define FUZZ_SPI 0x0badcafe

static void
fuzz_params(struct esp_sa_params *p, uint8_t sel)
{
	const struct esp_alg_info *ai =
	    esp_alg_lookup(fuzz_algs[(sel & 7) % 5]);

	memset(p, 0, sizeof(*p));
	p->spi = FUZZ_SPI;
	p->dir = ESP_DIR_IN;
	p->alg = ai->alg;
	p->enc_key_len = ai->key_len + ai->salt_len;
	for (size_t i = 0; i < p->enc_key_len; i++)
		p->enc_key[i] = (uint8_t)(0x30 + i);
	p->auth_key_len = ai->auth_key_len;
	for (size_t i = 0; i < p->auth_key_len; i++)
		p->auth_key[i] = (uint8_t)(0x90 + i);
	p->esn = (sel & 8) != 0;
	p->mode = (sel & 16) ? ESP_MODE_TUNNEL : ESP_MODE_TRANSPORT;
	p->replay_window = 64;
}

/* Builds an authentic packet around `pt` (seq_hi 0) into out. */
static size_t
fuzz_seal(const struct esp_sa_params *p, uint32_t seq, const uint8_t *pt,
    size_t ptlen, uint8_t *out)
{
	const struct esp_alg_info *ai = esp_alg_lookup(p->alg);
	size_t hl = ESP_HDR_LEN + ai->iv_len, len = ptlen;
	struct esp_cctx *c;
	uint8_t nonce[12], aad[12];

	if (esp_cctx_new(ai, true, p->enc_key, p->auth_key, &c) < 0)
		return 0;
	for (int i = 0; i < 4; i++) {
		out[i] = (uint8_t)(FUZZ_SPI >> (24 - 8 * i));
		out[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	}
	memset(out + ESP_HDR_LEN, 0x42, ai->iv_len);
	if (!ai->aead)
		len = ptlen / 16 * 16;
	memcpy(out + hl, pt, len);
	if (ai->aead) {
		size_t aadlen = 8;

		memcpy(nonce, p->enc_key + ai->key_len, 4);
		memcpy(nonce + 4, out + ESP_HDR_LEN, 8);
		memcpy(aad, out, 4);
		if (p->esn) {
			memset(aad + 4, 0, 4);
			memcpy(aad + 8, out + 4, 4);
			aadlen = 12;
		} else {
			memcpy(aad + 4, out + 4, 4);
		}
		if (esp_alg_seal(c, nonce, aad, aadlen, out + hl, len,
		    out + hl + len) < 0)
			len = 0;
	} else {
		static const uint8_t zero[4];

		if (esp_alg_cbc(c, out + ESP_HDR_LEN, out + hl, len) < 0 ||
		    esp_alg_hmac(c, out, hl + len, zero, p->esn ? 4 : 0,
		    out + hl + len) < 0)
			len = 0;
	}
	esp_cctx_free(c);
	return hl + len + ESP_ICV_LEN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esp_worker w = { .index = 0 };
	struct esp_sa_params p;
	struct esp_sa *sa;
	uint8_t *buf, nh;
	size_t len, off, pl_len;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	(void)esp_udp_classify(data + 1, size - 1);
	fuzz_params(&p, data[0]);
	if (esp_sa_create(&p, 0, &sa) < 0)
		abort();
	/* exact-size heap copy so ASan sees any overread */
	if ((buf = malloc(size + 64)) == NULL)
		abort();
	if (data[0] & 32) {
		uint32_t seq;

		if (size < 5) {
			free(buf);
			esp_sa_free(sa);
			return 0;
		}
		seq = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
		    (uint32_t)data[3] << 8 | data[4];
		len = fuzz_seal(&p, seq, data + 5, size - 5, buf);
	} else {
		len = size - 1;
		memcpy(buf, data + 1, len);
	}
	rc = esp_decap(&w, sa, buf, len, &off, &pl_len, &nh);
	if (rc == 0) {
		if (off + pl_len > len)
			abort();
		/* the payload is readable in full */
		volatile uint8_t sum = 0;
		for (size_t i = 0; i < pl_len; i++)
			sum ^= buf[off + i];
		(void)sum;
	}
	free(buf);
	esp_sa_free(sa);
	return 0;
}
