/* A suite case as the spec case_run takes (run/internal.h): names, the
 * harness's and the peer's proposals, the script, NAT-T and lifetime
 * settings for each side, the hold, the artifacts and seeds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp/xfrm.h"
#include "netns/netns.h"
#include "peers/peer.h"
#include "run/internal.h"

/* What the mutated datagrams of a case are named after in the seeds: its
 * catalog entry, the first one its script names, "fuzz" for a variant,
 * else "mutated". */
const char *run_seeds_label(const struct suite_case *c)
{
	if (c->malformed)
		return c->malformed->name;
	for (size_t i = 0; i < c->nsteps; i++) {
		if (c->steps[i].catalog)
			return c->steps[i].catalog->name;
		for (size_t k = 0; k < c->steps[i].nmutations; k++)
			if (c->steps[i].mutations[k].catalog)
				return c->steps[i].mutations[k].catalog->name;
	}
	return c->expect.survives ? "fuzz" : "mutated";
}

/* The child check of c that needs the child itself, not just Phase 1
 * (NULL: none). */
static const char *run_scope_child_check(const struct suite_case *c)
{
	const struct suite_expect *x = &c->expect;
	return c->steps ? "its script" : x->has_esp ? "expect esp"
		: x->has_child_lifetime || x->has_peer_child_lifetime ? "the child lifetime"
		: x->encap ? "expect encap" : x->natoa ? "expect natoa"
		: x->rekey || c->rekey ? "the rekey" : x->keepalives ? "expect keepalives"
		: x->remap ? "expect remap" : c->hold_ms ? "the hold" : NULL;
}

bool run_scope_children(enum suite_peer peer, char *why, size_t len)
{
	const struct peer_driver *d = peer_driver(suite_peer_name(peer));
	return !d || !d->kernel_esp || esp_xfrm_supported(why, len);
}

enum run_scope run_scope_of(const struct suite_case *c, struct suite_case *reduced, char *why,
			    size_t len)
{
	const struct peer_driver *d = peer_driver(suite_peer_name(c->peer));
	char kwhy[300];
	/* a refusal happens before anything is installed: it runs whole */
	if (!c->has_p2 || !c->expect.established || run_scope_children(c->peer, kwhy, sizeof(kwhy)))
		return RUN_SCOPE_FULL;
	const char *check = run_scope_child_check(c);
	if (check) {
		snprintf(why, len, "%s installs its children only in the kernel, and %s; %s "
			 "needs the child: the kernel lane (make check-kernel) runs this case",
			 d->name, kwhy, check);
		return RUN_SCOPE_SKIP;
	}
	*reduced = *c;
	reduced->has_p2 = false;
	reduced->expect.traffic = false;
	snprintf(why, len, "Phase 1 only: %s installs its children only in the kernel, which "
		 "has no ESP here; the kernel lane runs its children with traffic", d->name);
	return RUN_SCOPE_PHASE1;
}

enum case_tri run_tri(uint8_t suite_tri)
{
	return suite_tri == SUITE_YES ? CASE_TRI_ON : suite_tri == SUITE_NO ? CASE_TRI_OFF
								: CASE_TRI_DEFAULT;
}

void run_conn_name(const char *in, char *out, size_t len)
{
	size_t i = 0;
	for (; in[i] && i + 1 < len; i++) {
		char ch = in[i];
		out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a')
			 : ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ? ch : '-';
	}
	out[i] = '\0';
}

/* The peer's side: its own proposals and lifetime when peer_config says
 * so (npeer 0: the harness's). */
static size_t run_spec_peer_p1(const struct suite_case *c, const struct ike_p1_xform *p1,
			       struct ike_p1_xform peer_p1[IKE_MAX_PROPOSALS])
{
	size_t npeer = 0;
	if (c->peer_config.np1 || c->peer_config.has_ike_lifetime) {
		npeer = c->peer_config.np1 ? c->peer_config.np1 : 1;
		for (size_t i = 0; i < npeer; i++) {
			peer_p1[i] = c->peer_config.np1 ? c->peer_config.p1[i] : *p1;
			peer_p1[i].auth = c->auth;
			if (c->peer_config.has_ike_lifetime) {
				peer_p1[i].life_sec = c->peer_config.ike_life_sec;
				peer_p1[i].life_kb = c->peer_config.ike_life_kb;
			} else if (c->peer_config.np1) {
				peer_p1[i].life_sec = p1->life_sec;
				peer_p1[i].life_kb = p1->life_kb;
			}
		}
	}
	return npeer;
}

/* The peer's NAT-T and lifetime settings from peer_config. */
static void run_spec_peer(const struct suite_case *c, struct case_spec *sp)
{
	sp->peer_natt = c->peer_config.has_natt ? c->peer_config.natt : 0;
	sp->peer_no_natt = c->peer_config.has_natt && !c->peer_config.natt;
	sp->peer_force = c->peer_config.has_natt_force
		? (c->peer_config.natt_force ? CASE_TRI_ON : CASE_TRI_OFF) : CASE_TRI_DEFAULT;
	sp->peer_child_life_set = c->peer_config.has_child_lifetime;
	sp->peer_child_life_sec = c->peer_config.child_life_sec;
	sp->peer_child_life_kb = c->peer_config.child_life_kb;
	sp->peer_life_policy_set = c->peer_config.has_life_policy;
	sp->peer_life_policy = c->peer_config.life_policy;
}

