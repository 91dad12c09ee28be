/* What the suite loader's files share (internal, not a public header): the
 * settings copied from level to level, the matrix, the overrides rules, the
 * loader's state, and the readers more than one file calls. */
#ifndef IKEC_SUITE_INTERNAL_H
#define IKEC_SUITE_INTERNAL_H

#include "suite/suite.h"

#define SUITE_MAX_TAGS 16
#define SUITE_MAX_DIMS 12

#define SUITE_N(a) (sizeof(a) / sizeof((a)[0]))

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
	struct suite_ident ident;
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

/* The peers' names, NULL-terminated, in enum suite_peer order (suite.c). */
extern const char *const suite_peers[];
#define SUITE_PEER_EXPECTED "one of strongswan, self, remote, libreswan or a non-empty list of them"

/* values.c: readers of the values several sections use */
/* ident.c: an ID or "%any" (any NULL: no %any); a side's identity keys
 * (peer: also psks), whether key is one; a case's credentials against its
 * auth (an unrunnable combination is an error at load time). */
bool suite_id_read(const struct yaml_node *v, const char *key, struct ike_id *id, bool *any,
		   struct yaml_error *err);
bool suite_ident_key(const struct yaml_node *v, const char *key, struct suite_ident *id,
		     bool peer, struct yaml_error *err);
bool suite_ident_is_key(const char *key, bool peer);
bool suite_ident_check(const struct suite_settings *x, const char *name,
		       const struct yaml_node *at, struct yaml_error *err);

bool suite_notify(const struct yaml_node *n, const char *what, uint16_t *out,
		  struct yaml_error *err);
bool suite_kind(const struct yaml_node *n, const char *what, enum ike_kind *out,
		struct yaml_error *err);
bool suite_esp_read(const struct yaml_node *n, const char *what, struct ike_p2_xform *out,
		    struct yaml_error *err);
bool suite_tags(const struct yaml_node *v, const char *what, const char **tags,
		size_t *ntags, struct yaml_error *err);
bool suite_name_ok(const char *s);
bool suite_fail_list(struct yaml_error *err, const struct yaml_node *v, const char *what,
		     const char *expected);

/* expect.c: expect: and verify: of defaults, cases and sets */
bool suite_expect(const struct yaml_node *v, struct suite_settings *x,
		  struct yaml_error *err);
bool suite_verify(const struct yaml_node *v, struct suite_settings *x,
		  struct yaml_error *err);

/* settings.c: one setting (a yaml_field handler with a suite_settings),
 * and the walks of defaults or a case, and of an override's set */
bool suite_setting(const struct yaml_node *v, const char *key, void *vctx,
		   struct yaml_error *err);
bool suite_walk_settings(const struct yaml_node *map, const char *what, bool is_case,
			 struct suite_settings *x, struct yaml_error *err);
bool suite_walk_set(const struct yaml_node *map, struct suite_settings *x,
		    struct yaml_error *err);

/* mutate.c: a send step's mutate: (one mutation or a list) */
bool suite_mutations(const struct yaml_node *v, struct suite_step *st,
		     struct yaml_error *err);

/* script.c: one step of a script */
bool suite_step(const struct yaml_node *v, struct suite_step *st, struct yaml_error *err);

/* malformed.c: a malformed case's script, made from its catalog entry */
bool suite_malformed(struct suite_case *c, const struct suite_settings *x,
		     const struct yaml_node *at, struct yaml_error *err);

/* suite.c: settings into a case of the peer being expanded */
bool suite_case_make(struct suite_loader *L, const struct suite_settings *x,
		     const char *name, const struct yaml_node *at, struct yaml_error *err);

/* matrix.c: the matrix read once, then its cases for each peer */
bool suite_dim_hit(const struct yaml_node *want, const char *have);
size_t suite_dim_find(const struct suite_matrix *m, const char *key);
bool suite_check_dim_values(const struct suite_matrix *m, size_t d,
			    const struct yaml_node *want, const char *what,
			    struct yaml_error *err);
bool suite_matrix_read(struct suite_loader *L, struct yaml_error *err);
bool suite_matrix_cases(struct suite_loader *L, struct yaml_error *err);

/* overrides.c: rules read before expansion, applied to each case, checked
 * for matching something after */
bool suite_overrides_read(struct suite_loader *L, struct yaml_error *err);
bool suite_overrides_apply(struct suite_loader *L, struct suite_settings *x,
			   const char *name, const size_t *idx, struct yaml_error *err);
bool suite_overrides_check(struct suite_loader *L, struct yaml_error *err);

/* vars.c: vars: read, then ${name} replaced in the whole tree */
bool suite_vars(struct suite_loader *L, struct yaml_error *err);
bool suite_subst(struct suite_loader *L, struct yaml_node *n, struct yaml_error *err);

#endif
