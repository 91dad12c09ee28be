/* ike-conform peer: the responder's count of finished exchanges, for
 * `exchanges` (the server serves; this only counts). */
#include <stdlib.h>

#include "cli/peer.h"
#include "ike/engine.h"
#include "ike/server.h"

/* Whether SA id is counted already. */
static bool peer_counted(const struct peer *p, unsigned id)
{
	for (size_t i = 0; i < p->ncounted; i++)
		if (p->counted[i] == id)
			return true;
	return false;
}

/* Phase-1 SAs whose exchange is over: established (with a child SA when
 * phase 2 is configured), refused in Quick Mode, or failed (those the
 * server has already removed; its statistics count them). */
void cli_peer_resp_count(struct peer *p, size_t *done, size_t *failed)
{
	size_t gone = 0;
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		gone += ike_server_stats(srv)->failed;
		for (size_t i = 0; i < ike_server_count(srv); i++) {
			unsigned id = ike_server_sa_id(srv, i);
			struct ike_engine *e = ike_server_engine(srv, i);
			struct ike_sa *sa = ike_engine_sa(e);
			if (!sa || peer_counted(p, id))
				continue;
			const struct ike_result *r = ike_engine_result(e);
			bool refused = false;
			for (size_t n = 0; n < r->nnotify; n++)
				refused |= r->notify[n].sent && r->notify[n].type < 16384;
			bool complete = sa->state == IKE_SA_ESTABLISHED &&
					(!p->cfg.ike.np2 || sa->nchild > 0);
			if (!complete && !refused)
				continue;
			if (p->ncounted == p->capcounted) {
				p->capcounted = p->capcounted ? 2 * p->capcounted : 16;
				p->counted = xrealloc(p->counted, p->capcounted * sizeof(*p->counted));
			}
			p->counted[p->ncounted++] = id;
			if (!complete)
				p->nrefused++;
		}
	}
	*done = p->ncounted + gone;
	*failed = p->nrefused + gone;
}
