/* `ike-conform decode`: captures and raw datagrams printed as ISAKMP trees,
 * decrypted with a Wireshark ikev1_decryption_table when one is given. */
#ifndef IKEC_CLI_DECODE_H
#define IKEC_CLI_DECODE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/chunk.h"
#include "report/capture.h"

/* Encryption keys by initiator cookie, as Wireshark's UAT file has them. */
struct decode_keys {
	struct decode_key {
		uint8_t icookie[8];
		chunk_t key;
	} *k;
	size_t n;
};

/* Read a key table: "icookie_hex,key_hex" per line (quotes allowed, '#'
 * comments). False with "FILE:LINE: what" in err. */
bool decode_keys_load(const char *path, struct decode_keys *keys, char *err, size_t errlen);
void decode_keys_free(struct decode_keys *keys);

struct decode_stats {
	size_t messages;      /* datagrams printed */
	size_t decrypted;     /* encrypted ones that decrypted and parsed */
	size_t undecrypted;   /* encrypted ones with no key or state for them */
	size_t malformed;     /* parse errors (each reported) */
};

/* Print every datagram of a capture as a tree to out; problems go to out
 * too, and the first parse error also to err (for a one-line summary). */
void decode_capture(FILE *out, const char *name, const struct capture *cap,
		    const struct decode_keys *keys, unsigned print_flags,
		    struct decode_stats *st, char *err, size_t errlen);

#endif