/* A suite side's identity in the case's terms (pointers into c). */
static void run_spec_ident(const struct suite_ident *in, struct case_ident *out,
			   struct ike_id ids[2])
{
	memset(out, 0, sizeof(*out));
	out->local_id = suite_id_of(in->local_id, &ids[0]) ? &ids[0] : NULL;
	out->remote_id = suite_id_of(in->remote_id, &ids[1]) ? &ids[1] : NULL;
	out->remote_any = in->remote_any;
	out->cert = in->cert;
	out->send_cert = in->send_cert == SUITE_YES ? PEER_SEND_ALWAYS
			 : in->send_cert == SUITE_NO ? PEER_SEND_NEVER
			 : in->send_cert == SUITE_IFASKED ? PEER_SEND_IFASKED : PEER_SEND_DEFAULT;
	out->send_chain = run_tri(in->send_chain);
	out->send_cr = run_tri(in->send_cr);
	out->has_trust = in->has_trust;
	out->trust = (enum pki_trust)in->trust;
	out->crl = in->crl;
	out->has_id_checks = in->has_id_checks;
	out->id_checks = in->id_checks;
	for (size_t i = 0; i < in->npsks && i < IKE_MAX_PSKS; i++)
		if (suite_ident_psk(in, i, &out->psks[out->npsks].id, &out->psks[out->npsks].psk))
			out->npsks++;
}

bool run_spec_of(struct run_spec *rs, const struct suite_case *c, const struct case_env *env,
		 const struct run_opts *o, bool remote, const char *dir, char *err, size_t errlen)
{
	memset(rs, 0, sizeof(*rs));
	rs->mut = xcalloc(RUN_MAX_MUT, sizeof(*rs->mut));
	if (c->steps && !run_script(c, rs->steps, RUN_MAX_SCRIPT, &rs->nsteps, rs->mut, RUN_MAX_MUT,
				    err, errlen))
		return false;
	rs->p1 = c->p1;
	rs->p1.auth = c->auth;
	size_t npeer = run_spec_peer_p1(c, &rs->p1, rs->peer_p1);
	run_conn_name(c->name, rs->name, sizeof(rs->name));
	/* a peer whose ESP goes only in UDP (strongSwan's kernel-libipsec):
	   every child encapsulated, and it claims a NAT */
	bool udp_only = peer_driver_udp_only(peer_driver(suite_peer_name(c->peer)));
	rs->sp = (struct case_spec){
		.name = rs->name, .harness_initiates = c->role == IKE_INITIATOR,
		.exchange = c->exchange, .auth = c->auth,
		.p1x = &rs->p1, .p2x = c->has_p2 ? &c->p2 : NULL,
		.peer_p1x = npeer ? rs->peer_p1 : NULL, .npeer_p1x = npeer,
		.psk = c->psk,
		.force_encap = udp_only ||
			       (c->has_p2 && ike_encap_is_udp(c->p2.encap)),
		.pki = env->pki, .ca_file = env->ca,
		/* a refusal needs no retransmissions to show; a malformed case
		   runs its exchange up to the mutated message first */
		.limit_ms = c->expect.established || c->malformed || c->expect.survives ? 10000
											: 4000,
		.traffic = c->expect.traffic,
		.script = c->steps ? rs->steps : NULL, .nsteps = rs->nsteps,
		.artifacts = dir, .seeds = o->seeds, .seeds_label = run_seeds_label(c),
		.natt = c->natt, .no_natt = c->no_natt, .life_policy = c->life_policy,
		.peer_fakes_nat = udp_only ||
				  (remote && o->profile->natt_forced),
		.hold_ms = c->hold_ms, .rekey = c->rekey, .rekey_margin_ms = c->rekey_margin_ms,
		.keepalive_ms = c->keepalive_ms,
		.remap_box = c->nat_remap == SUITE_NAT_HARNESS ? NETNS_ROLE_NAT_HARNESS
			     : c->nat_remap == SUITE_NAT_PEER ? NETNS_ROLE_NAT_PEER : 0,
		.harness_force = run_tri(c->natt_force),
		.no_life_check = c->expect.has_lifetime || c->expect.has_child_lifetime ||
				 c->expect.has_peer_lifetime || c->expect.has_peer_child_lifetime,
	};
	run_spec_peer(c, &rs->sp);
	run_spec_ident(&c->ident, &rs->sp.ours, rs->ids);
	run_spec_ident(&c->peer_config.ident, &rs->sp.theirs, rs->ids + 2);
	return true;
}

void run_spec_free(struct run_spec *rs)
{
	free(rs->mut);
	rs->mut = NULL;
}
