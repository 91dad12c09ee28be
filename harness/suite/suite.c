/* The suite loader: a YAML tree (suite/yaml.h) into struct suite, with the
 * matrix expanded into cases, once per peer. Settings flow defaults ->
 * matrix values -> the case's own keys -> matching overrides, each applied
 * in the order written. This file: the top level, making cases, loading. */
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "suite/internal.h"
#include "wire/msg.h"

const char *const suite_peers[] = { "strongswan", "self", "remote", "libreswan", NULL };

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

/* The case may be made: a new name for this peer, room, a complete
 * proposal, a psk for psk, an esp for what only a child has. */
static bool suite_case_check(const struct suite_loader *L, const struct suite_settings *x,
			     const char *name, const struct yaml_node *at, struct yaml_error *err)
{
	const struct suite *s = L->s;
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
	return suite_ident_check(x, name, at, err);
}

/* The settings a case keeps, copied (strings duplicated). */
static void suite_case_fill(struct suite_case *c, const struct suite_settings *x)
{
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
	c->ident = x->ident;
	c->peer_config = x->peer_config;
	c->expect = x->expect;
	if (!x->established_set)
		c->expect.established = !c->expect.notify && !c->expect.silence &&
					 !c->expect.survives;
}

/* The suite's tags, then the case's own. */
static void suite_case_tags(struct suite_case *c, const struct suite *s,
			    const struct suite_settings *x)
{
	c->tags = xcalloc(s->ntags + x->ntags + 1, sizeof(*c->tags));
	for (size_t i = 0; i < s->ntags; i++)
		c->tags[c->ntags++] = xstrdup(s->tags[i]);
	for (size_t i = 0; i < x->ntags; i++)
		c->tags[c->ntags++] = xstrdup(x->tags[i]);
}

/* Settings into a case; at is where errors about the whole case point. */
bool suite_case_make(struct suite_loader *L, const struct suite_settings *x,
		     const char *name, const struct yaml_node *at, struct yaml_error *err)
{
	struct suite *s = L->s;
	if (!suite_case_check(L, x, name, at, err))
		return false;
	s->cases = xrealloc(s->cases, (s->ncases + 1) * sizeof(*s->cases));
	struct suite_case *c = &s->cases[s->ncases];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->peer = L->peer;
	c->line = at->line;
	c->col = at->col;
	suite_case_fill(c, x);
	suite_case_tags(c, s, x);
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

/* The cases: list, each with its settings over the defaults. */
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
	if (v->type == YAML_MAP || (v->type == YAML_SEQ && !v->n))
		return suite_fail_list(err, v, "peer", SUITE_PEER_EXPECTED);
	size_t n;
	const struct yaml_node *const *items = yaml_items(&v, &n);
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

/* The suite's own keys: its name, description, peers, topology and tags. */
static bool suite_top_head(struct suite_loader *L, const enum suite_peer *only,
			   struct yaml_error *err)
{
	struct suite *s = L->s;
	const struct yaml_node *root = L->root;
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
	return true;
}

/* L->def: the built-in defaults, then the file's defaults: over them. */
static bool suite_top_defaults(struct suite_loader *L, struct yaml_error *err)
{
	L->def = (struct suite_settings){ .role = IKE_INITIATOR, .exchange = WIRE_X_MAIN,
					  .auth = IKE_AUTH_PSK };
	/* the smoke cases' proposal, so a scripted case need not repeat one */
	char e[200];
	if (!ike_p1_parse("aes128-sha256-modp2048", &L->def.p1, e, sizeof(e)))
		return yaml_fail(err, NULL, "default proposal: %s", e);
	L->def.p1.auth = IKE_AUTH_PSK;
	L->def.topology = L->s->topology;
	return !L->defaults || suite_walk_settings(L->defaults, "defaults", false, &L->def, err);
}

/* The matrix and the overrides read once, then the cases of every peer. */
static bool suite_top_cases(struct suite_loader *L, struct yaml_error *err)
{
	struct suite *s = L->s;
	if (!L->matrix && !L->cases)
		return yaml_fail(err, L->root, "a suite needs 'matrix' or 'cases' (or both)");
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
	if (!yaml_map_walk(L->root, "suite file", f, SUITE_N(f), L, err))
		return false;
	if (L->vars && !suite_vars(L, err))
		return false;
	if (!suite_subst(L, (struct yaml_node *)L->root, err))
		return false;
	return suite_top_head(L, only, err) && suite_top_defaults(L, err) &&
	       suite_top_cases(L, err);
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


