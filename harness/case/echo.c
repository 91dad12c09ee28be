/* The traffic probes in this process: ICMP echo requests from a raw
 * socket and a UDP token with an echo of our own, each socket made in the
 * namespace it speaks from (a socket stays in the namespace it was
 * created in), all read from the caller's pump loop; and their logs. */
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cksum.h"
#include "case/internal.h"
#include "core/hex.h"
#include "core/prof.h"
#include "netns/netns.h"

/* A socket of type and protocol in ns (NULL: ours) bound to host:port
 * (non-blocking); -1 with err. */
static int case_echo_socket(const char *ns, const char *host, uint16_t port, int type,
			    int proto, char *err, size_t errlen)
{
	struct netaddr a;
	struct netns_saved saved = { -1 };
	char e2[200];
	if (!netaddr_parse(host, port, &a, err, errlen) ||
	    (ns && !netns_enter(ns, &saved, err, errlen)))
		return -1;
	struct sockaddr_storage ss;
	socklen_t sl = netaddr_to_sockaddr(&a, &ss);
	if (proto == IPPROTO_ICMP && a.family == AF_INET6)
		proto = IPPROTO_ICMPV6;
	int fd = socket(a.family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(err, errlen, "%s socket on %s:%u in %s: %s", type == SOCK_RAW ? "ICMP" : "UDP",
			 host, port, ns ? ns : "(ours)", strerror(errno));
	if (!netns_leave(&saved, e2, sizeof(e2)))
		abort();  /* nothing after this would run where it thinks it does */
	return fd;
}

int case_udp_socket(const char *ns, const char *host, uint16_t port, char *err, size_t errlen)
{
	return case_echo_socket(ns, host, port, SOCK_DGRAM, IPPROTO_UDP, err, errlen);
}

/* Microseconds since t0 as milliseconds, for the logs. */
static double case_echo_ms(uint64_t t0_us, uint64_t t_us)
{
	return t_us >= t0_us ? (double)(t_us - t0_us) / 1000.0 : 0.0;
}

/* ---- ICMP echo ---- */

/* The Internet checksum (RFC 1071) of an ICMPv4 message. */
static uint16_t case_echo_sum(const uint8_t *b, size_t n)
{
	return cksum_fold(cksum_add(0, b, n));
}

/* Only echo replies reach the socket: the requests the kernel answers
 * itself in this namespace, and everything else, stay out. */
static bool case_ping_filter(int fd, int family)
{
	if (family == AF_INET6) {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		return setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) == 0;
	}
	struct icmp_filter f = { .data = ~(1u << ICMP_ECHOREPLY) };
	return setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) == 0;
}

bool case_ping_open(struct case_ping *g, const char *ns, const char *src, const char *dst,
		    uint16_t id, const uint8_t *fill, size_t flen, char *err, size_t errlen)
{
	memset(g, 0, sizeof(*g));
	g->fd = -1;
	struct netaddr to;
	if (!netaddr_parse(dst, 0, &to, err, errlen))
		return false;
	g->tolen = netaddr_to_sockaddr(&to, &g->to);
	g->family = to.family;
	g->fd = case_echo_socket(ns, src, 0, SOCK_RAW, IPPROTO_ICMP, err, errlen);
	if (g->fd < 0)
		return false;
	if (!case_ping_filter(g->fd, g->family)) {
		snprintf(err, errlen, "ICMP filter on %s in %s: %s", src, ns ? ns : "(ours)",
			 strerror(errno));
		close(g->fd);
		g->fd = -1;
		return false;
	}
	g->id = id;
	/* like ping -p: the pattern fills the data, so a leak in clear shows */
	for (size_t i = 0; i < CASE_ECHO_DATA; i++)
		g->data[i] = flen ? fill[i % flen] : (uint8_t)i;
	g->ns = ns;
	snprintf(g->src, sizeof(g->src), "%s", src);
	snprintf(g->dst, sizeof(g->dst), "%s", dst);
	g->t0_us = prof_now_us();
	return true;
}

bool case_ping_send(struct case_ping *g)
{
	if (g->fd < 0 || g->sent >= CASE_ECHO_MAX)
		return false;
	uint16_t seq = (uint16_t)(g->sent + 1);
	uint8_t m[8 + CASE_ECHO_DATA] = { g->family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, 0,
					 0, 0, (uint8_t)(g->id >> 8), (uint8_t)g->id,
					 (uint8_t)(seq >> 8), (uint8_t)seq };
	memcpy(m + 8, g->data, CASE_ECHO_DATA);
	if (g->family == AF_INET) {  /* the kernel sums ICMPv6 itself */
		uint16_t s = case_echo_sum(m, sizeof(m));
		m[2] = (uint8_t)(s >> 8);
		m[3] = (uint8_t)s;
	}
	g->sent_us[g->sent] = prof_now_us();
	ssize_t n = sendto(g->fd, m, sizeof(m), 0, (struct sockaddr *)&g->to, g->tolen);
	g->send_errno[g->sent] = n == (ssize_t)sizeof(m) ? 0 : n < 0 ? errno : EMSGSIZE;
	g->sent++;
	return !g->send_errno[g->sent - 1];
}

