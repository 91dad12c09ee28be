/* The userspace data plane: a TUN device in the harness namespace, routes
 * for the remote traffic selectors into it, and ESP (esp.h) carried in UDP
 * on the transport's NAT-T socket (RFC 3948), the socket IKE uses.
 *
 * (or raw ESP, IP protocol 50, for peers that do not encapsulate).
 *
 *   harness namespace                                        peer
 *   app (ping 10.2.0.1) -> route 10.2.0.1/32 dev ikec0 (TUN)
 *     -> esp_user_poll_tun: seal with the child's outbound SA
 *     -> transport_send_raw(NAT-T port) ========== ESP in UDP ==========> 4500
 *   app <- TUN <- esp_user_input: open with the inbound SA <== ESP in UDP ==
 *
 * Single-threaded: the caller's loop polls the TUN fd and the transport
 * and hands ESP packets (TRANSPORT_PKT_ESP) to esp_user_input. Closing the
 * TUN (esp_user_free) removes the device and its routes. */
#ifndef IKEC_ESP_USER_H
#define IKEC_ESP_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp/esp.h"
#include "ike/sa.h"
#include "transport/transport.h"

struct esp_user;

/* A TUN device named ifname inside namespace ns (NULL: the one we run in),
 * up, sharing transport t
 * (which must outlive it). NULL with err. */
struct esp_user *esp_user_new(const char *ns, const char *ifname, struct transport *t,
			      char *err, size_t errlen);
void esp_user_free(struct esp_user *u);

/* Install a child SA: packets to its remote traffic selector go out
 * through it to peer, packets with its inbound SPI come in through it; a
 * UDP-encapsulated child (its xf.encap) travels as ESP in UDP on the
 * transport's NAT-T socket (peer: the NAT-T address and port), any other
 * as raw ESP, IP protocol 50 (peer: the IKE address). Adds the route for
 * the selector. */
bool esp_user_add_child(struct esp_user *u, const struct ike_child *c,
			const struct netaddr *peer, char *err, size_t errlen);

/* Follow an engine's children (ike_result child/nchild, peer: the SA's
 * peer): install each live one not installed yet, retire each one the
 * engine has deleted or found expired (no traffic on it either way after
 * that). Outbound packets take the newest live child of their selector;
 * an older child keeps taking inbound packets until it is retired. A full
 * table drops its oldest retired child. Returns how many were installed,
 * -1 with err. Call it after every engine input or tick (cheap). */
int esp_user_sync(struct esp_user *u, const struct ike_child *children, size_t n,
		  const struct netaddr *peer, char *err, size_t errlen);
/* A child that already carried traffic through an earlier data plane:
 * its outbound sequence numbers go on from next_seq (the peer's replay
 * window has seen the earlier ones; RFC 4303 3.3.3 lets a sender skip).
 * False when it is not installed or next_seq is behind. */
bool esp_user_resume(struct esp_user *u, const uint8_t spi_in[4], uint32_t next_seq);
/* Whether the child with inbound SPI spi_in is installed (false: not)
 * and, in *live, still carries traffic. */
bool esp_user_child_state(const struct esp_user *u, const uint8_t spi_in[4], bool *live);

/* A descriptor to poll for reading (the TUN and the raw ESP socket). */
int esp_user_fd(const struct esp_user *u);
/* Everything waiting: the TUN's packets sealed and sent, raw ESP opened;
 * returns how many packets. */
size_t esp_user_poll(struct esp_user *u);
/* The TUN alone. */
size_t esp_user_poll_tun(struct esp_user *u);
/* One ESP packet from the transport (the whole UDP payload). */
void esp_user_input(struct esp_user *u, const struct transport_pkt *pkt);

/* Counters of the i-th child: inbound (opened) and outbound (sealed),
 * false when there is no such child. */
bool esp_user_counters(const struct esp_user *u, size_t i, struct esp_counters *in,
		       struct esp_counters *out);
/* The same for the child whose inbound SPI is spi_in. */
bool esp_user_counters_by_spi(const struct esp_user *u, const uint8_t spi_in[4],
			      struct esp_counters *in, struct esp_counters *out);
/* Negative traffic, for conformance checks on a live SA pair (child i):
 * ESP_USER_REPLAY_OUT  sends the last packet we sealed again, unchanged
 *                      (the peer must drop it as a replay);
 * ESP_USER_FORGE_OUT   seals the last inner packet anew and flips the last
 *                      ICV byte (the peer must drop it, integrity);
 * ESP_USER_REPLAY_IN   opens the last packet we accepted again (ours must
 *                      drop it as a replay);
 * ESP_USER_FORGE_IN    the same with a sequence number ahead of the window
 *                      (ours must drop it, integrity).
 * True when the packet went out (…_OUT) or was refused as it must be
 * (…_IN); false when child i has nothing to work with yet, or a forged
 * packet was accepted. */
enum esp_user_bad {
	ESP_USER_REPLAY_OUT, ESP_USER_FORGE_OUT, ESP_USER_REPLAY_IN, ESP_USER_FORGE_IN,
};
bool esp_user_bad(struct esp_user *u, size_t i, enum esp_user_bad what);

/* Where child i sends: the peer given to esp_user_add_child, moved by ESP
 * in UDP that authenticated from a new address or port (a NAT changed its
 * mapping); false when there is no such child. */
bool esp_user_peer(const struct esp_user *u, size_t i, struct netaddr *out);

/* Packets that matched no child (no SA for the destination or the SPI). */
uint64_t esp_user_unmatched(const struct esp_user *u);
/* Packets refused because their child had reached its hard lifetime (the
 * child's xf.life_sec and life_kb, counted from install and over both
 * directions): an expired SA is never used again. */
uint64_t esp_user_expired(const struct esp_user *u);
/* Packets refused because the engine had deleted (or expired) their child
 * (esp_user_sync). */
uint64_t esp_user_retired(const struct esp_user *u);

#endif
