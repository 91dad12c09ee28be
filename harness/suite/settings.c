/* The settings of defaults, matrix values, cases and an override's set:
 * one key at a time into struct suite_settings, the peer_config overrides
 * among them. */
#include <stdio.h>
#include <string.h>

#include "suite/internal.h"
#include "suite/peercfg.h"
#include "wire/msg.h"

static const char *const suite_roles[] = { "initiator", "responder", NULL };
static const char *const suite_exchanges[] = { "main", "aggressive", NULL };
static const char *const suite_then_names[] = { "peer-alive", NULL };
/* The messages a malformed case may mutate: those the harness can send in
 * either role. */
static const char *const suite_at_names[] = {
	"mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "am1", "am2", "am3",
	"qm1", "qm2", "qm3", "dpd", "delete", NULL,
};

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
	if (suite_ident_is_key(key, true))
		return suite_ident_key(v, key, &p->ident, true, err);
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
		"cert", "trust", "crl", "id_checks", "psks",
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

static bool suite_set_role(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, suite_roles, &i, err))
		return false;
	x->role = i ? IKE_RESPONDER : IKE_INITIATOR;
	return true;
}

static bool suite_set_exchange(const struct yaml_node *v, const char *key,
			       struct suite_settings *x, struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, suite_exchanges, &i, err))
		return false;
	x->exchange = i ? WIRE_X_AGGR : WIRE_X_MAIN;
	return true;
}

static bool suite_set_auth(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	if (!peercfg_auth(v, key, &x->auth, err))
		return false;
	x->p1.auth = x->auth;
	return true;
}

static bool suite_set_psk(const struct yaml_node *v, const char *key, struct suite_settings *x,
			  struct yaml_error *err)
{
	return yaml_str(v, key, &x->psk, err);
}

static bool suite_set_proposal(const struct yaml_node *v, const char *key,
			       struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
	struct ike_p1_xform def = x->p1;
	def.auth = x->auth;
	return peercfg_p1(v, &def, &x->p1, err);
}

static bool suite_set_encryption(const struct yaml_node *v, const char *key,
				 struct suite_settings *x, struct yaml_error *err)
{
	return peercfg_encr(v, key, &x->p1, err);
}

static bool suite_set_hash(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	return peercfg_hash(v, key, &x->p1.hash, err);
}

static bool suite_set_group(const struct yaml_node *v, const char *key, struct suite_settings *x,
			    struct yaml_error *err)
{
	return peercfg_group(v, key, &x->p1.group, err);
}

static bool suite_set_lifetime(const struct yaml_node *v, const char *key,
			       struct suite_settings *x, struct yaml_error *err)
{
	x->p1.life_sec = x->p1.life_kb = 0;
	return peercfg_lifetime(v, key, &x->p1.life_sec, &x->p1.life_kb, err);
}

