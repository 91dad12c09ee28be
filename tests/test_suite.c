/* suite/suite: the suite loader. The DESIGN.md example, matrix expansion
 * with exclude rules, variables, scripts with mutations, peer lists and
 * overrides, the shipped suites (smoke, hagle, dh-groups), and a table of
 * broken suites with their exact errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/prf.h"
#include "pki/pki.h"
#include "suite/suite.h"
#include "tests.h"
#include "wire/msg.h"

/* The example of ../shared/DESIGN.md, "Suite files", as written there. */
static const char test_suite_design[] =
	"suite: hagle-psk\n"
	"description: Main Mode with pre-shared keys across the HAGLE matrix\n"
	"peer: strongswan            # strongswan | self | remote\n"
	"topology: direct            # direct | nat-initiator | nat-responder | nat-both\n"
	"defaults:\n"
	"  role: initiator           # the harness's role\n"
	"  exchange: main            # main | aggressive\n"
	"  auth: psk\n"
	"  psk: ike-conform-psk\n"
	"  phase2: { esp: aes128-sha1, pfs: none, mode: tunnel }\n"
	"  verify: [established, traffic]\n"
	"matrix:                     # the cartesian product becomes cases\n"
	"  encryption: [des, 3des, aes128, aes192, aes256]\n"
	"  hash: [md5, sha1, sha256, sha384, sha512]\n"
	"  group: [1, 2, 5, 14, 15]\n"
	"cases:\n"
	"  - name: lifetime-lower-wins\n"
	"    proposal: { encryption: aes128, hash: sha1, group: 14, lifetime: 3600s }\n"
	"    peer_config: { ike_lifetime: 28800s }\n"
	"    expect: { established: true, lifetime: 3600s }\n"
	"  - name: ke-truncated\n"
	"    script:\n"
	"      - send: mm1\n"
	"      - expect: mm2\n"
	"      - send: mm3\n"
	"        mutate: [{ field: ke.length, set: 8 }]\n"
	"      - expect: { any_of: [{ notify: PAYLOAD-MALFORMED }, silence], within: 2s }\n"
	"    then: peer-alive\n";

static void test_suite_ok(const char *text, struct suite *s)
{
	struct yaml_error err = { 0 };
	ck_assert_msg(suite_load_string("t.yaml", text, s, &err), "%s", err.text);
}

START_TEST(test_suite_design_example)
{
	struct suite s;
	test_suite_ok(test_suite_design, &s);
	ck_assert_str_eq(s.name, "hagle-psk");
	ck_assert_str_eq(s.description, "Main Mode with pre-shared keys across the HAGLE matrix");
	ck_assert_int_eq(s.peer, SUITE_PEER_STRONGSWAN);
	ck_assert_int_eq(s.topology, NETNS_TOPO_DIRECT);
	ck_assert_uint_eq(s.ncases, 5 * 5 * 5 + 2);
	/* the last dimension varies fastest */
	ck_assert_str_eq(s.cases[0].name, "des-md5-g1");
	ck_assert_str_eq(s.cases[1].name, "des-md5-g2");
	ck_assert_str_eq(s.cases[5].name, "des-sha1-g1");
	ck_assert_str_eq(s.cases[124].name, "aes256-sha512-g15");
	const struct suite_case *c = suite_find_case(&s, "aes128-sha1-g14");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->p1.encr, CIPHER_AES);
	ck_assert_uint_eq(c->p1.keylen, 128);
	ck_assert_uint_eq(c->p1.hash, PRF_SHA1);
	ck_assert_uint_eq(c->p1.group, 14);
	ck_assert_uint_eq(c->p1.auth, IKE_AUTH_PSK);
	ck_assert_int_eq(c->role, IKE_INITIATOR);
	ck_assert_uint_eq(c->exchange, WIRE_X_MAIN);
	ck_assert_str_eq(c->psk, "ike-conform-psk");
	ck_assert(c->has_p2);
	ck_assert_uint_eq(c->p2.transform, IKE_ESP_AES);
	ck_assert_uint_eq(c->p2.auth, IKE_EAUTH_SHA1);
	ck_assert_uint_eq(c->p2.group, 0);
	ck_assert_uint_eq(c->p2.encap, IKE_ENCAP_TUNNEL);
	ck_assert(c->expect.established && c->expect.traffic && !c->expect.peer_alive);
	ck_assert_ptr_null(c->steps);

	c = suite_find_case(&s, "lifetime-lower-wins");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->p1.life_sec, 3600);
	ck_assert(c->peer_config.node && c->peer_config.has_ike_lifetime);
	ck_assert_uint_eq(c->peer_config.ike_life_sec, 28800);
	ck_assert(c->expect.has_lifetime && c->expect.life_sec == 3600);
	ck_assert_uint_eq(c->line, 17);
	ck_assert_uint_eq(c->col, 11);

	c = suite_find_case(&s, "ke-truncated");
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nsteps, 4);
	ck_assert_int_eq(c->steps[0].kind, SUITE_STEP_SEND);
	ck_assert_int_eq(c->steps[0].msg, IKE_K_MM1);
	ck_assert_int_eq(c->steps[1].kind, SUITE_STEP_EXPECT);
	ck_assert_int_eq(c->steps[1].msg, IKE_K_MM2);
	ck_assert_int_eq(c->steps[2].msg, IKE_K_MM3);
	ck_assert_uint_eq(c->steps[2].nmutations, 1);
	ck_assert_str_eq(c->steps[2].mutations[0].field, "ke.length");
	ck_assert_str_eq(c->steps[2].mutations[0].set, "8");
	ck_assert_uint_eq(c->steps[2].mutations[0].line, 26);
	ck_assert_int_eq(c->steps[3].kind, SUITE_STEP_EXPECT);
	ck_assert_uint_eq(c->steps[3].nalts, 2);
	ck_assert_int_eq(c->steps[3].alts[0].kind, SUITE_ALT_NOTIFY);
	ck_assert_uint_eq(c->steps[3].alts[0].notify, WIRE_N_PAYLOAD_MALFORMED);
	ck_assert_int_eq(c->steps[3].alts[1].kind, SUITE_ALT_SILENCE);
	ck_assert_uint_eq(c->steps[3].ms, 2000);
	ck_assert(c->expect.peer_alive);
	suite_free(&s);
	suite_free(&s); /* safe twice */
}
END_TEST

START_TEST(test_suite_matrix_exclude)
{
	struct suite s;
	test_suite_ok("suite: m\npeer: self\ntopology: nat-both\ntags: [hagle]\n"
		      "defaults: { psk: k, exchange: aggressive }\n"
		      "matrix:\n"
		      "  role: [initiator, responder]\n"
		      "  encryption: [3des, aes256]\n"
		      "  group: [2, ecp256]\n"
		      "  lifetime: [1h, 8h]\n"
		      "  exclude:\n"
		      "    - { encryption: 3des, group: ecp256 }\n"
		      "    - { role: responder, lifetime: [8h] }\n",
		      &s);
	ck_assert_int_eq(s.peer, SUITE_PEER_SELF);
	ck_assert_int_eq(s.topology, NETNS_TOPO_NAT_BOTH);
	/* 16 - 4 (3des with ecp256) - 4 (responder with 8h) + 1 (both) */
	ck_assert_uint_eq(s.ncases, 9);
	const char *const names[] = {
		"initiator-3des-g2-1h", "initiator-3des-g2-8h", "initiator-aes256-g2-1h",
		"initiator-aes256-g2-8h", "initiator-aes256-ecp256-1h", "initiator-aes256-ecp256-8h",
		"responder-3des-g2-1h", "responder-aes256-g2-1h", "responder-aes256-ecp256-1h",
	};
	for (size_t i = 0; i < 9; i++)
		ck_assert_str_eq(s.cases[i].name, names[i]);
	const struct suite_case *c = &s.cases[5];
	ck_assert_uint_eq(c->p1.group, 19);
	ck_assert_uint_eq(c->p1.keylen, 256);
	ck_assert_uint_eq(c->p1.life_sec, 8 * 3600);
	ck_assert_uint_eq(c->exchange, WIRE_X_AGGR);
	ck_assert_int_eq(s.cases[8].role, IKE_RESPONDER);
	ck_assert_uint_eq(c->ntags, 1);
	ck_assert_str_eq(c->tags[0], "hagle");
	ck_assert(!c->has_p2);
	ck_assert(c->expect.established);
	suite_free(&s);
}
END_TEST

START_TEST(test_suite_variables)
{
	struct suite s;
	test_suite_ok("suite: v\npeer: remote\n"
		      "vars: { key: s3cret, g: 14, why: NO-PROPOSAL-CHOSEN, life: 2h }\n"
		      "defaults: { psk: \"pre-${key}-post\", group: \"${g}\", lifetime: \"${life}\" }\n"
		      "cases:\n"
		      "  - name: refused-${g}\n"
		      "    expect: { rejected: \"${why}\" }\n"
		      "    tags: [\"g${g}\", x]\n",
		      &s);
	ck_assert_uint_eq(s.ncases, 1);
	const struct suite_case *c = &s.cases[0];
	ck_assert_str_eq(c->name, "refused-14");
	ck_assert_str_eq(c->psk, "pre-s3cret-post");
	ck_assert_uint_eq(c->p1.group, 14);
	ck_assert_uint_eq(c->p1.life_sec, 7200);
	ck_assert(!c->expect.established);
	ck_assert_uint_eq(c->expect.notify, WIRE_N_NO_PROPOSAL_CHOSEN);
	ck_assert_uint_eq(c->ntags, 2);
	ck_assert_str_eq(c->tags[0], "g14");
	suite_free(&s);
}
END_TEST

