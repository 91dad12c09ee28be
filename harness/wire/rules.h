/* Which payloads each IKEv1 message carries, as data (like strongSwan's
 * message.c rules), and a check that names what is wrong. */
#ifndef IKEC_WIRE_RULES_H
#define IKEC_WIRE_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/msg.h"

enum rules_auth {
	RULES_AUTH_ANY = 0,   /* the message is the same for every method */
	RULES_AUTH_PSK,       /* HASH authenticates */
	RULES_AUTH_SIG,       /* SIG, optional CERT and CR */
};

enum rules_enc {
	RULES_PLAIN,          /* must not be encrypted */
	RULES_ENC,            /* must be encrypted */
	RULES_EITHER,
};

#define RULES_MANY 255

struct rules_item {
	uint8_t payload;      /* 0 ends the list */
	uint8_t min, max;     /* max RULES_MANY: no limit */
	bool even;            /* 0 or 2 (Quick Mode client IDs) */
};

struct rules_msg {
	const char *name;     /* "mm1" .. "mm6", "am1" .. "am3", "qm1" .. "qm4",
				 "info", "info-plain" */
	const char *label;    /* "Main Mode message 5" */
	uint8_t exchange;
	uint8_t number;
	uint8_t auth;         /* enum rules_auth */
	uint8_t enc;          /* enum rules_enc */
	bool hash_first;      /* HASH right after the header (RFC 2409 5.5, 5.7) */
	bool commit;          /* the commit flag must be set (qm4) */
	bool need_n_or_d;     /* informational: at least one N or D */
	struct rules_item items[12];
};

/* The rules for a message by name and auth class (RULES_AUTH_ANY matches
 * the first variant); NULL when unknown. */
const struct rules_msg *rules_find(const char *name, enum rules_auth auth);
/* By exchange and 1-based message number. */
const struct rules_msg *rules_get(uint8_t exchange, unsigned number, enum rules_auth auth);
/* Every rule, for listing and tests. */
size_t rules_count(void);
const struct rules_msg *rules_at(size_t i);

/* Check a parsed (and, if encrypted, decrypted) message. False with the
 * notify and a message: which payload is missing, duplicated, not allowed
 * or unencrypted, or HASH not first. */
bool rules_check(const struct rules_msg *r, const struct wire_msg *m, struct wire_err *err);

#endif
