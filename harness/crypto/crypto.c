/* OpenSSL provider setup and error text for the crypto module. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "crypto/crypto.h"

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static bool crypto_ok;
static bool crypto_legacy;
/* Kept so the providers stay reachable (never unloaded while we run). */
static OSSL_PROVIDER *crypto_prov_default, *crypto_prov_legacy;

/* Unload at exit, before OpenSSL's own cleanup: the legacy provider's child
 * library context is otherwise left behind (LeakSanitizer reports it). */
static void crypto_unload(void)
{
	if (crypto_prov_legacy)
		OSSL_PROVIDER_unload(crypto_prov_legacy);
	if (crypto_prov_default)
		OSSL_PROVIDER_unload(crypto_prov_default);
	crypto_prov_legacy = crypto_prov_default = NULL;
}

static void crypto_load(void)
{
	/* Loading any provider explicitly disables the implicit default one,
	 * so load both; legacy is optional (its absence only loses DES etc.). */
	crypto_prov_default = OSSL_PROVIDER_load(NULL, "default");
	crypto_prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	crypto_ok = crypto_prov_default != NULL;
	crypto_legacy = crypto_prov_legacy != NULL;
	atexit(crypto_unload);
	ERR_clear_error();
}

bool crypto_init(struct crypto_err *err)
{
	pthread_once(&crypto_once, crypto_load);
	if (!crypto_ok)
		return crypto_fail(err, "OpenSSL default provider failed to load");
	return true;
}

bool crypto_have_legacy(void)
{
	pthread_once(&crypto_once, crypto_load);
	return crypto_legacy;
}

bool crypto_fail(struct crypto_err *err, const char *fmt, ...)
{
	unsigned long e = ERR_peek_error();
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		if (e) {
			size_t n = strlen(err->msg);
			char buf[160];
			ERR_error_string_n(e, buf, sizeof(buf));
			snprintf(err->msg + n, sizeof(err->msg) - n, " (%s)", buf);
		}
	}
	ERR_clear_error();
	return false;
}