START_TEST(test_suite_scripts)
{
	struct suite s;
	test_suite_ok("suite: s\npeer: self\ndefaults: { psk: k }\n"
		      "cases:\n"
		      "  - name: resp\n"
		      "    role: responder\n"
		      "    phase2: { esp: aes256-sha256, pfs: modp2048, mode: udp-tunnel, lifetime: 20m }\n"
		      "    script:\n"
		      "      - expect: { message: mm1, within: 500ms }\n"
		      "      - send: mm2\n"
		      "        mutate:\n"
		      "          - { field: \"sa.proposal[0].transform[1].id\", set: 0x10 }\n"
		      "          - { field: header.next_payload, set: 99 }\n"
		      "      - expect: { notify: INVALID-PAYLOAD-TYPE }\n"
		      "      - silence: 3s\n"
		      "      - wait: 1.5s\n"
		      "      - send: notify\n"
		      "    expect: { silence: true, peer_alive: true }\n",
		      &s);
	const struct suite_case *c = &s.cases[0];
	ck_assert_int_eq(c->role, IKE_RESPONDER);
	ck_assert_uint_eq(c->p2.group, 14);
	ck_assert_uint_eq(c->p2.encap, IKE_ENCAP_UDP_TUNNEL);
	ck_assert_uint_eq(c->p2.life_sec, 1200);
	ck_assert_uint_eq(c->nsteps, 6);
	ck_assert_int_eq(c->steps[0].kind, SUITE_STEP_EXPECT);
	ck_assert_int_eq(c->steps[0].msg, IKE_K_MM1);
	ck_assert_uint_eq(c->steps[0].ms, 500);
	ck_assert_uint_eq(c->steps[1].nmutations, 2);
	ck_assert_str_eq(c->steps[1].mutations[0].field, "sa.proposal[0].transform[1].id");
	ck_assert_str_eq(c->steps[1].mutations[0].set, "0x10");
	ck_assert_str_eq(c->steps[1].mutations[1].field, "header.next_payload");
	ck_assert_int_eq(c->steps[2].kind, SUITE_STEP_EXPECT_NOTIFY);
	ck_assert_uint_eq(c->steps[2].alts[0].notify, WIRE_N_INVALID_PAYLOAD_TYPE);
	ck_assert_int_eq(c->steps[3].kind, SUITE_STEP_SILENCE);
	ck_assert_uint_eq(c->steps[3].ms, 3000);
	ck_assert_int_eq(c->steps[4].kind, SUITE_STEP_WAIT);
	ck_assert_uint_eq(c->steps[4].ms, 1500);
	ck_assert_int_eq(c->steps[5].msg, IKE_K_NOTIFY);
	ck_assert(c->expect.silence && !c->expect.established && c->expect.peer_alive);
	ck_assert_str_eq(suite_step_kind_name(c->steps[2].kind), "expect notify");
	suite_free(&s);
}
END_TEST

START_TEST(test_suite_smoke_file)
{
	const char *src = getenv("IKEC_SRCDIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/suites/smoke.yaml", src ? src : ".");
	struct suite s;
	struct yaml_error err = { 0 };
	ck_assert_msg(suite_load_file(path, &s, &err), "%s", err.text);
	ck_assert_str_eq(s.name, "smoke");
	/* the same cases as case_smokes in peers/interop.c */
	static const struct {
		const char *name;
		enum ike_role role;
		uint8_t exchange;
		uint16_t auth;
		bool mismatch;
	} want[] = {
		{ "mm-psk-h2p", IKE_INITIATOR, WIRE_X_MAIN, IKE_AUTH_PSK, false },
		{ "mm-psk-p2h", IKE_RESPONDER, WIRE_X_MAIN, IKE_AUTH_PSK, false },
		{ "am-psk-h2p", IKE_INITIATOR, WIRE_X_AGGR, IKE_AUTH_PSK, false },
		{ "am-psk-p2h", IKE_RESPONDER, WIRE_X_AGGR, IKE_AUTH_PSK, false },
		{ "mm-rsa-h2p", IKE_INITIATOR, WIRE_X_MAIN, IKE_AUTH_RSA, false },
		{ "mm-rsa-p2h", IKE_RESPONDER, WIRE_X_MAIN, IKE_AUTH_RSA, false },
		{ "mismatch-h2p", IKE_INITIATOR, WIRE_X_MAIN, IKE_AUTH_PSK, true },
		{ "mismatch-p2h", IKE_RESPONDER, WIRE_X_MAIN, IKE_AUTH_PSK, true },
	};
	const size_t n = sizeof(want) / sizeof(want[0]);
	/* against strongSwan, then against self, the same eight each */
	ck_assert_uint_eq(s.npeers, 2);
	ck_assert_int_eq(s.peers[0], SUITE_PEER_STRONGSWAN);
	ck_assert_int_eq(s.peers[1], SUITE_PEER_SELF);
	ck_assert_uint_eq(s.ncases, 2 * n);
	for (size_t k = 0; k < s.ncases; k++) {
		const struct suite_case *c = &s.cases[k];
		size_t i = k % n;
		char b[64];
		ck_assert_int_eq(c->peer, k < n ? SUITE_PEER_STRONGSWAN : SUITE_PEER_SELF);
		ck_assert_str_eq(c->name, want[i].name);
		ck_assert_int_eq(c->role, want[i].role);
		ck_assert_uint_eq(c->exchange, want[i].exchange);
		ck_assert_uint_eq(c->auth, want[i].auth);
		ck_assert_str_eq(ike_p1_str(&c->p1, b, sizeof(b)), "aes128-sha256-modp2048");
		ck_assert_uint_eq(c->p1.life_sec, 3600);
		ck_assert(c->has_p2);
		ck_assert_uint_eq(c->p2.life_sec, 1200);
		ck_assert_str_eq(c->psk, "ike-conform-smoke-psk");
		ck_assert_str_eq(c->tags[0], "smoke");
		ck_assert_int_eq(c->expect.established, !want[i].mismatch);
		ck_assert_uint_eq(c->expect.notify, want[i].mismatch ? WIRE_N_NO_PROPOSAL_CHOSEN : 0);
		ck_assert_uint_eq(c->peer_config.np1, want[i].mismatch ? 1 : 0);
		if (want[i].mismatch)
			ck_assert_str_eq(ike_p1_str(&c->peer_config.p1[0], b, sizeof(b)), "3des-sha1-modp1024");
	}
	suite_free(&s);

	/* a file that is not there names itself */
	ck_assert(!suite_load_file("/nonexistent/x.yaml", &s, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/x.yaml"));
	suite_free(&s);
}
END_TEST

START_TEST(test_suite_peer_list)
{
	static const char text[] =
		"suite: p\npeer: [strongswan, self]\ndefaults: { psk: k }\n"
		"matrix: { group: [2, 14] }\n"
		"cases:\n  - name: a\n  - { name: b, role: responder }\n";
	static const char *const names[] = { "g2", "g14", "a", "b" };
	struct suite s;
	test_suite_ok(text, &s);
	ck_assert_uint_eq(s.npeers, 2);
	ck_assert_int_eq(s.peer, SUITE_PEER_STRONGSWAN);
	ck_assert_int_eq(s.peers[1], SUITE_PEER_SELF);
	/* peer-major: the whole list for strongswan, then for self */
	ck_assert_uint_eq(s.ncases, 8);
	for (size_t i = 0; i < 8; i++) {
		ck_assert_str_eq(s.cases[i].name, names[i % 4]);
		ck_assert_int_eq(s.cases[i].peer, i < 4 ? SUITE_PEER_STRONGSWAN : SUITE_PEER_SELF);
	}
	ck_assert_int_eq(s.cases[7].role, IKE_RESPONDER);
	ck_assert_ptr_eq(suite_find_case(&s, "b"), &s.cases[3]);
	ck_assert_ptr_eq(suite_find_case_for(&s, "b", SUITE_PEER_SELF), &s.cases[7]);
	ck_assert_ptr_eq(suite_find_case_for(&s, "g2", SUITE_PEER_STRONGSWAN), &s.cases[0]);
	ck_assert_ptr_null(suite_find_case_for(&s, "b", SUITE_PEER_REMOTE));
	suite_free(&s);

	/* only replaces the list, even by a peer the file does not name */
	static const struct {
		enum suite_peer only;
	} only[] = { { SUITE_PEER_SELF }, { SUITE_PEER_STRONGSWAN }, { SUITE_PEER_REMOTE } };
	for (size_t k = 0; k < sizeof(only) / sizeof(only[0]); k++) {
		struct yaml_error err = { 0 };
		ck_assert_msg(suite_load_string_for("t.yaml", text, &only[k].only, &s, &err), "%s",
			      err.text);
		ck_assert_uint_eq(s.npeers, 1);
		ck_assert_int_eq(s.peer, only[k].only);
		ck_assert_int_eq(s.peers[0], only[k].only);
		ck_assert_uint_eq(s.ncases, 4);
		for (size_t i = 0; i < 4; i++)
			ck_assert_int_eq(s.cases[i].peer, only[k].only);
		suite_free(&s);
	}

	/* a single peer is a list of one */
	test_suite_ok("suite: p\npeer: remote\ncases: [{ name: a, psk: k }]\n", &s);
	ck_assert_uint_eq(s.npeers, 1);
	ck_assert_int_eq(s.cases[0].peer, SUITE_PEER_REMOTE);
	suite_free(&s);
	test_suite_ok("suite: p\npeer: [remote, self, strongswan]\ncases: [{ name: a, psk: k }]\n", &s);
	ck_assert_uint_eq(s.ncases, 3);
	ck_assert_int_eq(s.cases[2].peer, SUITE_PEER_STRONGSWAN);
	suite_free(&s);

	static const struct {
		const char *name;
		bool ok;
		enum suite_peer p;
	} by_name[] = {
		{ "strongswan", true, SUITE_PEER_STRONGSWAN }, { "self", true, SUITE_PEER_SELF },
		{ "remote", true, SUITE_PEER_REMOTE }, { "Self", false, 0 }, { "", false, 0 },
		{ "both", false, 0 },
	};
	for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++) {
		enum suite_peer p = SUITE_PEER_REMOTE;
		ck_assert_int_eq(suite_peer_by_name(by_name[i].name, &p), by_name[i].ok);
		if (by_name[i].ok) {
			ck_assert_int_eq(p, by_name[i].p);
			ck_assert_str_eq(suite_peer_name(p), by_name[i].name);
		}
	}
}
END_TEST

/* Overrides by peer, by a dimension with a list, by name glob, combined,
 * and the later of two rules on one key winning. */
static const char test_suite_over_text[] =
	"suite: o\npeer: [strongswan, self]\n"
	"defaults: { psk: k, verify: [established, traffic] }\n"
	"matrix:\n"
	"  encryption: [3des, aes128]\n"
	"  group: [2, 14, 19]\n"
	"cases:\n"
	"  - name: mm-x\n"
	"  - name: am-y\n"
	"    exchange: aggressive\n"
	"overrides:\n"
	"  - match: { peer: strongswan, group: [2, 19] }\n"
	"    set:\n"
	"      peer_config: { proposals: [aes128-sha256-modp2048] }\n"
	"      expect: { rejected: NO-PROPOSAL-CHOSEN }\n"
	"  - match: { name: \"am-*\" }\n"
	"    set: { psk: first, role: responder }\n"
	"  - match: { name: [am-y, mm-x], peer: self }\n"
	"    set: { psk: second }\n"
	"  - match: { encryption: aes128, group: 14 }\n"
	"    set: { lifetime: 2h, tags: [long] }\n";

START_TEST(test_suite_overrides)
{
	static const struct {
		const char *name;
		enum suite_peer peer;
		bool rejected;            /* rule 1 */
		const char *psk;          /* rules 2 and 3 */
		enum ike_role role;
		uint32_t life;            /* rule 4 */
	} want[] = {
		{ "3des-g2", SUITE_PEER_STRONGSWAN, true, "k", IKE_INITIATOR, 0 },
		{ "3des-g14", SUITE_PEER_STRONGSWAN, false, "k", IKE_INITIATOR, 0 },
		{ "3des-g19", SUITE_PEER_STRONGSWAN, true, "k", IKE_INITIATOR, 0 },
		{ "aes128-g14", SUITE_PEER_STRONGSWAN, false, "k", IKE_INITIATOR, 7200 },
		{ "aes128-g19", SUITE_PEER_STRONGSWAN, true, "k", IKE_INITIATOR, 0 },
		{ "mm-x", SUITE_PEER_STRONGSWAN, false, "k", IKE_INITIATOR, 0 },
		{ "am-y", SUITE_PEER_STRONGSWAN, false, "first", IKE_RESPONDER, 0 },
		{ "3des-g2", SUITE_PEER_SELF, false, "k", IKE_INITIATOR, 0 },
		{ "aes128-g14", SUITE_PEER_SELF, false, "k", IKE_INITIATOR, 7200 },
		{ "aes128-g19", SUITE_PEER_SELF, false, "k", IKE_INITIATOR, 0 },
		{ "mm-x", SUITE_PEER_SELF, false, "second", IKE_INITIATOR, 0 },
		/* both rules set psk: the later wins; role stays from the first */
		{ "am-y", SUITE_PEER_SELF, false, "second", IKE_RESPONDER, 0 },
	};
	struct suite s;
	test_suite_ok(test_suite_over_text, &s);
	ck_assert_uint_eq(s.ncases, 16);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct suite_case *c = suite_find_case_for(&s, want[i].name, want[i].peer);
		char b[64];
		ck_assert_msg(c != NULL, "%s", want[i].name);
		/* a rejected set by an override beats verify: [established]
		 * from the defaults, as if written in the case */
		ck_assert_int_eq(c->expect.established, !want[i].rejected);
		ck_assert_int_eq(c->expect.traffic, !want[i].rejected);
		ck_assert_uint_eq(c->expect.notify, want[i].rejected ? WIRE_N_NO_PROPOSAL_CHOSEN : 0);
		ck_assert_uint_eq(c->peer_config.np1, want[i].rejected ? 1 : 0);
		if (want[i].rejected)
			ck_assert_str_eq(ike_p1_str(&c->peer_config.p1[0], b, sizeof(b)),
					 "aes128-sha256-modp2048");
		ck_assert_str_eq(c->psk, want[i].psk);
		ck_assert_int_eq(c->role, want[i].role);
		ck_assert_uint_eq(c->p1.life_sec, want[i].life);
		ck_assert_uint_eq(c->ntags, want[i].life ? 1 : 0);
	}
	ck_assert_str_eq(suite_find_case(&s, "aes128-g14")->tags[0], "long");
	/* the exchange of the case itself is kept */
	ck_assert_uint_eq(suite_find_case_for(&s, "am-y", SUITE_PEER_SELF)->exchange, WIRE_X_AGGR);
	suite_free(&s);

	/* with one peer kept, a rule for the other is no error and does not
	 * apply */
	enum suite_peer self = SUITE_PEER_SELF;
	struct yaml_error err = { 0 };
	ck_assert_msg(suite_load_string_for("t.yaml", test_suite_over_text, &self, &s, &err), "%s",
		      err.text);
	ck_assert_uint_eq(s.ncases, 8);
	ck_assert(suite_find_case(&s, "3des-g2")->expect.established);
	ck_assert_str_eq(suite_find_case(&s, "am-y")->psk, "second");
	suite_free(&s);

	/* an override's peer_config replaces the case's as a whole, and its
	 * then and verify work as in a case */
	test_suite_ok("suite: o\npeer: self\ndefaults: { psk: k }\n"
		      "cases:\n"
		      "  - name: a\n"
		      "    peer_config: { ike_lifetime: 8h, proposals: [3des-sha1-modp1024] }\n"
		      "overrides:\n"
		      "  - match: { name: a }\n"
		      "    set: { peer_config: { ike_lifetime: 1h }, then: peer-alive, verify: [traffic] }\n",
		      &s);
	const struct suite_case *c = &s.cases[0];
	ck_assert_uint_eq(c->peer_config.ike_life_sec, 3600);
	ck_assert_uint_eq(c->peer_config.np1, 0);
	ck_assert_uint_eq(c->peer_config.node->line, 9);
	ck_assert(c->expect.peer_alive && c->expect.traffic && c->expect.established);
	suite_free(&s);
}
END_TEST

