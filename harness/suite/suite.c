/* The suite loader: a YAML tree (suite/yaml.h) into struct suite, with the
 * matrix expanded into cases, once per peer. Settings flow defaults ->
 * matrix values -> the case's own keys -> matching overrides, each applied
 * in the order written. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/hex.h"
#include "suite/peercfg.h"
#include "suite/suite.h"
#include "wire/msg.h"
#include "wire/names.h"

#define SUITE_MAX_TAGS 16
#define SUITE_MAX_DIMS 12

/* What defaults, a matrix combination and a case set: copied by value from
 * one level to the next. Strings point into the document. */
struct suite_settings {
	enum ike_role role;
	uint8_t exchange;
	uint16_t auth;
	const char *psk;
	struct ike_p1_xform p1;
	bool has_p2;
	struct ike_p2_xform p2;
	bool pfs_set;
	uint16_t pfs;
	uint16_t encap;
	uint32_t p2_sec, p2_kb;
	uint8_t natt;             /* the harness's NAT-T versions; 0 all */
	bool no_natt;
	uint8_t natt_force;       /* SUITE_ANY/NO/YES */
	enum ike_life_policy life_policy;
	enum netns_topology topology;
	uint32_t hold_ms, rekey_margin_ms, keepalive_ms;
	bool rekey;
	uint8_t nat_remap;        /* SUITE_NAT_HARNESS / _PEER: that NAT box */
	bool has_seed;
	uint64_t seed;
	struct suite_peer_over peer_config;
	struct suite_expect expect;
	bool established_set;
	const char *tags[SUITE_MAX_TAGS];
	size_t ntags;
	/* malformed: a catalog entry and the message it mutates */
	const struct ike_catalog_entry *mutation;
	enum ike_kind at;
	const struct yaml_node *mutation_node, *at_node;
	uint32_t reaction_ms;     /* malformed: { within } (0: the default) */
	/* a case's own */
	const struct yaml_node *name, *script;
};

struct suite_dim {
	const char *key;
	const struct yaml_node *values;  /* a non-empty list of scalars */
};

struct suite_matrix {
	struct suite_dim dims[SUITE_MAX_DIMS];
	size_t ndims;
	const struct yaml_node *exclude;
};

/* One overrides: rule, checked before expansion. */
struct suite_rule {
	const struct yaml_node *node, *set;
	const struct yaml_node *name;    /* NULL: any name */
	bool peers[SUITE_PEER_COUNT];    /* all true: no peer key */
	size_t dims[SUITE_MAX_DIMS];     /* matrix dimensions it names */
	const struct yaml_node *want[SUITE_MAX_DIMS];
	size_t ndims;
	bool hit;                        /* matched a case, peer aside */
};

struct suite_loader {
	struct suite *s;
	const struct yaml_node *root, *vars, *defaults, *matrix, *cases, *overrides;
	struct suite_settings def;
	const char *var_names[65];
	const struct yaml_node *var_values[64];
	size_t nvars;
	struct suite_matrix m;
	/* the file's peers: overrides are checked against these even when
	 * the caller keeps only one */
	enum suite_peer file_peers[SUITE_PEER_COUNT];
	size_t nfile_peers;
	struct suite_rule *rules;
	size_t nrules;
	enum suite_peer peer;            /* the peer being expanded */
	size_t first;                    /* its first case in s->cases */
};

#define SUITE_N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const suite_peers[] = { "strongswan", "self", "remote", NULL };
#define SUITE_PEER_EXPECTED "one of strongswan, self, remote or a non-empty list of them"
static const char *const suite_roles[] = { "initiator", "responder", NULL };
static const char *const suite_exchanges[] = { "main", "aggressive", NULL };
static const char *const suite_modes[] = {
	"tunnel", "transport", "udp-tunnel", "udp-transport", NULL,
};
static const char *const suite_verify_names[] = { "established", "traffic", "peer-alive", NULL };
static const char *const suite_then_names[] = { "peer-alive", NULL };
/* The messages a malformed case may mutate: those the harness can send in
 * either role. */
static const char *const suite_at_names[] = {
	"mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "am1", "am2", "am3",
	"qm1", "qm2", "qm3", "dpd", "delete", NULL,
};

bool suite_peer_by_name(const char *name, enum suite_peer *out)
{
	for (size_t i = 0; suite_peers[i]; i++)
		if (strcmp(suite_peers[i], name) == 0) {
			*out = (enum suite_peer)i;
			return true;
		}
	return false;
}

const char *suite_peer_name(enum suite_peer p)
{
	return (unsigned)p < SUITE_N(suite_peers) - 1 ? suite_peers[p] : NULL;
}

const char *suite_step_kind_name(enum suite_step_kind k)
{
	static const char *const n[] = { "send", "expect", "expect notify", "silence", "wait" };
	return (unsigned)k < SUITE_N(n) ? n[k] : NULL;
}

/* ---- scalars ---- */

/* A notify type by name ("NO-PROPOSAL-CHOSEN", any case, '_' for '-'). */
static bool suite_notify(const struct yaml_node *n, const char *what, uint16_t *out,
			 struct yaml_error *err)
{
	const char *s;
	uint32_t v;
	if (!yaml_str(n, what, &s, err))
		return false;
	if (names_lookup(NAMES_NOTIFY, s, &v) && v > 0 && v <= 0xffff) {
		*out = (uint16_t)v;
		return true;
	}
	/* the table's names, for the suggestion */
	const char *cand[256];
	size_t k = 0;
	enum names_space sp;
	const char *name;
	bool alias;
	for (size_t i = 0; k < SUITE_N(cand) - 1 && names_entry(i, &sp, &v, &name, &alias); i++)
		if (sp == NAMES_NOTIFY && !alias)
			cand[k++] = name;
	cand[k] = NULL;
	const char *sug = yaml_suggest(s, cand);
	char buf[64];
	if (sug)
		return yaml_fail(err, n, "'%s' must be a notify type such as NO-PROPOSAL-CHOSEN, not %s (did you mean '%s'?)",
				 what, yaml_describe(n, buf, sizeof(buf)), sug);
	return yaml_fail_expect(err, n, what, "a notify type such as NO-PROPOSAL-CHOSEN");
}

/* An IKE message kind ("mm1" ... "qm4", "notify", "delete", "dpd", "dpd-ack"). */
static bool suite_kind(const struct yaml_node *n, const char *what, enum ike_kind *out,
		       struct yaml_error *err)
{
	const char *names[IKE_K_COUNT + 1];
	for (int k = 1; k < IKE_K_COUNT; k++)
		names[k - 1] = ike_kind_name((enum ike_kind)k);
	names[IKE_K_COUNT - 1] = NULL;
	unsigned i;
	if (!yaml_enum(n, what, names, &i, err))
		return false;
	*out = ike_kind_by_name(names[i]);
	return true;
}

static bool suite_esp(const struct yaml_node *n, const char *what, struct ike_p2_xform *out,
		      struct yaml_error *err)
{
	const char *s;
	char e[200];
	if (!yaml_str(n, what, &s, err))
		return false;
	if (!ike_p2_parse(s, out, e, sizeof(e)))
		return yaml_fail(err, n, "'%s': %s", what, e);
	return true;
}

/* A list of scalars, or one scalar, as strings into the document. */
static bool suite_tags(const struct yaml_node *v, const char *what, const char **tags,
		       size_t *ntags, struct yaml_error *err)
{
	const struct yaml_node *const *items = &v;
	size_t n = 1;
	if (v->type == YAML_SEQ) {
		items = (const struct yaml_node *const *)v->items;
		n = v->n;
	}
	for (size_t i = 0; i < n; i++) {
		const char *t;
		if (!yaml_str(items[i], what, &t, err))
			return false;
		if (*ntags == SUITE_MAX_TAGS)
			return yaml_fail(err, items[i], "more than %d tags", SUITE_MAX_TAGS);
		tags[(*ntags)++] = t;
	}
	return true;
}

/* Names of cases and of the artifact folders made from them. */
static bool suite_name_ok(const char *s)
{
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return false;
	return *s && *s != '.' && *s != '-';
}

/* yaml_fail_expect, but an empty list says so ("not a list" would puzzle). */
static bool suite_fail_list(struct yaml_error *err, const struct yaml_node *v, const char *what,
			    const char *expected)
{
	if (v->type == YAML_SEQ && !v->n)
		return yaml_fail(err, v, "'%s' must be %s, not an empty list", what, expected);
	return yaml_fail_expect(err, v, what, expected);
}

/* ---- expectations ---- */

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
		return suite_notify(v, key, &e->notify, err);
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
		return suite_esp(v, key, &e->esp, err);
	}
	if (strcmp(key, "lifetime") == 0) {
		e->has_lifetime = true;
		e->life_sec = e->life_kb = 0;
		return peercfg_lifetime(v, key, &e->life_sec, &e->life_kb, err);
	}
	if (strcmp(key, "child_lifetime") == 0) {
		e->has_child_lifetime = true;
		e->child_life_sec = e->child_life_kb = 0;
		return peercfg_lifetime(v, key, &e->child_life_sec, &e->child_life_kb, err);
	}
	if (strcmp(key, "traffic") == 0)
		return yaml_bool(v, key, &e->traffic, err);
	if (strcmp(key, "peer_lifetime") == 0 || strcmp(key, "peer_child_lifetime") == 0) {
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
	bool b;
	if (strcmp(key, "nat") == 0) {
		/* nat: both, or each side's own finding: { harness_sees, peer_sees } */
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
				*(h ? &e->nat_harness_sees : &e->nat_peer_sees) =
					(uint8_t)(SUITE_NAT | i);
			}
			return true;
		}
		if (!yaml_enum(v, key, nat_names, &i, err))
			return false;
		e->nat = (uint8_t)(SUITE_NAT | i);
		return true;
	}
	if (strcmp(key, "peer_alive") == 0)
		return yaml_bool(v, key, &e->peer_alive, err);
	if (strcmp(key, "keepalives") == 0) {
		static const char *const who[] = { "none", "harness", "peer", "both", NULL };
		unsigned i;
		if (!yaml_enum(v, key, who, &i, err))
			return false;
		e->keepalives = (uint8_t)(SUITE_NAT | i);
		return true;
	}
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