/* One datagram from the socket: an echo reply of ours is counted once
 * (again: a duplicate; other data or a bad sum: wrong). */
static void case_ping_take(struct case_ping *g, const uint8_t *b, size_t n,
			   const struct sockaddr_storage *from)
{
	if (g->family == AF_INET) {  /* a raw IPv4 socket hands us the IP header */
		size_t ihl = n ? (size_t)(b[0] & 0x0f) * 4 : 0;
		if (n < 20 || ihl < 20 || ihl > n)
			return;
		b += ihl;
		n -= ihl;
	}
	uint8_t reply = g->family == AF_INET6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
	if (n < 8 || b[0] != reply || (uint16_t)(b[4] << 8 | b[5]) != g->id)
		return;
	struct netaddr fa, ta;
	if (!netaddr_from_sockaddr((const struct sockaddr *)from, sizeof(*from), &fa) ||
	    !netaddr_from_sockaddr((const struct sockaddr *)&g->to, g->tolen, &ta) ||
	    !netaddr_same_host(&fa, &ta))
		return;
	unsigned seq = (unsigned)(b[6] << 8 | b[7]);
	if (!seq || seq > g->sent)
		return;
	/* (the kernel hands a raw socket ICMPv4 before checking its sum) */
	if (n != 8 + CASE_ECHO_DATA || memcmp(b + 8, g->data, CASE_ECHO_DATA) ||
	    (g->family == AF_INET && case_echo_sum(b, n) != 0)) {
		g->wrong++;
		return;
	}
	if (g->reply_us[seq - 1]) {
		g->dups++;
		return;
	}
	g->reply_us[seq - 1] = prof_now_us();
	g->replies++;
}

void case_ping_read(struct case_ping *g)
{
	uint8_t b[1500];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = g->fd >= 0 ? recvfrom(g->fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl)
				       : -1;
		if (n < 0)
			return;
		case_ping_take(g, b, (size_t)n, &from);
	}
}

bool case_ping_answered(const struct case_ping *g, unsigned seq)
{
	return seq >= 1 && seq <= g->sent && g->reply_us[seq - 1] != 0;
}

double case_ping_rtt_ms(const struct case_ping *g)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < g->sent; i++)
		if (g->reply_us[i])
			sum += g->reply_us[i] - g->sent_us[i];
	return g->replies ? (double)sum / g->replies / 1000.0 : 0.0;
}

void case_ping_log(const struct case_ping *g, const char *path, const char *what)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "PING %s from %s in %s: %s, id 0x%04x, %d data bytes (pattern 0x", g->dst,
		g->src, g->ns ? g->ns : "(ours)", what, g->id, CASE_ECHO_DATA);
	for (size_t i = 0; i < 16 && i < CASE_ECHO_DATA; i++)
		fprintf(f, "%02x", g->data[i]);
	fprintf(f, " repeated)\n");
	for (unsigned i = 0; i < g->sent; i++) {
		double at = case_echo_ms(g->t0_us, g->sent_us[i]);
		if (g->send_errno[i])
			fprintf(f, "icmp_seq=%u sent at %.3f ms: not sent: %s\n", i + 1, at,
				strerror(g->send_errno[i]));
		else if (g->reply_us[i])
			fprintf(f, "icmp_seq=%u sent at %.3f ms, reply at %.3f ms (time=%.3f ms)\n", i + 1,
				at, case_echo_ms(g->t0_us, g->reply_us[i]),
				case_echo_ms(g->sent_us[i], g->reply_us[i]));
		else
			fprintf(f, "icmp_seq=%u sent at %.3f ms, no reply in %d ms\n", i + 1, at,
				CASE_ECHO_WAIT_MS);
	}
	if (g->dups || g->wrong)
		fprintf(f, "%u duplicate replies, %u replies with other data (not counted)\n", g->dups,
			g->wrong);
	fprintf(f, "%u packets transmitted, %u received, %u%% packet loss\n", g->sent, g->replies,
		g->sent ? (g->sent - g->replies) * 100 / g->sent : 0);
	fclose(f);
}

void case_ping_close(struct case_ping *g)
{
	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
}

/* ---- the UDP token ---- */

