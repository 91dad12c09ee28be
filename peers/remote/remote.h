/* The remote peer: a vendor's device, known only by its profile
 * (suite/profile.h, docs/vendors.md). The harness reaches it from a
 * namespace of the run (netns_topo_remote) and changes nothing on it: the
 * profile's commands, when given, make it initiate, reset it between cases
 * and print its SA state; without sa_state its view is unknown and the
 * harness's own record stands. Cases are paced: a case starts no sooner
 * than `settle` after the device was last looked at.
 *
 *   view.c     the sa_state output's lines into a view (pure)
 *   remote.c   the profile's commands, pacing and the peer_ops table
 *
 * No conf.c: the device's configuration is its own. */
#ifndef IKEC_PEERS_REMOTE_H
#define IKEC_PEERS_REMOTE_H

#include <stddef.h>

#include "peers/peer.h"
#include "suite/profile.h"

/* prof is borrowed for the peer's life; dir (made when missing) keeps the
 * commands' output in dir/peer.log. */
struct peer *remote_peer_new(const struct profile *prof, const char *harness_ip, const char *dir,
			     char *err, size_t errlen);
/* The driver's row (peers/drivers.c). */
extern const struct peer_driver remote_driver;
/* An sa_state command's output into a view (docs/vendors.md):
 *   sa state=established encr=7 keylen=128 hash=4 group=14 life_sec=28800
 *   child transform=12 keylen=128 auth=2 group=0 encap=1 life_sec=3600 spi_in=c0ffee01 spi_out=...
 * The first established sa and the first child after it; present false
 * when there is none. */
void remote_parse_state(const char *text, struct peer_sa_view *out);

#endif
