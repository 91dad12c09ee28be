/* A long-lived responder: one engine per ISAKMP SA, for many initiators and
 * many successive phase-1 SAs, as the `peer` process needs.
 *
 * Every new mm1 / am1 (responder cookie zero, in the clear) gets a fresh
 * engine running the responder's phase-1 script (Main or Aggressive Mode,
 * whichever the initiator started); its responder cookie comes from the
 * config's secret. Everything else goes to the engine whose cookies it
 * carries. Once phase 1 is done an engine keeps serving: Quick Modes (with
 * qm4 when cfg->commit), DPD, Delete. INITIAL-CONTACT in a new SA removes
 * the older SAs with the same peer ID. SAs leave the table when deleted,
 * failed, expired (phase-1 lifetime, 8 h when none was agreed) or
 * half-open for too long. Clock-free like the engine. */
#ifndef IKEC_IKE_SERVER_H
#define IKEC_IKE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/engine.h"

/* One line per event (no newline): "sa#2 192.0.2.1[500] established ...". */
typedef void (*ike_server_log_fn)(void *ctx, const char *line);

struct ike_server_stats {
	size_t created;       /* phase-1 SAs started */
	size_t established;
	size_t failed;        /* removed after a failed step */
	size_t deleted;       /* Delete from the peer, or INITIAL-CONTACT */
	size_t expired;
	size_t refused_full;  /* mm1/am1 dropped: table at cfg->max_sas */
	size_t ignored;       /* no SA for the cookies, or not ISAKMP */
	size_t children;      /* child SAs made */
};

struct ike_server;

/* cfg (role forced to responder; exchange: either is answered) and t are
 * the caller's and must outlive the server. log may be NULL. */
struct ike_server *ike_server_new(const struct ike_config *cfg, struct transport *t,
				  ike_server_log_fn log, void *ctx);
void ike_server_free(struct ike_server *s);
void ike_server_input(struct ike_server *s, const struct transport_pkt *pkt, uint64_t now_ms);
/* Receive and handle everything the transport has; returns how many. */
size_t ike_server_poll(struct ike_server *s, uint64_t now_ms);
/* Timers of every SA, removals; returns the next deadline (IKE_NEVER). */
uint64_t ike_server_tick(struct ike_server *s, uint64_t now_ms);

/* The SA table: engines in creation order (valid until the next input or
 * tick). ike_engine_sa / ike_engine_result give state, transforms, child
 * SAs, notifies and the timeline of each. */
size_t ike_server_count(const struct ike_server *s);
struct ike_engine *ike_server_engine(struct ike_server *s, size_t i);
/* Its number in log lines ("sa#N"). */
unsigned ike_server_sa_id(const struct ike_server *s, size_t i);
/* Established SAs only, and all their live child SAs, counted. */
size_t ike_server_established(const struct ike_server *s);
size_t ike_server_children(const struct ike_server *s);
const struct ike_server_stats *ike_server_stats(const struct ike_server *s);

/* Drive initiator engines and one server over a memory hub on virtual
 * time, like ike_run, until the engines are done and nothing is in flight,
 * or limit_ms. */
uint64_t ike_run_server(struct ike_engine **e, size_t n, struct ike_server *srv,
			struct transport_hub *hub, uint64_t start_ms, uint64_t limit_ms);

#endif
