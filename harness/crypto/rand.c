/* Reproducible randomness: a RAND_METHOD over AES-256-CTR (rand.h).
 *
 * OpenSSL 3 still routes RAND_bytes and RAND_priv_bytes (and through them
 * BN_priv_rand_range, which DH, ECDH and ECDSA draw their secrets from)
 * to a RAND_METHOD set with RAND_set_rand_method; that interface is
 * deprecated, which is why this one file asks for it explicitly. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "crypto/rand.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"

static EVP_CIPHER_CTX *rand_ctx;

static int rand_stream(unsigned char *buf, int num)
{
	static const unsigned char zero[256];
	if (!rand_ctx || num < 0)
		return 0;
	while (num > 0) {
		int n = num < (int)sizeof(zero) ? num : (int)sizeof(zero), out = 0;
		if (EVP_EncryptUpdate(rand_ctx, buf, &out, zero, n) != 1 || out != n)
			return 0;
		buf += n;
		num -= n;
	}
	return 1;
}

static int rand_status(void)
{
	return rand_ctx != NULL;
}

static int rand_ignore_seed(const void *buf, int num)
{
	(void)buf;
	(void)num;
	return 1;
}

static int rand_ignore_add(const void *buf, int num, double entropy)
{
	(void)buf;
	(void)num;
	(void)entropy;
	return 1;
}

static const RAND_METHOD rand_method = {
	.seed = rand_ignore_seed,
	.bytes = rand_stream,
	.add = rand_ignore_add,
	.pseudorand = rand_stream,
	.status = rand_status,
};

bool crypto_rand_seed(const void *seed, size_t len)
{
	unsigned char key[32], iv[16] = { 0 };
	unsigned int klen = 0;
	if (!crypto_init(NULL) || !EVP_Digest(seed, len, key, &klen, EVP_sha256(), NULL) ||
	    klen != sizeof(key))
		return false;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!c || EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), NULL, key, iv) != 1) {
		EVP_CIPHER_CTX_free(c);
		return false;
	}
	EVP_CIPHER_CTX_free(rand_ctx);
	rand_ctx = c;
	if (RAND_set_rand_method(&rand_method) != 1) {
		crypto_rand_unseed();
		return false;
	}
	return true;
}

bool crypto_rand_seed_for(uint64_t seed, const char *name)
{
	unsigned char buf[8 + 512];
	size_t n = strlen(name);
	if (n > sizeof(buf) - 8)
		n = sizeof(buf) - 8;
	for (int i = 0; i < 8; i++)
		buf[i] = (unsigned char)(seed >> (56 - 8 * i));
	memcpy(buf + 8, name, n);
	return crypto_rand_seed(buf, 8 + n);
}

void crypto_rand_unseed(void)
{
	if (!rand_ctx)
		return;
	RAND_set_rand_method(NULL);
	EVP_CIPHER_CTX_free(rand_ctx);
	rand_ctx = NULL;
}

bool crypto_rand_seeded(void)
{
	return rand_ctx != NULL;
}
