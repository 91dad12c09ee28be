/* Suite files (docs/suite-format.md): a YAML file of test cases against one
 * peer or several, loaded into a model and expanded into cases (per peer,
 * overrides applied) before anything runs.
 *
 * The loader checks everything it can without running: unknown keys (with
 * a did-you-mean), types, transform, group and notify names, the topology,
 * message kinds of script steps and the syntax of mutation paths, variables,
 * duplicate case names and the size of the matrix. The first error stops the
 * load, so a suite with a typo never runs half-right. Execution is not here:
 * the runner hands each struct suite_case to the peer drivers. */
#ifndef IKEC_SUITE_SUITE_H
#define IKEC_SUITE_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/catalog.h"
#include "ike/config.h"
#include "ike/ike.h"
#include "netns/netns.h"
#include "suite/yaml.h"

/* The most cases one suite may expand to for one peer (matrix and explicit
 * together); a suite with a list of peers has that many per peer. */
#define SUITE_MAX_CASES 4096
/* Alternatives in one expect step (any_of). */
#define SUITE_MAX_ALTS 4

enum suite_peer { SUITE_PEER_STRONGSWAN, SUITE_PEER_SELF, SUITE_PEER_REMOTE, SUITE_PEER_LIBRESWAN };
#define SUITE_PEER_COUNT 4

/* What a case expects at its end. Absent keys keep these defaults:
 * established true unless rejected or silence is given. */
struct suite_expect {
	bool established;
	uint16_t notify;          /* rejected: the notify type; 0 none */
	uint8_t rejected_by;      /* SUITE_BY_PEER/_HARNESS: who sent it (0: the
				     peer, or either when the harness responds) */
	enum ike_kind rejected_after; /* the message it answers (0: any) */
	bool silence;             /* the peer must not answer at all */
	bool has_proposal;        /* the negotiated Phase 1 transforms */
	struct ike_p1_xform proposal;
	bool has_esp;             /* the negotiated Phase 2 transforms */
	struct ike_p2_xform esp;
	bool has_lifetime;        /* the negotiated Phase 1 lifetime */
	uint32_t life_sec, life_kb;
	bool has_child_lifetime;  /* the negotiated Phase 2 lifetime */
	uint32_t child_life_sec, child_life_kb;
	bool traffic;             /* ESP traffic through the child, both ways */
	bool peer_alive;          /* the peer still answers afterwards */
	bool accepted;            /* malformed: the peer carried on with its
				     next message (a departure, when the RFC
				     says to refuse) */
	bool deleted;             /* malformed: the peer answered with a Delete */
	bool survives;            /* fuzz variants: only that the script ran to
				     its end and the peer is alive afterwards */
	/* what the peer installed, when it differs from what the harness
	 * negotiated (unset: the same as lifetime / child_lifetime) */
	bool has_peer_lifetime, has_peer_child_lifetime;
	uint32_t peer_life_sec, peer_child_life_sec;
	/* the checks below: SUITE_ANY (0) when not judged */
	uint8_t responder_lifetime; /* SUITE_NO/YES: a RESPONDER-LIFETIME notify */
	uint8_t nat;              /* SUITE_NAT | who is behind a NAT, as both
				     sides must have detected it */
	uint8_t nat_harness_sees, nat_peer_sees; /* or each side's own finding */
	uint8_t floated;          /* SUITE_NO/YES: IKE moved to the NAT-T port */
	uint8_t encap;            /* SUITE_NO/YES: ESP in UDP on both sides */
	uint8_t natoa;            /* SUITE_NO/YES: NAT-OA in Quick Mode, both ways */
	uint8_t rekey;            /* SUITE_NO/YES: the child replaced during the hold */
	uint8_t keepalives;       /* SUITE_NAT | who sends keepalives in the hold */
	uint8_t remap;            /* SUITE_NO/YES: the SA survives the NAT remap */
	/* IDs as their nodes (checked at load; suite_id_of reads one): the
	   settings are copied by value from level to level */
	const struct yaml_node *peer_id;      /* the phase-1 ID the harness received */
	const struct yaml_node *our_id_seen;  /* the harness's ID as the peer saw it */
};
enum { SUITE_ANY = 0, SUITE_NO = 1, SUITE_YES = 2 };
enum { SUITE_BY_PEER = 1, SUITE_BY_HARNESS = 2 };
#define SUITE_NAT 4               /* judged; with none, one or both of: */
#define SUITE_NAT_HARNESS 1
#define SUITE_NAT_PEER 2

