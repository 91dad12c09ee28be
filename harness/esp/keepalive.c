/* NAT-T keepalives (RFC 3948 2.3): the timer, the send, the count. */
#include "esp/keepalive.h"

#include <string.h>

#include "core/log.h"

void natt_keepalive_init(struct natt_keepalive *k, uint32_t interval_ms,
			 const struct netaddr *peer_natt_addr)
{
	memset(k, 0, sizeof(*k));
	k->interval_ms = interval_ms;
	if (peer_natt_addr)
		k->peer = *peer_natt_addr;
}

void natt_keepalive_set_peer(struct natt_keepalive *k, const struct netaddr *peer_natt_addr)
{
	k->peer = *peer_natt_addr;
}

uint64_t natt_keepalive_run(struct natt_keepalive *k, struct transport *t, uint64_t now_ms)
{
	if (!k->interval_ms || !k->peer.family)
		return NATT_KEEPALIVE_NEVER;
	if (!k->next_ms) {
		/* the exchange that set things up just refreshed the mapping */
		k->next_ms = now_ms + k->interval_ms;
		return k->next_ms;
	}
	if (now_ms < k->next_ms)
		return k->next_ms;
	static const uint8_t ka = 0xff;
	if (transport_send_raw(t, TRANSPORT_PORT_NATT, &k->peer, &ka, 1)) {
		k->sent++;
		k->last_sent_ms = now_ms;
	} else {
		k->send_failed++;
		char b[NETADDR_STRLEN];
		log_warn("keepalive to %s: %s", netaddr_str(&k->peer, b, sizeof(b)),
			 transport_error(t));
	}
	/* from now, not from the missed deadline: a stalled loop sends one, not a burst */
	k->next_ms = now_ms + k->interval_ms;
	return k->next_ms;
}

bool natt_keepalive_input(struct natt_keepalive *k, const struct transport_pkt *pkt,
			  uint64_t now_ms)
{
	if (pkt->kind != TRANSPORT_PKT_KEEPALIVE)
		return false;
	if (k) {
		k->received++;
		k->last_rx_ms = now_ms;
	}
	return true;
}
