/* A live capture on an interface inside a namespace (libpcap): every frame
 * kept in memory and written to a pcap file, then a look at what crossed
 * the wire: how much was IKE, ESP in UDP, raw ESP, or anything else, and
 * whether a secret (a probe's token) ever appeared in clear. */
#ifndef IKEC_REPORT_LIVE_H
#define IKEC_REPORT_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"

struct live_capture;

/* Start capturing on ifname inside namespace ns (NULL: ours), writing
 * frames to path (NULL: memory only) as they come; out_only keeps what the
 * namespace sends, not what it receives (a kernel doing ESP re-injects the
 * decrypted packets on the interface they came in on, and a capture of
 * both directions would see them). NULL with err. */
struct live_capture *live_capture_start(const char *ns, const char *ifname, const char *path,
					bool out_only, char *err, size_t errlen);
/* A descriptor to poll, and the read of what is waiting (returns frames). */
int live_capture_fd(const struct live_capture *c);
size_t live_capture_poll(struct live_capture *c);

/* NAT-T keepalives kept one by one, to judge their interval and sender. */
#define LIVE_MAX_KEEPALIVES 32
struct live_keepalive {
	uint64_t time_ms;    /* capture time, ms since the epoch */
	struct netaddr src;  /* UDP source (IPv4 address and port) */
	struct netaddr dst;
};

struct live_summary {
	size_t frames;
	size_t ike;          /* UDP 500, or 4500 behind the non-ESP marker */
	size_t esp_udp;      /* ESP in UDP on 4500 (RFC 3948) */
	size_t esp_raw;      /* IP protocol 50 */
	size_t keepalive;    /* UDP 4500, one byte 0xff */
	size_t other;        /* anything else carried over IP (ICMP in clear ...) */
	size_t not_ip;       /* ARP and the like */
	size_t secret_seen;  /* frames that hold the secret in clear */
	/* keepalives: the first LIVE_MAX_KEEPALIVES in capture order, and the
	   capture times of the first and last of all (0 when none) */
	struct live_keepalive ka[LIVE_MAX_KEEPALIVES];
	size_t nka;
	uint64_t keepalive_first_ms, keepalive_last_ms;
};
/* Keepalives counted from src's host (src's port too unless it is 0). */
size_t live_keepalives_from(const struct live_summary *s, const struct netaddr *src);
/* Read the rest, close the file, and summarise; secret may be NULL. */
void live_capture_stop(struct live_capture *c, const uint8_t *secret, size_t secret_len,
		       struct live_summary *out);

#endif