/* The shipped suites beside smoke.yaml. */
static void test_suite_load_shipped(const char *file, struct suite *s)
{
	const char *src = getenv("IKEC_SRCDIR");
	char path[1024];
	struct yaml_error err = { 0 };
	snprintf(path, sizeof(path), "%s/suites/%s", src ? src : ".", file);
	ck_assert_msg(suite_load_file(path, s, &err), "%s", err.text);
}

START_TEST(test_suite_hagle_file)
{
	struct suite s;
	test_suite_load_shipped("hagle.yaml", &s);
	ck_assert_str_eq(s.name, "hagle");
	ck_assert_uint_eq(s.npeers, 2);
	ck_assert_uint_eq(s.ncases, 2 * 250);
	ck_assert_str_eq(s.cases[0].name, "psk-des-md5-g1");
	ck_assert_str_eq(s.cases[124].name, "psk-aes256-sha512-g15");
	ck_assert_str_eq(s.cases[125].name, "rsa-des-md5-g1");
	ck_assert_str_eq(s.cases[249].name, "rsa-aes256-sha512-g15");
	ck_assert_str_eq(s.cases[250].name, "psk-des-md5-g1");
	ck_assert_int_eq(s.cases[249].peer, SUITE_PEER_STRONGSWAN);
	ck_assert_int_eq(s.cases[250].peer, SUITE_PEER_SELF);
	static const struct {
		const char *name;
		const char *p1;
		uint16_t auth;
	} want[] = {
		{ "psk-aes128-sha1-g14", "aes128-sha1-modp2048", IKE_AUTH_PSK },
		{ "rsa-3des-md5-g2", "3des-md5-modp1024", IKE_AUTH_RSA },
		{ "rsa-aes192-sha384-g5", "aes192-sha384-modp1536", IKE_AUTH_RSA },
		{ "psk-des-sha512-g15", "des-sha512-modp3072", IKE_AUTH_PSK },
	};
	for (size_t p = 0; p < s.npeers; p++)
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			const struct suite_case *c = suite_find_case_for(&s, want[i].name, s.peers[p]);
			char b[64];
			ck_assert_msg(c != NULL, "%s", want[i].name);
			ck_assert_str_eq(ike_p1_str(&c->p1, b, sizeof(b)), want[i].p1);
			ck_assert_uint_eq(c->auth, want[i].auth);
			ck_assert_uint_eq(c->p1.auth, want[i].auth);
			ck_assert_uint_eq(c->p1.life_sec, 3600);
			ck_assert_int_eq(c->role, IKE_INITIATOR);
			ck_assert_uint_eq(c->exchange, WIRE_X_MAIN);
			ck_assert(c->has_p2);
			ck_assert_uint_eq(c->p2.transform, IKE_ESP_AES);
			ck_assert_uint_eq(c->p2.auth, IKE_EAUTH_SHA1);
			ck_assert_uint_eq(c->p2.group, 0);
			ck_assert_uint_eq(c->p2.encap, IKE_ENCAP_TUNNEL);
			ck_assert_uint_eq(c->p2.life_sec, 1200);
			ck_assert(c->expect.established && c->expect.traffic);
			ck_assert_uint_eq(c->expect.notify, 0);
			ck_assert_str_eq(c->tags[0], "hagle");
		}
	suite_free(&s);
}
END_TEST

/* lifetime.yaml: the matrix's overrides say what each side installs */
START_TEST(test_suite_lifetime_file)
{
	struct suite s;
	test_suite_load_shipped("lifetime.yaml", &s);
	ck_assert_str_eq(s.name, "lifetime");
	ck_assert_uint_eq(s.ncases, 2 * (18 + 11));
	static const struct {
		const char *name;
		enum suite_peer peer;
		uint32_t life, child, peer_life, peer_child; /* 0: not stated */
		uint8_t resp;
	} rows[] = {
		{ "initiator-1800s-600s", SUITE_PEER_STRONGSWAN, 1800, 600, 3600, 1200, SUITE_NO },
		{ "initiator-7200s-2400s", SUITE_PEER_STRONGSWAN, 7200, 2400, 3600, 1200, SUITE_NO },
		{ "initiator-7200s-2400s", SUITE_PEER_SELF, 7200, 2400, 0, 0, SUITE_NO },
		{ "responder-1800s-2400s", SUITE_PEER_STRONGSWAN, 3600, 1200, 0, 0, SUITE_NO },
		{ "responder-1800s-2400s", SUITE_PEER_SELF, 3600, 1200, 0, 0, SUITE_NO },
		{ "harness-notify-shorter", SUITE_PEER_STRONGSWAN, 0, 600, 0, 1200, SUITE_YES },
		{ "harness-notify-shorter", SUITE_PEER_SELF, 0, 600, 0, 0, SUITE_YES },
		{ "peer-notify-shorter", SUITE_PEER_SELF, 7200, 1200, 0, 0, SUITE_YES },
		{ "peer-notify-shorter", SUITE_PEER_STRONGSWAN, 7200, 2400, 3600, 1200, SUITE_NO },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct suite_case *c = suite_find_case_for(&s, rows[i].name, rows[i].peer);
		ck_assert_msg(c, "no %s", rows[i].name);
		const struct suite_expect *x = &c->expect;
		ck_assert_msg(x->established && x->has_lifetime == (rows[i].life != 0) &&
			      (!rows[i].life || x->life_sec == rows[i].life) &&
			      x->has_child_lifetime && x->child_life_sec == rows[i].child &&
			      x->has_peer_lifetime == (rows[i].peer_life != 0) &&
			      (!rows[i].peer_life || x->peer_life_sec == rows[i].peer_life) &&
			      x->has_peer_child_lifetime == (rows[i].peer_child != 0) &&
			      (!rows[i].peer_child || x->peer_child_life_sec == rows[i].peer_child) &&
			      x->responder_lifetime == rows[i].resp,
			      "row %zu (%s)", i, rows[i].name);
	}
	/* the peer's own lifetimes reach its configuration */
	const struct suite_case *c = suite_find_case_for(&s, "peer-not-longer", SUITE_PEER_SELF);
	ck_assert(c && c->peer_config.has_life_policy &&
		  c->peer_config.life_policy == IKE_LIFE_NOT_LONGER);
	ck_assert(c->peer_config.has_child_lifetime && c->peer_config.child_life_sec == 1200);
	ck_assert_uint_eq(c->expect.notify, WIRE_N_NO_PROPOSAL_CHOSEN);
	c = suite_find_case_for(&s, "harness-notify-shorter", SUITE_PEER_SELF);
	ck_assert(c && c->life_policy == IKE_LIFE_NOTIFY && c->role == IKE_RESPONDER);
	suite_free(&s);
}
END_TEST

