#include "core/hex.h"

#include <stdlib.h>
#include <string.h>

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode(const char *s, size_t n, chunk_t *out)
{
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n % 2)
		return false;
	chunk_t c = chunk_alloc(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			chunk_free(&c);
			return false;
		}
		c.ptr[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = c;
	return true;
}

void hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

char *hex_string(const uint8_t *p, size_t len)
{
	char *s = xmalloc(2 * len + 1);
	hex_encode(p, len, s);
	return s;
}