static bool suite_expect(const struct yaml_node *v, struct suite_settings *x,
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
static bool suite_verify(const struct yaml_node *v, struct suite_settings *x,
			 struct yaml_error *err)
{
	const struct yaml_node *const *items = &v;
	size_t n = 1;
	if (v->type == YAML_SEQ) {
		items = (const struct yaml_node *const *)v->items;
		n = v->n;
	}
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

/* ---- peer_config ---- */

static bool suite_peer_key(const struct yaml_node *v, const char *key, void *vctx,
			   struct yaml_error *err)
{
	struct suite_settings *x = vctx;
	struct suite_peer_over *p = &x->peer_config;
	if (strcmp(key, "ike_lifetime") == 0) {
		p->has_ike_lifetime = true;
		p->ike_life_sec = p->ike_life_kb = 0;
		return peercfg_lifetime(v, key, &p->ike_life_sec, &p->ike_life_kb, err);
	}
	if (strcmp(key, "proposals") == 0) {
		if (v->type != YAML_SEQ || !v->n)
			return suite_fail_list(err, v, key, "a non-empty list of proposals");
		struct ike_p1_xform def = { .auth = x->auth, .life_sec = p->ike_life_sec,
					    .life_kb = p->ike_life_kb };
		p->np1 = 0;
		for (size_t i = 0; i < v->n; i++) {
			if (i == IKE_MAX_PROPOSALS)
				return yaml_fail(err, v->items[i], "more than %d proposals",
						 IKE_MAX_PROPOSALS);
			if (!peercfg_p1(v->items[i], &def, &p->p1[p->np1++], err))
				return false;
		}
		return true;
	}
	if (strcmp(key, "phase2") == 0) {
		/* the peer's child lifetime; its ESP proposal is the case's */
		const struct yaml_node *life = v->type == YAML_MAP ? yaml_map_get(v, "lifetime") : NULL;
		const struct yaml_node *at = v;  /* the first key that is not lifetime */
		for (size_t k = 0; v->type == YAML_MAP && k < v->n && at == v; k++)
			if (strcmp(v->keys[k]->str, "lifetime") != 0)
				at = v->keys[k];
		if (v->type != YAML_MAP || v->n != 1 || !life)
			return yaml_fail(err, at, "peer_config 'phase2' takes only 'lifetime' (the "
					 "peer's ESP proposals are the case's)");
		p->has_child_lifetime = true;
		p->child_life_sec = p->child_life_kb = 0;
		return peercfg_lifetime(life, "lifetime", &p->child_life_sec, &p->child_life_kb, err);
	}
	if (strcmp(key, "lifetime_policy") == 0) {
		p->has_life_policy = true;
		return peercfg_life_policy(v, key, &p->life_policy, err);
	}
	if (strcmp(key, "natt") == 0) {
		p->has_natt = true;
		return peercfg_natt(v, key, &p->natt, err);
	}
	if (strcmp(key, "natt_force") == 0) {
		p->has_natt_force = true;
		return yaml_bool(v, key, &p->natt_force, err);
	}
	/* the rest is the peer config's business: its drivers read the node
	 * with peercfg's readers */
	return true;
}

static bool suite_peer_config(const struct yaml_node *v, struct suite_settings *x,
			      struct yaml_error *err)
{
	static const char *const keys[] = {
		"role", "exchange", "auth", "psk", "local_id", "remote_id", "proposals",
		"ike_lifetime", "phase2", "local_ts", "remote_ts", "lifetime_policy",
		"retransmit", "initial_contact", "commit", "notify_errors", "nonce_size", "dpd",
		"send_cert", "send_chain", "send_cr", "max_sas", "natt", "natt_force",
	};
	struct yaml_field f[SUITE_N(keys)];
	for (size_t i = 0; i < SUITE_N(keys); i++)
		f[i] = (struct yaml_field){ keys[i], false, suite_peer_key };
	/* a case's peer_config replaces the defaults' one as a whole */
	memset(&x->peer_config, 0, sizeof(x->peer_config));
	x->peer_config.node = v;
	return yaml_map_walk(v, "peer_config", f, SUITE_N(f), x, err);
}

/* ---- settings: defaults, matrix values, cases ---- */

static bool suite_phase2_key(const struct yaml_node *v, const char *key, void *vctx,
			     struct yaml_error *err);

static bool suite_setting(const struct yaml_node *v, const char *key, void *vctx,
			  struct yaml_error *err)
{
	struct suite_settings *x = vctx;
	unsigned i;
	if (strcmp(key, "role") == 0) {
		if (!yaml_enum(v, key, suite_roles, &i, err))
			return false;
		x->role = i ? IKE_RESPONDER : IKE_INITIATOR;
		return true;
	}
	if (strcmp(key, "exchange") == 0) {
		if (!yaml_enum(v, key, suite_exchanges, &i, err))
			return false;
		x->exchange = i ? WIRE_X_AGGR : WIRE_X_MAIN;
		return true;
	}
	if (strcmp(key, "auth") == 0) {
		if (!peercfg_auth(v, key, &x->auth, err))
			return false;
		x->p1.auth = x->auth;
		return true;
	}
	if (strcmp(key, "psk") == 0)
		return yaml_str(v, key, &x->psk, err);
	if (strcmp(key, "proposal") == 0) {
		struct ike_p1_xform def = x->p1;
		def.auth = x->auth;
		return peercfg_p1(v, &def, &x->p1, err);
	}
	if (strcmp(key, "encryption") == 0)
		return peercfg_encr(v, key, &x->p1, err);
	if (strcmp(key, "hash") == 0)
		return peercfg_hash(v, key, &x->p1.hash, err);
	if (strcmp(key, "group") == 0)
		return peercfg_group(v, key, &x->p1.group, err);
	if (strcmp(key, "lifetime") == 0) {
		x->p1.life_sec = x->p1.life_kb = 0;
		return peercfg_lifetime(v, key, &x->p1.life_sec, &x->p1.life_kb, err);
	}
	if (strcmp(key, "phase2") == 0) {
		static const struct yaml_field f[] = {
			{ "esp", false, suite_phase2_key }, { "pfs", false, suite_phase2_key },
			{ "mode", false, suite_phase2_key }, { "lifetime", false, suite_phase2_key },
		};
		if (yaml_is_null(v) || (yaml_is_scalar(v) && strcmp(v->str, "none") == 0)) {
			/* the defaults' pfs, mode and lifetime go with their esp */
			x->has_p2 = x->pfs_set = false;
			x->encap = 0;
			x->p2_sec = x->p2_kb = 0;
			x->expect.traffic = false;  /* no child to carry it */
			return true;
		}
		return yaml_map_walk(v, "phase2", f, SUITE_N(f), x, err);
	}
	if (strcmp(key, "esp") == 0 || strcmp(key, "pfs") == 0 || strcmp(key, "mode") == 0)
		return suite_phase2_key(v, key, vctx, err);
	if (strcmp(key, "child_lifetime") == 0)
		return suite_phase2_key(v, "lifetime", vctx, err);
	if (strcmp(key, "natt") == 0) {
		if (!peercfg_natt(v, key, &x->natt, err))
			return false;
		x->no_natt = !x->natt;
		return true;
	}
	if (strcmp(key, "natt_force") == 0) {
		bool b;
		if (!yaml_bool(v, key, &b, err))
			return false;
		x->natt_force = b ? SUITE_YES : SUITE_NO;
		return true;
	}
	if (strcmp(key, "lifetime_policy") == 0)
		return peercfg_life_policy(v, key, &x->life_policy, err);
	if (strcmp(key, "hold") == 0 || strcmp(key, "rekey_margin") == 0 ||
	    strcmp(key, "keepalive") == 0) {
		uint64_t ms;
		if (!yaml_duration_ms(v, key, 0, 3600000, &ms, err))
			return false;
		*(key[0] == 'h' ? &x->hold_ms : key[0] == 'r' ? &x->rekey_margin_ms
							    : &x->keepalive_ms) = (uint32_t)ms;
		return true;
	}
	if (strcmp(key, "rekey") == 0)
		return yaml_bool(v, key, &x->rekey, err);
	if (strcmp(key, "seed") == 0) {
		x->has_seed = true;
		return yaml_uint(v, key, 0, UINT64_MAX, &x->seed, err);
	}
	if (strcmp(key, "nat_remap") == 0) {
		static const char *const boxes[] = { "none", "harness", "peer", NULL };
		if (!yaml_enum(v, key, boxes, &i, err))
			return false;
		x->nat_remap = (uint8_t)i;  /* SUITE_NAT_HARNESS 1, SUITE_NAT_PEER 2 */
		return true;
	}
	if (strcmp(key, "topology") == 0) {
		const char *str;
		char te[200];
		if (!yaml_str(v, key, &str, err))
			return false;
		if (!netns_topology_parse(str, &x->topology, te, sizeof(te)))
			return yaml_fail(err, v, "'topology': %s", te);
		return true;
	}
	if (strcmp(key, "mutation") == 0) {
		const char *name;
		if (!yaml_str(v, key, &name, err))
			return false;
		x->mutation = ike_catalog_find(name);
		if (!x->mutation) {
			/* the catalog is too long to list: name it and suggest */
			const char *near = yaml_suggest(name, ike_catalog_names());
			char hint[120] = "";
			if (near)
				snprintf(hint, sizeof(hint), " (did you mean '%s'?)", near);
			return yaml_fail(err, v, "'mutation': '%s' is not in the catalog (docs/mutations.md)%s",
					 name, hint);
		}
		x->mutation_node = v;
		return true;
	}
	if (strcmp(key, "at") == 0) {
		if (!yaml_enum(v, key, suite_at_names, &i, err))
			return false;
		x->at = ike_kind_by_name(suite_at_names[i]);
		x->at_node = v;
		return true;
	}
	if (strcmp(key, "within") == 0) {
		uint64_t ms;
		if (!yaml_duration_ms(v, key, 100, 60000, &ms, err))
			return false;
		x->reaction_ms = (uint32_t)ms;
		return true;
	}
	if (strcmp(key, "malformed") == 0) {
		static const struct yaml_field f[] = {
			{ "mutation", true, suite_setting }, { "at", true, suite_setting },
			{ "within", false, suite_setting },
		};
		return yaml_map_walk(v, "malformed", f, SUITE_N(f), x, err);
	}
	if (strcmp(key, "peer_config") == 0)
		return suite_peer_config(v, x, err);
	if (strcmp(key, "expect") == 0)
		return suite_expect(v, x, err);
	if (strcmp(key, "verify") == 0)
		return suite_verify(v, x, err);
	if (strcmp(key, "tags") == 0)
		return suite_tags(v, key, x->tags, &x->ntags, err);
	if (strcmp(key, "name") == 0) {
		const char *s;
		if (!yaml_str(v, key, &s, err))
			return false;
		if (!suite_name_ok(s))
			return yaml_fail_expect(err, v, key,
						"a name of letters, digits, '-', '_' and '.'");
		x->name = v;
		return true;
	}
	if (strcmp(key, "script") == 0) {
		if (v->type != YAML_SEQ || !v->n)
			return suite_fail_list(err, v, key, "a non-empty list of steps");
		x->script = v;
		return true;
	}
	/* then: peer-alive */
	if (!yaml_enum(v, key, suite_then_names, &i, err))
		return false;
	x->expect.peer_alive = true;
	return true;
}

static bool suite_phase2_key(const struct yaml_node *v, const char *key, void *vctx,
			     struct yaml_error *err)
{
	struct suite_settings *x = vctx;
	if (strcmp(key, "esp") == 0) {
		if (!suite_esp(v, key, &x->p2, err))
			return false;
		x->has_p2 = true;
		return true;
	}
	if (strcmp(key, "pfs") == 0) {
		bool b;
		x->pfs_set = true;
		x->pfs = 0;
		if (yaml_is_scalar(v) && !yaml_is_null(v) &&
		    (strcmp(v->str, "none") == 0 || (yaml_bool(v, key, &b, NULL) && !b)))
			return true;
		if (peercfg_group(v, key, &x->pfs, NULL))
			return true;
		return yaml_fail_expect(err, v, key, "none or a group (a number from 1 to 30 or a name)");
	}
	if (strcmp(key, "mode") == 0) {
		unsigned i;
		if (!yaml_enum(v, key, suite_modes, &i, err))
			return false;
		x->encap = (uint16_t)(IKE_ENCAP_TUNNEL + i);
		return true;
	}
	x->p2_sec = x->p2_kb = 0;
	return peercfg_lifetime(v, "lifetime", &x->p2_sec, &x->p2_kb, err);
}

/* Keys of defaults, of a case, and the matrix dimensions. */
static const char *const suite_setting_keys[] = {
	"role", "exchange", "auth", "psk", "proposal", "encryption", "hash", "group",
	"lifetime", "phase2", "esp", "pfs", "mode", "child_lifetime", "natt", "natt_force",
	"lifetime_policy", "topology", "hold", "rekey", "rekey_margin", "keepalive", "nat_remap",
	"seed", "mutation", "at", "malformed", "peer_config", "expect", "verify", "tags",
};
/* Matrix dimensions: settings with a scalar value. */
static const char *const suite_dim_keys[] = {
	"role", "exchange", "auth", "psk", "proposal", "encryption", "hash", "group",
	"lifetime", "esp", "pfs", "mode", "child_lifetime", "natt", "natt_force", "lifetime_policy", "topology", "hold", "rekey", "rekey_margin",
	"keepalive", "nat_remap", "mutation", "at", NULL,
};

static bool suite_walk_settings(const struct yaml_node *map, const char *what, bool is_case,
				struct suite_settings *x, struct yaml_error *err)
{
	struct yaml_field f[SUITE_N(suite_setting_keys) + 3];
	size_t n = 0;
	for (size_t i = 0; i < SUITE_N(suite_setting_keys); i++)
		f[n++] = (struct yaml_field){ suite_setting_keys[i], false, suite_setting };
	if (is_case) {
		f[n++] = (struct yaml_field){ "name", true, suite_setting };
		f[n++] = (struct yaml_field){ "script", false, suite_setting };
		f[n++] = (struct yaml_field){ "then", false, suite_setting };
	}
	return yaml_map_walk(map, what, f, n, x, err);
}

/* ---- scripts ---- */

/* "ke.length", "sa.proposal[0].transform[1].id", "header.next_payload":
 * checked for form and for the payload's name; the field itself is the
 * engine's to resolve against the payload tables. */
static bool suite_path(const struct yaml_node *n, const char *what, struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(n, what, &s, err))
		return false;
	const char *p = s;
	size_t segs = 0;
	char first[32] = "";
	for (;;) {
		const char *start = p;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
			goto bad;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_')
			p++;
		if (!segs && (size_t)(p - start) < sizeof(first))
			snprintf(first, sizeof(first), "%.*s", (int)(p - start), start);
		while (*p == '[') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			while (*p >= '0' && *p <= '9')
				p++;
			if (*p++ != ']')
				goto bad;
		}
		segs++;
		if (!*p)
			break;
		if (*p++ != '.')
			goto bad;
	}
	if (segs < 2)
		goto bad;
	uint32_t v;
	if (strcmp(first, "header") != 0 && !names_lookup(NAMES_PAYLOAD, first, &v))
		return yaml_fail(err, n, "'%s': unknown payload '%s' in '%s' (header or a payload: sa, ke, nonce, id, hash, sig, cert, cr, n, d, vid ...)",
				 what, first, s);
	return true;
bad:
	return yaml_fail_expect(err, n, what,
				"a path PAYLOAD.FIELD such as ke.length or sa.proposal[0].transform[1].id");
}