static bool suite_set_phase2(const struct yaml_node *v, const char *key,
			     struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
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

/* esp, pfs and mode: phase2's keys written at the top */
static bool suite_set_p2_key(const struct yaml_node *v, const char *key,
			     struct suite_settings *x, struct yaml_error *err)
{
	return suite_phase2_key(v, key, x, err);
}

static bool suite_set_child_lifetime(const struct yaml_node *v, const char *key,
				     struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
	return suite_phase2_key(v, "lifetime", x, err);
}

static bool suite_set_natt(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	if (!peercfg_natt(v, key, &x->natt, err))
		return false;
	x->no_natt = !x->natt;
	return true;
}

static bool suite_set_natt_force(const struct yaml_node *v, const char *key,
				 struct suite_settings *x, struct yaml_error *err)
{
	bool b;
	if (!yaml_bool(v, key, &b, err))
		return false;
	x->natt_force = b ? SUITE_YES : SUITE_NO;
	return true;
}

static bool suite_set_life_policy(const struct yaml_node *v, const char *key,
				  struct suite_settings *x, struct yaml_error *err)
{
	return peercfg_life_policy(v, key, &x->life_policy, err);
}

/* hold, rekey_margin and keepalive */
static bool suite_set_timer(const struct yaml_node *v, const char *key, struct suite_settings *x,
			    struct yaml_error *err)
{
	uint64_t ms;
	if (!yaml_duration_ms(v, key, 0, 3600000, &ms, err))
		return false;
	*(key[0] == 'h' ? &x->hold_ms : key[0] == 'r' ? &x->rekey_margin_ms
						    : &x->keepalive_ms) = (uint32_t)ms;
	return true;
}

static bool suite_set_rekey(const struct yaml_node *v, const char *key, struct suite_settings *x,
			    struct yaml_error *err)
{
	return yaml_bool(v, key, &x->rekey, err);
}

static bool suite_set_seed(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	x->has_seed = true;
	return yaml_uint(v, key, 0, UINT64_MAX, &x->seed, err);
}

static bool suite_set_nat_remap(const struct yaml_node *v, const char *key,
				struct suite_settings *x, struct yaml_error *err)
{
	static const char *const boxes[] = { "none", "harness", "peer", NULL };
	unsigned i;
	if (!yaml_enum(v, key, boxes, &i, err))
		return false;
	x->nat_remap = (uint8_t)i;  /* SUITE_NAT_HARNESS 1, SUITE_NAT_PEER 2 */
	return true;
}

static bool suite_set_topology(const struct yaml_node *v, const char *key,
			       struct suite_settings *x, struct yaml_error *err)
{
	const char *str;
	char te[200];
	if (!yaml_str(v, key, &str, err))
		return false;
	if (!netns_topology_parse(str, &x->topology, te, sizeof(te)))
		return yaml_fail(err, v, "'topology': %s", te);
	return true;
}

static bool suite_set_mutation(const struct yaml_node *v, const char *key,
			       struct suite_settings *x, struct yaml_error *err)
{
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

static bool suite_set_at(const struct yaml_node *v, const char *key, struct suite_settings *x,
			 struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, suite_at_names, &i, err))
		return false;
	x->at = ike_kind_by_name(suite_at_names[i]);
	x->at_node = v;
	return true;
}

static bool suite_set_within(const struct yaml_node *v, const char *key,
			     struct suite_settings *x, struct yaml_error *err)
{
	uint64_t ms;
	if (!yaml_duration_ms(v, key, 100, 60000, &ms, err))
		return false;
	x->reaction_ms = (uint32_t)ms;
	return true;
}

static bool suite_set_malformed(const struct yaml_node *v, const char *key,
				struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
	static const struct yaml_field f[] = {
		{ "mutation", true, suite_setting }, { "at", true, suite_setting },
		{ "within", false, suite_setting },
	};
	return yaml_map_walk(v, "malformed", f, SUITE_N(f), x, err);
}

static bool suite_set_peer_config(const struct yaml_node *v, const char *key,
				  struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
	return suite_peer_config(v, x, err);
}

static bool suite_set_expect(const struct yaml_node *v, const char *key,
			     struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
	return suite_expect(v, x, err);
}

static bool suite_set_verify(const struct yaml_node *v, const char *key,
			     struct suite_settings *x, struct yaml_error *err)
{
	(void)key;
	return suite_verify(v, x, err);
}

static bool suite_set_tags(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	return suite_tags(v, key, x->tags, &x->ntags, err);
}

static bool suite_set_name(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	const char *s;
	if (!yaml_str(v, key, &s, err))
		return false;
	if (!suite_name_ok(s))
		return yaml_fail_expect(err, v, key, "a name of letters, digits, '-', '_' and '.'");
	x->name = v;
	return true;
}

static bool suite_set_script(const struct yaml_node *v, const char *key,
			     struct suite_settings *x, struct yaml_error *err)
{
	if (v->type != YAML_SEQ || !v->n)
		return suite_fail_list(err, v, key, "a non-empty list of steps");
	x->script = v;
	return true;
}

/* then: peer-alive */
static bool suite_set_then(const struct yaml_node *v, const char *key, struct suite_settings *x,
			   struct yaml_error *err)
{
	unsigned i;
	if (!yaml_enum(v, key, suite_then_names, &i, err))
		return false;
	x->expect.peer_alive = true;
	return true;
}

/* local_id, remote_id, cert, send_cert, send_chain, send_cr, trust, crl,
 * id_checks: the harness's own */
static bool suite_set_ident(const struct yaml_node *v, const char *key, struct suite_settings *x,
			    struct yaml_error *err)
{
	return suite_ident_key(v, key, &x->ident, false, err);
}

