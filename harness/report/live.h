/* A live capture on an interface inside a namespace (libpcap): every frame
 * kept in memory and written to a pcap file, then a look at what crossed
 * the wire: how much was IKE, ESP in UDP, raw ESP, or anything else, and
 * whether a secret (a probe's token) ever appeared in clear. */
#ifndef IKEC_REPORT_LIVE_H
#define IKEC_REPORT_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

struct live_summary {
	size_t frames;
	size_t ike;          /* UDP 500, or 4500 behind the non-ESP marker */
	size_t esp_udp;      /* ESP in UDP on 4500 (RFC 3948) */
	size_t esp_raw;      /* IP protocol 50 */
	size_t keepalive;    /* UDP 4500, one byte 0xff */
	size_t other;        /* anything else carried over IP (ICMP in clear ...) */
	size_t not_ip;       /* ARP and the like */
	size_t secret_seen;  /* frames that hold the secret in clear */
};
/* Read the rest, close the file, and summarise; secret may be NULL. */
void live_capture_stop(struct live_capture *c, const uint8_t *secret, size_t secret_len,
		       struct live_summary *out);

#endif
