/* ike-conform peer: its log lines, time-stamped from the start, and the
 * names and hex they show. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli/peer.h"
#include "core/clock.h"
#include "core/hex.h"
#include "ike/config.h"

/* One line at lvl, time-stamped from the start ("[  12.345] ..."). */
void cli_peer_log(const struct peer *p, enum log_level lvl, const char *fmt, ...)
{
	if (lvl > log_get_level())
		return;
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	uint64_t t = clock_ms() - p->t0;
	log_msg(lvl, "[%4" PRIu64 ".%03" PRIu64 "] %s", t / 1000, t % 1000, line);
}

/* The server's lines, time-stamped like ours. */
void cli_peer_server_log(void *ctx, const char *line)
{
	cli_peer_log(ctx, LOG_INFO, "%s", line);
}

/* n bytes as hex, cut to what buf holds. */
const char *cli_peer_hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	if (2 * n + 1 > len)
		n = (len - 1) / 2;
	hex_encode(p, n, buf);
	return buf;
}

/* The log's name of an authentication method. */
const char *cli_peer_auth_name(uint16_t a)
{
	const char *n = ike_auth_name(a);
	return n ? n : "?";
}
