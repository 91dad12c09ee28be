/* ID payload data (RFC 2407 4.6.2): checking and printing by ID type;
 * shared by the validator, the printer and NAT-OA. */
#ifndef IKEC_WIRE_ID_H
#define IKEC_WIRE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"

/* NULL when data fits the ID type, else what is wrong ("IPv4 address
 * needs 4 bytes, got 5"), in a static string. Lenient: only what RFC 2407
 * 4.6.2 defines (lengths, DER); strict also what it shows by example or
 * recommends (no empty names, no control characters, '@' in a USER_FQDN).
 * docs/identities.md has each check and its clause. */
const char *wire_id_check_as(uint8_t id_type, chunk_t data, bool strict);
/* wire_id_check_as, lenient. */
const char *wire_id_check(uint8_t id_type, chunk_t data);
/* "IPv4 address: 10.0.3.10" into buf; returns buf. Falls back to hex. */
const char *wire_id_str(uint8_t id_type, chunk_t data, char *buf, size_t len);

#endif
