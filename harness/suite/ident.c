/* A side's identity and credentials in a suite: the case's local_id,
 * remote_id, cert, send_*, trust, crl and id_checks for the harness, the
 * same in peer_config for the peer (with psks), and the checks that make
 * an unrunnable combination a load-time error. */
#include <stdio.h>
#include <string.h>

#include "pki/pki.h"
#include "suite/internal.h"
#include "suite/peercfg.h"

/* An ID as ike_id_parse reads it, or "%any". */
bool suite_id_read(const struct yaml_node *v, const char *key, struct ike_id *id, bool *any,
		   struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(v, key, &s, err))
		return false;
	if (any)
		*any = strcmp(s, "%any") == 0;
	if (any && *any) {
		memset(id, 0, sizeof(*id));
		return true;
	}
	if (!ike_id_parse(s, id, e, sizeof(e)))
		return yaml_fail(err, v, "'%s': %s", key, e);
	return true;
}

/* send_cert: always, never, ifasked, or a boolean */
static bool suite_ident_send_cert(const struct yaml_node *v, const char *key, uint8_t *out,
				  struct yaml_error *err)
{
	static const char *const names[] = { "never", "always", "ifasked", "false", "true", NULL };
	static const uint8_t vals[] = { SUITE_NO, SUITE_YES, SUITE_IFASKED, SUITE_NO, SUITE_YES };
	unsigned i;
	if (!yaml_enum(v, key, names, &i, err))
		return false;
	*out = vals[i];
	return true;
}

static bool suite_ident_tri(const struct yaml_node *v, const char *key, uint8_t *out,
			    struct yaml_error *err)
{
	bool b;
	if (!yaml_bool(v, key, &b, err))
		return false;
	*out = b ? SUITE_YES : SUITE_NO;
	return true;
}

/* psks: [{ id: ID, psk: TEXT }]: the peer's PSKs by the harness's ID */
static bool suite_ident_psks(const struct yaml_node *v, const char *key, struct suite_ident *id,
			     struct yaml_error *err)
{
	if (v->type != YAML_SEQ || !v->n)
		return suite_fail_list(err, v, key, "a non-empty list of { id, psk }");
	if (v->n > IKE_MAX_PSKS)
		return yaml_fail(err, v->items[IKE_MAX_PSKS], "'psks': more than %d entries",
				 IKE_MAX_PSKS);
	id->npsks = 0;
	for (size_t i = 0; i < v->n; i++) {
		const struct yaml_node *e = v->items[i];
		const struct yaml_node *idn = yaml_map_get(e, "id"), *pn = yaml_map_get(e, "psk");
		struct ike_id one;
		const char *psk;
		if (e->type != YAML_MAP || e->n != 2 || !idn || !pn)
			return yaml_fail(err, e, "'psks': each entry is a mapping of exactly id and psk");
		if (!peercfg_psk_item(e, &one, &psk, err))
			return false;
	}
	/* the node, not the IDs: every case copies its settings by value */
	id->psks = v;
	id->npsks = v->n;
	return true;
}

bool suite_id_of(const struct yaml_node *n, struct ike_id *out)
{
	bool any = false;
	return n && suite_id_read(n, "id", out, &any, NULL) && !any;
}

bool suite_ident_psk(const struct suite_ident *id, size_t i, struct ike_id *out,
		     const char **psk)
{
	if (!id->psks || i >= id->npsks)
		return false;
	return peercfg_psk_item(id->psks->items[i], out, psk, NULL);
}

bool suite_ident_key(const struct yaml_node *v, const char *key, struct suite_ident *id,
		     bool peer, struct yaml_error *err)
{
	static const char *const trusts[] = { "all", "root", "rogue", NULL };
	char why[200];
	struct ike_id one;
	if (strcmp(key, "local_id") == 0) {
		id->local_id = v;
		return suite_id_read(v, key, &one, NULL, err);
	}
	if (strcmp(key, "remote_id") == 0) {
		id->remote_id = v;
		return suite_id_read(v, key, &one, &id->remote_any, err);
	}
	if (strcmp(key, "cert") == 0) {
		if (!yaml_str(v, key, &id->cert, err))
			return false;
		if (!pki_cred_name_check(id->cert, why, sizeof(why)))
			return yaml_fail(err, v, "'cert': '%s' is not a test-PKI credential: %s",
					 id->cert, why);
		return true;
	}
	if (strcmp(key, "send_cert") == 0)
		return suite_ident_send_cert(v, key, &id->send_cert, err);
	if (strcmp(key, "send_chain") == 0)
		return suite_ident_tri(v, key, &id->send_chain, err);
	if (strcmp(key, "send_cr") == 0)
		return suite_ident_tri(v, key, &id->send_cr, err);
	if (strcmp(key, "trust") == 0) {
		id->has_trust = true;
		return yaml_enum(v, key, trusts, &id->trust, err);
	}
	if (strcmp(key, "crl") == 0)
		return yaml_bool(v, key, &id->crl, err);
	if (strcmp(key, "id_checks") == 0) {
		id->has_id_checks = true;
		return peercfg_id_checks(v, key, &id->id_checks, err);
	}
	if (peer && strcmp(key, "psks") == 0)
		return suite_ident_psks(v, key, id, err);
	return yaml_fail(err, v, "'%s' is not an identity key", key);
}

bool suite_ident_is_key(const char *key, bool peer)
{
	static const char *const keys[] = { "local_id", "remote_id", "cert", "send_cert",
					    "send_chain", "send_cr", "trust", "crl", "id_checks" };
	for (size_t i = 0; i < SUITE_N(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return peer && strcmp(key, "psks") == 0;
}

/* ---- what can run ---- */

/* A named credential that cannot sign with the case's method. */
static bool suite_cred_fits(const char *name, const char *cert, uint16_t auth, const char *side,
			    const struct yaml_node *at, struct yaml_error *err)
{
	/* the name was checked when read */
	const char *have = pki_cred_name_key(cert), *want = pki_auth_key_word(auth);
	if (want ? strcmp(have, want) == 0 : strncmp(have, "rsa", 3) == 0)
		return true;
	return yaml_fail(err, at, "case '%s': %s cert '%s' has a %s key, but auth %s signs with "
			 "%s%s", name, side, cert, have, ike_auth_name(auth), want ? want : "an RSA key",
			 want ? " (name the key: HOST-KEY[-VARIANT])" : "");
}

bool suite_ident_check(const struct suite_settings *x, const char *name,
		       const struct yaml_node *at, struct yaml_error *err)
{
	bool refusal = x->expect.notify || x->expect.silence ||
		       (x->established_set && !x->expect.established);
	if (x->auth == IKE_AUTH_DSS && !refusal && !x->mutation)
		return yaml_fail(err, at, "case '%s': auth dss can only be offered: the harness has "
				 "no DSS signer and strongSwan none at all, so expect a refusal "
				 "(rejected: NO-PROPOSAL-CHOSEN)", name);
	bool sig = ike_auth_is_sig(x->auth);
	const struct suite_ident *p = &x->peer_config.ident;
	if (!sig && (x->ident.cert || p->cert)) {
		const char *k = x->ident.cert ? "cert" : "peer_config: cert";
		return yaml_fail(err, at, "case '%s': '%s' needs a signature auth (rsa, ecdsa256 ...), "
				 "not %s", name, k, ike_auth_name(x->auth));
	}
	if (x->ident.cert && !suite_cred_fits(name, x->ident.cert, x->auth, "the harness's", at, err))
		return false;
	if (p->cert && !suite_cred_fits(name, p->cert, x->auth, "the peer's", at, err))
		return false;
	return true;
}