/* The forms of a mutation: the key that names each, and the keys that may
 * go with it. */
struct suite_mut_form {
	const char *key;
	const char *with[3];
};
static const struct suite_mut_form suite_mut_forms[] = {
	{ "field", { "set", "bytes", NULL } },
	{ "remove", { "nth", NULL } },
	{ "duplicate", { "nth", NULL } },
	{ "insert", { "index", "body", NULL } },
	{ "xor", { "mask", "plain", NULL } },
	{ "truncate", { "plain", NULL } },
	{ "chop", { NULL } },
	{ "append", { NULL } },
	{ "catalog", { NULL } },
};
#define SUITE_MUT_FORMS "{ field: PATH, set: N | bytes: HEX }, { remove|duplicate: PAYLOAD, nth: N }, " \
	"{ insert: TYPE, index: N, body: HEX }, { xor: OFFSET, mask: M, plain: BOOL }, " \
	"{ truncate: N, plain: BOOL }, { chop: N }, { append: HEX } or { catalog: NAME }"

static bool suite_hex(const struct yaml_node *v, const char *key, struct suite_mutation *m,
		      struct yaml_error *err)
{
	const char *s;
	chunk_t c = CHUNK_EMPTY;
	/* a quoted "" is no bytes: an unknown payload with a header only */
	if (strcmp(key, "body") == 0 && yaml_is_scalar(v) && !v->plain && v->len == 0) {
		free(m->bytes);
		m->bytes = NULL;
		m->nbytes = 0;
		return true;
	}
	if (!yaml_str(v, key, &s, err))
		return false;
	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	if (*s && !hex_decode(s, strlen(s), &c))
		return yaml_fail_expect(err, v, key, "hex bytes such as a5a5 (an even number of digits)");
	if (c.len > 65535) {
		chunk_free(&c);
		return yaml_fail_expect(err, v, key, "at most 65535 bytes");
	}
	free(m->bytes);
	m->bytes = c.ptr;
	m->nbytes = c.len;
	return true;
}

static bool suite_payload_type(const struct yaml_node *v, const char *key, bool numbers,
			       uint8_t *out, struct yaml_error *err)
{
	const char *s;
	uint32_t t;
	uint64_t n;
	if (!yaml_str(v, key, &s, err))
		return false;
	if (names_lookup(NAMES_PAYLOAD, s, &t) && t && t <= 255) {
		*out = (uint8_t)t;
		return true;
	}
	if (numbers && yaml_uint(v, key, 1, 255, &n, NULL)) {
		*out = (uint8_t)n;
		return true;
	}
	return yaml_fail(err, v, "'%s': unknown payload '%s' (sa, ke, nonce, id, hash, sig, cert, "
			 "cr, n, d, vid, natd, natoa ...%s)", key, s, numbers ? ", or a number 1-255" : "");
}

static bool suite_mutation_key(const struct yaml_node *v, const char *key, void *vctx,
			       struct yaml_error *err)
{
	struct suite_mutation *m = vctx;
	const char *s;
	uint64_t n;
	bool b;
	if (strcmp(key, "remove") == 0 || strcmp(key, "duplicate") == 0) {
		m->op = key[0] == 'r' ? IKE_MUT_REMOVE : IKE_MUT_DUPLICATE;
		return suite_payload_type(v, key, false, &m->payload, err);
	}
	if (strcmp(key, "insert") == 0) {
		m->op = IKE_MUT_UNKNOWN;
		return suite_payload_type(v, key, true, &m->payload, err);
	}
	if (strcmp(key, "nth") == 0 || strcmp(key, "index") == 0) {
		if (!yaml_uint(v, key, 0, 255, &n, err))
			return false;
		m->nth = (uint32_t)n;
		return true;
	}
	if (strcmp(key, "field") == 0) {
		if (!suite_path(v, key, err))
			return false;
		m->field = xstrdup(v->str);
		return true;
	}
	if (strcmp(key, "set") == 0) {
		if (!yaml_str(v, key, &s, err))
			return false;
		m->op = IKE_MUT_SET;
		m->set = xstrdup(s);
		return true;
	}
	if (strcmp(key, "bytes") == 0) {
		m->op = IKE_MUT_SET_BYTES;
		return suite_hex(v, key, m, err);
	}
	if (strcmp(key, "body") == 0 || strcmp(key, "append") == 0) {
		if (key[0] == 'a')
			m->op = IKE_MUT_DGRAM_APPEND;
		return suite_hex(v, key, m, err);
	}
	if (strcmp(key, "xor") == 0 || strcmp(key, "truncate") == 0 || strcmp(key, "chop") == 0) {
		bool chop = key[0] == 'c';
		if (!yaml_uint(v, key, chop ? 1 : 0, 65535, &n, err))
			return false;
		/* plain: moves XOR and TRUNCATE to the plaintext (below) */
		if (key[0] == 'x') {
			m->op = IKE_MUT_DGRAM_XOR;
			m->offset = (uint32_t)n;
		} else {
			m->op = chop ? IKE_MUT_DGRAM_CHOP : IKE_MUT_DGRAM_TRUNCATE;
			m->value = (uint32_t)n;
		}
		return true;
	}
	if (strcmp(key, "mask") == 0) {
		if (!yaml_uint(v, key, 1, 255, &n, err))
			return false;
		m->value = (uint32_t)n;
		return true;
	}
	if (strcmp(key, "plain") == 0)
		return yaml_bool(v, key, &b, err);   /* applied once the form is known */
	/* catalog */
	if (!yaml_str(v, key, &s, err))
		return false;
	m->catalog = ike_catalog_find(s);
	if (!m->catalog) {
		const char *near = yaml_suggest(s, ike_catalog_names());
		return yaml_fail(err, v, "'catalog': '%s' is not in the catalog (docs/mutations.md)%s%s%s",
				 s, near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	}
	return true;
}

/* One mutation: exactly one form's key, and only the keys that go with it. */
static bool suite_mutation(const struct yaml_node *v, struct suite_mutation *m,
			   struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "field", false, suite_mutation_key }, { "set", false, suite_mutation_key },
		{ "bytes", false, suite_mutation_key }, { "remove", false, suite_mutation_key },
		{ "duplicate", false, suite_mutation_key }, { "nth", false, suite_mutation_key },
		{ "insert", false, suite_mutation_key }, { "index", false, suite_mutation_key },
		{ "body", false, suite_mutation_key }, { "xor", false, suite_mutation_key },
		{ "mask", false, suite_mutation_key }, { "plain", false, suite_mutation_key },
		{ "truncate", false, suite_mutation_key }, { "chop", false, suite_mutation_key },
		{ "append", false, suite_mutation_key }, { "catalog", false, suite_mutation_key },
	};
	m->line = v->line;
	m->col = v->col;
	if (!yaml_map_walk(v, "mutation", f, SUITE_N(f), m, err))
		return false;
	const struct suite_mut_form *form = NULL;
	for (size_t i = 0; i < SUITE_N(suite_mut_forms); i++) {
		if (!yaml_map_get(v, suite_mut_forms[i].key))
			continue;
		if (form)
			return yaml_fail(err, v, "a mutation has one of '%s' and '%s', not both (%s)",
					 form->key, suite_mut_forms[i].key, SUITE_MUT_FORMS);
		form = &suite_mut_forms[i];
	}
	if (!form)
		return yaml_fail(err, v, "a mutation is %s", SUITE_MUT_FORMS);
	for (size_t k = 0; k < v->n; k++) {
		const char *key = v->keys[k]->str;
		bool ok = strcmp(key, form->key) == 0;
		for (size_t j = 0; !ok && j < 3 && form->with[j]; j++)
			ok = strcmp(key, form->with[j]) == 0;
		if (!ok)
			return yaml_fail(err, v->keys[k], "'%s' does not go with '%s' in a mutation (%s)",
					 key, form->key, SUITE_MUT_FORMS);
	}
	if (strcmp(form->key, "field") == 0 && !m->set && !m->bytes &&
	    !yaml_map_get(v, "bytes"))
		return yaml_fail(err, v, "missing key 'set' in 'mutation' (or 'bytes')");
	if (m->set && yaml_map_get(v, "bytes"))
		return yaml_fail(err, v, "a mutation sets a field to a number ('set') or to bytes ('bytes'), not both");
	if (strcmp(form->key, "xor") == 0 && !yaml_map_get(v, "mask"))
		return yaml_fail(err, v, "missing key 'mask' in 'mutation' (the bits 'xor' flips)");
	const struct yaml_node *plain = yaml_map_get(v, "plain");
	bool b = false;
	if (plain && yaml_bool(plain, "plain", &b, NULL) && b)
		m->op = m->op == IKE_MUT_DGRAM_XOR ? IKE_MUT_PLAIN_XOR : IKE_MUT_PLAIN_TRUNCATE;
	return true;
}