/* nat-t.yaml: topologies per case, what each must find */
START_TEST(test_suite_nat_t_file)
{
	struct suite s;
	test_suite_load_shipped("nat-t.yaml", &s);
	ck_assert_uint_eq(s.ncases, 2 * (8 + 18));
	static const struct {
		const char *name;
		enum suite_peer peer;
		enum netns_topology topo;
		uint8_t nat, floated;
	} rows[] = {
		{ "direct-initiator", SUITE_PEER_SELF, NETNS_TOPO_DIRECT, 0, SUITE_NO },
		{ "direct-initiator", SUITE_PEER_STRONGSWAN, NETNS_TOPO_DIRECT, 0, SUITE_YES },
		{ "nat-harness-responder", SUITE_PEER_SELF, NETNS_TOPO_NAT_HARNESS, SUITE_NAT_HARNESS, SUITE_YES },
		{ "nat-peer-initiator", SUITE_PEER_STRONGSWAN, NETNS_TOPO_NAT_PEER, SUITE_NAT_PEER, SUITE_YES },
		{ "nat-both-responder", SUITE_PEER_SELF, NETNS_TOPO_NAT_BOTH,
		  SUITE_NAT_HARNESS | SUITE_NAT_PEER, SUITE_YES },
		{ "draft-02-nat-harness", SUITE_PEER_SELF, NETNS_TOPO_NAT_HARNESS, SUITE_NAT_HARNESS, SUITE_YES },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct suite_case *c = suite_find_case_for(&s, rows[i].name, rows[i].peer);
		ck_assert_msg(c, "no %s", rows[i].name);
		ck_assert_msg(c->topology == rows[i].topo && c->expect.nat == (SUITE_NAT | rows[i].nat) &&
			      c->expect.floated == rows[i].floated && c->expect.traffic,
			      "row %zu (%s): topology %d nat %u floated %u", i, rows[i].name,
			      (int)c->topology, c->expect.nat, c->expect.floated);
	}
	const struct suite_case *c = suite_find_case_for(&s, "draft-03-nat-harness", SUITE_PEER_SELF);
	ck_assert(c && c->natt == IKE_NATT_BIT(IKE_NATT_DRAFT_03) && !c->no_natt);
	c = suite_find_case_for(&s, "no-natt-nat-harness", SUITE_PEER_SELF);
	ck_assert(c && c->no_natt && !c->has_p2 && !c->expect.traffic && c->natt_force == SUITE_NO);
	ck_assert(c->peer_config.has_natt_force && !c->peer_config.natt_force);
	c = suite_find_case_for(&s, "no-natd-from-harness", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->nsteps == 9 && c->steps[2].nmutations == 2 &&
		  c->steps[2].mutations[1].op == IKE_MUT_REMOVE &&
		  c->steps[2].mutations[1].payload == WIRE_PL_NATD);
	ck_assert_uint_eq(c->expect.nat_harness_sees, SUITE_NAT | SUITE_NAT_HARNESS | SUITE_NAT_PEER);
	ck_assert_uint_eq(c->expect.nat_peer_sees, SUITE_NAT);
	c = suite_find_case_for(&s, "keepalives-nat-both", SUITE_PEER_SELF);
	ck_assert(c && c->keepalive_ms == 1000 && c->hold_ms == 4000 &&
		  c->expect.keepalives == (SUITE_NAT | SUITE_NAT_HARNESS | SUITE_NAT_PEER));
	c = suite_find_case_for(&s, "remap-nat-harness", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->nat_remap == SUITE_NAT_HARNESS && c->expect.remap == SUITE_YES);
	suite_free(&s);
}
END_TEST

/* identities.yaml and pki.yaml: each side's IDs, credentials and the
 * refusals they expect, read back. */
START_TEST(test_suite_identity_files)
{
	struct suite s;
	test_suite_load_shipped("identities.yaml", &s);
	ck_assert_uint_eq(s.npeers, 2);
	ck_assert_uint_eq(s.ncases % 2, 0);
	const struct suite_case *c = suite_find_case_for(&s, "dn-mm-r", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->role == IKE_RESPONDER && c->exchange == WIRE_X_MAIN);
	struct ike_id id;
	ck_assert(suite_id_of(c->ident.local_id, &id) && id.type == 9);
	ck_assert(suite_id_of(c->peer_config.ident.remote_id, &id) && id.type == 9);
	ck_assert(suite_id_of(c->expect.peer_id, &id) && id.type == 9);
	ck_assert(suite_id_of(c->expect.our_id_seen, &id) && id.type == 9);
	c = suite_find_case_for(&s, "keyid-am-i", SUITE_PEER_SELF);
	ck_assert(c && c->exchange == WIRE_X_AGGR && suite_id_of(c->ident.local_id, &id) &&
		  id.type == 11);
	ck_assert(suite_id_of(c->peer_config.ident.local_id, &id) && id.type == 11 && id.len == 8);
	c = suite_find_case_for(&s, "wrong-fqdn-am-r", SUITE_PEER_SELF);
	ck_assert(c && !c->expect.established && c->expect.notify == WIRE_N_INVALID_ID_INFORMATION);
	ck_assert(c->expect.rejected_after == IKE_K_AM2);
	c = suite_find_case_for(&s, "harness-wants-other-mm-i", SUITE_PEER_SELF);
	ck_assert(c && c->expect.rejected_by == SUITE_BY_HARNESS && c->expect.rejected_after == IKE_K_MM6);
	c = suite_find_case_for(&s, "psk-by-id-carol-am-i", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->peer_config.ident.remote_any && c->peer_config.ident.npsks == 2);
	ck_assert(!suite_id_of(c->peer_config.ident.remote_id, &id));  /* %any */
	struct ike_id pid;
	const char *ptext;
	ck_assert(suite_ident_psk(&c->peer_config.ident, 0, &pid, &ptext));
	ck_assert_str_eq(ptext, "carol-secret");
	ck_assert(suite_ident_psk(&c->peer_config.ident, 1, &pid, &ptext) && pid.type == 2);
	ck_assert(!suite_ident_psk(&c->peer_config.ident, 2, &pid, &ptext));
	c = suite_find_case_for(&s, "ufqdn-no-at-strict-mm-r", SUITE_PEER_SELF);
	ck_assert(c && c->ident.has_id_checks && c->ident.id_checks == IKE_ID_CHECKS_STRICT);
	c = suite_find_case_for(&s, "cert-nosan-dn-mm-i", SUITE_PEER_SELF);
	ck_assert(c && c->auth == IKE_AUTH_RSA && c->ident.cert && strcmp(c->ident.cert, "moon-nosan") == 0);
	suite_free(&s);

	test_suite_load_shipped("pki.yaml", &s);
	ck_assert_uint_eq(s.npeers, 2);
	c = suite_find_case_for(&s, "ecdsa384-sha512-responder", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->auth == IKE_AUTH_ECDSA_384 && c->p1.hash == 6 && !c->ident.cert);
	c = suite_find_case_for(&s, "chain-missing-am-r", SUITE_PEER_SELF);
	ck_assert(c && c->ident.send_chain == SUITE_NO && c->peer_config.ident.has_trust &&
		  c->peer_config.ident.trust == PKI_TRUST_ROOT);
	c = suite_find_case_for(&s, "ours-revoked-mm-i", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->peer_config.ident.crl && strcmp(c->ident.cert, "moon-revoked") == 0);
	c = suite_find_case_for(&s, "cr-peer-ifasked-mm-r", SUITE_PEER_SELF);
	ck_assert(c && c->peer_config.ident.send_cert == SUITE_IFASKED && c->ident.send_cr == SUITE_YES);
	c = suite_find_case_for(&s, "dss-offered", SUITE_PEER_SELF);
	ck_assert(c && c->auth == IKE_AUTH_DSS && c->expect.notify == WIRE_N_NO_PROPOSAL_CHOSEN);
	suite_free(&s);
}
END_TEST

