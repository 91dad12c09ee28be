/* ike-conform peer: NAT-T keepalives (natt_keepalive in the config), a
 * timer per SA that wants them. */
#include <inttypes.h>

#include "cli/peer.h"
#include "ike/engine.h"
#include "ike/server.h"

/* The timer of one SA, found by its transport and id. */
struct peer_ka *cli_peer_ka_find(const struct peer *p, size_t sock, unsigned id)
{
	for (size_t i = 0; i < p->nka; i++)
		if (p->ka[i].sock == sock && p->ka[i].id == id)
			return &p->ka[i];
	return NULL;
}

/* RFC 3948 2.3: the side behind a NAT keeps its mapping alive; natt_force
 * claims a NAT, so it sends them too. They follow the SA's peer address,
 * which moves when the peer's NAT mapping changes. */
static uint64_t peer_ka_one(struct peer *p, size_t sock, unsigned id, struct ike_engine *e,
			    uint64_t now)
{
	struct ike_sa *sa = e ? ike_engine_sa(e) : NULL;
	bool want = sa && sa->state == IKE_SA_ESTABLISHED && sa->natt_floated &&
		    (sa->nat_local || sa->cfg->natt_force);
	struct peer_ka *k = cli_peer_ka_find(p, sock, id);
	char b[NETADDR_STRLEN];
	if (!want) {
		if (k && k->k.interval_ms) {
			k->k.interval_ms = 0;
			cli_peer_log(p, LOG_INFO, "sa#%u keepalives stopped after %" PRIu64, id, k->k.sent);
		}
		return NATT_KEEPALIVE_NEVER;
	}
	if (!k) {
		p->ka = xrealloc(p->ka, (p->nka + 1) * sizeof(*p->ka));
		k = &p->ka[p->nka++];
		k->sock = sock;
		k->id = id;
		natt_keepalive_init(&k->k, p->cfg.natt_keepalive_ms, &sa->peer);
		cli_peer_log(p, LOG_INFO, "sa#%u keepalives to %s every %" PRIu32 "ms", id,
			     netaddr_str(&sa->peer, b, sizeof(b)), p->cfg.natt_keepalive_ms);
	} else if (!netaddr_eq(&k->k.peer, &sa->peer)) {
		natt_keepalive_set_peer(&k->k, &sa->peer);
		cli_peer_log(p, LOG_INFO, "sa#%u keepalives now to %s", id,
			     netaddr_str(&sa->peer, b, sizeof(b)));
	}
	uint64_t sent = k->k.sent;
	uint64_t d = natt_keepalive_run(&k->k, p->sock[sock].t, now);
	if (k->k.sent != sent)
		cli_peer_log(p, LOG_DEBUG, "sa#%u keepalive -> %s", id,
			     netaddr_str(&k->k.peer, b, sizeof(b)));
	return d;
}

/* Every SA's timer; the earliest deadline. */
uint64_t cli_peer_ka_run(struct peer *p, uint64_t now)
{
	uint64_t next = NATT_KEEPALIVE_NEVER, d;
	if (!p->cfg.natt_keepalive_ms)
		return next;
	if (p->init.e && (d = peer_ka_one(p, 0, p->init.id, p->init.e, now)) < next)
		next = d;
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		for (size_t i = 0; srv && i < ike_server_count(srv); i++) {
			d = peer_ka_one(p, k, ike_server_sa_id(srv, i), ike_server_engine(srv, i), now);
			next = d < next ? d : next;
		}
	}
	return next;
}
