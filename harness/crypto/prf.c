/* HMAC PRFs and hashes through EVP_MAC / EVP_MD. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/prf.h"

static const struct prf_info prf_table[] = {
	{ PRF_MD5, "md5", "MD5", 16 },
	{ PRF_SHA1, "sha1", "SHA1", 20 },
	{ PRF_SHA2_256, "sha256", "SHA2-256", 32 },
	{ PRF_SHA2_384, "sha384", "SHA2-384", 48 },
	{ PRF_SHA2_512, "sha512", "SHA2-512", 64 },
};
#define PRF_N (sizeof(prf_table) / sizeof(prf_table[0]))

struct prf_ctx {
	const struct prf_info *info;
	EVP_MAC_CTX *mac;
	chunk_t key;   /* kept to re-init after final */
	bool fresh;    /* initialised and not yet finalised */
};

const struct prf_info *prf_get(uint16_t alg)
{
	for (size_t i = 0; i < PRF_N; i++)
		if (prf_table[i].id == alg)
			return &prf_table[i];
	return NULL;
}

const struct prf_info *prf_by_name(const char *name)
{
	for (size_t i = 0; name && i < PRF_N; i++)
		if (strcmp(prf_table[i].name, name) == 0)
			return &prf_table[i];
	return NULL;
}

size_t prf_len(uint16_t alg)
{
	const struct prf_info *p = prf_get(alg);
	return p ? p->len : 0;
}

size_t prf_count(void)
{
	return PRF_N;
}

const struct prf_info *prf_at(size_t i)
{
	return i < PRF_N ? &prf_table[i] : NULL;
}

static bool prf_ctx_init(struct prf_ctx *ctx, struct crypto_err *err)
{
	/* HMAC with an empty key is legal; OpenSSL wants a non-NULL pointer. */
	static const unsigned char nokey[1];
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)ctx->info->md, 0),
		OSSL_PARAM_construct_end(),
	};
	const unsigned char *k = ctx->key.len ? ctx->key.ptr : nokey;
	if (!EVP_MAC_init(ctx->mac, k, ctx->key.len, params))
		return crypto_fail(err, "HMAC-%s init failed", ctx->info->name);
	ctx->fresh = true;
	return true;
}

struct prf_ctx *prf_ctx_new(uint16_t alg, chunk_t key, struct crypto_err *err)
{
	const struct prf_info *info = prf_get(alg);
	if (!info) {
		crypto_fail(err, "hash algorithm %u is not supported (need 1 MD5, 2 SHA, 4-6 SHA2)",
			    alg);
		return NULL;
	}
	if (!crypto_init(err))
		return NULL;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac) {
		crypto_fail(err, "HMAC is not available");
		return NULL;
	}
	struct prf_ctx *ctx = xcalloc(1, sizeof(*ctx));
	ctx->info = info;
	ctx->mac = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);
	ctx->key = chunk_dup(key.ptr, key.len);
	if (!ctx->mac || !prf_ctx_init(ctx, err)) {
		if (!ctx->mac)
			crypto_fail(err, "HMAC context allocation failed");
		prf_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

bool prf_ctx_update(struct prf_ctx *ctx, chunk_t data, struct crypto_err *err)
{
	if (!ctx)
		return crypto_fail(err, "no PRF context");
	if (!ctx->fresh && !prf_ctx_init(ctx, err))
		return false;
	if (data.len && !EVP_MAC_update(ctx->mac, data.ptr, data.len))
		return crypto_fail(err, "HMAC-%s update failed", ctx->info->name);
	return true;
}

bool prf_ctx_final(struct prf_ctx *ctx, chunk_t *out, struct crypto_err *err)
{
	if (!ctx)
		return crypto_fail(err, "no PRF context");
	if (!ctx->fresh && !prf_ctx_init(ctx, err))
		return false;
	chunk_t o = chunk_alloc(ctx->info->len);
	size_t olen = 0;
	if (!EVP_MAC_final(ctx->mac, o.ptr, &olen, o.len) || olen != o.len) {
		chunk_free(&o);
		return crypto_fail(err, "HMAC-%s final failed", ctx->info->name);
	}
	ctx->fresh = false;
	*out = o;
	return true;
}

void prf_ctx_free(struct prf_ctx *ctx)
{
	if (!ctx)
		return;
	EVP_MAC_CTX_free(ctx->mac);
	chunk_clear(&ctx->key);
	free(ctx);
}

bool prf_computev(uint16_t alg, chunk_t key, size_t n, const chunk_t *parts,
		  chunk_t *out, struct crypto_err *err)
{
	struct prf_ctx *ctx = prf_ctx_new(alg, key, err);
	if (!ctx)
		return false;
	bool ok = true;
	for (size_t i = 0; ok && i < n; i++)
		ok = prf_ctx_update(ctx, parts[i], err);
	ok = ok && prf_ctx_final(ctx, out, err);
	prf_ctx_free(ctx);
	return ok;
}

bool prf_compute(uint16_t alg, chunk_t key, chunk_t data, chunk_t *out,
		 struct crypto_err *err)
{
	return prf_computev(alg, key, 1, &data, out, err);
}

bool prf_hashv(uint16_t alg, size_t n, const chunk_t *parts, chunk_t *out,
	       struct crypto_err *err)
{
	const struct prf_info *info = prf_get(alg);
	if (!info)
		return crypto_fail(err, "hash algorithm %u is not supported", alg);
	if (!crypto_init(err))
		return false;
	EVP_MD *md = EVP_MD_fetch(NULL, info->md, NULL);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	bool ok = md && mctx && EVP_DigestInit_ex(mctx, md, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = parts[i].len == 0 || EVP_DigestUpdate(mctx, parts[i].ptr, parts[i].len);
	chunk_t o = chunk_alloc(info->len);
	unsigned int olen = 0;
	ok = ok && EVP_DigestFinal_ex(mctx, o.ptr, &olen) && olen == o.len;
	EVP_MD_CTX_free(mctx);
	EVP_MD_free(md);
	if (!ok) {
		chunk_free(&o);
		return crypto_fail(err, "%s hash failed", info->name);
	}
	*out = o;
	return true;
}
