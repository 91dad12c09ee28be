/* ISAKMP datagrams in and out of pcap files and raw datagram files.
 *
 * Reading keeps only what carries ISAKMP: UDP port 500, and UDP 4500 behind
 * the non-ESP marker (RFC 3948), with IPv4 fragments reassembled. ESP, NAT-T
 * keepalives and anything else are counted, not returned. */
#ifndef IKEC_REPORT_CAPTURE_H
#define IKEC_REPORT_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "core/chunk.h"

struct capture_addr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t ip[16];
	uint16_t port;
};

struct capture_dgram {
	size_t frame;        /* 1-based frame number (the last fragment's) */
	struct timeval ts;
	struct capture_addr src, dst;
	bool non_esp_marker; /* arrived on 4500; the marker is stripped */
	chunk_t data;        /* the ISAKMP message */
};

struct capture {
	struct capture_dgram *dgrams;
	size_t count;
	size_t frames;       /* frames read in all */
	size_t esp;          /* ESP packets (raw or in UDP) */
	size_t keepalives;   /* NAT-T keepalives (a single 0xff) */
	size_t other;        /* frames that were neither */
};

/* Read every ISAKMP datagram of a pcap file. False with err set when the
 * file cannot be read or its link type is unsupported. */
bool capture_read_pcap(const char *path, struct capture *out, char *err, size_t errlen);
/* Read a file that is one raw ISAKMP datagram (no IP/UDP headers). */
bool capture_read_raw(const char *path, struct capture *out, char *err, size_t errlen);
/* A pcap file when it starts with a pcap magic number, raw otherwise. */
bool capture_read_any(const char *path, struct capture *out, char *err, size_t errlen);
void capture_free(struct capture *c);

/* "192.0.2.1:500" or "[2001:db8::1]:4500" into buf (at least 64 bytes). */
const char *capture_addr_str(const struct capture_addr *a, char *buf, size_t len);

/* Writing: datagrams become IPv4 or IPv6 UDP packets in a raw-IP pcap that
 * Wireshark and tshark open directly. */
struct capture_writer;
struct capture_writer *capture_writer_open(const char *path, char *err, size_t errlen);
/* non_esp_marker prepends the four zero bytes used on port 4500. */
bool capture_writer_add(struct capture_writer *w, const struct timeval *ts,
			const struct capture_addr *src, const struct capture_addr *dst,
			bool non_esp_marker, const uint8_t *data, size_t len);
void capture_writer_close(struct capture_writer *w);

#endif