START_TEST(test_suite_dh_groups_file)
{
	struct suite s;
	test_suite_load_shipped("dh-groups.yaml", &s);
	ck_assert_str_eq(s.name, "dh-groups");
	ck_assert_uint_eq(s.npeers, 3);
	ck_assert_int_eq(s.peers[0], SUITE_PEER_SELF);
	ck_assert_int_eq(s.peers[1], SUITE_PEER_STRONGSWAN);
	ck_assert_int_eq(s.peers[2], SUITE_PEER_LIBRESWAN);
	ck_assert_uint_eq(s.ncases, 3 * 15);
	/* the groups strongSwan 5.9.8 lacks: 3, 4 and the EC2N 6-13 */
	static const bool lacking[16] = { [3] = true, [4] = true, [6] = true, [7] = true,
					  [8] = true, [9] = true, [10] = true, [11] = true,
					  [12] = true, [13] = true };
	/* libreswan 4.10 (Debian) lacks those and MODP 768 and 1024 too */
	static const bool lacking_lsw[16] = { [1] = true, [2] = true, [3] = true, [4] = true,
					      [6] = true, [7] = true, [8] = true, [9] = true,
					      [10] = true, [11] = true, [12] = true, [13] = true };
	static const enum suite_peer order[] = { SUITE_PEER_SELF, SUITE_PEER_STRONGSWAN,
						 SUITE_PEER_LIBRESWAN };
	for (size_t k = 0; k < s.ncases; k++) {
		const struct suite_case *c = &s.cases[k];
		unsigned g = (unsigned)(k % 15) + 1;
		bool refused = (c->peer == SUITE_PEER_STRONGSWAN && lacking[g]) ||
			       (c->peer == SUITE_PEER_LIBRESWAN && lacking_lsw[g]);
		char name[8], b[64];
		snprintf(name, sizeof(name), "g%u", g);
		ck_assert_str_eq(c->name, name);
		ck_assert_int_eq(c->peer, order[k / 15]);
		ck_assert_uint_eq(c->p1.group, g);
		ck_assert_uint_eq(c->p1.encr, CIPHER_AES);
		ck_assert_uint_eq(c->p1.keylen, 128);
		ck_assert_uint_eq(c->p1.hash, PRF_SHA2_256);
		ck_assert_uint_eq(c->p1.life_sec, 3600);
		ck_assert_uint_eq(c->auth, IKE_AUTH_PSK);
		ck_assert(c->has_p2 && c->p2.life_sec == 1200);
		ck_assert_msg(c->expect.established == !refused, "%s against %s", c->name,
			      suite_peer_name(c->peer));
		ck_assert_int_eq(c->expect.traffic, !refused);
		ck_assert_uint_eq(c->expect.notify, refused ? WIRE_N_NO_PROPOSAL_CHOSEN : 0);
		ck_assert_uint_eq(c->peer_config.np1, refused ? 1 : 0);
		if (refused)
			ck_assert_str_eq(ike_p1_str(&c->peer_config.p1[0], b, sizeof(b)),
					 "aes128-sha256-modp2048");
	}
	const struct suite_case *c = suite_find_case_for(&s, "g3", SUITE_PEER_STRONGSWAN);
	ck_assert(c && !c->expect.established);
	ck_assert_uint_eq(c->expect.notify, WIRE_N_NO_PROPOSAL_CHOSEN);
	c = suite_find_case_for(&s, "g3", SUITE_PEER_SELF);
	ck_assert(c && c->expect.established && c->expect.traffic);
	c = suite_find_case_for(&s, "g2", SUITE_PEER_LIBRESWAN);
	ck_assert(c && !c->expect.established);
	c = suite_find_case_for(&s, "g2", SUITE_PEER_STRONGSWAN);
	ck_assert(c && c->expect.established);
	suite_free(&s);

	/* --peer strongswan: the same refusals, 15 cases */
	enum suite_peer sw = SUITE_PEER_STRONGSWAN;
	const char *src = getenv("IKEC_SRCDIR");
	char path[1024];
	struct yaml_error err = { 0 };
	snprintf(path, sizeof(path), "%s/suites/dh-groups.yaml", src ? src : ".");
	ck_assert_msg(suite_load_file_for(path, &sw, &s, &err), "%s", err.text);
	ck_assert_uint_eq(s.ncases, 15);
	ck_assert(!suite_find_case(&s, "g8")->expect.established);
	ck_assert(suite_find_case(&s, "g15")->expect.established);
	suite_free(&s);
}
END_TEST

/* Malformed cases: the script made from the catalog for the harness's
 * role, the reaction from the catalog unless the case says otherwise, the
 * matrix keeping only the pairs the catalog has. */
static const char test_suite_malformed_text[] =
	"suite: m\npeer: [strongswan, self]\n"
	"defaults: { psk: k, phase2: { esp: aes128-sha1 } }\n"
	"matrix:\n  mutation: [ke-zero, sa-bad-doi]\n  at: [mm1, mm3, mm4, qm2]\n"
	"cases:\n"
	"  - { name: dpd, malformed: { mutation: info-hash-wrong, at: dpd, within: 1s } }\n"
	"  - { name: aggr, malformed: { mutation: nonce-short, at: am2 }, expect: { silence: true } }\n"
	"overrides:\n"
	"  - match: { peer: strongswan, mutation: ke-zero }\n"
	"    set: { expect: { rejected: PAYLOAD-MALFORMED } }\n";

START_TEST(test_suite_malformed)
{
	struct suite s;
	struct yaml_error err = { 0 };
	ck_assert_msg(suite_load_string("m.yaml", test_suite_malformed_text, &s, &err), "%s",
		      err.text);
	/* ke-zero: mm3, mm4; sa-bad-doi: mm1, qm2; then the two explicit */
	ck_assert_uint_eq(s.ncases, 12);
	static const char *const names[] = { "ke-zero-mm3", "ke-zero-mm4", "sa-bad-doi-mm1",
					     "sa-bad-doi-qm2", "dpd", "aggr" };
	for (size_t i = 0; i < 6; i++)
		ck_assert_str_eq(s.cases[i].name, names[i]);
	/* mm4: the harness answers as responder up to its mutated mm4 */
	const struct suite_case *c = suite_find_case_for(&s, "ke-zero-mm4", SUITE_PEER_SELF);
	ck_assert_int_eq(c->role, IKE_RESPONDER);
	ck_assert_int_eq(c->exchange, WIRE_X_MAIN);
	ck_assert_uint_eq(c->nsteps, 5);
	static const enum suite_step_kind k4[] = { SUITE_STEP_EXPECT, SUITE_STEP_SEND,
						   SUITE_STEP_EXPECT, SUITE_STEP_SEND,
						   SUITE_STEP_EXPECT_NOTIFY };
	static const enum ike_kind m4[] = { IKE_K_MM1, IKE_K_MM2, IKE_K_MM3, IKE_K_MM4 };
	for (size_t i = 0; i < 5; i++)
		ck_assert_int_eq(c->steps[i].kind, k4[i]);
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(c->steps[i].msg, m4[i]);
	ck_assert_ptr_eq(c->steps[3].catalog, ike_catalog_find("ke-zero"));
	ck_assert_ptr_null(c->steps[1].catalog);
	ck_assert_uint_eq(c->steps[4].alts[0].notify, WIRE_N_INVALID_KEY_INFORMATION);
	ck_assert_uint_eq(c->steps[4].ms, 2000);
	ck_assert(c->expect.peer_alive && !c->expect.established);
	/* the override: strongSwan's reaction instead of the catalog's */
	c = suite_find_case_for(&s, "ke-zero-mm3", SUITE_PEER_STRONGSWAN);
	ck_assert_int_eq(c->role, IKE_INITIATOR);
	ck_assert_uint_eq(c->reaction, WIRE_N_PAYLOAD_MALFORMED);
	ck_assert_uint_eq(c->steps[c->nsteps - 1].alts[0].notify, WIRE_N_PAYLOAD_MALFORMED);
	/* qm2: phase 1 as responder, then Quick Mode up to qm2 */
	c = suite_find_case_for(&s, "sa-bad-doi-qm2", SUITE_PEER_SELF);
	ck_assert_int_eq(c->role, IKE_RESPONDER);
	ck_assert_uint_eq(c->nsteps, 9);
	ck_assert_int_eq(c->steps[6].msg, IKE_K_QM1);
	ck_assert_int_eq(c->steps[6].kind, SUITE_STEP_EXPECT);
	ck_assert_int_eq(c->steps[7].msg, IKE_K_QM2);
	ck_assert_int_eq(c->steps[7].kind, SUITE_STEP_SEND);
	ck_assert_uint_eq(c->reaction, WIRE_N_DOI_NOT_SUPPORTED);
	/* dpd: Main Mode as initiator, the R-U-THERE, silence for 1 s */
	c = suite_find_case_for(&s, "dpd", SUITE_PEER_SELF);
	ck_assert_int_eq(c->role, IKE_INITIATOR);
	ck_assert_uint_eq(c->nsteps, 8);
	ck_assert_int_eq(c->steps[6].msg, IKE_K_DPD);
	ck_assert_int_eq(c->steps[7].kind, SUITE_STEP_SILENCE);
	ck_assert_uint_eq(c->steps[7].ms, 1000);
	ck_assert_uint_eq(c->reaction, 0);
	/* am2 with expect silence: the case's word wins over the catalog's */
	c = suite_find_case_for(&s, "aggr", SUITE_PEER_SELF);
	ck_assert_int_eq(c->exchange, WIRE_X_AGGR);
	ck_assert_int_eq(c->role, IKE_RESPONDER);
	ck_assert_uint_eq(c->nsteps, 3);
	ck_assert_int_eq(c->steps[2].kind, SUITE_STEP_SILENCE);
	ck_assert_uint_eq(c->steps[2].ms, 1500);
	ck_assert(!c->expect.silence);
	suite_free(&s);
}
END_TEST

/* The CERT/CR entries only with signatures (a PSK matrix drops them);
 * msg-repeated's reaction: the peer's next message, silence where the
 * next one is the harness's own or there is none. */
static const char test_suite_malformed_more_text[] =
	"suite: m2\npeer: self\n"
	"defaults: { psk: k, phase2: { esp: aes128-sha1 } }\n"
	"matrix:\n  mutation: [msg-repeated, cr-bad-type]\n  at: [mm3, qm3]\n"
	"cases:\n"
	"  - { name: rsa-cr, auth: rsa, malformed: { mutation: cr-bad-type, at: mm4 } }\n"
	"  - { name: am3-rep, malformed: { mutation: msg-repeated, at: am3 } }\n";

START_TEST(test_suite_malformed_more)
{
	struct suite s;
	struct yaml_error err = { 0 };
	ck_assert_msg(suite_load_string("m2.yaml", test_suite_malformed_more_text, &s, &err),
		      "%s", err.text);
	ck_assert_uint_eq(s.ncases, 4);
	static const char *const names[] = { "msg-repeated-mm3", "msg-repeated-qm3", "rsa-cr",
					     "am3-rep" };
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(s.cases[i].name, names[i]);
	const struct suite_case *c = &s.cases[0];
	ck_assert_uint_eq(c->reaction, 0);
	ck_assert_int_eq(c->reaction_msg, IKE_K_MM4);
	ck_assert_int_eq(c->steps[c->nsteps - 1].kind, SUITE_STEP_EXPECT);
	ck_assert_int_eq(c->steps[c->nsteps - 1].msg, IKE_K_MM4);
	c = &s.cases[1];   /* nothing answers qm3 */
	ck_assert_int_eq(c->steps[c->nsteps - 1].kind, SUITE_STEP_SILENCE);
	c = &s.cases[2];
	ck_assert_uint_eq(c->auth, IKE_AUTH_RSA);
	ck_assert_int_eq(c->role, IKE_RESPONDER);
	ck_assert_uint_eq(c->reaction, WIRE_N_CERT_TYPE_UNSUPPORTED);
	c = &s.cases[3];   /* after am3 the next message, qm1, is the harness's */
	ck_assert_int_eq(c->reaction_msg, IKE_K_NONE);
	ck_assert_int_eq(c->steps[c->nsteps - 1].kind, SUITE_STEP_SILENCE);
	suite_free(&s);
}
END_TEST

/* Broken suites: the exact first error of each. H is a valid head. */
#define H "suite: b\npeer: self\ndefaults: { psk: k }\n"
/* a valid head for overrides: two peers, cases g2, g14 and a */
#define O "suite: b\npeer: [strongswan, self]\ndefaults: { psk: k }\n" \
	"matrix: { group: [2, 14] }\ncases: [{ name: a }]\noverrides:\n"