/* Each setting's reader; the walks decide which keys a map may have. */
static const struct suite_setting_row {
	const char *key;
	bool (*fn)(const struct yaml_node *v, const char *key, struct suite_settings *x,
		   struct yaml_error *err);
} suite_setting_rows[] = {
	{ "role", suite_set_role }, { "exchange", suite_set_exchange },
	{ "auth", suite_set_auth }, { "psk", suite_set_psk },
	{ "proposal", suite_set_proposal }, { "encryption", suite_set_encryption },
	{ "hash", suite_set_hash }, { "group", suite_set_group },
	{ "lifetime", suite_set_lifetime }, { "phase2", suite_set_phase2 },
	{ "esp", suite_set_p2_key }, { "pfs", suite_set_p2_key }, { "mode", suite_set_p2_key },
	{ "child_lifetime", suite_set_child_lifetime }, { "natt", suite_set_natt },
	{ "natt_force", suite_set_natt_force }, { "lifetime_policy", suite_set_life_policy },
	{ "hold", suite_set_timer }, { "rekey_margin", suite_set_timer },
	{ "keepalive", suite_set_timer }, { "rekey", suite_set_rekey },
	{ "seed", suite_set_seed }, { "nat_remap", suite_set_nat_remap },
	{ "topology", suite_set_topology }, { "mutation", suite_set_mutation },
	{ "at", suite_set_at }, { "within", suite_set_within },
	{ "malformed", suite_set_malformed }, { "peer_config", suite_set_peer_config },
	{ "expect", suite_set_expect }, { "verify", suite_set_verify },
	{ "tags", suite_set_tags }, { "name", suite_set_name }, { "script", suite_set_script },
	{ "local_id", suite_set_ident }, { "remote_id", suite_set_ident },
	{ "cert", suite_set_ident }, { "send_cert", suite_set_ident },
	{ "send_chain", suite_set_ident }, { "send_cr", suite_set_ident },
	{ "trust", suite_set_ident }, { "crl", suite_set_ident }, { "id_checks", suite_set_ident },
	{ "then", suite_set_then },
};

bool suite_setting(const struct yaml_node *v, const char *key, void *vctx,
		   struct yaml_error *err)
{
	size_t i = 0;
	/* the walks pass only keys of the table: the last row is a stop */
	while (i < SUITE_N(suite_setting_rows) - 1 && strcmp(suite_setting_rows[i].key, key) != 0)
		i++;
	return suite_setting_rows[i].fn(v, key, vctx, err);
}
static bool suite_phase2_key(const struct yaml_node *v, const char *key, void *vctx,
			     struct yaml_error *err)
{
	struct suite_settings *x = vctx;
	if (strcmp(key, "esp") == 0) {
		if (!suite_esp_read(v, key, &x->p2, err))
			return false;
		x->has_p2 = true;
		return true;
	}
	if (strcmp(key, "pfs") == 0) {
		x->pfs_set = true;
		return peercfg_pfs(v, key, &x->pfs, err);
	}
	if (strcmp(key, "mode") == 0)
		return peercfg_mode(v, key, &x->encap, err);
	x->p2_sec = x->p2_kb = 0;
	return peercfg_lifetime(v, "lifetime", &x->p2_sec, &x->p2_kb, err);
}

/* Keys of defaults, of a case, and the matrix dimensions. */
static const char *const suite_setting_keys[] = {
	"role", "exchange", "auth", "psk", "proposal", "encryption", "hash", "group",
	"lifetime", "phase2", "esp", "pfs", "mode", "child_lifetime", "natt", "natt_force",
	"lifetime_policy", "topology", "hold", "rekey", "rekey_margin", "keepalive", "nat_remap",
	"seed", "mutation", "at", "malformed", "peer_config", "expect", "verify", "tags",
	"local_id", "remote_id", "cert", "send_cert", "send_chain", "send_cr", "trust", "crl",
	"id_checks",
};

bool suite_walk_settings(const struct yaml_node *map, const char *what, bool is_case,
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

/* A rule's set: the settings a case may have but its name and script. */
bool suite_walk_set(const struct yaml_node *map, struct suite_settings *x,
		    struct yaml_error *err)
{
	struct yaml_field f[SUITE_N(suite_setting_keys) + 1];
	size_t n = 0;
	for (size_t i = 0; i < SUITE_N(suite_setting_keys); i++)
		f[n++] = (struct yaml_field){ suite_setting_keys[i], false, suite_setting };
	f[n++] = (struct yaml_field){ "then", false, suite_setting };
	return yaml_map_walk(map, "set", f, n, x, err);
}
