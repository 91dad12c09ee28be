/* Shared bits of the crypto module: error reporting and OpenSSL setup. */
#ifndef IKEC_CRYPTO_CRYPTO_H
#define IKEC_CRYPTO_CRYPTO_H

#include <stdbool.h>

/* Every fallible crypto call takes one of these (or NULL) and fills it with
 * a sentence saying what went wrong; no call aborts on bad input. */
struct crypto_err {
	char msg[256];
};

/* Load the "default" and "legacy" providers once (DES, Blowfish, CAST live
 * in legacy). Called by every module entry point; safe to call again. */
bool crypto_init(struct crypto_err *err);
/* Whether the legacy provider loaded (DES, Blowfish, CAST need it). */
bool crypto_have_legacy(void);

/* Fill err (when non-NULL) from fmt; appends the first OpenSSL error queue
 * entry if there is one, then clears the queue. Returns false for tail calls. */
bool crypto_fail(struct crypto_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Empty the message, so a caller can tell whether a step already set one. */
static inline void crypto_err_reset(struct crypto_err *err)
{
	if (err)
		err->msg[0] = '\0';
}

#endif
