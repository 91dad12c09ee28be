/* Hex encoding for logs, key tables and vector files. */
#ifndef IKEC_CORE_HEX_H
#define IKEC_CORE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include "core/chunk.h"

/* Decode hex (upper or lower case, optional "0x", no separators) into a new
 * chunk. False on odd length or a non-hex character. */
bool hex_decode(const char *s, size_t n, chunk_t *out);
/* Encode into out (2*len+1 bytes), lower case, NUL terminated. */
void hex_encode(const uint8_t *p, size_t len, char *out);
/* Encode into a new string; caller frees. */
char *hex_string(const uint8_t *p, size_t len);

#endif
