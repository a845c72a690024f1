/* SPDX-License-Identifier: ISC */
/*
 * DOC: ESP algorithms and per-thread OpenSSL contexts
 *
 * The table below is the single place that knows key, salt, IV, block
 * and ICV sizes of the ESP transforms gripd speaks:
 *
 *	AES-GCM-16 (RFC 4106)		key 16/32 + salt 4, IV 8, ICV 16
 *	ChaCha20-Poly1305 (RFC 7634)	key 32 + salt 4, IV 8, ICV 16
 *	AES-CBC (RFC 3602)		key 16/32, IV 16, block 16
 *	  + HMAC-SHA-256-128 (RFC 4868)	key 32, ICV 16 (truncated)
 *
 * An esp_cctx is what one worker thread keeps for one SA: an
 * EVP_CIPHER_CTX initialised with the key once (key schedule expanded at
 * creation), and for the CBC suites an EVP_MAC_CTX holding the HMAC key.
 * Per packet only the IV changes: EVP_CipherInit_ex2() with a NULL cipher
 * and NULL key keeps the expanded key in OpenSSL 3, and EVP_MAC_init()
 * with a NULL key restarts HMAC from the precomputed inner/outer pads.
 * Nothing here allocates per packet.  Contexts are never shared between
 * threads, so they need no locks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "esp_alg.h"

static const struct esp_alg_info esp_algs[] = {
	{ ESP_ALG_AES_GCM_128, "aes-gcm-128", 16, 4, 8, 4, 0, true,
	    "AES-128-GCM" },
	{ ESP_ALG_AES_GCM_256, "aes-gcm-256", 32, 4, 8, 4, 0, true,
	    "AES-256-GCM" },
	{ ESP_ALG_CHACHA20_POLY1305, "chacha20-poly1305", 32, 4, 8, 4, 0,
	    true, "ChaCha20-Poly1305" },
	{ ESP_ALG_AES_CBC_128_HMAC_SHA256, "aes-cbc-128-hmac-sha256", 16, 0,
	    16, 16, 32, false, "AES-128-CBC" },
	{ ESP_ALG_AES_CBC_256_HMAC_SHA256, "aes-cbc-256-hmac-sha256", 32, 0,
	    16, 16, 32, false, "AES-256-CBC" },
};

const struct esp_alg_info *
esp_alg_lookup(enum esp_alg alg)
{
	for (size_t i = 0; i < sizeof(esp_algs) / sizeof(esp_algs[0]); i++)
		if (esp_algs[i].alg == alg)
			return &esp_algs[i];
	return NULL;
}

const char *
esp_alg_name(enum esp_alg alg)
{
	const struct esp_alg_info *ai = esp_alg_lookup(alg);

	return ai != NULL ? ai->name : NULL;
}

void
esp_cctx_free(struct esp_cctx *c)
{
	if (c == NULL)
		return;
	EVP_CIPHER_CTX_free(c->cipher);
	EVP_MAC_CTX_free(c->mac);
	free(c);
}

int
esp_cctx_new(const struct esp_alg_info *ai, bool encrypt, const uint8_t *key,
    const uint8_t *auth_key, struct esp_cctx **out)
{
	struct esp_cctx *c;
	EVP_CIPHER *cipher = NULL;
	EVP_MAC *mac = NULL;
	int rc = -ENOMEM;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	if ((c->cipher = EVP_CIPHER_CTX_new()) == NULL)
		goto fail;
	if ((cipher = EVP_CIPHER_fetch(NULL, ai->cipher, NULL)) == NULL) {
		rc = -EINVAL;
		goto fail;
	}
	if (!EVP_CipherInit_ex2(c->cipher, cipher, key, NULL, encrypt, NULL))
		goto fail;
	if (!ai->aead) {
		OSSL_PARAM params[2];

		/* RFC 4303 2.4: ESP pads itself; no PKCS#7 from OpenSSL. */
		EVP_CIPHER_CTX_set_padding(c->cipher, 0);
		if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
			goto fail;
		if ((c->mac = EVP_MAC_CTX_new(mac)) == NULL)
			goto fail;
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_MAC_init(c->mac, auth_key, ai->auth_key_len, params))
			goto fail;
	}
	EVP_CIPHER_free(cipher);
	EVP_MAC_free(mac);
	*out = c;
	return 0;