/* A mutation of the message a send step builds, in the engine's terms
 * (ike/engine.h): a field set to a number or to bytes, a payload removed,
 * duplicated or inserted, the plaintext or the datagram changed, or a
 * catalog entry's mutations. Kept as written; the engine resolves paths. */
struct suite_mutation {
	enum ike_mut_op op;
	char *field;              /* SET, SET_BYTES: "ke.length", "sa.proposal[0].transform[1].id" */
	char *set;                /* SET: the value as written ("8", "0x10") */
	uint8_t payload;          /* REMOVE, DUPLICATE, UNKNOWN: the payload type */
	uint32_t nth;             /* REMOVE, DUPLICATE: which one (from 0);
				     UNKNOWN: the index it is inserted at */
	uint32_t offset;          /* PLAIN_XOR, DGRAM_XOR */
	uint32_t value;           /* XOR mask; TRUNCATE, CHOP lengths */
	uint8_t *bytes;           /* SET_BYTES, DGRAM_APPEND, UNKNOWN body (owned) */
	size_t nbytes;
	const struct ike_catalog_entry *catalog; /* { catalog: NAME } (op unused) */
	unsigned line, col;       /* where it was written, for run-time errors */
};

enum suite_step_kind {
	SUITE_STEP_SEND,          /* send: mm3 */
	SUITE_STEP_EXPECT,        /* expect: mm2, or any_of alternatives */
	SUITE_STEP_EXPECT_NOTIFY, /* expect: { notify: PAYLOAD-MALFORMED } */
	SUITE_STEP_SILENCE,       /* silence: 2s (nothing arrives) */
	SUITE_STEP_WAIT,          /* wait: 1s */
};

/* One alternative of an expect step. */
enum suite_alt_kind { SUITE_ALT_MESSAGE, SUITE_ALT_NOTIFY, SUITE_ALT_SILENCE };
struct suite_alt {
	enum suite_alt_kind kind;
	enum ike_kind msg;        /* SUITE_ALT_MESSAGE */
	uint16_t notify;          /* SUITE_ALT_NOTIFY */
};

struct suite_step {
	enum suite_step_kind kind;
	enum ike_kind msg;        /* send, and a plain expect */
	struct suite_alt alts[SUITE_MAX_ALTS]; /* expect, expect notify */
	size_t nalts;
	uint64_t ms;              /* expect within (0: engine default), silence, wait */
	struct suite_mutation *mutations;
	size_t nmutations;
	const struct ike_catalog_entry *catalog; /* send: the entry's mutations too */
	unsigned line, col;
};

/* One side's identity and credentials (a case's keys for the harness,
 * peer_config's for the peer). Strings point into the suite's document. */
struct suite_ident {
	const struct yaml_node *local_id, *remote_id; /* suite_id_of reads them */
	bool remote_any;              /* remote_id: "%any" */
	const char *cert;             /* a named test-PKI credential (pki.h);
					 NULL: the side's host for the auth */
	uint8_t send_cert;            /* SUITE_ANY/NO/YES, SUITE_IFASKED */
	uint8_t send_chain, send_cr;  /* SUITE_ANY/NO/YES */
	bool has_trust;
	unsigned trust;               /* enum pki_trust */
	bool crl;                     /* the test PKI's CRL loaded */
	bool has_id_checks;
	enum ike_id_checks id_checks;
	const struct yaml_node *psks; /* the peer's only: PSKs by the harness's ID, */
	size_t npsks;                 /* checked at load (suite_ident_psk reads one) */
};
#define SUITE_IFASKED 3
/* An ID node of the above (checked at load) into out; false for NULL and
 * for "%any". */
bool suite_id_of(const struct yaml_node *n, struct ike_id *out);
/* PSK i of a side's psks: its ID and text (checked at load). False when
 * there is no such entry. */
bool suite_ident_psk(const struct suite_ident *id, size_t i, struct ike_id *out,
		     const char **psk);

/* What a case changes in the peer's configuration (peer_config:). The
 * mapping itself stays in the suite's document for the peer drivers; the
 * keys the loader understands are also read into fields here. */
struct suite_peer_over {
	const struct yaml_node *node;   /* NULL: nothing overridden */
	bool has_ike_lifetime;
	uint32_t ike_life_sec, ike_life_kb;
	struct ike_p1_xform p1[IKE_MAX_PROPOSALS]; /* proposals: */
	size_t np1;
	bool has_child_lifetime;        /* phase2: { lifetime } */
	uint32_t child_life_sec, child_life_kb;
	bool has_life_policy;           /* lifetime_policy: */
	enum ike_life_policy life_policy;
	bool has_natt;                  /* natt: none | all | [versions] */
	uint8_t natt;
	bool has_natt_force;            /* natt_force: */
	bool natt_force;
	struct suite_ident ident;       /* local_id, remote_id, cert, trust ... */
};

