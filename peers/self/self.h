/* The self peer: `ike-conform peer` run inside the peer namespace, so every
 * case can run against our own engine as well as against strongSwan.
 *
 * configure writes DIR/<case>.yaml (docs/peer-config.md) and, for a
 * responder, restarts the process on it (a start takes a few
 * milliseconds, so there is no reload); initiate starts an initiator that
 * runs one exchange and then keeps its SA. The process keeps its SAs in
 * DIR/state (--state), which view reads; its log is DIR/peer.log; it
 * carries ESP through UDP-encapsulated children (--dataplane user).
 *
 *   conf.c   the peer config text (pure)
 *   view.c   the state file's lines into a view (pure)
 *   self.c   the process's lifecycle and the peer_ops table */
#ifndef IKEC_PEERS_SELF_H
#define IKEC_PEERS_SELF_H

#include <stddef.h>

#include "peers/peer.h"

/* bin: the ike-conform binary; ns: an existing namespace under /run/netns;
 * dir: made when missing. NULL with err when something is unusable. */
struct peer *self_peer_new(const char *bin, const char *ns, const char *dir, char *err,
			   size_t errlen);
/* The peer command's entry (cli_peer: argv[0] then its options), so
 * that a process is forked without an exec; without it the driver
 * executes `bin peer ...`. */
void self_set_entry(int (*entry)(int argc, char **argv));
/* Such a process's name (/proc/PID/comm), as ps shows it. */
#define SELF_PROCESS_NAME "ikec-self-peer"
/* The driver's row (peers/drivers.c). */
extern const struct peer_driver self_driver;
/* The peer config for a case, as YAML text into buf; false with err when a
 * field cannot be expressed (or buf is too small). */
bool self_peer_config(const struct peer_case *c, char *buf, size_t len, char *err,
		      size_t errlen);
/* The --state file's text into a view (docs/peer-config.md): the last
 * established sa line and the first live child of that SA after it;
 * present false when there is none. The text is kept in out->raw
 * (truncated to fit). */
void self_parse_state(const char *text, struct peer_sa_view *out);

#endif