static bool suite_mutations(const struct yaml_node *v, struct suite_step *st,
			    struct yaml_error *err)
{
	const struct yaml_node *const *items = &v;
	size_t n = 1;
	if (v->type == YAML_SEQ) {
		items = (const struct yaml_node *const *)v->items;
		n = v->n;
	}
	if (!n)
		return suite_fail_list(err, v, "mutate", "a mutation or a list of them");
	st->mutations = xcalloc(n, sizeof(*st->mutations));
	for (size_t i = 0; i < n; i++)
		if (!suite_mutation(items[i], &st->mutations[st->nmutations++], err))
			return false;
	return true;
}

/* One alternative: a message kind, "silence", or { notify: NAME }. */
static bool suite_alt(const struct yaml_node *v, struct suite_alt *a, struct yaml_error *err)
{
	if (v->type == YAML_MAP) {
		if (v->n != 1 || strcmp(v->keys[0]->str, "notify") != 0) {
			const struct yaml_node *k = v->n ? v->keys[0] : v;
			if (v->n && strcmp(k->str, "notify") != 0) {
				static const char *const cand[] = { "notify", NULL };
				const char *sug = yaml_suggest(k->str, cand);
				if (sug)
					return yaml_fail(err, k, "unknown key '%s' (did you mean '%s'?)",
							 k->str, sug);
				return yaml_fail(err, k, "unknown key '%s' (expected 'notify')", k->str);
			}
			return yaml_fail_expect(err, v, "expect", "a message kind, silence or { notify: TYPE }");
		}
		a->kind = SUITE_ALT_NOTIFY;
		return suite_notify(v->items[0], "notify", &a->notify, err);
	}
	if (yaml_is_scalar(v) && strcmp(v->str, "silence") == 0) {
		a->kind = SUITE_ALT_SILENCE;
		return true;
	}
	a->kind = SUITE_ALT_MESSAGE;
	return suite_kind(v, "expect", &a->msg, err);
}

struct suite_expect_step {
	struct suite_step *st;
	const struct yaml_node *notify, *any_of, *within, *message;
};

static bool suite_expect_step_key(const struct yaml_node *v, const char *key, void *vctx,
				  struct yaml_error *err)
{
	struct suite_expect_step *x = vctx;
	(void)err;
	if (strcmp(key, "notify") == 0)
		x->notify = v;
	else if (strcmp(key, "any_of") == 0)
		x->any_of = v;
	else if (strcmp(key, "message") == 0)
		x->message = v;
	else
		x->within = v;
	return true;
}

static bool suite_expect_step(const struct yaml_node *v, struct suite_step *st,
			      struct yaml_error *err)
{
	st->kind = SUITE_STEP_EXPECT;
	if (v->type != YAML_MAP) {
		if (!suite_alt(v, &st->alts[0], err))
			return false;
		st->nalts = 1;
		st->msg = st->alts[0].msg;
		return true;
	}
	static const struct yaml_field f[] = {
		{ "message", false, suite_expect_step_key }, { "notify", false, suite_expect_step_key },
		{ "any_of", false, suite_expect_step_key }, { "within", false, suite_expect_step_key },
	};
	struct suite_expect_step x = { .st = st };
	if (!yaml_map_walk(v, "expect", f, SUITE_N(f), &x, err))
		return false;
	if (x.within && !yaml_duration_ms(x.within, "within", 1, 3600000, &st->ms, err))
		return false;
	int forms = !!x.notify + !!x.any_of + !!x.message;
	if (forms != 1)
		return yaml_fail(err, v, "'expect' needs exactly one of message, notify, any_of");
	if (x.message) {
		st->alts[0].kind = SUITE_ALT_MESSAGE;
		if (!suite_kind(x.message, "message", &st->alts[0].msg, err))
			return false;
		st->msg = st->alts[0].msg;
		st->nalts = 1;
		return true;
	}
	if (x.notify) {
		st->kind = SUITE_STEP_EXPECT_NOTIFY;
		st->alts[0].kind = SUITE_ALT_NOTIFY;
		st->nalts = 1;
		return suite_notify(x.notify, "notify", &st->alts[0].notify, err);
	}
	if (x.any_of->type != YAML_SEQ || x.any_of->n < 1)
		return suite_fail_list(err, x.any_of, "any_of", "a non-empty list of alternatives");
	for (size_t i = 0; i < x.any_of->n; i++) {
		if (i == SUITE_MAX_ALTS)
			return yaml_fail(err, x.any_of->items[i], "more than %d alternatives",
					 SUITE_MAX_ALTS);
		if (!suite_alt(x.any_of->items[i], &st->alts[st->nalts++], err))
			return false;
	}
	return true;
}

static bool suite_step_key(const struct yaml_node *v, const char *key, void *vctx,
			   struct yaml_error *err)
{
	(void)v, (void)key, (void)vctx, (void)err;
	return true; /* read in suite_step, which needs them all at once */
}

static bool suite_step(const struct yaml_node *v, struct suite_step *st, struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "send", false, suite_step_key }, { "expect", false, suite_step_key },
		{ "silence", false, suite_step_key }, { "wait", false, suite_step_key },
		{ "mutate", false, suite_step_key },
	};
	st->line = v->line;
	st->col = v->col;
	if (!yaml_map_walk(v, "step", f, SUITE_N(f), NULL, err))
		return false;
	static const char *const kinds[] = { "send", "expect", "silence", "wait" };
	const struct yaml_node *k = NULL;
	const char *kname = NULL;
	for (size_t i = 0; i < SUITE_N(kinds); i++) {
		const struct yaml_node *n = yaml_map_get(v, kinds[i]);
		if (!n)
			continue;
		if (k)
			return yaml_fail(err, n, "a step has one of send, expect, silence, wait, not both '%s' and '%s'",
					 kname, kinds[i]);
		k = n;
		kname = kinds[i];
	}
	if (!k)
		return yaml_fail(err, v, "a step needs one of send, expect, silence, wait");
	const struct yaml_node *mut = yaml_map_get(v, "mutate");
	if (mut && strcmp(kname, "send") != 0)
		return yaml_fail(err, mut, "'mutate' goes with 'send', not with '%s'", kname);
	if (strcmp(kname, "send") == 0) {
		st->kind = SUITE_STEP_SEND;
		if (!suite_kind(k, "send", &st->msg, err))
			return false;
		return !mut || suite_mutations(mut, st, err);
	}
	if (strcmp(kname, "expect") == 0)
		return suite_expect_step(k, st, err);
	st->kind = strcmp(kname, "silence") == 0 ? SUITE_STEP_SILENCE : SUITE_STEP_WAIT;
	return yaml_duration_ms(k, kname, 1, 3600000, &st->ms, err);
}

/* ---- cases ---- */

static void suite_case_free(struct suite_case *c)
{
	free(c->name);
	free(c->psk);
	for (size_t i = 0; i < c->ntags; i++)
		free(c->tags[i]);
	free(c->tags);
	for (size_t i = 0; i < c->nsteps; i++) {
		for (size_t j = 0; j < c->steps[i].nmutations; j++) {
			free(c->steps[i].mutations[j].field);
			free(c->steps[i].mutations[j].set);
			free(c->steps[i].mutations[j].bytes);
		}
		free(c->steps[i].mutations);
	}
	free(c->steps);
	memset(c, 0, sizeof(*c));
}

/* The harness sends the odd Main Mode messages, am1, am3, qm1, qm3 and the
 * Informationals as initiator; the others as responder. */