static const struct {
	const char *text;
	const char *error;
} test_suite_broken[] = {
	/* identities: a credential name, a cert without signatures, a key
	   that cannot sign with the auth, DSS expected to establish, psks */
	{ H "cases: [{ name: a, auth: rsa, cert: moon-p999 }]\n", 
	  "t.yaml:4:37: 'cert': 'moon-p999' is not a test-PKI credential: credential \"moon-p999\": \"p999\" is neither a key (rsa2048, rsa3072, rsa4096, p256, p384, p521) nor a variant (expired, notyet, revoked, unknownca, badku, nosan, direct)" },
	{ H "cases: [{ name: a, cert: moon }]\n", 
	  "t.yaml:4:17: case 'a': 'cert' needs a signature auth (rsa, ecdsa256 ...), not psk" },
	{ H "cases: [{ name: a, auth: ecdsa384, cert: moon-p256 }]\n", 
	  "t.yaml:4:17: case 'a': the harness's cert 'moon-p256' has a p256 key, but auth ecdsa384 signs with p384 (name the key: HOST-KEY[-VARIANT])" },
	{ H "cases: [{ name: a, auth: rsa, peer_config: { cert: sun-p521 } }]\n", 
	  "t.yaml:4:17: case 'a': the peer's cert 'sun-p521' has a p521 key, but auth rsa signs with an RSA key" },
	{ H "cases: [{ name: a, auth: dss }]\n", 
	  "t.yaml:4:17: case 'a': auth dss can only be offered: the harness has no DSS signer and strongSwan none at all, so expect a refusal (rejected: NO-PROPOSAL-CHOSEN)" },
	{ H "cases: [{ name: a, peer_config: { psks: [{ id: \"fqdn:x\" }] } }]\n", 
	  "t.yaml:4:42: 'psks': each entry is a mapping of exactly id and psk" },
	{ H "cases: [{ name: a, remote_id: \"fqdn:\" }]\n", 
	  "t.yaml:4:31: 'remote_id': 'fqdn:': empty or longer than 256 bytes" },
	{ H "cases: [{ name: a, expect: { rejected: { notify: INVALID-ID-INFORMATION, by: both } } }]\n", 
	  "t.yaml:4:78: 'by' must be one of peer, harness, not 'both'" },
	{ H "cases: [{ name: a, trust: everyone }]\n", 
	  "t.yaml:4:27: 'trust' must be one of all, root, rogue, not 'everyone'" },
	/* malformed: a mutation the catalog lacks, with a did-you-mean */
	{ H "cases: [{ name: a, malformed: { mutation: hdr-major-versoin, at: mm1 } }]\n",
	  "t.yaml:4:43: 'mutation': 'hdr-major-versoin' is not in the catalog (docs/mutations.md) (did you mean 'hdr-major-version'?)" },
	/* malformed: a message the harness cannot mutate */
	{ H "cases: [{ name: a, malformed: { mutation: ke-zero, at: mm7 } }]\n",
	  "t.yaml:4:56: 'at' must be one of mm1, mm2, mm3, mm4, mm5, mm6, am1, am2, am3, qm1, qm2, qm3, dpd, delete, not 'mm7' (did you mean 'mm1'?)" },
	/* malformed: a mutation for a message it does not fit */
	{ H "cases: [{ name: a, malformed: { mutation: ke-zero, at: mm1 } }]\n",
	  "t.yaml:4:56: 'at': mutation 'ke-zero' does not apply to mm1 (it applies to mm3, mm4, am1, am2)" },
	/* malformed: at without mutation, mutation without at */
	{ H "cases: [{ name: a, at: mm1 }]\n",
	  "t.yaml:4:24: case 'a' gives 'at' without 'mutation'" },
	{ H "cases: [{ name: a, mutation: ke-zero }]\n",
	  "t.yaml:4:30: case 'a' gives 'mutation' without 'at'" },
	{ H "cases: [{ name: a, malformed: { mutation: ke-zero } }]\n",
	  "t.yaml:4:31: missing key 'at' in 'malformed'" },
	/* malformed: Quick Mode without a phase 2 */
	{ H "cases: [{ name: a, malformed: { mutation: nonce-short, at: qm1 } }]\n",
	  "t.yaml:4:60: 'at': qm1 needs a Quick Mode: give 'esp' or 'phase2'" },
	/* malformed: and a script */
	{ H "cases: [{ name: a, malformed: { mutation: ke-zero, at: mm3 }, script: [{ send: mm1 }] }]\n",
	  "t.yaml:4:71: case 'a': 'script' and a malformed mutation exclude each other (the mutation makes the script)" },
	/* malformed: a reaction window too short to mean anything */
	{ H "cases: [{ name: a, malformed: { mutation: ke-zero, at: mm3, within: 10ms } }]\n",
	  "t.yaml:4:69: 'within' must be a duration from 100ms to 1m, not '10ms'" },
	/* malformed: a CERT mutation in a PSK case */
	{ H "cases: [{ name: a, malformed: { mutation: cert-garbage-der, at: mm5 } }]\n",
	  "t.yaml:4:43: 'mutation': 'cert-garbage-der' changes CERT, CR or SIG payloads, which only signature authentication sends: give 'auth: rsa' or an ECDSA method" },
	/* malformed: a HASH_I mutation in an RSA case */
	{ H "cases: [{ name: a, auth: rsa, malformed: { mutation: auth-hash-wrong, at: mm5 } }]\n",
	  "t.yaml:4:54: 'mutation': 'auth-hash-wrong' changes HASH_I / HASH_R, which only pre-shared key authentication sends (signatures send SIG): give 'auth: psk'" },
	/* malformed: a matrix value the catalog lacks */
	{ H "matrix: { mutation: [ke-zero, ke-nil], at: [mm3] }\n",
	  "t.yaml:4:31: 'mutation': 'ke-nil' is not in the catalog (docs/mutations.md)" },
	/* unknown top-level key */
	{ "suite: b\npeer: self\ncases: [{ name: a, psk: k }]\nlifetim: 1h\n",
	  "t.yaml:4:1: unknown key 'lifetim' in 'suite file'" },
	/* case key did-you-mean */
	{ H "cases:\n  - name: a\n    lifetim: 1h\n",
	  "t.yaml:6:5: unknown key 'lifetim' (did you mean 'lifetime'?)" },
	/* matrix dim typo */
	{ H "matrix: { encrytion: [aes128] }\n",
	  "t.yaml:4:11: unknown key 'encrytion' (did you mean 'encryption'?)" },
	/* defaults typo */
	{ "suite: b\npeer: self\ndefaults: { psk: k, exchnage: main }\ncases: [{ name: a }]\n",
	  "t.yaml:3:21: unknown key 'exchnage' (did you mean 'exchange'?)" },
	/* bad peer */
	{ "suite: b\npeer: strongswam\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:2:7: 'peer' must be one of strongswan, self, remote, libreswan, not 'strongswam' (did you mean 'strongswan'?)" },
	/* missing peer */
	{ "suite: b\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:1:1: missing key 'peer' in 'suite file'" },
	/* missing suite */
	{ "peer: self\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:1:1: missing key 'suite' in 'suite file'" },
	/* no cases */
	{ "suite: b\npeer: self\n",
	  "t.yaml:1:1: a suite needs 'matrix' or 'cases' (or both)" },
	/* root not a map */
	{ "- a\n- b\n",
	  "t.yaml:1:1: 'suite file' must be a mapping, not a list" },
	/* bad topology */
	{ "suite: b\npeer: self\ntopology: nat-everywhere\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:3:11: 'topology': unknown topology 'nat-everywhere' (expected one of: direct, nat-harness, nat-peer, nat-both)" },
	/* bad group */
	{ H "cases:\n  - name: a\n    group: 99\n",
	  "t.yaml:6:12: 'group' must be a number from 1 to 30 or a group name, not '99'" },
	/* bad cipher */
	{ H "cases:\n  - name: a\n    encryption: aes100\n",
	  "t.yaml:6:17: 'encryption': aes key length 100 bits is not allowed (128..256 step 64)" },
	/* bad hash */
	{ H "cases:\n  - name: a\n    hash: sha3\n",
	  "t.yaml:6:11: 'hash' must be one of md5, sha1, sha256, sha384, sha512, not 'sha3' (did you mean 'sha1'?)" },
	/* bad role */
	{ H "cases:\n  - name: a\n    role: initator\n",
	  "t.yaml:6:11: 'role' must be one of initiator, responder, not 'initator' (did you mean 'initiator'?)" },
	/* wrong type */
	{ H "cases:\n  - name: a\n    exchange: [main]\n",
	  "t.yaml:6:15: 'exchange' must be one of main, aggressive, not a list" },
	/* bad bool */
	{ H "cases:\n  - name: a\n    expect: { established: maybe }\n",
	  "t.yaml:6:28: 'established' must be true or false, not 'maybe'" },
	/* bad notify suggest */
	{ H "cases:\n  - name: a\n    expect: { rejected: NO-PROPOSAL-CHOSN }\n",
	  "t.yaml:6:25: 'rejected' must be a notify type such as NO-PROPOSAL-CHOSEN, not 'NO-PROPOSAL-CHOSN' (did you mean 'NO-PROPOSAL-CHOSEN'?)" },
	/* bad notify */
	{ H "cases:\n  - name: a\n    expect: { rejected: BANANA }\n",
	  "t.yaml:6:25: 'rejected' must be a notify type such as NO-PROPOSAL-CHOSEN, not 'BANANA'" },
	/* contradiction */
	{ H "cases:\n  - name: a\n    expect: { established: true, rejected: NO-PROPOSAL-CHOSEN }\n",
	  "t.yaml:6:28: 'established: true' contradicts 'rejected'" },
	/* bad lifetime */
	{ H "cases:\n  - name: a\n    expect: { lifetime: 1.5s }\n",
	  "t.yaml:6:25: 'lifetime' must be whole seconds from 1s to 4294967295s, not '1.5s'" },
	/* unknown var suggest */
	{ H "cases:\n  - name: a\n    psk: \"${pks}\"\nvars: { psk: x }\n",
	  "t.yaml:6:10: unknown variable '${pks}' (did you mean 'psk'?)" },
	/* unknown var */
	{ H "cases:\n  - name: a\n    psk: \"x${nope}\"\n",
	  "t.yaml:6:10: unknown variable '${nope}' (define it under 'vars')" },
	/* bad var name */
	{ H "vars: { 1x: y }\ncases: [{ name: a }]\n",
	  "t.yaml:4:9: variable name '1x' must be letters, digits and '_', not starting with a digit" },
	/* dup names */
	{ H "cases:\n  - name: a\n  - name: b\n  - name: a\n",
	  "t.yaml:7:11: duplicate case name 'a' (first at line 5, column 11)" },
	/* dup matrix vs case */
	{ H "matrix: { group: [2, 14] }\ncases:\n  - name: g14\n",
	  "t.yaml:6:11: duplicate case name 'g14' (first at line 4, column 9)" },
	/* empty dim */
	{ H "matrix: { group: [] }\n",
	  "t.yaml:4:18: 'group' must be a non-empty list of values, not an empty list" },
	/* empty matrix */
	{ H "matrix: {}\n",
	  "t.yaml:4:9: 'matrix' must have at least one dimension (encryption, hash, group ...)" },
	/* matrix only exclude */
	{ H "matrix: { exclude: [] }\n",
	  "t.yaml:4:9: 'matrix' must have at least one dimension (encryption, hash, group ...)" },
	/* too large */
	{ H "matrix:\n  encryption: [des, 3des, aes128, aes192, aes256, blowfish, cast128, camellia]\n  hash: [md5, sha1, sha256, sha384, sha512]\n  group: [1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21]\n  lifetime: [1h, 2h, 3h, 4h, 5h, 6h, 7h, 8h, 9h, 10h]\n",
	  "t.yaml:5:3: the matrix expands to 4400 cases, more than the limit of 4096: split the suite or use exclude" },
	/* exclude bad dim */
	{ H "matrix:\n  group: [2, 14]\n  exclude: [{ grop: 2 }]\n",
	  "t.yaml:6:15: exclude names 'grop', which is not a matrix dimension (did you mean 'group'?)" },
	/* exclude bad value */
	{ H "matrix:\n  group: [2, 14]\n  exclude: [{ group: 5 }]\n",
	  "t.yaml:6:22: exclude: '5' is not one of the matrix's 'group' values" },
	/* exclude all */
	{ H "matrix:\n  group: [2, 14]\n  exclude: [{ group: [2, 14] }]\n",
	  "t.yaml:5:3: the matrix's exclude rules leave no case" },
	/* bad matrix value */
	{ H "matrix: { group: [2, modp9999] }\n",
	  "t.yaml:4:22: 'group' must be a number from 1 to 30 or a group name, not 'modp9999'" },
	/* bad step kind */
	{ H "cases:\n  - name: a\n    script:\n      - send: mm7\n",
	  "t.yaml:7:15: 'send' must be one of mm1, mm2, mm3, mm4, mm5, mm6, am1, am2, am3, qm1, qm2, qm3, qm4, notify, delete, dpd, dpd-ack, not 'mm7' (did you mean 'mm1'?)" },
	/* step key typo */
	{ H "cases:\n  - name: a\n    script:\n      - sned: mm1\n",
	  "t.yaml:7:9: unknown key 'sned' (did you mean 'send'?)" },
	/* two kinds */
	{ H "cases:\n  - name: a\n    script:\n      - { send: mm1, expect: mm2 }\n",
	  "t.yaml:7:30: a step has one of send, expect, silence, wait, not both 'send' and 'expect'" },
	/* no kind */
	{ H "cases:\n  - name: a\n    script:\n      - { mutate: [] }\n",
	  "t.yaml:7:9: a step needs one of send, expect, silence, wait" },
	/* mutate on expect */
	{ H "cases:\n  - name: a\n    script:\n      - { expect: mm2, mutate: { field: ke.length, set: 1 } }\n",
	  "t.yaml:7:32: 'mutate' goes with 'send', not with 'expect'" },
	/* bad mutation path */
	{ H "cases:\n  - name: a\n    script:\n      - send: mm3\n        mutate: [{ field: ke..length, set: 8 }]\n",
	  "t.yaml:8:27: 'field' must be a path PAYLOAD.FIELD such as ke.length or sa.proposal[0].transform[1].id, not 'ke..length'" },
	/* unknown payload */
	{ H "cases:\n  - name: a\n    script:\n      - send: mm3\n        mutate: [{ field: kx.length, set: 8 }]\n",
	  "t.yaml:8:27: 'field': unknown payload 'kx' in 'kx.length' (header or a payload: sa, ke, nonce, id, hash, sig, cert, cr, n, d, vid ...)" },
	/* mutation missing set */
	{ H "cases:\n  - name: a\n    script:\n      - send: mm3\n        mutate: [{ field: ke.length }]\n",
	  "t.yaml:8:18: missing key 'set' in 'mutation' (or 'bytes')" },
	/* mutation key typo */
	{ H "cases:\n  - name: a\n    script:\n      - send: mm3\n        mutate: [{ field: ke.length, sett: 8 }]\n",
	  "t.yaml:8:38: unknown key 'sett' (did you mean 'set'?)" },
	/* alt key typo */
	{ H "cases:\n  - name: a\n    script:\n      - expect: { any_of: [{ notfy: X }, silence] }\n",
	  "t.yaml:7:30: unknown key 'notfy' (did you mean 'notify'?)" },
	/* step bad notify */
	{ H "cases:\n  - name: a\n    script:\n      - expect: { notify: NOPE, within: 2s }\n",
	  "t.yaml:7:27: 'notify' must be a notify type such as NO-PROPOSAL-CHOSEN, not 'NOPE'" },
	/* bad duration */
	{ H "cases:\n  - name: a\n    script:\n      - silence: soon\n",
	  "t.yaml:7:18: 'silence' must be a duration such as 30s, 500ms or 8h, not 'soon'" },
	/* empty script */
	{ H "cases:\n  - name: a\n    script: []\n",
	  "t.yaml:6:13: 'script' must be a non-empty list of steps, not an empty list" },
	/* bad case name */
	{ H "cases:\n  - name: \"a b\"\n",
	  "t.yaml:5:11: 'name' must be a name of letters, digits, '-', '_' and '.', not 'a b'" },
	/* missing name */
	{ H "cases:\n  - psk: k\n",
	  "t.yaml:5:5: missing key 'name' in 'case'" },
	/* psk missing */
	{ "suite: b\npeer: self\ncases:\n  - name: a\n",
	  "t.yaml:4:11: case 'a' uses auth psk but has no 'psk' (here or in defaults)" },
	/* pfs without esp */
	{ H "cases:\n  - name: a\n    pfs: modp2048\n",
	  "t.yaml:5:11: case 'a' sets pfs, mode or a child lifetime but has no 'esp'" },
	/* peer_config typo */
	{ H "cases:\n  - name: a\n    peer_config: { ike_lifetme: 1h }\n",
	  "t.yaml:6:20: unknown key 'ike_lifetme' (did you mean 'ike_lifetime'?)" },
	/* bad then */
	{ H "cases:\n  - name: a\n    then: peer-dead\n",
	  "t.yaml:6:11: 'then' must be one of peer-alive, not 'peer-dead'" },
	/* bad verify */
	{ H "cases:\n  - name: a\n    verify: [established, trafic]\n",
	  "t.yaml:6:27: 'verify' must be one of established, traffic, peer-alive, not 'trafic' (did you mean 'traffic'?)" },
	/* bad esp */
	{ H "cases:\n  - name: a\n    phase2: { esp: aes128-sha7 }\n",
	  "t.yaml:6:20: 'esp': 'aes128-sha7': unknown integrity 'sha7'" },
	/* dup key */
	{ H "cases:\n  - name: a\n    psk: k\n    psk: j\n",
	  "t.yaml:7:5: duplicate key 'psk' (first at line 6, column 5)" },	/* peer list: duplicate */
	{ "suite: b\npeer: [self, strongswan, self]\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:2:26: duplicate peer 'self' (first at line 2, column 8)" },
	/* peer list: unknown */
	{ "suite: b\npeer: [self, strongswam]\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:2:14: 'peer' must be one of strongswan, self, remote, libreswan, not 'strongswam' (did you mean 'strongswan'?)" },
	/* peer list: empty */
	{ "suite: b\npeer: []\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:2:7: 'peer' must be one of strongswan, self, remote, libreswan or a non-empty list of them, not an empty list" },
	/* peer: a mapping */
	{ "suite: b\npeer: { a: b }\ncases: [{ name: a, psk: k }]\n",
	  "t.yaml:2:7: 'peer' must be one of strongswan, self, remote, libreswan or a non-empty list of them, not a mapping" },
	/* duplicate names are still found with two peers, once */
	{ "suite: b\npeer: [strongswan, self]\ndefaults: { psk: k }\ncases:\n  - name: a\n  - name: a\n",
	  "t.yaml:6:11: duplicate case name 'a' (first at line 5, column 11)" },
	/* overrides: not a list */
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases: [{ name: a }]\noverrides: { match: { name: a }, set: { psk: x } }\n",
	  "t.yaml:5:12: 'overrides' must be a non-empty list of rules { match, set }, not a mapping" },
	/* overrides: empty */
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases: [{ name: a }]\noverrides: []\n",
	  "t.yaml:5:12: 'overrides' must be a non-empty list of rules { match, set }, not an empty list" },
	/* match key did-you-mean */
	{ O "  - match: { grop: 2 }\n    set: { psk: x }\n",
	  "t.yaml:7:14: 'match' names 'grop', which is not peer, name or a matrix dimension (did you mean 'group'?)" },
	/* match key unknown */
	{ O "  - match: { colour: red }\n    set: { psk: x }\n",
	  "t.yaml:7:14: 'match' names 'colour', which is not peer, name or a matrix dimension (expected one of: peer, name, group)" },
	/* match on a setting without a matrix */
	{ "suite: b\npeer: self\ncases: [{ name: a, psk: k }]\noverrides:\n  - match: { group: 2 }\n    set: { psk: x }\n",
	  "t.yaml:5:14: 'match' names 'group', which is not peer, name or a matrix dimension (expected one of: peer, name)" },
	/* match value not in the dimension */
	{ O "  - match: { group: [2, 5] }\n    set: { psk: x }\n",
	  "t.yaml:7:25: match: '5' is not one of the matrix's 'group' values" },
	/* match value list empty */
	{ O "  - match: { group: [] }\n    set: { psk: x }\n",
	  "t.yaml:7:21: 'group' must be a value or a non-empty list of values, not an empty list" },
	/* match value empty */
	{ O "  - match: { group: }\n    set: { psk: x }\n",
	  "t.yaml:7:21: 'group' must be a value or a non-empty list of values, not empty" },
	/* set not a mapping */
	{ O "  - match: { group: 2 }\n    set: [psk]\n",
	  "t.yaml:8:10: 'set' must be a mapping of settings, not a list" },
	/* match peer not in the suite */
	{ O "  - match: { peer: remote }\n    set: { psk: x }\n",
	  "t.yaml:7:20: match: peer 'remote' is not one of the suite's peers (strongswan, self)" },
	/* match peer typo */
	{ O "  - match: { peer: [self, slef] }\n    set: { psk: x }\n",
	  "t.yaml:7:27: 'peer' must be one of strongswan, self, remote, libreswan, not 'slef' (did you mean 'self'?)" },
	/* match peer empty */
	{ O "  - match: { peer: [] }\n    set: { psk: x }\n",
	  "t.yaml:7:20: 'peer' must be one of strongswan, self, remote, libreswan or a non-empty list of them, not an empty list" },
	/* match name a mapping */
	{ O "  - match: { name: { a: b } }\n    set: { psk: x }\n",
	  "t.yaml:7:20: 'name' must be a case name, a glob or a non-empty list of them, not a mapping" },
	/* glob matching nothing */
	{ O "  - match: { name: \"x*\" }\n    set: { psk: x }\n",
	  "t.yaml:7:20: match: name 'x*' matches no case of the suite" },
	/* name typo in a list */
	{ O "  - match: { name: [a, g41] }\n    set: { psk: x }\n",
	  "t.yaml:7:24: match: name 'g41' matches no case of the suite (did you mean 'g14'?)" },
	/* rule matching nothing: an explicit case has no group */
	{ O "  - match: { name: a, group: 2 }\n    set: { psk: x }\n",
	  "t.yaml:7:5: override matches no case (a case must match every key of 'match' at once)" },
	/* missing set */
	{ O "  - match: { group: 2 }\n",
	  "t.yaml:7:5: missing key 'set' in 'override'" },
	/* missing match */
	{ O "  - set: { psk: x }\n",
	  "t.yaml:7:5: missing key 'match' in 'override'" },
	/* empty match */
	{ O "  - match: {}\n    set: { psk: x }\n",
	  "t.yaml:7:12: 'match' needs at least one of peer, name or a matrix dimension (to change every case, use defaults)" },
	/* match not a mapping */
	{ O "  - match: a\n    set: { psk: x }\n",
	  "t.yaml:7:12: 'match' must be a mapping of peer, name or matrix dimensions, not 'a'" },
	/* rule key typo */
	{ O "  - match: { group: 2 }\n    sett: { psk: x }\n",
	  "t.yaml:8:5: unknown key 'sett' (did you mean 'set'?)" },
	/* set: name */
	{ O "  - match: { group: 2 }\n    set: { name: z }\n",
	  "t.yaml:8:12: 'set' cannot change 'name': an override changes settings, a case's name and script are its own" },
	/* set: script */
	{ O "  - match: { group: 2 }\n    set: { script: [{ send: mm1 }] }\n",
	  "t.yaml:8:12: 'set' cannot change 'script': an override changes settings, a case's name and script are its own" },
	/* set key typo */
	{ O "  - match: { group: 2 }\n    set: { lifetme: 1h }\n",
	  "t.yaml:8:12: unknown key 'lifetme' (did you mean 'lifetime'?)" },
	/* set bad value */
	{ O "  - match: { group: 2 }\n    set: { group: 99 }\n",
	  "t.yaml:8:19: 'group' must be a number from 1 to 30 or a group name, not '99'" },
	/* set empty */
	{ O "  - match: { group: 2 }\n    set: {}\n",
	  "t.yaml:8:10: 'set' must change at least one setting (role, auth, proposal, group, phase2, peer_config, expect, verify ...)" },
	/* set contradiction, as in a case */
	{ "suite: b\npeer: self\ndefaults: { psk: k }\ncases: [{ name: a }]\noverrides:\n  - match: { peer: self }\n    set: { expect: { established: true, rejected: NO-PROPOSAL-CHOSEN } }\n",
	  "t.yaml:7:35: 'established: true' contradicts 'rejected'" },
	/* set makes a case incomplete: the case's checks still hold */
	{ O "  - match: { group: 2 }\n    set: { pfs: modp2048 }\n",
	  "t.yaml:4:9: case 'g2' sets pfs, mode or a child lifetime but has no 'esp'" },
	/* issue 7: the peer's child lifetime, NAT findings, topology per case */
	{ H "cases: [{ name: a, peer_config: { phase2: { esp: aes128-sha1 } } }]\n",
	  "t.yaml:4:45: peer_config 'phase2' takes only 'lifetime' (the peer's ESP proposals are the case's)" },
	{ H "cases: [{ name: a, peer_config: { lifetime_policy: shorter } }]\n",
	  "t.yaml:4:52: 'lifetime_policy' must be one of accept, not-longer, notify, not 'shorter'" },
	{ H "cases: [{ name: a, expect: { nat: { harness: both } } }]\n",
	  "t.yaml:4:37: 'nat': unknown key 'harness' (expected harness_sees or peer_sees)" },
	{ H "cases: [{ name: a, expect: { nat: everywhere } }]\n",
	  "t.yaml:4:35: 'nat' must be one of none, harness, peer, both, not 'everywhere'" },
	{ H "cases: [{ name: a, expect: { peer_lifetime: 100kb } }]\n",
	  "t.yaml:4:45: 'peer_lifetime' must be a lifetime in seconds (what the peer reports installed), not '100kb'" },
	{ H "cases: [{ name: a, topology: nat-all }]\n",
	  "t.yaml:4:30: 'topology': unknown topology 'nat-all' (expected one of: direct, nat-harness, nat-peer, nat-both)" },
	{ H "cases: [{ name: a, natt: [rfc3948] }]\n",
	  "t.yaml:4:27: 'natt' must be one of none, draft-02, draft-03, rfc3947, all, not 'rfc3948' (did you mean 'rfc3947'?)" },
	/* mutations: one kind each, known payloads */
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { remove: natx } }] }]\n",
	  "t.yaml:4:60: 'remove': unknown payload 'natx' (sa, ke, nonce, id, hash, sig, cert, cr, n, d, vid, natd, natoa ...)" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { field: ke.length, remove: ke } }] }]\n",
	  "t.yaml:4:50: a mutation has one of 'field' and 'remove', not both ({ field: PATH, set: N | bytes: HEX }, { remove|duplicate: PAYLOAD, nth: N }, { insert: TYPE, index: N, body: HEX }, { xor: OFFSET, mask: M, plain: BOOL }, { truncate: N, plain: BOOL }, { chop: N }, { append: HEX } or { catalog: NAME })" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { field: ke.length, set: 1, nth: 1 } }] }]\n",
	  "t.yaml:4:78: 'nth' does not go with 'field' in a mutation ({ field: PATH, set: N | bytes: HEX }, { remove|duplicate: PAYLOAD, nth: N }, { insert: TYPE, index: N, body: HEX }, { xor: OFFSET, mask: M, plain: BOOL }, { truncate: N, plain: BOOL }, { chop: N }, { append: HEX } or { catalog: NAME })" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { nth: 1 } }] }]\n",
	  "t.yaml:4:50: a mutation is { field: PATH, set: N | bytes: HEX }, { remove|duplicate: PAYLOAD, nth: N }, { insert: TYPE, index: N, body: HEX }, { xor: OFFSET, mask: M, plain: BOOL }, { truncate: N, plain: BOOL }, { chop: N }, { append: HEX } or { catalog: NAME }" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { xor: 3 } }] }]\n",
	  "t.yaml:4:50: missing key 'mask' in 'mutation' (the bits 'xor' flips)" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { xor: 3, mask: 256 } }] }]\n",
	  "t.yaml:4:66: 'mask' must be a number from 1 to 255, not '256'" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { catalog: ke-zro } }] }]\n",
	  "t.yaml:4:61: 'catalog': 'ke-zro' is not in the catalog (docs/mutations.md) (did you mean 'ke-zero'?)" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { append: xyz } }] }]\n",
	  "t.yaml:4:60: 'append' must be hex bytes such as a5a5 (an even number of digits), not 'xyz'" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { insert: bogus } }] }]\n",
	  "t.yaml:4:60: 'insert': unknown payload 'bogus' (sa, ke, nonce, id, hash, sig, cert, cr, n, d, vid, natd, natoa ..., or a number 1-255)" },
	{ H "cases: [{ name: a, script: [{ send: mm3, mutate: { truncate: 9, mask: 1 } }] }]\n",
	  "t.yaml:4:65: 'mask' does not go with 'truncate' in a mutation ({ field: PATH, set: N | bytes: HEX }, { remove|duplicate: PAYLOAD, nth: N }, { insert: TYPE, index: N, body: HEX }, { xor: OFFSET, mask: M, plain: BOOL }, { truncate: N, plain: BOOL }, { chop: N }, { append: HEX } or { catalog: NAME })" },
	{ H "cases: [{ name: a, seed: -1 }]\n",
	  "t.yaml:4:26: 'seed' must be a number of at least 0, not '-1'" },
};

