/* The two configurations of a case from one spec: the harness's engine
 * configuration and the peer driver's peer_case. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "pki/pki.h"
#include "wire/names.h"

/* ---- the two configurations, from one spec ---- */

static bool case_p1(const char *s, const struct case_spec *sp, struct ike_p1_xform *x,
		       char *err, size_t errlen)
{
	char e[200];
	if (!ike_p1_parse(s, x, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: proposal '%s': %s", sp->name, s, e);
	x->auth = sp->auth ? sp->auth : IKE_AUTH_PSK;
	x->life_sec = sp->ike_life;
	return true;
}

static bool case_p2(const char *s, const struct case_spec *sp, struct ike_p2_xform *x,
		       char *err, size_t errlen)
{
	char e[200];
	if (!ike_p2_parse(s, x, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: ESP proposal '%s': %s", sp->name, s, e);
	x->life_sec = sp->child_life;
	x->life_kb = sp->child_life_kb;
	return true;
}

static void case_fqdn(struct ike_id *id, const char *name)
{
	id->type = 2;
	id->len = strlen(name);
	memcpy(id->data, name, id->len);
}

/* The case's Phase 1 proposal for one side: a suite's transform as given,
 * or the smoke text with the spec's lifetime. */
static bool case_p1_of(const struct case_spec *s, const struct ike_p1_xform *x,
			  const char *text, struct ike_p1_xform *out, char *err, size_t errlen)
{
	if (!x)
		return case_p1(text, s, out, err, errlen);
	*out = *x;
	if (!out->auth)
		out->auth = s->auth ? s->auth : IKE_AUTH_PSK;
	return true;
}

/* Phase 1 only: a suite case without phase2 (the peer keeps a child
 * configured, strongSwan needs one, but nobody asks for it). */
bool case_p1_only(const struct case_spec *s)
{
	return s->p1x && !s->p2x;
}

static bool case_tri_on(enum case_tri t, bool dflt)
{
	return t == CASE_TRI_DEFAULT ? dflt : t == CASE_TRI_ON;
}

static const char case_psk[] = "ike-conform interop psk";

static const char *case_psk_of(const struct case_spec *s)
{
	return s->psk ? s->psk : case_psk;
}

/* A side's credential: the one the case names, else the side's host for
 * the auth ("moon" for RSA, "moon-p256" for ecdsa256 ...); the PKI's
 * default hosts by their names, any other made beforehand (run/pool.c). */
static const struct pki_cred *case_cred(const struct case_spec *s, const struct case_ident *id,
					const char *host, uint16_t auth, char *err, size_t errlen)
{
	char name[64];
	if (!s->pki) {
		case_fail(err, errlen, "case %s: signature auth needs the test PKI", s->name);
		return NULL;
	}
	const char *n = id->cert ? id->cert : pki_cred_name_for(host, auth, name, sizeof(name));
	const struct pki_cred *c = pki_testpki_host(s->pki, n);
	struct pki_err pe;
	if (!c && !(c = pki_testpki_cred(s->pki, n, &pe)))
		case_fail(err, errlen, "case %s: credential %s: %s", s->name, n, pe.msg);
	return c;
}

/* The test PKI's CRL into the harness's configuration. */
static bool case_crl(const struct case_spec *s, struct ike_config *c, char *err, size_t errlen)
{
	struct pki_err pe;
	const char *path = pki_testpki_crl_path(s->pki);
	if (!(c->crls = pki_load_crls(path, &pe)))
		return case_fail(err, errlen, "case %s: CRL %s: %s", s->name, path, pe.msg);
	return true;
}

/* What the case says of the harness's IDs, checks, CERT and CR. */
static void case_ident_ours(const struct case_spec *s, struct ike_config *c)
{
	const struct case_ident *o = &s->ours;
	if (o->local_id)
		c->local_id = *o->local_id;
	if (o->remote_id)
		c->remote_id = *o->remote_id;
	if (o->remote_any)
		memset(&c->remote_id, 0, sizeof(c->remote_id));
	if (o->has_id_checks)
		c->id_checks = o->id_checks;
	if (o->send_cert != PEER_SEND_DEFAULT)
		c->send_cert = o->send_cert != PEER_SEND_NEVER;
	c->send_cert_ifasked = o->send_cert == PEER_SEND_IFASKED;
	if (o->send_cr != CASE_TRI_DEFAULT)
		c->send_cr = o->send_cr == CASE_TRI_ON;
	if (o->send_chain == CASE_TRI_OFF)
		c->send_chain = false;
}

bool case_config_ours(const struct case_net *net, const struct case_spec *s,
			 struct ike_config *c, char *err, size_t errlen)
{
	char e[300];
	ike_config_init(c);
	c->role = s->harness_initiates ? IKE_INITIATOR : IKE_RESPONDER;
	c->exchange = s->exchange ? s->exchange : WIRE_X_MAIN;
	const char *psk = net->device && net->device->psk ? net->device->psk : case_psk_of(s);
	c->psk = CHUNK_FROM(psk, strlen(psk));
	c->natt = s->no_natt ? 0 : s->natt ? s->natt : IKE_NATT_ALL;
	c->life_policy = s->life_policy;
	c->natt_force = case_tri_on(s->harness_force, s->force_encap);
	struct ike_p1_xform x1;
	struct ike_p2_xform x2;
	if (!case_p1_of(s, s->p1x, s->p1, &x1, err, errlen))
		return false;
	ike_config_add_p1(c, x1);
	if (s->p2x)
		ike_config_add_p2(c, *s->p2x);
	else if (!case_p1_only(s)) {
		if (!case_p2(s->p2, s, &x2, err, errlen))
			return false;
		ike_config_add_p2(c, x2);
	}
	if (!ike_ts_parse(net->harness_ts, &c->ts_local, e, sizeof(e)) ||
	    !ike_ts_parse(net->peer_ts, &c->ts_remote, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: traffic selector: %s", s->name, e);
	if (net->device) {
		/* the device's own names and our credentials from its profile */
		c->local_id = net->device->harness_id;
		c->remote_id = net->device->device_id;
		if (ike_auth_is_sig(x1.auth) &&
		    !ike_config_load_creds(c, net->device->key, net->device->cert, NULL,
					   net->device->ca, e, sizeof(e)))
			return case_fail(err, errlen, "case %s: credentials: %s", s->name, e);
		case_ident_ours(s, c);
		return true;
	}
	if (ike_auth_is_sig(x1.auth)) {
		const struct pki_cred *moon = case_cred(s, &s->ours, "moon", x1.auth, err, errlen);
		if (!moon)
			return false;
		case_fqdn(&c->local_id, "moon.example.org");
		case_fqdn(&c->remote_id, "sun.example.org");
		const struct case_ident *o = &s->ours;
		const char *ca = o->has_trust ? pki_testpki_trust_path(s->pki, o->trust) : s->ca_file;
		if (!ike_config_load_creds(c, moon->key_path, moon->cert_path,
					   o->send_chain == CASE_TRI_OFF ? NULL : moon->chain_path,
					   ca, e, sizeof(e)))
			return case_fail(err, errlen, "case %s: credentials: %s", s->name, e);
		if (o->crl && !case_crl(s, c, err, errlen))
			return false;
	}
	case_ident_ours(s, c);
	return true;
}

/* What the case says of the peer's IDs, PSKs, checks, CERT and CR. */
static void case_ident_theirs(const struct case_spec *s, struct peer_case *pc)
{
	const struct case_ident *t = &s->theirs;
	if (t->local_id)
		pc->local_id = *t->local_id;
	if (t->remote_id)
		pc->remote_id = *t->remote_id;
	pc->remote_id_any = t->remote_any;
	pc->id_checks_set = t->has_id_checks;
	pc->id_checks = t->id_checks;
	for (size_t i = 0; i < t->npsks && i < IKE_MAX_PSKS; i++) {
		pc->psks[i].id = t->psks[i].id;
		pc->psks[i].psk = t->psks[i].psk;
	}
	pc->npsks = t->npsks;
	pc->send_cert = t->send_cert;
	pc->send_cr = t->send_cr == CASE_TRI_ON ? PEER_SEND_ALWAYS
		      : t->send_cr == CASE_TRI_OFF ? PEER_SEND_NEVER : PEER_SEND_DEFAULT;
}

bool case_config_theirs(const struct case_net *net, const struct case_spec *s,
			   struct peer *peer, struct peer_case *pc, char *art, size_t artlen,
			   char *err, size_t errlen)
{
	char e[300];
	memset(pc, 0, sizeof(*pc));
	pc->name = s->name;
	pc->initiator = !s->harness_initiates;
	pc->exchange = s->exchange ? s->exchange : WIRE_X_MAIN;
	pc->auth = s->auth ? s->auth : IKE_AUTH_PSK;
	pc->psk = case_psk_of(s);
	if (s->npeer_p1x) {
		for (size_t i = 0; i < s->npeer_p1x && i < IKE_MAX_PROPOSALS; i++)
			if (!case_p1_of(s, &s->peer_p1x[i], NULL, &pc->p1[pc->np1++], err, errlen))
				return false;
	} else if (!case_p1_of(s, s->peer_p1 ? NULL : s->p1x, s->peer_p1 ? s->peer_p1 : s->p1,
				  &pc->p1[0], err, errlen)) {
		return false;
	} else {
		pc->np1 = 1;
	}
	/* DSS can only be offered (no peer signs with it): the peer holds the
	   same proposals with a PSK, and must refuse the offer */
	for (size_t i = 0; i < pc->np1; i++)
		if (pc->p1[i].auth == IKE_AUTH_DSS)
			pc->p1[i].auth = IKE_AUTH_PSK;
	pc->auth = pc->p1[0].auth;
	if (s->p2x && !s->peer_p2)
		pc->p2[0] = *s->p2x;
	else if (!case_p2(s->peer_p2 ? s->peer_p2 : s->p2 ? s->p2 : "aes128-sha256", s,
			     &pc->p2[0], err, errlen))
		return false;
	pc->np2 = 1;
	uint16_t enc = pc->p2[0].encap;
	pc->transport_mode = enc == IKE_ENCAP_TRANSPORT || enc == IKE_ENCAP_UDP_TRANSPORT ||
			     enc == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
	if (s->peer_child_life_set) {
		pc->p2[0].life_sec = s->peer_child_life_sec;
		pc->p2[0].life_kb = s->peer_child_life_kb;
	}
	pc->life_policy_set = s->peer_life_policy_set;
	pc->life_policy = s->peer_life_policy;
	pc->natt = s->peer_natt;
	pc->keepalive_ms = s->keepalive_ms;
	pc->no_natt = s->peer_no_natt;
	pc->local = net->peer;
	pc->local.port = 0;
	pc->remote = net->harness_public;
	pc->remote.port = 0;
	if (!ike_ts_parse(net->peer_ts, &pc->ts_local, e, sizeof(e)) ||
	    !ike_ts_parse(net->harness_ts, &pc->ts_remote, e, sizeof(e)))
		return case_fail(err, errlen, "case %s: traffic selector: %s", s->name, e);
	pc->force_encap = case_tri_on(s->peer_force, s->force_encap);
	case_rekey_peer(s, pc);
	/* behind a NAT the harness still names itself by its own address */
	if (!netaddr_same_host(&net->harness, &net->harness_public)) {
		bool v6 = net->harness.family == AF_INET6;
		pc->remote_id.type = v6 ? 5 : 1;  /* ID_IPV6_ADDR, ID_IPV4_ADDR */
		pc->remote_id.len = v6 ? 16 : 4;
		memcpy(pc->remote_id.data, net->harness.ip, pc->remote_id.len);
	}
	if (ike_auth_is_sig(pc->auth) && !net->device) {
		const struct case_ident *t = &s->theirs;
		const struct pki_cred *sun = case_cred(s, t, "sun", pc->auth, err, errlen);
		if (!sun)
			return false;
		case_fqdn(&pc->local_id, "sun.example.org");
		case_fqdn(&pc->remote_id, "moon.example.org");
		pc->key_path = sun->key_path;
		pc->cert_path = sun->cert_path;
		pc->ca_path = t->has_trust ? pki_testpki_trust_path(s->pki, t->trust) : s->ca_file;
		pc->chain_path = t->send_chain == CASE_TRI_ON ? sun->chain_path : NULL;
		pc->crl_path = t->crl ? pki_testpki_crl_path(s->pki) : NULL;
	}
	case_ident_theirs(s, pc);
	/* the case's generated config and keys stay in a folder of its own */
	if ((size_t)(s->artifacts ? snprintf(art, artlen, "%s", s->artifacts)
				  : snprintf(art, artlen, "%s/%s", peer->dir, s->name)) >= artlen)
		return case_fail(err, errlen, "case %s: artifacts path too long", s->name);
	pc->artifacts = art;
	if (mkdir(art, 0755) != 0 && errno != EEXIST)
		return case_fail(err, errlen, "cannot make %s: %s", art, strerror(errno));
	return true;
}
