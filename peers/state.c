/* Reading key=value state lines (peers/peer.h): the self peer's --state
 * file and a device's sa_state output share the form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "peers/peer.h"

unsigned long peer_state_field(const char *line, const char *key)
{
	char pat[40];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *q = strstr(line, pat);
	return q ? strtoul(q + strlen(pat), NULL, 10) : 0;
}

void peer_state_spi(const char *line, const char *key, uint8_t out[4])
{
	char pat[40];
	snprintf(pat, sizeof(pat), " %s=", key);
	const char *q = strstr(line, pat);
	chunk_t c = CHUNK_EMPTY;
	memset(out, 0, 4);
	if (q && strlen(q + strlen(pat)) >= 8 && hex_decode(q + strlen(pat), 8, &c) && c.len == 4)
		memcpy(out, c.ptr, 4);
	chunk_free(&c);
}