static bool suite_sent_by_initiator(enum ike_kind k)
{
	return k == IKE_K_MM1 || k == IKE_K_MM3 || k == IKE_K_MM5 || k == IKE_K_AM1 ||
	       k == IKE_K_AM3 || k == IKE_K_QM1 || k == IKE_K_QM3 || k == IKE_K_DPD ||
	       k == IKE_K_DELETE;
}

/* What the peer sends next after the harness's message t in the standard
 * exchange; none (0) when the peer has nothing to answer (qm3 without
 * commit, a Delete, mm6/am3 without a Quick Mode). */
static enum ike_kind suite_next_kind(enum ike_kind t, bool p2)
{
	switch (t) {
	case IKE_K_MM1: return IKE_K_MM2;
	case IKE_K_MM2: return IKE_K_MM3;
	case IKE_K_MM3: return IKE_K_MM4;
	case IKE_K_MM4: return IKE_K_MM5;
	case IKE_K_MM5: return IKE_K_MM6;
	case IKE_K_AM1: return IKE_K_AM2;
	case IKE_K_AM2: return IKE_K_AM3;
	case IKE_K_MM6: case IKE_K_AM3: return p2 ? IKE_K_QM1 : IKE_K_NONE;
	case IKE_K_QM1: return IKE_K_QM2;
	case IKE_K_QM2: return IKE_K_QM3;
	case IKE_K_DPD: return IKE_K_DPD_ACK;
	default: return IKE_K_NONE;
	}
}

/* A malformed case's script: the standard exchange for the harness's role
 * up to the target message, the target with the catalog entry's mutations,
 * then the reaction (the case's expect, else the catalog's). */
static bool suite_malformed(struct suite_case *c, const struct suite_settings *x,
			    const struct yaml_node *at, struct yaml_error *err)
{
	const struct yaml_node *where = x->at_node ? x->at_node : x->mutation_node;
	if (!x->mutation)
		return yaml_fail(err, where, "case '%s' gives 'at' without 'mutation'", c->name);
	if (!x->at)
		return yaml_fail(err, where, "case '%s' gives 'mutation' without 'at'", c->name);
	if (x->script)
		return yaml_fail(err, x->script, "case '%s': 'script' and a malformed mutation exclude each other (the mutation makes the script)",
				 c->name);
	if (!ike_catalog_applies(x->mutation, x->at)) {
		char list[200];
		return yaml_fail(err, x->at_node, "'at': mutation '%s' does not apply to %s (it applies to %s)",
				 x->mutation->name, ike_kind_name(x->at),
				 ike_catalog_at_str(x->mutation, list, sizeof(list)));
	}
	if (!ike_catalog_fits_auth(x->mutation, x->auth))
		return yaml_fail(err, x->mutation_node ? x->mutation_node : where,
				 x->mutation->auth == IKE_CAT_AUTH_SIG
				 ? "'mutation': '%s' changes CERT, CR or SIG payloads, which only signature authentication sends: give 'auth: rsa' or an ECDSA method"
				 : "'mutation': '%s' changes HASH_I / HASH_R, which only pre-shared key authentication sends (signatures send SIG): give 'auth: psk'",
				 x->mutation->name);
	if (ike_kind_quick(x->at) && !c->has_p2)
		return yaml_fail(err, x->at_node, "'at': %s needs a Quick Mode: give 'esp' or 'phase2'",
				 ike_kind_name(x->at));
	enum ike_kind t = x->at;
	bool aggr = (t >= IKE_K_AM1 && t <= IKE_K_AM3) ||
		    (!(t >= IKE_K_MM1 && t <= IKE_K_MM6) && c->exchange == WIRE_X_AGGR);
	bool init = suite_sent_by_initiator(t);
	enum ike_kind seq[16];
	size_t n = 0;
	for (int k = aggr ? IKE_K_AM1 : IKE_K_MM1; k <= (aggr ? IKE_K_AM3 : IKE_K_MM6); k++)
		seq[n++] = (enum ike_kind)k;
	if (ike_kind_quick(t))
		for (int k = IKE_K_QM1; k <= IKE_K_QM3; k++)
			seq[n++] = (enum ike_kind)k;
	else if (t == IKE_K_DPD || t == IKE_K_DELETE)
		seq[n++] = t;
	size_t upto = 0;
	while (upto < n && seq[upto] != t)
		upto++;
	c->role = init ? IKE_INITIATOR : IKE_RESPONDER;
	c->exchange = aggr ? WIRE_X_AGGR : WIRE_X_MAIN;
	c->malformed = x->mutation;
	c->malformed_at = t;
	/* the case's own expectation wins over the catalog's: a notify,
	   silence, or the peer's next message as if nothing were wrong */
	bool own = x->expect.notify || x->expect.silence || x->expect.accepted ||
		   x->expect.deleted;
	bool accepted = x->expect.accepted || (!own && x->mutation->accept);
	c->reaction = x->expect.notify ? x->expect.notify : own ? 0 : x->mutation->notify;
	if (x->expect.deleted && !x->expect.notify && !x->expect.silence)
		c->reaction_msg = IKE_K_DELETE;   /* the peer gave the SA up */
	else if (accepted && !x->expect.notify && !x->expect.silence)
		c->reaction_msg = suite_next_kind(t, c->has_p2);
	/* the peer's next message only: after am3 the next (qm1) is ours */
	if (c->reaction_msg && c->reaction_msg != IKE_K_DELETE &&
	    suite_sent_by_initiator(c->reaction_msg) == init)
		c->reaction_msg = IKE_K_NONE;
	c->reaction_ms = x->reaction_ms ? x->reaction_ms : c->reaction ? 2000 : 1500;
	/* the reaction is judged by the script's last step; silence there is
	   after the mutated message, not the peer never answering at all */
	c->expect.notify = c->reaction;
	c->expect.silence = false;
	c->expect.established = false;
	c->expect.traffic = false;
	c->expect.peer_alive = true;
	c->steps = xcalloc(upto + 2, sizeof(*c->steps));
	for (size_t i = 0; i <= upto; i++) {
		struct suite_step *st = &c->steps[c->nsteps++];
		st->line = at->line;
		st->col = at->col;
		st->msg = seq[i];
		bool ours = suite_sent_by_initiator(seq[i]) == init;
		st->kind = ours ? SUITE_STEP_SEND : SUITE_STEP_EXPECT;
		if (!ours) {
			st->alts[0] = (struct suite_alt){ .kind = SUITE_ALT_MESSAGE, .msg = seq[i] };
			st->nalts = 1;
		}
	}
	struct suite_step *mut = &c->steps[c->nsteps - 1];
	mut->catalog = x->mutation;
	/* a delete's protocol: the engine's default, the ISAKMP SA */
	struct suite_step *re = &c->steps[c->nsteps++];
	re->line = at->line;
	re->col = at->col;
	re->ms = c->reaction_ms;
	if (c->reaction_msg) {
		re->kind = SUITE_STEP_EXPECT;
		re->msg = c->reaction_msg;
		re->alts[0] = (struct suite_alt){ .kind = SUITE_ALT_MESSAGE, .msg = c->reaction_msg };
		re->nalts = 1;
	} else if (c->reaction) {
		re->kind = SUITE_STEP_EXPECT_NOTIFY;
		re->alts[0] = (struct suite_alt){ .kind = SUITE_ALT_NOTIFY, .notify = c->reaction };
		re->nalts = 1;
	} else {
		re->kind = SUITE_STEP_SILENCE;
	}
	return true;
}

/* Settings into a case; at is where errors about the whole case point. */
static bool suite_case_make(struct suite_loader *L, const struct suite_settings *x,
			    const char *name, const struct yaml_node *at, struct yaml_error *err)
{
	struct suite *s = L->s;
	/* names are unique per peer: each peer has the same list */
	for (size_t i = L->first; i < s->ncases; i++)
		if (strcmp(s->cases[i].name, name) == 0)
			return yaml_fail(err, at, "duplicate case name '%s' (first at line %u, column %u)",
					 name, s->cases[i].line, s->cases[i].col);
	if (s->ncases - L->first == SUITE_MAX_CASES)
		return yaml_fail(err, at, "more than %d cases in one suite", SUITE_MAX_CASES);
	if (!x->p1.encr || !x->p1.hash || !x->p1.group)
		return yaml_fail(err, at, "case '%s' has no complete proposal: give 'proposal' or encryption, hash and group (here or in defaults)",
				 name);
	if (x->auth == IKE_AUTH_PSK && !x->psk)
		return yaml_fail(err, at, "case '%s' uses auth psk but has no 'psk' (here or in defaults)",
				 name);
	if (!x->has_p2 && (x->pfs_set || x->encap || x->p2_sec || x->p2_kb))
		return yaml_fail(err, at, "case '%s' sets pfs, mode or a child lifetime but has no 'esp'",
				 name);
	s->cases = xrealloc(s->cases, (s->ncases + 1) * sizeof(*s->cases));
	struct suite_case *c = &s->cases[s->ncases];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->peer = L->peer;
	c->line = at->line;
	c->col = at->col;
	c->role = x->role;
	c->exchange = x->exchange;
	c->auth = x->auth;
	c->psk = x->psk ? xstrdup(x->psk) : NULL;
	c->p1 = x->p1;
	c->p1.auth = x->auth;
	c->has_p2 = x->has_p2;
	if (x->has_p2) {
		c->p2 = x->p2;
		/* a group in the esp text wins over pfs */
		if (!c->p2.group && x->pfs_set)
			c->p2.group = x->pfs;
		c->p2.encap = x->encap ? x->encap : IKE_ENCAP_TUNNEL;
		c->p2.life_sec = x->p2_sec;
		c->p2.life_kb = x->p2_kb;
	}
	c->natt = x->natt;
	c->no_natt = x->no_natt;
	c->natt_force = x->natt_force;
	c->life_policy = x->life_policy;
	c->topology = x->topology;
	c->hold_ms = x->hold_ms;
	c->rekey = x->rekey;
	c->rekey_margin_ms = x->rekey_margin_ms;
	c->keepalive_ms = x->keepalive_ms;
	c->nat_remap = x->nat_remap;
	c->has_seed = x->has_seed;
	c->seed = x->seed;
	c->peer_config = x->peer_config;
	c->expect = x->expect;
	if (!x->established_set)
		c->expect.established = !c->expect.notify && !c->expect.silence &&
					 !c->expect.survives;
	c->tags = xcalloc(s->ntags + x->ntags + 1, sizeof(*c->tags));
	for (size_t i = 0; i < s->ntags; i++)
		c->tags[c->ntags++] = xstrdup(s->tags[i]);
	for (size_t i = 0; i < x->ntags; i++)
		c->tags[c->ntags++] = xstrdup(x->tags[i]);
	s->ncases++;
	if (x->mutation || x->at)
		return suite_malformed(c, x, at, err);
	if (x->script) {
		c->steps = xcalloc(x->script->n, sizeof(*c->steps));
		for (size_t i = 0; i < x->script->n; i++) {
			c->nsteps++;
			if (!suite_step(x->script->items[i], &c->steps[i], err))
				return false;
		}
	}
	return true;
}

