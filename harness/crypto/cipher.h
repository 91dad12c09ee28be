/* IKEv1 phase-1 ciphers (attribute class 1), CBC without OpenSSL padding. */
#ifndef IKEC_CRYPTO_CIPHER_H
#define IKEC_CRYPTO_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "crypto/crypto.h"

/* IKE attribute class 1 values (RFC 2409 App. A, RFC 3602, RFC 4312). */
enum cipher_alg {
	CIPHER_DES = 1,
	CIPHER_IDEA = 2,       /* not implemented */
	CIPHER_BLOWFISH = 3,
	CIPHER_RC5 = 4,        /* not implemented */
	CIPHER_3DES = 5,
	CIPHER_CAST = 6,
	CIPHER_AES = 7,
	CIPHER_CAMELLIA = 8,
};

struct cipher_info {
	uint16_t id;
	const char *name;          /* "des", "3des", "blowfish", "cast128", "aes", "camellia" */
	size_t block;              /* bytes */
	uint16_t key_min;          /* bits */
	uint16_t key_max;          /* bits */
	uint16_t key_step;         /* bits between allowed lengths */
	uint16_t key_default;      /* bits when no Key Length attribute is sent, 0 = none */
	bool keylen_required;      /* the Key Length attribute (class 14) must be sent */
	bool keylen_allowed;       /* false for fixed-key ciphers: it MUST NOT be sent */
	bool legacy;               /* needs OpenSSL's legacy provider */
};

const struct cipher_info *cipher_get(uint16_t id);
const struct cipher_info *cipher_by_name(const char *name);
size_t cipher_count(void);
const struct cipher_info *cipher_at(size_t i);

/* Key size in bytes for a cipher given the Key Length attribute in bits
 * (0 = attribute absent); an error names the rule broken. */
bool cipher_key_bytes(uint16_t id, uint16_t keylen_bits, size_t *bytes,
		      struct crypto_err *err);

/* DES weak and semi-weak keys (parity ignored); for 3DES also any weak
 * third and degenerate keys (K1 = K2 or K2 = K3, which is single DES).
 * Returns a reason, or NULL when the key is fine or the cipher has no
 * known weak keys. */
const char *cipher_key_weak(uint16_t id, chunk_t key);

enum cipher_weak_policy {
	CIPHER_WEAK_REJECT,   /* refuse weak keys (default) */
	CIPHER_WEAK_ALLOW,    /* use them anyway, for conformance tests */
};

/* CBC over whole blocks; iv (block bytes) is updated in place to the last
 * ciphertext block, which is the IV of the next message in the exchange
 * (RFC 2409 App. B). in.len must be a multiple of the block size. */
bool cipher_encrypt(uint16_t id, chunk_t key, chunk_t iv, chunk_t in, chunk_t *out,
		    enum cipher_weak_policy weak, struct crypto_err *err);
bool cipher_decrypt(uint16_t id, chunk_t key, chunk_t iv, chunk_t in, chunk_t *out,
		    enum cipher_weak_policy weak, struct crypto_err *err);

/* How a plaintext is brought to a whole number of blocks. */
enum cipher_pad {
	/* RFC 2409 App. B: "padded up to the nearest block size using bytes
	 * containing 0x00"; nothing when already aligned. What libreswan and
	 * strongSwan send. */
	CIPHER_PAD_ZERO,
	/* RFC 2409 5.3: zeros, the last byte holds the number of padding bytes
	 * excluding itself; always at least one byte. */
	CIPHER_PAD_COUNT,
};

/* A new chunk: plain padded for the block size by the rule. */
chunk_t cipher_pad(chunk_t plain, size_t block, enum cipher_pad mode);
/* Length of the plaintext without padding. CIPHER_PAD_ZERO cannot be told
 * from data and returns the whole length (payload lengths decide);
 * CIPHER_PAD_COUNT checks the count byte and that the others are zero. */
bool cipher_unpad(chunk_t plain, size_t block, enum cipher_pad mode, size_t *len,
		  struct crypto_err *err);

/* Pad then encrypt / decrypt then (for CIPHER_PAD_COUNT) strip, in one go. */
bool cipher_encrypt_msg(uint16_t id, chunk_t key, chunk_t iv, chunk_t plain,
			enum cipher_pad pad, chunk_t *out, struct crypto_err *err);
bool cipher_decrypt_msg(uint16_t id, chunk_t key, chunk_t iv, chunk_t in,
			enum cipher_pad pad, chunk_t *out, struct crypto_err *err);

#endif
