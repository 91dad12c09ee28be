/* A case's expect: and verify: keys, into the settings' struct
 * suite_expect. */
#include <string.h>

#include "suite/internal.h"
#include "suite/peercfg.h"

static const char *const suite_verify_names[] = { "established", "traffic", "peer-alive", NULL };

/* peer_lifetime, peer_child_lifetime: seconds only */
static bool suite_expect_peer_life(const struct yaml_node *v, const char *key,
				   struct suite_expect *e, struct yaml_error *err)
{
	bool child = key[5] == 'c';
	uint32_t kb = 0;
	*(child ? &e->has_peer_child_lifetime : &e->has_peer_lifetime) = true;
	if (!peercfg_lifetime(v, key, child ? &e->peer_child_life_sec : &e->peer_life_sec,
			      &kb, err))
		return false;
	if (kb)
		return yaml_fail_expect(err, v, key, "a lifetime in seconds (what the peer "
					"reports installed)");
	return true;
}

/* nat: both, or each side's own finding: { harness_sees, peer_sees } */
static bool suite_expect_nat(const struct yaml_node *v, const char *key, struct suite_expect *e,
			     struct yaml_error *err)
{
	static const char *const nat_names[] = { "none", "harness", "peer", "both", NULL };
	unsigned i;
	if (v->type == YAML_MAP) {
		static const char *const sides[] = { "harness_sees", "peer_sees" };
		for (size_t k = 0; k < v->n; k++) {
			const char *side = v->keys[k]->str;
			bool h = strcmp(side, sides[0]) == 0;
			if (!h && strcmp(side, sides[1]) != 0)
				return yaml_fail(err, v->keys[k], "'nat': unknown key '%s' "
						 "(expected harness_sees or peer_sees)", side);
			if (!yaml_enum(v->items[k], side, nat_names, &i, err))
				return false;
			*(h ? &e->nat_harness_sees : &e->nat_peer_sees) = (uint8_t)(SUITE_NAT | i);
		}
		return true;
	}
	if (!yaml_enum(v, key, nat_names, &i, err))
		return false;
	e->nat = (uint8_t)(SUITE_NAT | i);
	return true;
}

static bool suite_expect_keepalives(const struct yaml_node *v, const char *key,
				    struct suite_expect *e, struct yaml_error *err)
{
	static const char *const who[] = { "none", "harness", "peer", "both", NULL };
	unsigned i;
	if (!yaml_enum(v, key, who, &i, err))
		return false;
	e->keepalives = (uint8_t)(SUITE_NAT | i);
	return true;
}

/* The keys that say yes or no, or leave it to the run (SUITE_ANY). */
static bool suite_expect_tristate(const struct yaml_node *v, const char *key,
				  struct suite_expect *e, struct yaml_error *err)
{
	bool b;
	if (!yaml_bool(v, key, &b, err))
		return false;
	*(strcmp(key, "responder_lifetime") == 0 ? &e->responder_lifetime
	  : strcmp(key, "floated") == 0	 ? &e->floated
	  : strcmp(key, "natoa") == 0	 ? &e->natoa
	  : strcmp(key, "rekey") == 0	 ? &e->rekey
	  : strcmp(key, "remap") == 0	 ? &e->remap
					 : &e->encap) = b ? SUITE_YES : SUITE_NO;
	return true;
}

/* The lifetimes: the negotiated IKE SA's and the child's */
static bool suite_expect_life(const struct yaml_node *v, const char *key, struct suite_expect *e,
			      struct yaml_error *err)
{
	if (strcmp(key, "lifetime") == 0) {
		e->has_lifetime = true;
		e->life_sec = e->life_kb = 0;
		return peercfg_lifetime(v, key, &e->life_sec, &e->life_kb, err);
	}
	e->has_child_lifetime = true;
	e->child_life_sec = e->child_life_kb = 0;
	return peercfg_lifetime(v, key, &e->child_life_sec, &e->child_life_kb, err);
}

/* rejected: NOTIFY, { notify, by: peer|harness, after: KIND }, or none */
static bool suite_expect_rejected(const struct yaml_node *v, const char *key,
				  struct suite_expect *e, struct yaml_error *err)
{
	static const char *const by[] = { "peer", "harness", NULL };
	e->rejected_by = 0;
	e->rejected_after = IKE_K_NONE;
	if (yaml_is_scalar(v) && strcmp(v->str, "none") == 0) {
		e->notify = 0;  /* an override taking back an inherited refusal */
		return true;
	}
	if (v->type != YAML_MAP)
		return suite_notify(v, key, &e->notify, err);
	const struct yaml_node *n = yaml_map_get(v, "notify");
	if (!n)
		return yaml_fail(err, v, "'rejected': a mapping needs 'notify'");
	for (size_t i = 0; i < v->n; i++) {
		const char *k = v->keys[i]->str;
		const struct yaml_node *x = v->items[i];
		unsigned w;
		if (strcmp(k, "notify") == 0) {
			if (!suite_notify(x, "notify", &e->notify, err))
				return false;
		} else if (strcmp(k, "by") == 0) {
			if (!yaml_enum(x, "by", by, &w, err))
				return false;
			e->rejected_by = w ? SUITE_BY_HARNESS : SUITE_BY_PEER;
		} else if (strcmp(k, "after") == 0) {
			if (!suite_kind(x, "after", &e->rejected_after, err))
				return false;
		} else {
			return yaml_fail(err, v->keys[i], "'rejected': unknown key '%s' (expected "
					 "notify, by or after)", k);
		}
	}
	return true;
}

