/* SPDX-License-Identifier: ISC */
/*
 * esp_alg.h (private): the ESP algorithm table and the OpenSSL contexts
 * one worker thread keeps per SA.  Only esp.c and the tests use it.
 */
#ifndef GRIPD_ESP_ALG_H
#define GRIPD_ESP_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <gripd/esp.h>

struct esp_alg_info {
	enum esp_alg alg;
	const char *name;
	size_t key_len;		/* cipher key, without the salt */
	size_t salt_len;	/* 4 for the AEADs (RFC 4106, RFC 7634) */
	size_t iv_len;		/* explicit IV in the packet */
	size_t block;		/* padding alignment (RFC 4303 2.4) */
	size_t auth_key_len;	/* 0 for the AEADs */
	bool aead;
	const char *cipher;	/* OpenSSL name */
};

/* Per SA, per worker thread: keys expanded once at creation. */
struct esp_cctx {
	EVP_CIPHER_CTX *cipher;
	EVP_MAC_CTX *mac;	/* HMAC for the CBC suites */
};

const struct esp_alg_info	*esp_alg_lookup(enum esp_alg alg);

/* Returns 0, -EINVAL or -ENOMEM. */
int	esp_cctx_new(const struct esp_alg_info *ai, bool encrypt,
	    const uint8_t *key, const uint8_t *auth_key, struct esp_cctx **out);
void	esp_cctx_free(struct esp_cctx *c);

/*
 * AEAD in place: nonce is salt || IV (12 bytes).  seal writes the 16-byte
 * tag; open verifies it and returns -EBADMSG on mismatch.
 */
int	esp_alg_seal(struct esp_cctx *c, const uint8_t *nonce,
	    const uint8_t *aad, size_t aadlen, uint8_t *data, size_t len,
	    uint8_t *tag);
int	esp_alg_open(struct esp_cctx *c, const uint8_t *nonce,
	    const uint8_t *aad, size_t aadlen, uint8_t *data, size_t len,
	    const uint8_t *tag);

/* AES-CBC in place, len a multiple of 16, no padding of its own. */
int	esp_alg_cbc(struct esp_cctx *c, const uint8_t *iv, uint8_t *data,
	    size_t len);

/* HMAC-SHA-256 of a || b, truncated to 16 bytes (RFC 4868 2.3). */
int	esp_alg_hmac(struct esp_cctx *c, const uint8_t *a, size_t alen,
	    const uint8_t *b, size_t blen, uint8_t *icv);

#endif
