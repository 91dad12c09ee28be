/* The malformed-payload catalog: named mutations as data (docs/mutations.md).
 *
 * Each entry says which messages it applies to, how it changes them in the
 * engine's own mutation ops (engine.h), the RFC clause it exercises and the
 * reaction that clause calls for: a notify type, or silence where the RFC
 * says to drop (unauthenticated garbage, a message that cannot be decrypted,
 * errors in a received Informational). The suite runner builds a case from
 * an entry and the message it targets (suites: `malformed:`). */
#ifndef IKEC_IKE_CATALOG_H
#define IKEC_IKE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/engine.h"
#include "ike/ike.h"

#define IKE_CAT_MAX_MUT 3
#define IKE_CAT_BIT(k) (1u << (k))

/* Byte patterns of SET_BYTES, APPEND and UNKNOWN mutations, kept in the
 * catalog's own storage (filled on first use, never freed). */
enum ike_cat_bytes {
	IKE_CB_NONE = 0,
	IKE_CB_EMPTY,         /* no bytes */
	IKE_CB_2,             /* 2 bytes 0x00 0x01 */
	IKE_CB_3,             /* 3 bytes 0xc0 0x00 0x02 */
	IKE_CB_4,             /* 4 bytes 0xa5 */
	IKE_CB_5,             /* 5 bytes 0xa5 */
	IKE_CB_7,             /* 7 bytes 0xa5 */
	IKE_CB_8,             /* 8 bytes 0x00 */
	IKE_CB_COOKIE,        /* 8 bytes 0xc0 0x0c ... that no SA has */
	IKE_CB_100,           /* 100 bytes 0x5a: a KE of the wrong length */
	IKE_CB_300,           /* 300 bytes 0x5a: a nonce over 256 */
	IKE_CB_ZERO32,        /* 32 zero bytes: a SHA-256 sized wrong hash */
	IKE_CB_ZERO256,       /* 256 zero bytes: MODP-2048 g^x = 0 */
	IKE_CB_ONE256,        /* 00..01: g^x = 1 */
	IKE_CB_FF256,         /* ff..ff: g^x > p */
	IKE_CB_PM1_256,       /* p - 1 of MODP-2048 (RFC 3526 3) */
	IKE_CB_DER,           /* 30 82 01 00 a5 a5 a5 a5: a DER SEQUENCE that
				 says 256 bytes and carries 4 */
	IKE_CB_COUNT
};

/* Entries that change payloads only one kind of authentication sends. */
enum ike_cat_auth {
	IKE_CAT_AUTH_ANY = 0,
	IKE_CAT_AUTH_PSK,         /* HASH_I / HASH_R in mm5/mm6, am2/am3 */
	IKE_CAT_AUTH_SIG,         /* CERT, CR and SIG */
};

/* One mutation as data; ike_catalog_mutations turns it into ike_mutation. */
struct ike_cat_mut {
	enum ike_mut_op op;
	const char *path;         /* SET, SET_BYTES */
	uint32_t value;           /* SET; TRUNCATE/CHOP length; XOR mask */
	uint8_t payload;          /* REMOVE, DUPLICATE, UNKNOWN */
	size_t nth;
	size_t offset;            /* XOR */
	enum ike_cat_bytes bytes; /* SET_BYTES, APPEND, UNKNOWN */
};

struct ike_catalog_entry {
	const char *name;         /* "hdr-major-version" */
	uint32_t at;              /* IKE_CAT_BIT(kind) of the messages it applies to */
	struct ike_cat_mut mut[IKE_CAT_MAX_MUT];
	size_t nmut;
	uint16_t notify;          /* the RFC's reaction; 0: silence (drop) */
	const char *rfc;          /* "RFC 2408 5.1" */
	const char *what;         /* what it changes, one line */
	bool accept;              /* the reaction: the exchange goes on (the
				     peer's next message), notify 0 */
	enum ike_cat_auth auth;   /* the authentication it needs */
};

size_t ike_catalog_count(void);
/* The ith entry (i < count), in the table's order. */
const struct ike_catalog_entry *ike_catalog_get(size_t i);
/* By name; NULL when there is none. */
const struct ike_catalog_entry *ike_catalog_find(const char *name);
/* The names, NULL-terminated (for enum readers with a did-you-mean). */
const char *const *ike_catalog_names(void);
bool ike_catalog_applies(const struct ike_catalog_entry *c, enum ike_kind at);
/* Whether the entry fits a phase-1 authentication method (an IKE_AUTH_*):
 * CERT, CR and SIG mutations need signatures, HASH_I / HASH_R ones a
 * pre-shared key. */
bool ike_catalog_fits_auth(const struct ike_catalog_entry *c, uint16_t auth);
/* Whether the entry sends another message in place of the one it is
 * applied to (a replay, a stale or an early message), so that no other
 * mutation of that message means anything. */
bool ike_catalog_replaces_message(const struct ike_catalog_entry *c);
/* "mm1, mm3, am1" into buf. */
const char *ike_catalog_at_str(const struct ike_catalog_entry *c, char *buf, size_t len);
/* The entry's mutations in the engine's terms into out (at most max);
 * bytes point into the catalog's storage, valid for the process. Returns
 * how many were written, or 0 when max is too small. */
size_t ike_catalog_mutations(const struct ike_catalog_entry *c, struct ike_mutation *out,
			     size_t max);

#endif
