/* The smoke cases (case/smoke.h): their table, spec and verdict. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/smoke.h"
#include "wire/names.h"

/* ---- smoke cases ---- */

const struct case_smoke case_smokes[] = {
	{ "mm-psk-h2p", true, WIRE_X_MAIN, IKE_AUTH_PSK, NULL },
	{ "mm-psk-p2h", false, WIRE_X_MAIN, IKE_AUTH_PSK, NULL },
	{ "am-psk-h2p", true, WIRE_X_AGGR, IKE_AUTH_PSK, NULL },
	{ "am-psk-p2h", false, WIRE_X_AGGR, IKE_AUTH_PSK, NULL },
	{ "mm-rsa-h2p", true, WIRE_X_MAIN, IKE_AUTH_RSA, NULL },
	{ "mm-rsa-p2h", false, WIRE_X_MAIN, IKE_AUTH_RSA, NULL },
	{ "mismatch-h2p", true, WIRE_X_MAIN, IKE_AUTH_PSK, "3des-sha1-modp1024" },
	{ "mismatch-p2h", false, WIRE_X_MAIN, IKE_AUTH_PSK, "3des-sha1-modp1024" },
};
const size_t case_nsmoke = sizeof(case_smokes) / sizeof(case_smokes[0]);

/* "10.1.0.1/32" from a netaddr */

struct case_spec case_smoke_spec(const struct case_smoke *c, const struct case_env *v,
				       bool force_encap)
{
	struct case_spec sp = {
		.name = c->name, .harness_initiates = c->harness_initiates, .exchange = c->exchange,
		.auth = c->auth, .p1 = "aes128-sha256-modp2048", .p2 = "aes128-sha256",
		.peer_p1 = c->peer_p1, .ike_life = 3600, .child_life = 1200,
		.force_encap = force_encap, .pki = v->pki, .ca_file = v->ca,
		/* a refusal needs no retransmissions to show */
		.limit_ms = c->peer_p1 ? 4000 : 10000,
	};
	return sp;
}

static bool case_has(const uint16_t *v, size_t n, uint16_t type)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == type)
			return true;
	return false;
}

bool case_smoke_judge(const struct case_smoke *c, const struct case_result *r,
			 char *why, size_t len)
{
	if (r->loops) {
		snprintf(why, len, "%s", r->why);
		return false;
	}
	if (!c->peer_p1) {
		bool traffic_ok = !r->traffic.ran || r->traffic.ok;
		if (r->established && r->agree && !traffic_ok)
			snprintf(why, len, "established, views agree, but traffic failed: %s",
				 r->traffic.why);
		else if (r->established && r->agree)
			snprintf(why, len, "established, views agree%s%s",
				 r->traffic.ran ? "; traffic: " : "", r->traffic.ran ? r->traffic.why : "");
		else
			snprintf(why, len, "%s", r->why);
		return r->established && r->agree && traffic_ok;
	}
	bool seen = c->harness_initiates
		? case_has(r->notify_rx, r->nnotify_rx, WIRE_N_NO_PROPOSAL_CHOSEN)
		: case_has(r->notify_tx, r->nnotify_tx, WIRE_N_NO_PROPOSAL_CHOSEN);
	if (!r->established && seen) {
		snprintf(why, len, "refused with NO-PROPOSAL-CHOSEN");
		return true;
	}
	snprintf(why, len, "no NO-PROPOSAL-CHOSEN %s (%zu notifies received, %zu sent); %s",
		 c->harness_initiates ? "received" : "sent", r->nnotify_rx, r->nnotify_tx, r->why);
	return false;
}