bool case_token_open(struct case_token *k, const char *from_ns, const char *from,
		     const char *to_ns, const char *to, uint16_t port, const uint8_t *token,
		     size_t tlen, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	k->tx = k->echo = -1;
	struct netaddr dst;
	if (!netaddr_parse(to, port, &dst, err, errlen))
		return false;
	k->tolen = netaddr_to_sockaddr(&dst, &k->to);
	/* the echo first: the token must not meet a closed port (the ICMP
	   error would cross the tunnel too) */
	k->echo = case_udp_socket(to_ns, to, port, err, errlen);
	k->tx = k->echo >= 0 ? case_udp_socket(from_ns, from, 0, err, errlen) : -1;
	if (k->tx < 0) {
		case_token_close(k);
		return false;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct netaddr me = { 0 };
	if (getsockname(k->tx, (struct sockaddr *)&ss, &sl) == 0)
		netaddr_from_sockaddr((struct sockaddr *)&ss, sl, &me);
	netaddr_str(&me, k->from, sizeof(k->from));
	netaddr_str(&dst, k->to_s, sizeof(k->to_s));
	k->from_ns = from_ns;
	k->to_ns = to_ns;
	k->token = token;
	k->tlen = tlen;
	k->t0_us = prof_now_us();
	return true;
}

/* What arrived at the echo goes back where it came from. */
static void case_token_echo(struct case_token *k)
{
	uint8_t b[2048];
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(k->echo, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (!k->echo_us)
			k->echo_us = prof_now_us();
		k->got++;
		k->arrived += n == (ssize_t)k->tlen && !memcmp(b, k->token, k->tlen);
		if (sendto(k->echo, b, (size_t)n, 0, (struct sockaddr *)&from, fl) == n)
			k->echoed++;
	}
}

void case_token_run(struct case_token *k)
{
	if (k->tx < 0)
		return;
	uint64_t now = prof_now_us();
	if (!k->back && !k->wrong_len && now >= k->next_us && k->sends < CASE_TOKEN_SENDS) {
		if (sendto(k->tx, k->token, k->tlen, 0, (struct sockaddr *)&k->to, k->tolen) < 0)
			k->send_errno = errno;
		k->sent_us[k->sends++] = now;
		k->next_us = now + CASE_TOKEN_RESEND_MS * 1000u;
	}
	case_token_echo(k);
	uint8_t b[2048];
	ssize_t n;
	while ((n = recv(k->tx, b, sizeof(b), 0)) >= 0) {
		if (n == (ssize_t)k->tlen && !memcmp(b, k->token, k->tlen)) {
			if (!k->back)
				k->back_us = prof_now_us();
			k->back = true;
		} else if (!k->back && !k->wrong_len) {
			k->wrong_len = n ? (size_t)n : SIZE_MAX;
		}
	}
}

bool case_token_done(const struct case_token *k)
{
	return k->back || k->wrong_len || k->tx < 0;
}

void case_token_why(const struct case_token *k, char *buf, size_t len)
{
	if (k->back)
		snprintf(buf, len, "echoed");
	else if (k->wrong_len)
		snprintf(buf, len, "a wrong reply (%zu bytes)", k->wrong_len == SIZE_MAX ? 0 : k->wrong_len);
	else if (!k->sends || k->send_errno)
		snprintf(buf, len, "not sent: %s", strerror(k->send_errno ? k->send_errno : EAGAIN));
	else if (k->arrived && !k->echoed)
		snprintf(buf, len, "it arrived, the echo could not send it back");
	else if (k->arrived)
		snprintf(buf, len, "it arrived and was echoed, the echo never came back");
	else
		snprintf(buf, len, "it never arrived (%u sent)", k->sends);
}

void case_token_log(const struct case_token *k, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	char hex[2 * 64 + 1] = "", why[120];
	if (k->tlen <= 64)
		hex_encode(k->token, k->tlen, hex);
	fprintf(f, "UDP token 0x%s (%zu bytes) from %s in %s to an echo on %s in %s\n", hex, k->tlen,
		k->from, k->from_ns ? k->from_ns : "(ours)", k->to_s, k->to_ns ? k->to_ns : "(ours)");
	for (unsigned i = 0; i < k->sends; i++)
		fprintf(f, "sent at %.3f ms\n", case_echo_ms(k->t0_us, k->sent_us[i]));
	if (k->echo_us)
		fprintf(f, "first datagram at the echo at %.3f ms (%u datagrams, %u the token, %u "
			"echoed)\n", case_echo_ms(k->t0_us, k->echo_us), k->got, k->arrived, k->echoed);
	if (k->back)
		fprintf(f, "back at %.3f ms\n", case_echo_ms(k->t0_us, k->back_us));
	case_token_why(k, why, sizeof(why));
	fprintf(f, "%u sent, %u echoed: %s\n", k->sends, k->echoed, k->back ? "reply ok" : why);
	fclose(f);
}

void case_token_close(struct case_token *k)
{
	if (k->tx >= 0)
		close(k->tx);
	if (k->echo >= 0)
		close(k->echo);
	k->tx = k->echo = -1;
}
