/* Names of every IKEv1 constant, from one table (names.c).
 *
 * Values come from ../shared/vectors/registries.md (IANA closed registries,
 * cross-checked with libreswan, strongSwan and Wireshark). */
#ifndef IKEC_WIRE_NAMES_H
#define IKEC_WIRE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum names_space {
	NAMES_NONE = 0,       /* no names: print the number */
	NAMES_EXCHANGE,       /* ISAKMP header exchange type */
	NAMES_PAYLOAD,        /* next payload type */
	NAMES_NOTIFY,         /* notify message type */
	NAMES_P1_ATTR,        /* phase-1 attribute class */
	NAMES_P1_ENCR,        /* class 1 */
	NAMES_P1_HASH,        /* class 2 */
	NAMES_P1_AUTH,        /* class 3 */
	NAMES_GROUP,          /* class 4, and IPsec attr 3 */
	NAMES_GROUP_TYPE,     /* class 5 */
	NAMES_LIFE_TYPE,      /* class 11, and IPsec attr 1 */
	NAMES_DOI,
	NAMES_SITUATION,      /* bits */
	NAMES_PROTOCOL,       /* protocol ID */
	NAMES_ISAKMP_TRANSFORM,
	NAMES_ESP_TRANSFORM,
	NAMES_AH_TRANSFORM,
	NAMES_IPCOMP_TRANSFORM,
	NAMES_IPSEC_ATTR,     /* IPsec SA attribute class */
	NAMES_ENCAP_MODE,
	NAMES_AUTH_ALG,
	NAMES_ID_TYPE,
	NAMES_CERT_ENCODING,
	NAMES_FLAGS,          /* bits of the header flags */
	NAMES_CFG_TYPE,       /* Mode-Config payload type */
	NAMES_CFG_ATTR,       /* Mode-Config / XAUTH attribute type */
	NAMES_XAUTH_TYPE,
	NAMES_COUNT
};

/* The name of a value, or NULL when the table has none. */
const char *names_get(enum names_space space, uint32_t value);
/* "NO-PROPOSAL-CHOSEN (14)", "private use (243)" or "unknown (77)" into buf;
 * returns buf. */
const char *names_fmt(enum names_space space, uint32_t value, char *buf, size_t len);
/* Bit sets (flags, situation): "Encryption, Commit (0x03)"; returns buf. */
const char *names_bits(enum names_space space, uint32_t value, char *buf, size_t len);
/* Reverse lookup: case-insensitive, '-', '_' and ' ' all equal; accepts the
 * aliases (MAIN, SA, KE, modp1024 ...) and decimal or 0x numbers. */
bool names_lookup(enum names_space space, const char *name, uint32_t *value);
/* Short name of a namespace ("notify"), for messages and suite errors. */
const char *names_space_name(enum names_space space);
/* The namespace of an attribute's values: phase 1 (ISAKMP proposal) or
 * IPsec DOI attributes; NAMES_NONE for plain numbers. */
enum names_space names_attr_values(bool phase1, uint16_t attr_class);
/* The namespace of transform IDs for a protocol ID. */
enum names_space names_transform_space(uint8_t protocol);
/* A known vendor ID (exact or by its documented prefix), or NULL. */
const char *names_vendor_id(const uint8_t *p, size_t len);
/* Iterate the table (tests): the n-th entry's space, value and name; false
 * past the end. Aliases are included, flagged. */
bool names_entry(size_t n, enum names_space *space, uint32_t *value,
		 const char **name, bool *alias);

#endif
