/* ike-conform peer: the initiator, `exchanges` default scripts to
 * remote_address one after the other, and its log lines in the form of
 * the server's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/peer.h"
#include "ike/engine.h"
#include "wire/msg.h"
#include "wire/names.h"

/* The current exchange's new events, notifies, phase-1 SA and children
 * as log lines. */
void cli_peer_init_report(struct peer *p)
{
	struct peer_init *in = &p->init;
	const struct ike_result *r = ike_engine_result(in->e);
	struct ike_sa *sa = ike_engine_sa(in->e);
	char pb[NETADDR_STRLEN], nb[64], xb[80], b1[40], b2[40];
	netaddr_str(&p->cfg.remote, pb, sizeof(pb));
	for (; in->nev < r->nevent; in->nev++) {
		const struct ike_event *ev = &r->event[in->nev];
		cli_peer_log(p, LOG_INFO, "sa#%u %s %s %s msgid %08" PRIx32 " %zu bytes%s%s%s", in->id,
			     pb, ev->sent ? "->" : "<-", ev->kind ? ike_kind_name(ev->kind) : "?",
			     ev->msgid, ev->length, ev->retransmit ? " (again)" : "",
			     ev->note[0] ? ": " : "", ev->note);
	}
	for (; in->nnf < r->nnotify; in->nnf++) {
		const struct ike_notify_rec *n = &r->notify[in->nnf];
		cli_peer_log(p, LOG_INFO, "sa#%u %s notify %s %s%s", in->id, pb,
			     n->sent ? "sent" : "received",
			     names_fmt(NAMES_NOTIFY, n->type, nb, sizeof(nb)),
			     n->protected_ ? "" : " (unprotected)");
	}
	if (r->established && !in->est_logged && sa) {
		in->est_logged = true;
		cli_peer_log(p, LOG_INFO,
			     "sa#%u %s established %s %s auth %s life %" PRIu32 "s cookies %s/%s",
			     in->id, pb, sa->exchange == WIRE_X_AGGR ? "aggressive" : "main",
			     ike_p1_str(&sa->xf, xb, sizeof(xb)), cli_peer_auth_name(sa->xf.auth),
			     sa->xf.life_sec, cli_peer_hex(sa->icookie, 8, b1, sizeof(b1)),
			     cli_peer_hex(sa->rcookie, 8, b2, sizeof(b2)));
	}
	for (; in->nchild < r->nchild; in->nchild++) {
		const struct ike_child *c = &r->child[in->nchild];
		cli_peer_log(p, LOG_INFO, "sa#%u %s child ESP in %s out %s %s life %" PRIu32 "s",
			     in->id, pb, cli_peer_hex(c->spi_in, 4, b1, sizeof(b1)),
			     cli_peer_hex(c->spi_out, 4, b2, sizeof(b2)),
			     ike_p2_str(&c->xf, xb, sizeof(xb)), c->xf.life_sec);
	}
}

/* Start the next exchange, or say how it all ended (-1: keep going). */
int cli_peer_init_step(struct peer *p)
{
	struct peer_init *in = &p->init;
	if (p->holding)
		return -1;
	if (in->e) {
		if (!ike_engine_done(in->e))
			return -1;
		const struct ike_result *r = ike_engine_result(in->e);
		bool ok = r->finished && !r->failed && r->established &&
			  (!p->cfg.ike.np2 || r->nchild > 0);
		p->ndone++;
		if (ok && p->dataplane && p->ndone >= p->cfg.exchanges) {
			/* the SAs stay, serving traffic, until we are stopped */
			p->nok++;
			cli_peer_log(p, LOG_INFO, "sa#%u done: established with %zu child SA%s; kept for "
				     "traffic until stopped", in->id, r->nchild, r->nchild == 1 ? "" : "s");
			printf("established: %u exchange%s\n", p->nok, p->nok == 1 ? "" : "s");
			fflush(stdout);
			ike_engine_set_serve(in->e, true);
			p->holding = true;
			return -1;
		}
		if (ok) {
			p->nok++;
			cli_peer_log(p, LOG_INFO, "sa#%u done: established with %zu child SA%s", in->id,
				     r->nchild, r->nchild == 1 ? "" : "s");
		} else {
			snprintf(p->last_error, sizeof(p->last_error), "%s",
				 r->failed ? r->error : "the exchange ended without an established SA");
			cli_peer_log(p, LOG_WARN, "sa#%u failed: %s", in->id, p->last_error);
		}
		cli_peer_state_sa(&p->state_done, in->id, in->e, p->dp, cli_peer_ka_find(p, 0, in->id));
		ike_engine_free(in->e);
		in->e = NULL;
		if (!ok) {
			printf("failed: %s\n", p->last_error);
			fflush(stdout);
			return 1;
		}
	}
	if (p->ndone >= p->cfg.exchanges) {
		printf("established: %u exchange%s\n", p->nok, p->nok == 1 ? "" : "s");
		fflush(stdout);
		return 0;
	}
	char pb[NETADDR_STRLEN], name[24];
	unsigned id = in->id + 1;
	snprintf(name, sizeof(name), "sa#%u", id);
	memset(in, 0, sizeof(*in));
	in->id = id;
	in->e = ike_engine_new(&p->cfg.ike, p->sock[0].t, &p->cfg.remote, NULL, 0, name);
	cli_peer_log(p, LOG_INFO, "sa#%u %s initiating %s mode (exchange %u of %u)", id,
		     netaddr_str(&p->cfg.remote, pb, sizeof(pb)),
		     p->cfg.ike.exchange == WIRE_X_AGGR ? "aggressive" : "main", id, p->cfg.exchanges);
	return -1;
}