START_TEST(test_suite_errors)
{
	for (size_t i = 0; i < sizeof(test_suite_broken) / sizeof(test_suite_broken[0]); i++) {
		struct suite s;
		struct yaml_error err = { 0 };
		bool ok = suite_load_string("t.yaml", test_suite_broken[i].text, &s, &err);
		ck_assert_msg(!ok, "broken suite %zu loaded", i);
		ck_assert_msg(strcmp(err.text, test_suite_broken[i].error) == 0,
			      "suite %zu:\n got: %s\nwant: %s", i, err.text, test_suite_broken[i].error);
		ck_assert_uint_eq(s.ncases, 0);
		suite_free(&s);
	}
	test_report("suite: %zu broken suites refused with their exact errors",
		    sizeof(test_suite_broken) / sizeof(test_suite_broken[0]));
}
END_TEST

Suite *suite_suite(void)
{
	Suite *s = suite_create("suite");
	TCase *tc = tcase_create("suite");
	tcase_add_test(tc, test_suite_design_example);
	tcase_add_test(tc, test_suite_matrix_exclude);
	tcase_add_test(tc, test_suite_variables);
	tcase_add_test(tc, test_suite_scripts);
	tcase_add_test(tc, test_suite_malformed);
	tcase_add_test(tc, test_suite_malformed_more);
	tcase_add_test(tc, test_suite_smoke_file);
	tcase_add_test(tc, test_suite_identity_files);
	tcase_add_test(tc, test_suite_peer_list);
	tcase_add_test(tc, test_suite_overrides);
	tcase_add_test(tc, test_suite_hagle_file);
	tcase_add_test(tc, test_suite_dh_groups_file);
	tcase_add_test(tc, test_suite_lifetime_file);
	tcase_add_test(tc, test_suite_nat_t_file);
	tcase_add_test(tc, test_suite_errors);
	suite_add_tcase(s, tc);
	return s;
}
