/* ike-conform peer: the data plane (--dataplane user), ESP through the
 * child SAs on a TUN device, kept in step with the engines. */
#include "cli/peer.h"
#include "esp/user.h"
#include "ike/engine.h"
#include "ike/server.h"

/* The data plane follows the engine's children: new ones installed,
 * deleted or expired ones retired (a rekey moves traffic to the new one). */
static void peer_dp_add(struct peer *p, struct ike_engine *e, unsigned id)
{
	struct ike_sa *sa = e ? ike_engine_sa(e) : NULL;
	char err[300];
	if (!sa || !sa->nchild)
		return;
	if (!p->dp && !(p->dp = esp_user_new(NULL, "ikec0", p->sock[0].t, err, sizeof(err)))) {
		cli_peer_log(p, LOG_ERR, "data plane: %s", err);
		p->dataplane = false;  /* said once, not every turn of the loop */
		return;
	}
	int n = esp_user_sync(p->dp, sa->child, sa->nchild, &sa->peer, err, sizeof(err));
	if (n < 0)
		cli_peer_log(p, LOG_ERR, "sa#%u data plane: %s", id, err);
	else if (n > 0)
		cli_peer_log(p, LOG_INFO, "sa#%u %d child SA%s installed in the userspace data plane", id,
			     n, n == 1 ? "" : "s");
}

/* Install every new child SA, retire the dead ones. */
void cli_peer_dp_sync(struct peer *p)
{
	if (!p->dataplane)
		return;
	if (p->init.e)
		peer_dp_add(p, p->init.e, p->init.id);
	for (size_t k = 0; k < p->nsock; k++) {
		struct ike_server *srv = p->sock[k].srv;
		for (size_t i = 0; srv && i < ike_server_count(srv); i++)
			peer_dp_add(p, ike_server_engine(srv, i), ike_server_sa_id(srv, i));
	}
}