/* ---- the matrix ---- */

static bool suite_matrix_key(const struct yaml_node *v, const char *key, void *vctx,
			     struct yaml_error *err)
{
	struct suite_matrix *m = vctx;
	if (strcmp(key, "exclude") == 0) {
		if (v->type != YAML_SEQ)
			return yaml_fail_expect(err, v, key, "a list of partial combinations");
		m->exclude = v;
		return true;
	}
	if (v->type != YAML_SEQ || !v->n)
		return suite_fail_list(err, v, key, "a non-empty list of values");
	for (size_t i = 0; i < v->n; i++)
		if (!yaml_is_scalar(v->items[i]) || yaml_is_null(v->items[i]))
			return yaml_fail_expect(err, v->items[i], key, "a value (a scalar)");
	m->dims[m->ndims++] = (struct suite_dim){ key, v };
	return true;
}

/* The part of a case name one matrix value gives: "g14" for group 14. */
static void suite_dim_label(const char *key, const char *val, char *buf, size_t len)
{
	bool digits = *val != '\0';
	for (const char *p = val; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	snprintf(buf, len, "%s%s", strcmp(key, "group") == 0 && digits ? "g" : "", val);
}

/* A rule's value for one dimension (a value or a list of them) against the
 * value a combination has. */
static bool suite_dim_hit(const struct yaml_node *want, const char *have)
{
	if (want->type != YAML_SEQ)
		return strcmp(want->str, have) == 0;
	for (size_t j = 0; j < want->n; j++)
		if (strcmp(want->items[j]->str, have) == 0)
			return true;
	return false;
}

static bool suite_excluded(const struct suite_matrix *m, const size_t *idx)
{
	if (!m->exclude)
		return false;
	for (size_t r = 0; r < m->exclude->n; r++) {
		const struct yaml_node *rule = m->exclude->items[r];
		bool all = true;
		for (size_t k = 0; k < rule->n && all; k++)
			for (size_t d = 0; d < m->ndims; d++)
				if (strcmp(m->dims[d].key, rule->keys[k]->str) == 0)
					all = suite_dim_hit(rule->items[k],
							    m->dims[d].values->items[idx[d]]->str);
		if (all)
			return true;
	}
	return false;
}

/* The index of a dimension, or m->ndims. */
static size_t suite_dim_find(const struct suite_matrix *m, const char *key)
{
	size_t d = 0;
	while (d < m->ndims && strcmp(m->dims[d].key, key) != 0)
		d++;
	return d;
}

/* Values an exclude or match rule gives dimension d must be values the
 * dimension has, so a typo cannot silently select nothing. */
static bool suite_check_dim_values(const struct suite_matrix *m, size_t d,
				   const struct yaml_node *want, const char *what,
				   struct yaml_error *err)
{
	const struct yaml_node *const *ws = &want;
	size_t nw = 1;
	if (want->type == YAML_SEQ) {
		ws = (const struct yaml_node *const *)want->items;
		nw = want->n;
	}
	for (size_t j = 0; j < nw; j++) {
		bool found = false;
		if (yaml_is_scalar(ws[j]))
			for (size_t i = 0; i < m->dims[d].values->n; i++)
				found = found || strcmp(m->dims[d].values->items[i]->str,
							ws[j]->str) == 0;
		if (!found) {
			char b[64];
			return yaml_fail(err, ws[j], "%s: %s is not one of the matrix's '%s' values",
					 what, yaml_describe(ws[j], b, sizeof(b)), m->dims[d].key);
		}
	}
	return true;
}

/* Exclude rules name dimensions and values the matrix has, so a typo in a
 * rule cannot silently exclude nothing. */
static bool suite_check_exclude(const struct suite_matrix *m, struct yaml_error *err)
{
	if (!m->exclude)
		return true;
	const char *dims[SUITE_MAX_DIMS + 1];
	for (size_t d = 0; d < m->ndims; d++)
		dims[d] = m->dims[d].key;
	dims[m->ndims] = NULL;
	for (size_t r = 0; r < m->exclude->n; r++) {
		const struct yaml_node *rule = m->exclude->items[r];
		if (rule->type != YAML_MAP || !rule->n)
			return yaml_fail_expect(err, rule, "exclude", "a mapping of dimension: value");
		for (size_t k = 0; k < rule->n; k++) {
			const struct yaml_node *key = rule->keys[k];
			size_t d = suite_dim_find(m, key->str);
			if (d == m->ndims) {
				const char *sug = yaml_suggest(key->str, dims);
				if (sug)
					return yaml_fail(err, key, "exclude names '%s', which is not a matrix dimension (did you mean '%s'?)",
							 key->str, sug);
				return yaml_fail(err, key, "exclude names '%s', which is not a matrix dimension",
						 key->str);
			}
			if (!suite_check_dim_values(m, d, rule->items[k], "exclude", err))
				return false;
		}
	}
	return true;
}

/* The matrix's dimensions into L->m, checked once: its size, its exclude
 * rules and every value on its own. */
static bool suite_matrix_read(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *mn = L->matrix;
	struct yaml_field f[SUITE_N(suite_dim_keys)];
	size_t nf = 0;
	for (size_t i = 0; suite_dim_keys[i]; i++)
		f[nf++] = (struct yaml_field){ suite_dim_keys[i], false, suite_matrix_key };
	f[nf++] = (struct yaml_field){ "exclude", false, suite_matrix_key };
	struct suite_matrix *m = &L->m;
	if (!yaml_map_walk(mn, "matrix", f, nf, m, err))
		return false;
	if (!m->ndims)
		return yaml_fail(err, mn, "'matrix' must have at least one dimension (encryption, hash, group ...)");
	uint64_t product = 1;
	for (size_t d = 0; d < m->ndims; d++) {
		product *= m->dims[d].values->n;
		if (product > SUITE_MAX_CASES)
			break;
	}
	if (product > SUITE_MAX_CASES) {
		/* say the whole size: the user decides what to cut */
		uint64_t full = 1;
		for (size_t d = 0; d < m->ndims; d++)
			full = full > UINT32_MAX ? full : full * m->dims[d].values->n;
		return yaml_fail(err, mn, "the matrix expands to %llu cases, more than the limit of %d: split the suite or use exclude",
				 (unsigned long long)full, SUITE_MAX_CASES);
	}
	if (!suite_check_exclude(m, err))
		return false;
	/* each value once on its own, so a bad one is found even when every
	 * combination with it is excluded */
	for (size_t d = 0; d < m->ndims; d++)
		for (size_t i = 0; i < m->dims[d].values->n; i++) {
			struct suite_settings x = L->def;
			if (!suite_setting(m->dims[d].values->items[i], m->dims[d].key, &x, err))
				return false;
		}
	return true;
}

static bool suite_overrides_apply(struct suite_loader *L, struct suite_settings *x,
				  const char *name, const size_t *idx, struct yaml_error *err);

/* The matrix's cases for the peer being expanded. */
static bool suite_matrix_cases(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *mn = L->matrix;
	const struct suite_matrix *m = &L->m;
	uint64_t product = 1;
	for (size_t d = 0; d < m->ndims; d++)
		product *= m->dims[d].values->n;
	/* the last dimension varies fastest, as nested loops in the order
	 * written: names and order are stable */
	size_t idx[SUITE_MAX_DIMS] = { 0 };
	for (uint64_t c = 0; c < product; c++) {
		uint64_t r = c;
		for (size_t d = m->ndims; d-- > 0;) {
			idx[d] = r % m->dims[d].values->n;
			r /= m->dims[d].values->n;
		}
		if (suite_excluded(m, idx))
			continue;
		struct suite_settings x = L->def;
		char name[256] = "";
		for (size_t d = 0; d < m->ndims; d++) {
			const struct yaml_node *v = m->dims[d].values->items[idx[d]];
			char label[80];
			if (!suite_setting(v, m->dims[d].key, &x, err))
				return false;
			suite_dim_label(m->dims[d].key, v->str, label, sizeof(label));
			size_t l = strlen(name);
			snprintf(name + l, sizeof(name) - l, "%s%s", l ? "-" : "", label);
		}
		/* mutation x message: the pairs the catalog has no meaning
		   for are not cases (an explicit case naming one is an error) */
		if (x.mutation && x.at && !ike_catalog_applies(x.mutation, x.at))
			continue;
		if (x.mutation && !ike_catalog_fits_auth(x.mutation, x.auth))
			continue;   /* CERT/CR/SIG with PSK, HASH_I/R with signatures */
		if (!suite_name_ok(name))
			return yaml_fail(err, mn, "the matrix makes the case name '%s', which is not letters, digits, '-', '_' and '.'",
					 name);
		if (!suite_overrides_apply(L, &x, name, idx, err))
			return false;
		if (!suite_case_make(L, &x, name, mn, err))
			return false;
	}
	if (L->s->ncases == L->first)
		return yaml_fail(err, mn, "the matrix's exclude rules leave no case");
	return true;
}

static bool suite_explicit_cases(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *cs = L->cases;
	if (cs->type != YAML_SEQ || !cs->n)
		return suite_fail_list(err, cs, "cases", "a non-empty list of cases");
	for (size_t i = 0; i < cs->n; i++) {
		struct suite_settings x = L->def;
		x.name = x.script = NULL;
		if (!suite_walk_settings(cs->items[i], "case", true, &x, err))
			return false;
		if (!suite_overrides_apply(L, &x, x.name->str, NULL, err))
			return false;
		if (!suite_case_make(L, &x, x.name->str, x.name, err))
			return false;
	}
	return true;
}

/* ---- overrides ---- */

/* A name or glob (or a list of them) against a case name. */
static bool suite_name_hit(const struct yaml_node *want, const char *name)
{
	const struct yaml_node *const *ws = &want;
	size_t nw = 1;
	if (want->type == YAML_SEQ) {
		ws = (const struct yaml_node *const *)want->items;
		nw = want->n;
	}
	for (size_t j = 0; j < nw; j++)
		if (fnmatch(ws[j]->str, name, 0) == 0)
			return true;
	return false;
}

/* Every key of the rule but peer; idx NULL for an explicit case, which no
 * dimension key matches. */
static bool suite_rule_matches(const struct suite_rule *r, const struct suite_matrix *m,
			       const char *name, const size_t *idx)
{
	for (size_t k = 0; k < r->ndims; k++) {
		size_t d = r->dims[k];
		if (!idx || !suite_dim_hit(r->want[k], m->dims[d].values->items[idx[d]]->str))
			return false;
	}
	return !r->name || suite_name_hit(r->name, name);
}

/* A rule's set: the settings a case may have but its name and script. */
static bool suite_walk_set(const struct yaml_node *map, struct suite_settings *x,
			   struct yaml_error *err)
{
	struct yaml_field f[SUITE_N(suite_setting_keys) + 1];
	size_t n = 0;
	for (size_t i = 0; i < SUITE_N(suite_setting_keys); i++)
		f[n++] = (struct yaml_field){ suite_setting_keys[i], false, suite_setting };
	f[n++] = (struct yaml_field){ "then", false, suite_setting };
	return yaml_map_walk(map, "set", f, n, x, err);
}

/* After the case's own keys, before the case is made: the same machinery
 * as defaults and case keys, so the semantics are those of writing the
 * keys in the case. The match is recorded for every peer, so a rule for a
 * peer the caller left out (only) is not "matching nothing". */
static bool suite_overrides_apply(struct suite_loader *L, struct suite_settings *x,
				  const char *name, const size_t *idx, struct yaml_error *err)
{
	for (size_t i = 0; i < L->nrules; i++) {
		struct suite_rule *r = &L->rules[i];
		if (!suite_rule_matches(r, &L->m, name, idx))
			continue;
		r->hit = true;
		if (r->peers[L->peer] && !suite_walk_set(r->set, x, err))
			return false;
	}
	return true;
}

/* A value or a non-empty list of values (match keys). */
static bool suite_match_list(const struct yaml_node *v, const char *key, const char *expected,
			     struct yaml_error *err)
{
	if (v->type == YAML_SEQ && !v->n)
		return suite_fail_list(err, v, key, expected);
	if (v->type == YAML_MAP || yaml_is_null(v))
		return yaml_fail_expect(err, v, key, expected);
	if (v->type == YAML_SEQ)
		for (size_t j = 0; j < v->n; j++)
			if (!yaml_is_scalar(v->items[j]) || yaml_is_null(v->items[j]))
				return yaml_fail_expect(err, v->items[j], key, "a value (a scalar)");
	return true;
}

static bool suite_match_peer(struct suite_loader *L, struct suite_rule *r,
			     const struct yaml_node *v, struct yaml_error *err)
{
	if (!suite_match_list(v, "peer", SUITE_PEER_EXPECTED, err))
		return false;
	const struct yaml_node *const *ws = &v;
	size_t nw = 1;
	if (v->type == YAML_SEQ) {
		ws = (const struct yaml_node *const *)v->items;
		nw = v->n;
	}
	memset(r->peers, 0, sizeof(r->peers));
	for (size_t j = 0; j < nw; j++) {
		unsigned i;
		if (!yaml_enum(ws[j], "peer", suite_peers, &i, err))
			return false;
		bool in = false;
		char list[64] = "";
		for (size_t k = 0; k < L->nfile_peers; k++) {
			in = in || L->file_peers[k] == (enum suite_peer)i;
			size_t l = strlen(list);
			snprintf(list + l, sizeof(list) - l, "%s%s", k ? ", " : "",
				 suite_peer_name(L->file_peers[k]));
		}
		if (!in)
			return yaml_fail(err, ws[j], "match: peer '%s' is not one of the suite's peers (%s)",
					 ws[j]->str, list);
		r->peers[i] = true;
	}
	return true;
}

static bool suite_rule_key(const struct yaml_node *v, const char *key, void *vctx,
			   struct yaml_error *err)
{
	(void)v, (void)key, (void)vctx, (void)err;
	return true; /* read in suite_rule_read, match before set */
}

static bool suite_rule_read(struct suite_loader *L, const struct yaml_node *rn,
			    struct suite_rule *r, struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "match", true, suite_rule_key }, { "set", true, suite_rule_key },
	};
	if (!yaml_map_walk(rn, "override", f, SUITE_N(f), NULL, err))
		return false;
	const struct yaml_node *mt = yaml_map_get(rn, "match");
	r->node = rn;
	r->set = yaml_map_get(rn, "set");
	for (size_t i = 0; i < SUITE_PEER_COUNT; i++)
		r->peers[i] = true;
	if (mt->type != YAML_MAP)
		return yaml_fail_expect(err, mt, "match", "a mapping of peer, name or matrix dimensions");
	if (!mt->n)
		return yaml_fail(err, mt, "'match' needs at least one of peer, name or a matrix dimension (to change every case, use defaults)");
	/* the keys a match may have, for suggestions */
	const char *keys[SUITE_MAX_DIMS + 3] = { "peer", "name" };
	for (size_t d = 0; d < L->m.ndims; d++)
		keys[2 + d] = L->m.dims[d].key;
	keys[2 + L->m.ndims] = NULL;
	for (size_t k = 0; k < mt->n; k++) {
		const struct yaml_node *key = mt->keys[k], *v = mt->items[k];
		if (strcmp(key->str, "peer") == 0) {
			if (!suite_match_peer(L, r, v, err))
				return false;
			continue;
		}
		if (strcmp(key->str, "name") == 0) {
			if (!suite_match_list(v, "name", "a case name, a glob or a non-empty list of them",
					      err))
				return false;
			r->name = v;
			continue;
		}
		size_t d = suite_dim_find(&L->m, key->str);
		if (d == L->m.ndims) {
			const char *sug = yaml_suggest(key->str, keys);
			if (sug)
				return yaml_fail(err, key, "'match' names '%s', which is not peer, name or a matrix dimension (did you mean '%s'?)",
						 key->str, sug);
			char list[200] = "";
			for (size_t i = 0; keys[i]; i++) {
				size_t l = strlen(list);
				snprintf(list + l, sizeof(list) - l, "%s%s", i ? ", " : "", keys[i]);
			}
			return yaml_fail(err, key, "'match' names '%s', which is not peer, name or a matrix dimension (expected one of: %s)",
					 key->str, list);
		}
		if (!suite_match_list(v, key->str, "a value or a non-empty list of values", err) ||
		    !suite_check_dim_values(&L->m, d, v, "match", err))
			return false;
		r->dims[r->ndims] = d;
		r->want[r->ndims++] = v;
	}
	if (r->set->type != YAML_MAP)
		return yaml_fail_expect(err, r->set, "set", "a mapping of settings");
	if (!r->set->n)
		return yaml_fail(err, r->set, "'set' must change at least one setting (role, auth, proposal, group, phase2, peer_config, expect, verify ...)");
	for (size_t k = 0; k < r->set->n; k++) {
		const struct yaml_node *key = r->set->keys[k];
		if (strcmp(key->str, "name") == 0 || strcmp(key->str, "script") == 0)
			return yaml_fail(err, key, "'set' cannot change '%s': an override changes settings, a case's name and script are its own",
					 key->str);
	}
	/* checked once on its own, so an error in a rule for a peer the
	 * caller left out still surfaces */
	struct suite_settings x = L->def;
	return suite_walk_set(r->set, &x, err);
}