fail:
	EVP_CIPHER_free(cipher);
	EVP_MAC_free(mac);
	esp_cctx_free(c);
	return rc;
}

static int
alg_aead(struct esp_cctx *c, int enc, const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, uint8_t *data, size_t len)
{
	int outl;

	/* New nonce only; the expanded key stays (OpenSSL 3). */
	if (!EVP_CipherInit_ex2(c->cipher, NULL, NULL, nonce, enc, NULL))
		return -EINVAL;
	if (!EVP_CipherUpdate(c->cipher, NULL, &outl, aad, (int)aadlen))
		return -EINVAL;
	if (len > 0 &&
	    !EVP_CipherUpdate(c->cipher, data, &outl, data, (int)len))
		return -EINVAL;
	return 0;
}

int
esp_alg_seal(struct esp_cctx *c, const uint8_t *nonce, const uint8_t *aad,
    size_t aadlen, uint8_t *data, size_t len, uint8_t *tag)
{
	int outl, rc;

	if ((rc = alg_aead(c, 1, nonce, aad, aadlen, data, len)) < 0)
		return rc;
	if (!EVP_CipherFinal_ex(c->cipher, data + len, &outl))
		return -EINVAL;
	if (!EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_GET_TAG, ESP_ICV_LEN,
	    tag))
		return -EINVAL;
	return 0;
}

int
esp_alg_open(struct esp_cctx *c, const uint8_t *nonce, const uint8_t *aad,
    size_t aadlen, uint8_t *data, size_t len, const uint8_t *tag)
{
	uint8_t t[ESP_ICV_LEN];
	int outl, rc;

	if ((rc = alg_aead(c, 0, nonce, aad, aadlen, data, len)) < 0)
		return rc;
	memcpy(t, tag, sizeof(t));
	if (!EVP_CIPHER_CTX_ctrl(c->cipher, EVP_CTRL_AEAD_SET_TAG, ESP_ICV_LEN,
	    t))
		return -EINVAL;
	if (EVP_CipherFinal_ex(c->cipher, data + len, &outl) <= 0)
		return -EBADMSG;
	return 0;
}

int
esp_alg_cbc(struct esp_cctx *c, const uint8_t *iv, uint8_t *data, size_t len)
{
	int outl, fin;

	if (len % 16 != 0)
		return -EINVAL;
	if (!EVP_CipherInit_ex2(c->cipher, NULL, NULL, iv, -1, NULL))
		return -EINVAL;
	if (!EVP_CipherUpdate(c->cipher, data, &outl, data, (int)len))
		return -EINVAL;
	if (!EVP_CipherFinal_ex(c->cipher, data + outl, &fin))
		return -EINVAL;
	return 0;
}

int
esp_alg_hmac(struct esp_cctx *c, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t *icv)
{
	uint8_t md[32];
	size_t mdlen;

	/* NULL key: restart from the stored key (OpenSSL 3 HMAC). */
	if (!EVP_MAC_init(c->mac, NULL, 0, NULL))
		return -EINVAL;
	if (!EVP_MAC_update(c->mac, a, alen))
		return -EINVAL;
	if (blen > 0 && !EVP_MAC_update(c->mac, b, blen))
		return -EINVAL;
	if (!EVP_MAC_final(c->mac, md, &mdlen, sizeof(md)) || mdlen != 32)
		return -EINVAL;
	/* RFC 4868 2.3: the ICV is the leftmost 128 bits. */
	memcpy(icv, md, ESP_ICV_LEN);
	return 0;
}