static bool suite_expect_key(const struct yaml_node *v, const char *key, void *vctx,
			     struct yaml_error *err)
{
	struct suite_settings *x = vctx;
	struct suite_expect *e = &x->expect;
	if (strcmp(key, "established") == 0) {
		x->established_set = true;
		return yaml_bool(v, key, &e->established, err);
	}
	if (strcmp(key, "rejected") == 0)
		return suite_expect_rejected(v, key, e, err);
	if (strcmp(key, "silence") == 0)
		return yaml_bool(v, key, &e->silence, err);
	if (strcmp(key, "accepted") == 0)
		return yaml_bool(v, key, &e->accepted, err);
	if (strcmp(key, "deleted") == 0)
		return yaml_bool(v, key, &e->deleted, err);
	if (strcmp(key, "survives") == 0)
		return yaml_bool(v, key, &e->survives, err);
	if (strcmp(key, "proposal") == 0) {
		e->has_proposal = true;
		return peercfg_p1(v, &x->p1, &e->proposal, err);
	}
	if (strcmp(key, "esp") == 0) {
		e->has_esp = true;
		return suite_esp_read(v, key, &e->esp, err);
	}
	if (strcmp(key, "lifetime") == 0 || strcmp(key, "child_lifetime") == 0)
		return suite_expect_life(v, key, e, err);
	if (strcmp(key, "traffic") == 0)
		return yaml_bool(v, key, &e->traffic, err);
	if (strcmp(key, "peer_lifetime") == 0 || strcmp(key, "peer_child_lifetime") == 0)
		return suite_expect_peer_life(v, key, e, err);
	if (strcmp(key, "nat") == 0)
		return suite_expect_nat(v, key, e, err);
	if (strcmp(key, "peer_alive") == 0)
		return yaml_bool(v, key, &e->peer_alive, err);
	if (strcmp(key, "keepalives") == 0)
		return suite_expect_keepalives(v, key, e, err);
	if (strcmp(key, "peer_id") == 0 || strcmp(key, "our_id_seen") == 0) {
		struct ike_id one;
		*(key[0] == 'p' ? &e->peer_id : &e->our_id_seen) = v;
		return suite_id_read(v, key, &one, NULL, err);
	}
	return suite_expect_tristate(v, key, e, err);
}

bool suite_expect(const struct yaml_node *v, struct suite_settings *x,
		  struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "established", false, suite_expect_key }, { "rejected", false, suite_expect_key },
		{ "silence", false, suite_expect_key }, { "proposal", false, suite_expect_key },
		{ "esp", false, suite_expect_key }, { "lifetime", false, suite_expect_key },
		{ "child_lifetime", false, suite_expect_key }, { "traffic", false, suite_expect_key },
		{ "peer_alive", false, suite_expect_key }, { "accepted", false, suite_expect_key },
		{ "deleted", false, suite_expect_key }, { "survives", false, suite_expect_key },
		{ "peer_lifetime", false, suite_expect_key },
		{ "peer_child_lifetime", false, suite_expect_key },
		{ "responder_lifetime", false, suite_expect_key }, { "nat", false, suite_expect_key },
		{ "floated", false, suite_expect_key }, { "encap", false, suite_expect_key },
		{ "natoa", false, suite_expect_key }, { "rekey", false, suite_expect_key },
		{ "keepalives", false, suite_expect_key }, { "remap", false, suite_expect_key },
		{ "peer_id", false, suite_expect_key }, { "our_id_seen", false, suite_expect_key },
	};
	if (!yaml_map_walk(v, "expect", f, SUITE_N(f), x, err))
		return false;
	struct suite_expect *e = &x->expect;
	const struct yaml_node *est = yaml_map_get(v, "established");
	bool refusal = (yaml_map_get(v, "rejected") && e->notify) ||
		       (yaml_map_get(v, "silence") && e->silence);
	if (est && e->established && refusal)
		return yaml_fail(err, est, "'established: true' contradicts '%s'",
				 e->notify ? "rejected" : "silence: true");
	/* a refusal written here overrides an established inherited from
	 * defaults (verify: [established]), and the traffic that only an
	 * established child could carry, unless written here too */
	if (!est && refusal) {
		e->established = false;
		x->established_set = true;
	}
	if (refusal && !yaml_map_get(v, "traffic"))
		e->traffic = false;
	return true;
}

/* verify: [established, traffic, peer-alive] */
bool suite_verify(const struct yaml_node *v, struct suite_settings *x,
		  struct yaml_error *err)
{
	size_t n;
	const struct yaml_node *const *items = yaml_items(&v, &n);
	for (size_t i = 0; i < n; i++) {
		unsigned k;
		if (!yaml_enum(items[i], "verify", suite_verify_names, &k, err))
			return false;
		if (k == 0) {
			x->expect.established = true;
			x->established_set = true;
		} else if (k == 1) {
			x->expect.traffic = true;
		} else {
			x->expect.peer_alive = true;
		}
	}
	return true;
}