struct suite_case {
	char *name;               /* unique in the suite, stable across runs */
	unsigned line, col;       /* where the case (or its matrix) was written */
	enum ike_role role;       /* the harness's role */
	uint8_t exchange;         /* WIRE_X_MAIN or WIRE_X_AGGR */
	uint16_t auth;            /* enum ike_auth_method */
	char *psk;                /* NULL: none */
	struct ike_p1_xform p1;   /* the harness's Phase 1 proposal */
	bool has_p2;              /* Quick Mode after Phase 1 */
	struct ike_p2_xform p2;   /* with PFS group and mode (encap) */
	uint8_t natt;             /* the harness's NAT-T versions (IKE_NATT_BIT); 0 all */
	bool no_natt;             /* natt: none */
	uint8_t natt_force;       /* SUITE_ANY: as the peer needs; SUITE_NO/YES */
	enum ike_life_policy life_policy; /* the harness's as responder */
	enum netns_topology topology;  /* the suite's unless the case says */
	uint32_t hold_ms;         /* after traffic, the SA kept this long (0: not) */
	bool rekey;               /* rekey during the hold (whoever initiated QM) */
	uint32_t rekey_margin_ms; /* that long before expiry (0: a third of it) */
	uint32_t keepalive_ms;    /* NAT keepalives, both sides (0: none from the
				     harness, the peer's default) */
	uint8_t nat_remap;        /* halfway through the hold that NAT box maps
				     anew: SUITE_NAT_HARNESS or _PEER (0: none) */
	enum suite_peer peer;     /* the peer this case runs against */
	bool has_seed;            /* seed: the harness's random values from this */
	uint64_t seed;
	struct suite_ident ident;  /* the harness's IDs and credentials */
	struct suite_peer_over peer_config;
	struct suite_expect expect;
	char **tags;
	size_t ntags;
	struct suite_step *steps; /* NULL: the standard exchange */
	size_t nsteps;
	/* malformed: the catalog entry, the message it mutates (the harness
	   sends it: role and exchange follow), the reaction the last step
	   waits for (a notify; 0 silence) and for how long; steps is the
	   script made from them */
	const struct ike_catalog_entry *malformed;
	enum ike_kind malformed_at;
	uint16_t reaction;
	enum ike_kind reaction_msg; /* or the peer's next message (expect: { accepted }) */
	uint32_t reaction_ms;
};

struct suite {
	char *name;
	char *description;        /* NULL: none */
	char *file;
	enum suite_peer peer;     /* peers[0] */
	enum suite_peer peers[SUITE_PEER_COUNT]; /* in the order written, unique */
	size_t npeers;
	enum netns_topology topology;
	char **tags;              /* the suite's own; each case has them too */
	size_t ntags;
	/* peer-major: for each of peers[] in order, the full case list
	 * (matrix cases, then explicit ones), each with .peer set */
	struct suite_case *cases;
	size_t ncases;
	struct yaml_doc *doc;     /* kept: peer_config nodes point into it */
	char **strings;           /* texts before substitution, owned */
	size_t nstrings;
};

/* Load and expand a suite file. False with err set (file:line:col and what
 * was expected); *out is then empty and suite_free on it is safe. */
bool suite_load_file(const char *path, struct suite *out, struct yaml_error *err);
/* The same from memory; name stands for the file in messages. */
bool suite_load_string(const char *name, const char *text, struct suite *out,
		       struct yaml_error *err);
/* The same, with only non-NULL replacing the file's peer list by that one
 * peer (the runner's --peer). Overrides are still checked against the
 * file's list, so a rule for a peer left out is no error. */
bool suite_load_file_for(const char *path, const enum suite_peer *only, struct suite *out,
			 struct yaml_error *err);
bool suite_load_string_for(const char *name, const char *text, const enum suite_peer *only,
			   struct suite *out, struct yaml_error *err);
void suite_free(struct suite *s);

/* The first case with that name (for the first peer), or NULL. */
const struct suite_case *suite_find_case(const struct suite *s, const char *name);
/* The case with that name against peer p, or NULL. */
const struct suite_case *suite_find_case_for(const struct suite *s, const char *name,
					     enum suite_peer p);
/* "strongswan", "self", "remote" into *out; false for anything else. */
bool suite_peer_by_name(const char *name, enum suite_peer *out);
const char *suite_peer_name(enum suite_peer p);
const char *suite_step_kind_name(enum suite_step_kind k);

#endif