static bool suite_overrides_read(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *ov = L->overrides;
	if (ov->type != YAML_SEQ || !ov->n)
		return suite_fail_list(err, ov, "overrides", "a non-empty list of rules { match, set }");
	L->rules = xcalloc(ov->n, sizeof(*L->rules));
	for (size_t i = 0; i < ov->n; i++) {
		if (!suite_rule_read(L, ov->items[i], &L->rules[i], err))
			return false;
		L->nrules++;
	}
	return true;
}

/* After expansion: a name that matches no case, or a rule that matches
 * none, is most likely a typo. Every peer has the same case names, so the
 * first peer's list stands for all. */
static bool suite_overrides_check(struct suite_loader *L, struct yaml_error *err)
{
	const struct suite *s = L->s;
	size_t per_peer = s->ncases / s->npeers;
	for (size_t i = 0; i < L->nrules; i++) {
		const struct suite_rule *r = &L->rules[i];
		const struct yaml_node *const *ws = &r->name;
		size_t nw = r->name ? 1 : 0;
		if (r->name && r->name->type == YAML_SEQ) {
			ws = (const struct yaml_node *const *)r->name->items;
			nw = r->name->n;
		}
		for (size_t j = 0; j < nw; j++) {
			size_t c = 0;
			while (c < per_peer && fnmatch(ws[j]->str, s->cases[c].name, 0) != 0)
				c++;
			if (c < per_peer)
				continue;
			const char **names = xcalloc(per_peer + 1, sizeof(*names));
			for (c = 0; c < per_peer; c++)
				names[c] = s->cases[c].name;
			const char *sug = yaml_suggest(ws[j]->str, names);
			char sbuf[300] = "";
			if (sug)
				snprintf(sbuf, sizeof(sbuf), " (did you mean '%s'?)", sug);
			free(names);
			return yaml_fail(err, ws[j], "match: name '%s' matches no case of the suite%s",
					 ws[j]->str, sbuf);
		}
		if (!r->hit)
			return yaml_fail(err, r->node, "override matches no case (a case must match every key of 'match' at once)");
	}
	return true;
}

/* ---- variables ---- */

static bool suite_var_key(const struct yaml_node *v, const char *key, void *vctx,
			  struct yaml_error *err)
{
	struct suite_loader *L = vctx;
	if (!yaml_is_scalar(v) || yaml_is_null(v))
		return yaml_fail_expect(err, v, key, "a value (a scalar)");
	if (strstr(v->str, "${"))
		return yaml_fail(err, v, "variable '%s': values cannot refer to variables", key);
	if (L->nvars == SUITE_N(L->var_values))
		return yaml_fail(err, v, "more than %zu variables", SUITE_N(L->var_values));
	L->var_names[L->nvars] = key;
	L->var_values[L->nvars++] = v;
	L->var_names[L->nvars] = NULL;
	return true;
}

static bool suite_vars(struct suite_loader *L, struct yaml_error *err)
{
	const struct yaml_node *v = L->vars;
	if (v->type != YAML_MAP)
		return yaml_fail_expect(err, v, "vars", "a mapping of name: value");
	struct yaml_field f[64];
	if (v->n > SUITE_N(f))
		return yaml_fail(err, v, "more than %zu variables", SUITE_N(f));
	for (size_t i = 0; i < v->n; i++) {
		const char *k = v->keys[i]->str;
		bool ok = (*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_';
		for (const char *p = k; *p; p++)
			ok = ok && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '_');
		if (!ok)
			return yaml_fail(err, v->keys[i], "variable name '%s' must be letters, digits and '_', not starting with a digit",
					 k);
		f[i] = (struct yaml_field){ k, false, suite_var_key };
	}
	return yaml_map_walk(v, "vars", f, v->n, L, err);
}

