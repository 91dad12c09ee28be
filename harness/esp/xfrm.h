/* The kernel data plane: a child SA (struct ike_child) installed as two
 * XFRM states and their policies through libnl-xfrm-3, in the harness's
 * namespace or any other, so that the kernel's ESP carries the traffic
 * (the other backend, esp/user.h, does ESP in user space).
 *
 *   per child, in namespace ns:
 *     SA out  local -> peer, SPI spi_out, enc_out/int_out, reqid R
 *     SA in   peer -> local, SPI spi_in,  enc_in/int_in,   reqid R
 *     policy out  ts_local -> ts_remote   tmpl local -> peer  (R)
 *     policy in   ts_remote -> ts_local   tmpl peer -> local  (R)
 *     policy fwd  the same as in (tunnel mode only)
 *
 * UDP encapsulation (encap 3/4, or the drafts' 61443/61444) puts ESP in
 * UDP between the IKE addresses' ports. To receive it, the kernel needs a
 * UDP socket bound to the local port with the UDP_ENCAP option set to
 * UDP_ENCAP_ESPINUDP (IKE's NAT-T socket normally); the caller owns it,
 * and in transport mode it needs esp_xfrm_socket_bypass as well.
 *
 * Errors name the namespace, the SPI and the kernel's own message (the
 * netlink extended ack, as `ip xfrm` prints it) after nl_geterror's. */
#ifndef IKEC_ESP_XFRM_H
#define IKEC_ESP_XFRM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/addr.h"
#include "esp/esp.h"
#include "ike/sa.h"

/* Whether this kernel takes an ESP SA: tried once, in a scratch network
 * namespace of a forked child (nothing is left behind), and cached. False
 * with why: "the kernel has no ESP (CONFIG_INET_ESP)" when the kernel says
 * "Requested type not found", otherwise the kernel's or the system's own
 * reason. why may be NULL. */
bool esp_xfrm_supported(char *why, size_t len);

/* The SAs and policies installed in one namespace. */
struct esp_xfrm;

/* A netlink XFRM socket inside namespace ns (NULL: the caller's). NULL
 * with err when the namespace or NETLINK_XFRM is missing. */
struct esp_xfrm *esp_xfrm_new(const char *ns, char *err, size_t errlen);

/* Install both directions of child c between local and peer (the IKE
 * addresses; their ports are the UDP encapsulation ports), tunnel
 * (encap 1/3/61443) or transport mode (2/4/61444), and the policies for
 * the traffic selectors (none set: the two addresses themselves; ranges
 * are split into prefixes). Algorithms: DES, 3DES, AES-CBC, AES-GCM with
 * 8/12/16-byte ICVs (rfc4106, the salt at the end of the key), NULL;
 * HMAC-MD5-96, SHA1-96, SHA2-256-128, SHA2-384-192, SHA2-512-256.
 * Lifetimes: xf.life_sec and xf.life_kb as hard limits, soft at 90%.
 * On failure whatever this call installed is removed again. */
bool esp_xfrm_add_child(struct esp_xfrm *x, const struct ike_child *c, const struct netaddr *local,
			const struct netaddr *peer, char *err, size_t errlen);

/* The prefixes a client ID stands for in the policies, as text ("10.1.0.0/30
 * 10.1.0.4/31"; a range is split into the fewest prefixes, at most 8): for
 * logs, and for tests on hosts without ESP. host: the IKE address that
 * stands in when the ID is not set. False with err for a bad ID. */
bool esp_xfrm_ts_str(const struct ike_ts *ts, const struct netaddr *host, char *out, size_t len,
		     char *err, size_t errlen);

/* How many children are installed. */
size_t esp_xfrm_nchild(const struct esp_xfrm *x);

/* Counters of child i as the kernel keeps them: packets and bytes
 * (XFRMA_LTIME_VAL, the kernel's byte count, not only the inner packets),
 * drops ESP_DROP_REPLAY (replayed or left of the window) and ESP_DROP_ICV
 * (integrity failed) from the SA statistics. False with err when there is
 * no child i or the kernel has no such SA (any more). */
bool esp_xfrm_counters(struct esp_xfrm *x, size_t i, struct esp_counters *in,
		       struct esp_counters *out, char *err, size_t errlen);

/* A per-socket policy that lets fd's traffic bypass every XFRM policy,
 * both ways (what strongSwan puts on its IKE sockets). In transport mode
 * the policies cover all traffic between the two hosts: without it IKE
 * itself would be sent through the SA, and ESP in UDP arriving on the
 * NAT-T socket is dropped by the inbound policy check before the kernel
 * decapsulates it (XfrmInTmplMismatch). Needs CAP_NET_ADMIN. */
bool esp_xfrm_socket_bypass(int fd, char *err, size_t errlen);

/* Remove every SA and policy this object installed (false with the first
 * error; the rest are still removed). esp_xfrm_free does it too. */
bool esp_xfrm_flush(struct esp_xfrm *x, char *err, size_t errlen);

/* Remove what is left (errors to stderr), close the socket, free. NULL is
 * fine. */
void esp_xfrm_free(struct esp_xfrm *x);

#endif
