/* Reproducible randomness for fuzz runs (ike-conform run --seed).
 *
 * Seeded, every random byte this process asks OpenSSL for (our cookies,
 * nonces, SPIs and message IDs through RAND_bytes, and the private values
 * OpenSSL draws inside DH/ECDH key generation and ECDSA signing) comes from
 * AES-256-CTR keyed by SHA-256 of the seed, so the same seed makes the same
 * bytes. Unseeded, OpenSSL's own generator is back. Not for anything that
 * must stay secret: it exists so a failing case sends the same datagrams
 * when it is run again. */
#ifndef IKEC_CRYPTO_RAND_H
#define IKEC_CRYPTO_RAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Take every random byte from the seed's stream from now on (a second call
 * starts a new stream). False when OpenSSL refused the method. */
bool crypto_rand_seed(const void *seed, size_t len);
/* The seed of a run and a name (a case id): the stream a case gets, the
 * same whatever worker runs it. */
bool crypto_rand_seed_for(uint64_t seed, const char *name);
/* Back to OpenSSL's generator. */
void crypto_rand_unseed(void);
bool crypto_rand_seeded(void);

#endif
