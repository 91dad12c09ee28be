/* NAT-T keepalives (RFC 3948 2.3): a host behind a NAT sends a UDP payload
 * of the single byte 0xff from its NAT-T port to the peer's, so that the
 * NAT keeps the mapping while no ESP or IKE flows. No non-ESP marker: the
 * receiver tells it from IKE and ESP by its length.
 *
 * The caller's loop calls natt_keepalive_run with its clock and sleeps no
 * longer than the deadline it returns; what arrives goes through
 * natt_keepalive_input first, which keeps keepalives away from IKE and ESP. */
#ifndef IKEC_ESP_KEEPALIVE_H
#define IKEC_ESP_KEEPALIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "transport/transport.h"

#define NATT_KEEPALIVE_NEVER UINT64_MAX

struct natt_keepalive {
	uint32_t interval_ms;    /* 0: off */
	struct netaddr peer;     /* the peer's NAT-T address and port */
	uint64_t next_ms;        /* next send; 0: not started */
	uint64_t sent;           /* keepalives sent */
	uint64_t send_failed;    /* sends the transport refused */
	uint64_t received;       /* keepalives seen by natt_keepalive_input */
	uint64_t last_sent_ms, last_rx_ms;
};

/* interval_ms 0: off (run never sends). */
void natt_keepalive_init(struct natt_keepalive *k, uint32_t interval_ms,
			 const struct netaddr *peer_natt_addr);
/* The peer moved (a new NAT mapping): later keepalives go there. */
void natt_keepalive_set_peer(struct natt_keepalive *k, const struct netaddr *peer_natt_addr);
/* Sends one keepalive from t's NAT-T port when due (the first one interval
 * after the first call) and returns the next deadline in now_ms's clock;
 * NATT_KEEPALIVE_NEVER when off. A failed send is counted and retried at
 * the next interval. */
uint64_t natt_keepalive_run(struct natt_keepalive *k, struct transport *t, uint64_t now_ms);
/* True when pkt is a keepalive: counted, and not to be passed to IKE or
 * ESP (the caller logs it in its own form). k may be NULL (count nothing,
 * still classify). */
bool natt_keepalive_input(struct natt_keepalive *k, const struct transport_pkt *pkt,
			  uint64_t now_ms);

#endif