/* ${name} in a scalar, replaced in place: the tree is ours until the load
 * ends, and substituting before anything reads it lets a variable stand for
 * any value (a group, a notify, a lifetime). Aliased nodes are visited more
 * than once; values cannot contain "${", so a second pass changes nothing. */
static bool suite_subst(struct suite_loader *L, struct yaml_node *n, struct yaml_error *err)
{
	if (n->type != YAML_SCALAR) {
		for (size_t i = 0; i < n->n; i++) {
			if (n->type == YAML_MAP && n->items[i] == L->vars)
				continue;
			if (!suite_subst(L, n->items[i], err))
				return false;
		}
		return true;
	}
	if (!strstr(n->str, "${"))
		return true;
	size_t cap = n->len + 1, len = 0;
	char *out = xmalloc(cap);
	const char *p = n->str;
	while (*p) {
		const char *add = p;
		size_t alen = 1;
		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			if (!end) {
				free(out);
				return yaml_fail(err, n, "unterminated '${' in '%s'", n->str);
			}
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(end - p - 2), p + 2);
			size_t i = 0;
			while (i < L->nvars && strcmp(L->var_names[i], name) != 0)
				i++;
			if (i == L->nvars) {
				free(out);
				const char *sug = L->nvars ? yaml_suggest(name, L->var_names) : NULL;
				if (sug)
					return yaml_fail(err, n, "unknown variable '${%s}' (did you mean '%s'?)",
							 name, sug);
				return yaml_fail(err, n, "unknown variable '${%s}' (define it under 'vars')",
						 name);
			}
			add = L->var_values[i]->str;
			alen = L->var_values[i]->len;
			p = end + 1;
		} else {
			p++;
		}
		if (len + alen + 1 > cap) {
			cap = (len + alen + 1) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, add, alen);
		len += alen;
	}
	out[len] = '\0';
	struct suite *s = L->s;
	s->strings = xrealloc(s->strings, (s->nstrings + 1) * sizeof(*s->strings));
	/* the document frees what its nodes point to: it takes the new text,
	 * the suite keeps the old one */
	s->strings[s->nstrings++] = (char *)n->str;
	n->str = out;
	n->len = len;
	return true;
}

/* ---- the top level ---- */

static bool suite_top_key(const struct yaml_node *v, const char *key, void *vctx,
			  struct yaml_error *err)
{
	struct suite_loader *L = vctx;
	(void)err;
	if (strcmp(key, "vars") == 0)
		L->vars = v;
	else if (strcmp(key, "defaults") == 0)
		L->defaults = v;
	else if (strcmp(key, "matrix") == 0)
		L->matrix = v;
	else if (strcmp(key, "cases") == 0)
		L->cases = v;
	else if (strcmp(key, "overrides") == 0)
		L->overrides = v;
	return true;
}

/* peer: NAME or a non-empty list of unique names; only replaces it. */
static bool suite_peers_read(struct suite_loader *L, const struct yaml_node *v,
			     const enum suite_peer *only, struct yaml_error *err)
{
	struct suite *s = L->s;
	const struct yaml_node *const *items = &v;
	size_t n = 1;
	if (v->type == YAML_MAP || (v->type == YAML_SEQ && !v->n))
		return suite_fail_list(err, v, "peer", SUITE_PEER_EXPECTED);
	if (v->type == YAML_SEQ) {
		items = (const struct yaml_node *const *)v->items;
		n = v->n;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned p;
		if (!yaml_enum(items[i], "peer", suite_peers, &p, err))
			return false;
		for (size_t k = 0; k < i; k++)
			if (L->file_peers[k] == (enum suite_peer)p)
				return yaml_fail(err, items[i], "duplicate peer '%s' (first at line %u, column %u)",
						 items[i]->str, items[k]->line, items[k]->col);
		/* three names, all unique: n <= 3 here */
		L->file_peers[L->nfile_peers++] = (enum suite_peer)p;
	}
	if (only) {
		if (!suite_peer_name(*only))
			return yaml_fail(err, NULL, "unknown peer %d (expected strongswan, self or remote)",
					 (int)*only);
		s->peers[0] = *only;
		s->npeers = 1;
	} else {
		memcpy(s->peers, L->file_peers, sizeof(s->peers));
		s->npeers = L->nfile_peers;
	}
	s->peer = s->peers[0];
	return true;
}

static bool suite_top(struct suite_loader *L, const enum suite_peer *only,
		      struct yaml_error *err)
{
	static const struct yaml_field f[] = {
		{ "suite", true, suite_top_key }, { "description", false, suite_top_key },
		{ "peer", true, suite_top_key }, { "topology", false, suite_top_key },
		{ "tags", false, suite_top_key }, { "vars", false, suite_top_key },
		{ "defaults", false, suite_top_key }, { "matrix", false, suite_top_key },
		{ "cases", false, suite_top_key }, { "overrides", false, suite_top_key },
	};
	struct suite *s = L->s;
	const struct yaml_node *root = L->root;
	if (!yaml_map_walk(root, "suite file", f, SUITE_N(f), L, err))
		return false;
	if (L->vars && !suite_vars(L, err))
		return false;
	if (!suite_subst(L, (struct yaml_node *)root, err))
		return false;

	const struct yaml_node *v = yaml_map_get(root, "suite");
	const char *str;
	if (!yaml_str(v, "suite", &str, err))
		return false;
	if (!suite_name_ok(str))
		return yaml_fail_expect(err, v, "suite", "a name of letters, digits, '-', '_' and '.'");
	s->name = xstrdup(str);
	if ((v = yaml_map_get(root, "description"))) {
		if (!yaml_str(v, "description", &str, err))
			return false;
		s->description = xstrdup(str);
	}
	if (!suite_peers_read(L, yaml_map_get(root, "peer"), only, err))
		return false;
	s->topology = NETNS_TOPO_DIRECT;
	if ((v = yaml_map_get(root, "topology"))) {
		char te[200];
		if (!yaml_str(v, "topology", &str, err))
			return false;
		if (!netns_topology_parse(str, &s->topology, te, sizeof(te)))
			return yaml_fail(err, v, "'topology': %s", te);
	}
	if ((v = yaml_map_get(root, "tags"))) {
		const char *tags[SUITE_MAX_TAGS];
		size_t n = 0;
		if (!suite_tags(v, "tags", tags, &n, err))
			return false;
		s->tags = xcalloc(n + 1, sizeof(*s->tags));
		for (size_t k = 0; k < n; k++)
			s->tags[s->ntags++] = xstrdup(tags[k]);
	}

	L->def = (struct suite_settings){ .role = IKE_INITIATOR, .exchange = WIRE_X_MAIN,
					  .auth = IKE_AUTH_PSK };
	/* the smoke cases' proposal, so a scripted case need not repeat one */
	char e[200];
	if (!ike_p1_parse("aes128-sha256-modp2048", &L->def.p1, e, sizeof(e)))
		return yaml_fail(err, NULL, "default proposal: %s", e);
	L->def.p1.auth = IKE_AUTH_PSK;
	L->def.topology = s->topology;
	if (L->defaults && !suite_walk_settings(L->defaults, "defaults", false, &L->def, err))
		return false;
	if (!L->matrix && !L->cases)
		return yaml_fail(err, root, "a suite needs 'matrix' or 'cases' (or both)");
	if (L->matrix && !suite_matrix_read(L, err))
		return false;
	if (L->overrides && !suite_overrides_read(L, err))
		return false;
	/* peer-major: each peer gets the whole list, overrides applied */
	for (size_t p = 0; p < s->npeers; p++) {
		L->peer = s->peers[p];
		L->first = s->ncases;
		if (L->matrix && !suite_matrix_cases(L, err))
			return false;
		if (L->cases && !suite_explicit_cases(L, err))
			return false;
	}
	return suite_overrides_check(L, err);
}

static bool suite_load_doc(struct yaml_doc *doc, const enum suite_peer *only,
			   struct suite *out, struct yaml_error *err)
{
	memset(out, 0, sizeof(*out));
	out->doc = doc;
	const struct yaml_node *root = yaml_doc_root(doc);
	out->file = xstrdup(root->file ? root->file : "");
	struct suite_loader L = { .s = out, .root = root };
	bool ok = suite_top(&L, only, err);
	free(L.rules);
	if (!ok)
		suite_free(out);
	return ok;
}

bool suite_load_file_for(const char *path, const enum suite_peer *only, struct suite *out,
			 struct yaml_error *err)
{
	struct yaml_doc *doc;
	memset(out, 0, sizeof(*out));
	if (!yaml_load_file(path, &doc, err))
		return false;
	return suite_load_doc(doc, only, out, err);
}

bool suite_load_string_for(const char *name, const char *text, const enum suite_peer *only,
			   struct suite *out, struct yaml_error *err)
{
	struct yaml_doc *doc;
	memset(out, 0, sizeof(*out));
	if (!yaml_load_string(name, text, strlen(text), &doc, err))
		return false;
	return suite_load_doc(doc, only, out, err);
}

bool suite_load_file(const char *path, struct suite *out, struct yaml_error *err)
{
	return suite_load_file_for(path, NULL, out, err);
}

bool suite_load_string(const char *name, const char *text, struct suite *out,
		       struct yaml_error *err)
{
	return suite_load_string_for(name, text, NULL, out, err);
}

const struct suite_case *suite_find_case(const struct suite *s, const char *name)
{
	for (size_t i = 0; i < s->ncases; i++)
		if (strcmp(s->cases[i].name, name) == 0)
			return &s->cases[i];
	return NULL;
}

const struct suite_case *suite_find_case_for(const struct suite *s, const char *name,
					     enum suite_peer p)
{
	for (size_t i = 0; i < s->ncases; i++)
		if (s->cases[i].peer == p && strcmp(s->cases[i].name, name) == 0)
			return &s->cases[i];
	return NULL;
}

void suite_free(struct suite *s)
{
	for (size_t i = 0; i < s->ncases; i++)
		suite_case_free(&s->cases[i]);
	free(s->cases);
	for (size_t i = 0; i < s->ntags; i++)
		free(s->tags[i]);
	free(s->tags);
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	free(s->strings);
	free(s->name);
	free(s->description);
	free(s->file);
	if (s->doc)
		yaml_doc_free(s->doc);
	memset(s, 0, sizeof(*s));
}
