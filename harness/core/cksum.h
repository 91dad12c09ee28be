/* The Internet checksum (RFC 1071): a 32-bit running sum of big-endian
 * 16-bit words, folded and complemented at the end. Shared by the pcap
 * writer (UDP over a pseudo-header) and the ICMP echo probes. */
#ifndef IKEC_CORE_CKSUM_H
#define IKEC_CORE_CKSUM_H

#include <stddef.h>
#include <stdint.h>

/* sum plus p's words (an odd last byte padded with a zero). */
uint32_t cksum_add(uint32_t sum, const uint8_t *p, size_t len);
/* The checksum of a sum: folded to 16 bits, complemented. */
uint16_t cksum_fold(uint32_t sum);

#endif
