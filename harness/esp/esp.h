/* ESP (RFC 4303) in user space: one direction of an IPsec SA, sealing and
 * opening packets with OpenSSL, sequence numbers, the anti-replay window,
 * padding and ICV checks, and counters. The data plane backends (user:
 * TUN + UDP 4500 or raw ESP; xfrm: the kernel) sit above this.
 *
 * A packet here is the ESP header and what follows (SPI | sequence | IV |
 * ciphertext | ICV), never the UDP header or the non-ESP marker: framing
 * for RFC 3948 belongs to the transport. */
#ifndef IKEC_ESP_ESP_H
#define IKEC_ESP_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"
#include "ike/config.h"

#define ESP_REPLAY_WINDOW 64       /* RFC 4303 3.4.3: at least 32, 64 recommended */

/* Why a packet was refused (each one counted). */
enum esp_drop {
	ESP_DROP_NONE,
	ESP_DROP_SHORT,      /* shorter than header + IV + one block + ICV */
	ESP_DROP_SPI,        /* not this SA's SPI */
	ESP_DROP_REPLAY,     /* seen already, or left of the window */
	ESP_DROP_ICV,        /* integrity check (or GCM tag) failed */
	ESP_DROP_ALIGN,      /* ciphertext not a whole number of blocks */
	ESP_DROP_PADDING,    /* pad length too long or pad bytes not 1, 2, 3 ... */
	ESP_DROP_COUNT
};
const char *esp_drop_name(enum esp_drop d);

struct esp_counters {
	uint64_t packets, bytes;            /* sealed (outbound SA) or accepted (inbound);
					       bytes of the inner packets */
	uint64_t drops[ESP_DROP_COUNT];
};

/* One direction of an SA. Make it with esp_sa_new; keys are copied. */
struct esp_sa;

/* x: the agreed transform (transform, keylen, auth); enc_key includes the
 * 4-byte salt for AES-GCM (as KEYMAT gives it: struct ike_child's
 * enc_in/enc_out); int_key empty for GCM and for no integrity. NULL with
 * err when the combination is not supported. */
struct esp_sa *esp_sa_new(const uint8_t spi[4], const struct ike_p2_xform *x, chunk_t enc_key,
			  chunk_t int_key, char *err, size_t errlen);
void esp_sa_free(struct esp_sa *sa);

/* Seal an inner packet: next_header 4 (IPv4 in tunnel mode), 41 (IPv6),
 * or the transport protocol in transport mode. A fresh random IV (CBC) or
 * the sequence-based 8-byte IV (GCM), the next sequence number, padding to
 * the block (and 4-byte) boundary. *out is the whole ESP packet (caller
 * frees). False when the sequence number would wrap (RFC 4303 3.3.3). */
bool esp_seal(struct esp_sa *sa, uint8_t next_header, const uint8_t *inner, size_t len,
	      chunk_t *out);
/* Open an ESP packet: SPI, then ICV before decryption, then the replay
 * window (updated only for a packet that authenticates), padding. The
 * inner packet into *inner (caller frees), its next header into *nh.
 * ESP_DROP_NONE on success, else why (and the drop is counted). */
enum esp_drop esp_open(struct esp_sa *sa, const uint8_t *pkt, size_t len, chunk_t *inner,
		       uint8_t *nh);

const struct esp_counters *esp_sa_counters(const struct esp_sa *sa);
/* The SPI and the next sequence number to send. */
uint32_t esp_sa_spi(const struct esp_sa *sa);
uint32_t esp_sa_next_seq(const struct esp_sa *sa);
/* Tests: set the next outbound sequence number (wrap, replay cases). */
void esp_sa_set_next_seq(struct esp_sa *sa, uint32_t seq);

/* Sizes, for MTU arithmetic: the IV, the ICV, and the most ESP adds to an
 * inner packet (header, IV, padding, trailer, ICV). */
size_t esp_sa_iv_len(const struct esp_sa *sa);
size_t esp_sa_icv_len(const struct esp_sa *sa);
size_t esp_sa_overhead(const struct esp_sa *sa);
/* "AES-CBC-128/HMAC-SHA1-96", "AES-GCM-256-16", for logs. */
const char *esp_sa_name(const struct esp_sa *sa);

/* Tests only: the IV of the next esp_seal (known-answer vectors); len
 * must be the transform's IV length. Used once, then IVs are fresh again. */
bool esp_sa_set_iv_for_test(struct esp_sa *sa, const uint8_t *iv, size_t len);
/* Tests only: seal a plaintext given whole (payload, padding, pad length,
 * next header; a multiple of the block), to send bad padding on purpose.
 * esp_sa_set_next_seq(sa, 0) marks every number used (esp_seal then
 * fails and esp_sa_next_seq says 0). */
bool esp_seal_plain_for_test(struct esp_sa *sa, const uint8_t *plain, size_t len, chunk_t *out);

#endif
