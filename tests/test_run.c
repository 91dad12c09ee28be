/* The runner's pure parts: ids, filters, shards, expectations judged
 * against interop results, scripts into engine steps. The binary and real
 * runs are test_runner.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/rand.h"
#include "ike/catalog.h"
#include "run/run.h"
#include "tests.h"
#include "wire/names.h"

/* A suite against both peers: a matrix of 3, two explicit cases. */
static const char test_run_suite[] =
	"suite: t\n"
	"peer: [strongswan, self]\n"
	"defaults:\n"
	"  psk: k\n"
	"  lifetime: 3600s\n"
	"  phase2: { esp: aes128-sha1, lifetime: 1200s }\n"
	"  verify: [established, traffic]\n"
	"matrix:\n"
	"  group: [2, 14, 19]\n"
	"cases:\n"
	"  - name: refused\n"
	"    expect: { rejected: NO-PROPOSAL-CHOSEN }\n"
	"  - name: quiet\n"
	"    role: responder\n"
	"    expect: { silence: true }\n"
	"  - name: exact\n"
	"    proposal: aes256-sha256-modp2048\n"
	"    expect: { proposal: aes256-sha256-modp2048, esp: aes128-sha1, lifetime: 3600s,\n"
	"              child_lifetime: 1200s }\n"
	"  - name: scripted\n"
	"    script:\n"
	"      - send: mm1\n"
	"        mutate: [{ field: sa.doi, set: 0x7 }, { field: header.flags, set: 1 }]\n"
	"      - expect: mm2\n"
	"      - expect: { any_of: [{ notify: PAYLOAD-MALFORMED }, silence], within: 2s }\n"
	"      - silence: 1s\n"
	"      - wait: 500ms\n"
	"  - name: bad-value\n"
	"    script:\n"
	"      - send: mm1\n"
	"        mutate: [{ field: sa.doi, set: lots }]\n"
	"  - name: two-messages\n"
	"    script:\n"
	"      - expect: { any_of: [mm2, am2] }\n"
	"  - name: peer-own-life\n"
	"    expect: { lifetime: 3600s, peer_lifetime: 7200s, child_lifetime: 1200s,\n"
	"              peer_child_lifetime: 600s, responder_lifetime: false }\n"
	"  - name: unnotified\n"
	"    expect: { responder_lifetime: false }\n"
	"  - name: notified\n"
	"    expect: { responder_lifetime: true }\n"
	"  - name: natted\n"
	"    topology: nat-harness\n"
	"    expect: { nat: harness, floated: true, encap: true }\n"
	"  - name: oa\n"
	"    expect: { natoa: true }\n"
	"  - name: held\n"
	"    topology: nat-harness\n"
	"    hold: 4s\n"
	"    keepalive: 1s\n"
	"    expect: { keepalives: harness }\n"
	"  - name: rekeyed\n"
	"    hold: 13s\n"
	"    rekey: true\n"
	"    expect: { rekey: true }\n"
	"  - name: remapped\n"
	"    hold: 6s\n"
	"    nat_remap: harness\n"
	"    expect: { remap: true }\n"
	"  - name: sides\n"
	"    expect: { nat: { harness_sees: none, peer_sees: harness }, floated: false }\n"
	"  - name: no-natd\n"
	"    script:\n"
	"      - send: mm3\n"
	"        mutate: [{ remove: natd }, { remove: NAT-D, nth: 1 }]\n";

/* A suite text into a plan, through a temporary file as the CLI reads it. */
static void test_plan_text(struct run_plan *p, const char *text)
{
	char dir[] = "/tmp/ikec-test-run-XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	char *files[] = { path };
	struct yaml_error err = { 0 };
	ck_assert_msg(run_plan_load(p, files, 1, NULL, &err), "%s", err.text);
	unlink(path);
	rmdir(dir);
}

static void test_run_load(struct run_plan *p)
{
	test_plan_text(p, test_run_suite);
}

static const struct run_item *test_run_item(const struct run_plan *p, const char *id)
{
	for (size_t i = 0; i < p->nitems; i++)
		if (!strcmp(p->items[i].id, id))
			return &p->items[i];
	ck_abort_msg("no case %s", id);
	return NULL;
}

START_TEST(test_run_ids_filter_shard)
{
	struct run_plan p;
	test_run_load(&p);
	ck_assert_uint_eq(p.nitems, 38);  /* (3 + 16) x 2 peers */
	ck_assert_str_eq(p.items[0].id, "t@strongswan/g2");
	ck_assert_str_eq(p.items[0].group, "t@strongswan");
	ck_assert_str_eq(p.items[19].id, "t@self/g2");
	ck_assert_int_eq(p.items[19].c->peer, SUITE_PEER_SELF);
	/* filters: the id, the bare name, any of several */
	static const struct {
		const char *pat[2];
		size_t n, want;
	} filters[] = {
		{ { "t@self/*", NULL }, 1, 19 },
		{ { "g1*", NULL }, 1, 4 },
		{ { "*/refused", "quiet" }, 2, 4 },
		{ { "nothing", NULL }, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct run_plan q;
		test_run_load(&q);
		run_plan_filter(&q, (char *const *)filters[i].pat, filters[i].n);
		ck_assert_msg(q.nitems == filters[i].want, "filter %zu: %zu cases, want %zu", i,
			      q.nitems, filters[i].want);
		run_plan_free(&q);
	}
	/* shards: every case in exactly one slice, the same one every time */
	for (unsigned n = 1; n <= 7; n++) {
		size_t seen = 0;
		for (unsigned k = 1; k <= n; k++) {
			struct run_plan q;
			test_run_load(&q);
			run_plan_shard(&q, k, n);
			for (size_t i = 0; i < q.nitems; i++)
				ck_assert_uint_eq(run_shard_of(q.items[i].id, n), k);
			seen += q.nitems;
			run_plan_free(&q);
		}
		ck_assert_uint_eq(seen, p.nitems);
	}
	/* FNV-1a 64 of "a" is af63dc4c8601ec8c; mod 7 is fixed forever */
	ck_assert_uint_eq(run_shard_of("a", 7), (unsigned)(0xaf63dc4c8601ec8cull % 7) + 1);
	static const struct {
		const char *s;
		bool ok;
		unsigned k, n;
	} shards[] = {
		{ "1/1", true, 1, 1 }, { "3/8", true, 3, 8 }, { "0/2", false, 0, 0 },
		{ "3/2", false, 0, 0 }, { "x", false, 0, 0 }, { "1/", false, 0, 0 },
		{ "/2", false, 0, 0 }, { "1/2x", false, 0, 0 }, { "1/1001", false, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(shards) / sizeof(shards[0]); i++) {
		unsigned k = 0, n = 0;
		ck_assert_msg(run_shard_parse(shards[i].s, &k, &n) == shards[i].ok, "%s", shards[i].s);
		if (shards[i].ok)
			ck_assert(k == shards[i].k && n == shards[i].n);
	}
	run_plan_free(&p);
}
END_TEST

/* An interop result as a real established case leaves it. */
static void test_run_established(struct case_result *r, const struct suite_case *c)
{
	memset(r, 0, sizeof(*r));
	r->harness_ok = r->established = r->agree = r->heard = true;
	r->p1 = c->p1;
	r->have_child = true;
	r->child.xf = c->p2;
	r->view.present = r->view.child.present = true;
	r->view.life_sec = c->p1.life_sec;
	r->view.child.life_sec = c->p2.life_sec;
	r->traffic.ran = r->traffic.ok = true;
	snprintf(r->traffic.why, sizeof(r->traffic.why), "3+3 ping replies");
}

enum test_run_tweak {
	TW_NONE, TW_NOT_ESTABLISHED, TW_DISAGREE, TW_NO_TRAFFIC, TW_NPC_RX, TW_NPC_TX,
	TW_OTHER_NOTIFY, TW_SILENT, TW_WRONG_GROUP, TW_WRONG_ESP, TW_LIFE_OURS, TW_LIFE_PEER,
	TW_CHILD_LIFE_PEER, TW_LOOPS, TW_PEER_OWN_LIFE, TW_RESP_LIFE, TW_NAT_HARNESS,
	TW_NAT_HARNESS_FORCED, TW_NAT_PEER_FAKES, TW_NAT_LOST, TW_NO_FLOAT, TW_PLAIN_ESP,
	TW_LATE_FLOAT,
	TW_SIDES, TW_NATOA, TW_NATOA_PEER_NONE, TW_KA_OK, TW_KA_SLOW, TW_KA_PEER_TOO,
	TW_KA_NO_CAPTURE, TW_REKEY_OK, TW_REKEY_LOST, TW_NO_HOLD, TW_REMAP_OK, TW_REMAP_LOST,
};

/* The NAT-T tweaks: a NAT at the harness (forced, faked by the peer,
 * lost, never floated, plain ESP, a late float). */
static void test_run_tweak_nat(struct case_result *r, enum test_run_tweak t)
{
	r->natt_version = IKE_NATT_RFC3947;
	r->nat_local = r->floated = r->natd_rx = true;
	r->float_kind = t == TW_LATE_FLOAT ? IKE_K_QM1 : IKE_K_MM5;
	r->view.nat_known = r->view.nat_remote = true;
	r->view.local_port = IKE_NATT_PORT;
	r->child.xf.encap = IKE_ENCAP_UDP_TUNNEL;
	r->view.child.encap = true;
	/* a peer that claims a NAT of its own is seen behind one */
	r->nat_peer = t == TW_NAT_HARNESS_FORCED || t == TW_NAT_PEER_FAKES;
	r->peer_forced = t == TW_NAT_HARNESS_FORCED;
	r->view.nat_fake = t == TW_NAT_PEER_FAKES;
	if (t == TW_NAT_LOST)
		r->view.nat_remote = false;
	if (t == TW_NO_FLOAT) {
		r->floated = false;
		r->peer_port = 500;
	}
	if (t == TW_PLAIN_ESP)
		r->view.child.encap = false;
}

/* The keepalive tweaks: on time, too slow, the peer's too, not captured. */
static void test_run_tweak_keepalives(struct case_result *r, enum test_run_tweak t)
{
	r->rekey.ran = r->rekey.ok = true;
	r->rekey.ka_captured = t != TW_KA_NO_CAPTURE;
	r->rekey.ka_from_harness = t == TW_KA_SLOW ? 2 : 4;
	r->rekey.ka_gap_min[0] = 990;
	r->rekey.ka_gap_max[0] = t == TW_KA_SLOW ? 2500 : 1010;
	r->rekey.ka_from_peer = t == TW_KA_PEER_TOO ? 1 : 0;
}

/* The remap tweaks: traffic back after the NAT moved, or lost. */
static void test_run_tweak_remap(struct case_result *r, enum test_run_tweak t)
{
	r->rekey.ran = r->rekey.remapped = r->rekey.dpd_acked = true;
	r->rekey.pings_after_remap = 20;
	r->rekey.lost_after_remap = t == TW_REMAP_OK ? 0 : 20;
	r->rekey.peer_port_before = 4500;
	r->rekey.peer_port_after = 10771;
}

/* The rekey tweaks: the new child up, or the rekey failed. */
static void test_run_tweak_rekey(struct case_result *r, enum test_run_tweak t)
{
	r->rekey.ran = true;
	r->rekey.ok = t == TW_REKEY_OK;
	r->rekey.new_spi_in = 0x1234;
	snprintf(r->rekey.why, sizeof(r->rekey.why), "%s: 2 children",
		 t == TW_REKEY_OK ? "ok" : "failed");
}

/* The NAT-OA tweaks: the peer's NAT-OA as ours, or none from it. */
static void test_run_tweak_natoa(struct case_result *r, enum test_run_tweak t)
{
	r->child.natoa_r_set = true;
	r->view.child.natoa_known = true;
	r->view.child.natoa = t == TW_NATOA;
}

/* No NAT at the harness, but the peer sees one (the sides differ). */
static void test_run_tweak_sides(struct case_result *r)
{
	r->natt_version = IKE_NATT_RFC3947;
	r->view.nat_known = r->view.nat_remote = true;
	r->view.local_port = 500;
}

/* The lifetime tweaks: ours or the peer's differ, the peer's own read a
 * second late, a RESPONDER-LIFETIME notify. */
static void test_run_tweak_lifetimes(struct case_result *r, enum test_run_tweak t)
{
	if (t == TW_LIFE_OURS)
		r->p1.life_sec = 28800;
	if (t == TW_LIFE_PEER)
		r->view.life_sec = 28800;
	if (t == TW_CHILD_LIFE_PEER)
		r->view.child.life_sec = 3960;
	if (t == TW_PEER_OWN_LIFE) {  /* read a second late: within the 2 s allowed */
		r->view.life_sec = 7199;
		r->view.child.life_sec = 601;
	}
	if (t == TW_RESP_LIFE)
		r->notify_rx[r->nnotify_rx++] = WIRE_N_RESPONDER_LIFETIME;
}

/* A case's result changed the way the judge table asks for. */
static void test_run_tweak(struct case_result *r, enum test_run_tweak t)
{
	switch (t) {
	case TW_NONE: break;
	case TW_NOT_ESTABLISHED:
		r->established = r->agree = false;
		snprintf(r->why, sizeof(r->why), "not established: peer has no IKE SA");
		break;
	case TW_DISAGREE:
		r->agree = false;
		snprintf(r->why, sizeof(r->why), "DH group 14 vs 2");
		break;
	case TW_NO_TRAFFIC:
		r->traffic.ok = false;
		snprintf(r->traffic.why, sizeof(r->traffic.why), "0 of 3 ping replies");
		break;
	case TW_NPC_RX:
		r->established = r->agree = r->have_child = false;
		r->notify_rx[r->nnotify_rx++] = WIRE_N_NO_PROPOSAL_CHOSEN;
		break;
	case TW_NPC_TX:
		r->established = r->agree = r->have_child = false;
		r->notify_tx[r->nnotify_tx++] = WIRE_N_NO_PROPOSAL_CHOSEN;
		break;
	case TW_OTHER_NOTIFY:
		r->established = r->agree = false;
		r->notify_rx[r->nnotify_rx++] = WIRE_N_INVALID_PAYLOAD_TYPE;
		break;
	case TW_SILENT:
		r->established = r->agree = r->heard = false;
		break;
	case TW_WRONG_GROUP: r->p1.group = 5; break;
	case TW_WRONG_ESP: r->child.xf.keylen = 256; break;
	case TW_LIFE_OURS:
	case TW_LIFE_PEER:
	case TW_CHILD_LIFE_PEER:
	case TW_PEER_OWN_LIFE:
	case TW_RESP_LIFE:
		test_run_tweak_lifetimes(r, t);
		break;
	case TW_NAT_HARNESS:
	case TW_NAT_HARNESS_FORCED:
	case TW_NAT_PEER_FAKES:
	case TW_NAT_LOST:
	case TW_NO_FLOAT:
	case TW_PLAIN_ESP:
	case TW_LATE_FLOAT:
		test_run_tweak_nat(r, t);
		break;
	case TW_NATOA:
	case TW_NATOA_PEER_NONE:
		test_run_tweak_natoa(r, t);
		break;
	case TW_KA_OK:
	case TW_KA_SLOW:
	case TW_KA_PEER_TOO:
	case TW_KA_NO_CAPTURE:
		test_run_tweak_keepalives(r, t);
		break;
	case TW_REKEY_OK:
	case TW_REKEY_LOST:
		test_run_tweak_rekey(r, t);
		break;
	case TW_NO_HOLD:
		break;
	case TW_REMAP_OK:
	case TW_REMAP_LOST:
		test_run_tweak_remap(r, t);
		break;
	case TW_SIDES:
		test_run_tweak_sides(r);
		break;
	case TW_LOOPS:
		r->loops = true;
		snprintf(r->why, sizeof(r->why), "peer loops: 9 IKE/CHILD SA attempts");
		break;
	}
}

/* The judge table: a case, a tweak of its result, the verdict wanted. */
static const struct test_run_judge_row {
	const char *id;
	bool init;
	enum test_run_tweak tweak;
	enum run_status want;
	const char *what;         /* the failed check */
	const char *seen;         /* part of what the verdict says it saw */
} test_run_judge_rows[] = {
	{ "t@strongswan/g14", true, TW_NONE, RUN_PASS, "", "" },
	{ "t@strongswan/g14", true, TW_NOT_ESTABLISHED, RUN_FAIL, "established", "no IKE SA" },
	{ "t@strongswan/g14", true, TW_DISAGREE, RUN_FAIL, "cross-check", "group 14 vs 2" },
	{ "t@strongswan/g14", true, TW_NO_TRAFFIC, RUN_FAIL, "traffic", "0 of 3" },
	{ "t@strongswan/g14", true, TW_LOOPS, RUN_FAIL, "peer loops", "9 IKE/CHILD" },
	{ "t@self/refused", true, TW_NPC_RX, RUN_PASS, "", "" },
	/* an initiator's refusal must come from the peer */
	{ "t@self/refused", true, TW_NPC_TX, RUN_FAIL, "notify", "received none, sent NO-PROPOSAL-CHOSEN" },
	{ "t@self/refused", false, TW_NPC_TX, RUN_PASS, "", "" },
	{ "t@self/refused", true, TW_OTHER_NOTIFY, RUN_FAIL, "notify", "INVALID-PAYLOAD-TYPE" },
	{ "t@self/refused", true, TW_NONE, RUN_FAIL, "notify", "sent none; established" },
	{ "t@self/quiet", false, TW_SILENT, RUN_PASS, "", "" },
	{ "t@self/quiet", false, TW_OTHER_NOTIFY, RUN_FAIL, "silence", "INVALID-PAYLOAD-TYPE" },
	{ "t@self/exact", true, TW_NONE, RUN_PASS, "", "" },
	{ "t@self/exact", true, TW_WRONG_GROUP, RUN_FAIL, "proposal", "aes256-sha256-modp1536" },
	{ "t@self/exact", true, TW_WRONG_ESP, RUN_FAIL, "esp", "aes256-sha1" },
	{ "t@self/exact", true, TW_LIFE_OURS, RUN_FAIL, "lifetime", "28800s in the harness" },
	{ "t@self/exact", true, TW_LIFE_PEER, RUN_FAIL, "lifetime", "28800s installed by the peer" },
	{ "t@self/exact", true, TW_CHILD_LIFE_PEER, RUN_FAIL, "child_lifetime", "3960s installed" },
	/* the peer installs its own lifetimes: stated, then judged */
	{ "t@strongswan/peer-own-life", true, TW_PEER_OWN_LIFE, RUN_PASS, "", "" },
	{ "t@strongswan/peer-own-life", true, TW_NONE, RUN_FAIL, "peer_lifetime",
	  "3600s installed by the peer, 7200s expected" },
	{ "t@self/unnotified", true, TW_RESP_LIFE, RUN_FAIL, "responder_lifetime",
	  "one (received RESPONDER-LIFETIME" },
	{ "t@self/notified", true, TW_RESP_LIFE, RUN_PASS, "", "" },
	{ "t@self/notified", true, TW_NONE, RUN_FAIL, "responder_lifetime", "none" },
	/* NAT-T: both sides' findings, the float, ESP in UDP */
	{ "t@self/natted", true, TW_NAT_HARNESS, RUN_PASS, "", "" },
	{ "t@self/natted", true, TW_NAT_HARNESS_FORCED, RUN_PASS, "", "" },
	{ "t@self/natted", true, TW_NAT_PEER_FAKES, RUN_PASS, "", "" },
	{ "t@self/natted", true, TW_NONE, RUN_FAIL, "nat", "no NAT-T version agreed" },
	{ "t@self/natted", true, TW_NAT_LOST, RUN_FAIL, "nat", "none behind a NAT by the peer's view" },
	{ "t@self/natted", true, TW_NO_FLOAT, RUN_FAIL, "floated", "did not float (sends to port 500)" },
	{ "t@self/natted", true, TW_PLAIN_ESP, RUN_FAIL, "encap", "the peer's plain" },
	{ "t@self/natted", true, TW_LATE_FLOAT, RUN_FAIL, "floated", "the first message on port 4500 was qm1" },
	{ "t@self/sides", true, TW_SIDES, RUN_PASS, "", "" },
	{ "t@self/oa", true, TW_NATOA, RUN_PASS, "", "" },
	/* the hold: keepalives counted and timed, the rekey, the remap */
	{ "t@self/held", true, TW_KA_OK, RUN_PASS, "", "" },
	{ "t@self/held", true, TW_KA_SLOW, RUN_FAIL, "keepalives", "2 from the harness (gaps 990-2500 ms)" },
	{ "t@self/held", true, TW_KA_PEER_TOO, RUN_FAIL, "keepalives", "1 from the peer" },
	{ "t@self/held", true, TW_KA_NO_CAPTURE, RUN_FAIL, "keepalives", "no capture" },
	{ "t@self/held", true, TW_NO_HOLD, RUN_FAIL, "hold", "no hold ran" },
	{ "t@self/rekeyed", true, TW_REKEY_OK, RUN_PASS, "", "" },
	{ "t@self/rekeyed", true, TW_REKEY_LOST, RUN_FAIL, "rekey", "failed: 2 children" },
	{ "t@self/remapped", true, TW_REMAP_OK, RUN_PASS, "", "" },
	{ "t@self/remapped", true, TW_REMAP_LOST, RUN_FAIL, "remap", "20 of 20 pings lost" },
	{ "t@self/oa", true, TW_NATOA_PEER_NONE, RUN_FAIL, "natoa", "the harness received one, the peer did not" },
	{ "t@self/oa", true, TW_NONE, RUN_FAIL, "natoa", "the harness did not receive one" },
	{ "t@self/sides", true, TW_NAT_HARNESS, RUN_FAIL, "nat", "the harness found harness" },
};

START_TEST(test_run_judge_table)
{
	struct run_plan p;
	test_run_load(&p);
	const struct test_run_judge_row *rows = test_run_judge_rows;
	for (size_t i = 0; i < sizeof(test_run_judge_rows) / sizeof(test_run_judge_rows[0]); i++) {
		const struct suite_case *c = test_run_item(&p, rows[i].id)->c;
		struct case_result *r = calloc(1, sizeof(*r));
		struct run_verdict *v = calloc(1, sizeof(*v));
		test_run_established(r, c);
		test_run_tweak(r, rows[i].tweak);
		run_judge(c, rows[i].init, r, v);
		ck_assert_msg(v->status == rows[i].want, "row %zu (%s): %s, want %s: %s: %s", i,
			      rows[i].id, run_status_name(v->status), run_status_name(rows[i].want),
			      v->what, v->seen);
		ck_assert_msg(!strcmp(v->what, rows[i].what), "row %zu: failed check '%s', want '%s'",
			      i, v->what, rows[i].what);
		ck_assert_msg(strstr(v->seen, rows[i].seen), "row %zu: seen '%s' lacks '%s'", i,
			      v->seen, rows[i].seen);
		if (v->status == RUN_FAIL)
			ck_assert_msg(v->expected[0], "row %zu: no expected text", i);
		free(r);
		free(v);
	}
	run_plan_free(&p);
}
END_TEST

START_TEST(test_run_judge_props)
{
	struct run_plan p;
	test_run_load(&p);
	const struct suite_case *c = test_run_item(&p, "t@strongswan/exact")->c;
	struct case_result *r = calloc(1, sizeof(*r));
	struct run_verdict *v = calloc(1, sizeof(*v));
	test_run_established(r, c);
	r->ms = 42;
	run_judge(c, true, r, v);
	static const char *const want[][2] = {
		{ "peer", "strongswan" }, { "role", "initiator" }, { "exchange", "main" },
		{ "phase1", "aes256-sha256-modp2048" }, { "ike_lifetime", "3600s" },
		{ "esp", "aes128-sha1" }, { "child_lifetime", "1200s" },
		{ "peer_ike_lifetime", "3600s" }, { "handshake_ms", "42" },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool found = false;
		for (size_t k = 0; k < v->nprops; k++)
			if (!strcmp(v->props[k][0], want[i][0])) {
				ck_assert_msg(!strcmp(v->props[k][1], want[i][1]), "%s = %s, want %s",
					      want[i][0], v->props[k][1], want[i][1]);
				found = true;
			}
		ck_assert_msg(found, "no property %s", want[i][0]);
	}
	ck_assert_str_eq(run_status_name(RUN_SKIP), "SKIP");
	free(r);
	free(v);
	run_plan_free(&p);
}
END_TEST

START_TEST(test_run_scripts)
{
	struct run_plan p;
	test_run_load(&p);
	struct ike_step steps[16];
	struct ike_mutation mut[8];
	size_t n = 0;
	char err[300] = "";
	const struct suite_case *c = test_run_item(&p, "t@self/scripted")->c;
	ck_assert_msg(run_script(c, steps, 16, &n, mut, 8, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, 5);
	/* remove: a payload by name (either spelling) and its index */
	const struct suite_case *nd = test_run_item(&p, "t@self/no-natd")->c;
	struct ike_step st2[4];
	struct ike_mutation mut2[4];
	size_t n2 = 0;
	ck_assert_msg(run_script(nd, st2, 4, &n2, mut2, 4, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n2, 1);
	ck_assert_uint_eq(st2[0].nmut, 2);
	ck_assert(mut2[0].op == IKE_MUT_REMOVE && mut2[0].payload == WIRE_PL_NATD &&
		  mut2[0].nth == 0);
	ck_assert(mut2[1].op == IKE_MUT_REMOVE && mut2[1].payload == WIRE_PL_NATD &&
		  mut2[1].nth == 1);
	ck_assert(steps[0].op == IKE_STEP_SEND && steps[0].kind == IKE_K_MM1);
	ck_assert_uint_eq(steps[0].nmut, 2);
	ck_assert(steps[0].mut[0].op == IKE_MUT_SET && !strcmp(steps[0].mut[0].path, "sa.doi") &&
		  steps[0].mut[0].value == 7);
	ck_assert(!strcmp(steps[0].mut[1].path, "header.flags") && steps[0].mut[1].value == 1);
	ck_assert(steps[1].op == IKE_STEP_EXPECT && steps[1].kind == IKE_K_MM2);
	ck_assert(steps[2].op == IKE_STEP_EXPECT_NOTIFY && steps[2].or_silence &&
		  steps[2].notify == WIRE_N_PAYLOAD_MALFORMED && steps[2].within_ms == 2000);
	ck_assert(steps[3].op == IKE_STEP_EXPECT_SILENCE && steps[3].within_ms == 1000);
	ck_assert(steps[4].op == IKE_STEP_WAIT && steps[4].wait_ms == 500);
	/* too small a table, a value that is no number, alternatives the engine lacks */
	ck_assert(!run_script(c, steps, 2, &n, mut, 8, err, sizeof(err)));
	ck_assert_msg(strstr(err, "too many steps"), "%s", err);
	ck_assert(!run_script(c, steps, 16, &n, mut, 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "too many mutations"), "%s", err);
	c = test_run_item(&p, "t@self/bad-value")->c;
	ck_assert(!run_script(c, steps, 16, &n, mut, 8, err, sizeof(err)));
	ck_assert_msg(strstr(err, "'lots' is not a number") && strstr(err, "line 31, column 18"), "%s", err);
	c = test_run_item(&p, "t@self/two-messages")->c;
	ck_assert(!run_script(c, steps, 16, &n, mut, 8, err, sizeof(err)));
	ck_assert_msg(strstr(err, "line 34, column 9") && strstr(err, "one message"), "%s", err);
	run_plan_free(&p);
}
END_TEST

/* A malformed case: the catalog's mutations appended to the target's send,
 * the reaction as the last step, the verdict from the script alone. */
/* The malformed cases' scripts: the mutation on mm4 and the notify
 * expected after it, no room for it, accepted (dpd) and deleted (mm6). */
static void test_run_malformed_scripts(const struct suite *s)
{
	struct ike_step steps[16];
	struct ike_mutation mut[8];
	size_t n = 0;
	char err[300] = "";
	const struct suite_case *c = suite_find_case(s, "ke");
	ck_assert_msg(run_script(c, steps, 16, &n, mut, 8, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, 5);
	ck_assert(steps[0].op == IKE_STEP_EXPECT && steps[0].kind == IKE_K_MM1);
	ck_assert(steps[3].op == IKE_STEP_SEND && steps[3].kind == IKE_K_MM4);
	ck_assert_uint_eq(steps[3].nmut, 1);
	ck_assert(steps[3].mut[0].op == IKE_MUT_SET_BYTES && !strcmp(steps[3].mut[0].path, "ke.data"));
	ck_assert_uint_eq(steps[3].mut[0].bytes.len, 256);
	ck_assert_uint_eq(steps[1].nmut, 0);
	ck_assert(steps[4].op == IKE_STEP_EXPECT_NOTIFY &&
		  steps[4].notify == WIRE_N_INVALID_KEY_INFORMATION && !steps[4].or_silence &&
		  steps[4].within_ms == 2000);
	/* no room for the catalog's mutation */
	ck_assert(!run_script(c, steps, 16, &n, mut, 0, err, sizeof(err)));
	ck_assert_msg(strstr(err, "too many mutations"), "%s", err);
	/* accepted: the peer's next message, the R-U-THERE-ACK */
	const struct suite_case *d = suite_find_case(s, "dpd");
	ck_assert_msg(run_script(d, steps, 16, &n, mut, 8, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, 8);
	ck_assert(steps[6].op == IKE_STEP_SEND && steps[6].kind == IKE_K_DPD);
	ck_assert(steps[7].op == IKE_STEP_EXPECT && steps[7].kind == IKE_K_DPD_ACK);
	/* deleted: the peer's Delete after our mm6, the harness responding */
	const struct suite_case *dl = suite_find_case(s, "del");
	ck_assert_msg(run_script(dl, steps, 16, &n, mut, 8, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(n, 7);
	ck_assert(steps[5].op == IKE_STEP_SEND && steps[5].kind == IKE_K_MM6 && steps[5].nmut == 1);
	ck_assert(steps[6].op == IKE_STEP_EXPECT && steps[6].kind == IKE_K_DELETE);
}

/* The malformed cases' verdicts: the reaction step decides, an accepted
 * message even if refused, a mutation with no place is an error. */
static void test_run_malformed_verdicts(const struct suite_case *c, const struct suite_case *d)
{
	/* the verdict: the script's end, whatever phase 1 did */
	struct case_result *r = calloc(1, sizeof(*r));
	struct run_verdict *v = calloc(1, sizeof(*v));
	r->harness_ok = false;
	snprintf(r->harness_error, sizeof(r->harness_error), "step 5: nothing within 2000 ms");
	run_judge(c, false, r, v);
	ck_assert_int_eq(v->status, RUN_FAIL);
	ck_assert_str_eq(v->what, "reaction");
	ck_assert_msg(strstr(v->expected, "INVALID-KEY-INFORMATION") &&
		      strstr(v->expected, "after mm4 with ke-zero, within 2000 ms") &&
		      strstr(v->seen, "nothing within"), "%s / %s", v->expected, v->seen);
	memset(v, 0, sizeof(*v));
	r->harness_ok = true;
	r->harness_error[0] = 0;
	r->nnotify_rx = 1;
	r->notify_rx[0] = WIRE_N_INVALID_KEY_INFORMATION;
	run_judge(c, false, r, v);
	ck_assert_msg(v->status == RUN_PASS, "%s", v->why);
	/* accepted: the next message came, even if the harness refused it */
	memset(v, 0, sizeof(*v));
	memset(r, 0, sizeof(*r));
	snprintf(r->harness_error, sizeof(r->harness_error),
		 "step 8 (expect dpd-ack): dpd-ack refused: bad hash");
	run_judge(d, true, r, v);
	ck_assert_msg(v->status == RUN_PASS, "%s", v->why);
	snprintf(r->harness_error, sizeof(r->harness_error), "step 8: nothing within 1500 ms");
	run_judge(d, true, r, v);
	ck_assert_int_eq(v->status, RUN_FAIL);
	/* a mutation the harness's own message had no place for: an error,
	   no verdict on the peer, whatever the reaction step saw */
	memset(v, 0, sizeof(*v));
	memset(r, 0, sizeof(*r));
	r->mutation_unfit = true;
	snprintf(r->harness_error, sizeof(r->harness_error),
		 "step 2 (send mm2 (mutated)): mm2: bad path 'x': a TV attribute has no length");
	run_judge(c, false, r, v);
	ck_assert_int_eq(v->status, RUN_ERROR);
	ck_assert_msg(strstr(v->why, "does not fit") && strstr(v->why, "a TV attribute"), "%s",
		      v->why);
	/* phase 1 up before a dpd case's mutation is no failure */
	memset(v, 0, sizeof(*v));
	memset(r, 0, sizeof(*r));
	r->harness_ok = r->established = true;
	run_judge(d, true, r, v);
	ck_assert_msg(v->status == RUN_PASS, "%s", v->why);
	free(r);
	free(v);
}

START_TEST(test_run_malformed)
{
	static const char text[] =
		"suite: m\npeer: self\ndefaults: { psk: k }\ncases:\n"
		"  - { name: ke, malformed: { mutation: ke-zero, at: mm4 } }\n"
		"  - { name: dpd, malformed: { mutation: notify-bad-doi, at: dpd }, expect: { accepted: true } }\n"
		"  - { name: del, malformed: { mutation: auth-hash-wrong, at: mm6 }, expect: { deleted: true } }\n";
	struct suite s;
	struct yaml_error yerr = { 0 };
	ck_assert_msg(suite_load_string("m.yaml", text, &s, &yerr), "%s", yerr.text);
	test_run_malformed_scripts(&s);
	test_run_malformed_verdicts(suite_find_case(&s, "ke"),
				    suite_find_case(&s, "dpd"));
	suite_free(&s);
}
END_TEST

/* Every form of mutation into the engine's ops, bytes and all; a case's
 * seed; and survives judged on the script alone. */
/* An unknown payload with a header only: body "" (the fuzz mode writes
 * one); an absent body value is still an error. */
START_TEST(test_run_mutation_empty_body)
{
	static const char text[] =
		"suite: m\n"
		"peer: self\n"
		"defaults: { psk: k, proposal: aes128-sha1-modp2048 }\n"
		"cases:\n"
		"  - name: e\n"
		"    script:\n"
		"      - send: mm1\n"
		"        mutate: [{ insert: 200, index: 0, body: \"\" }]\n"
		"      - wait: 1s\n"
		"    expect: { survives: true }\n";
	struct suite s;
	struct yaml_error err = { 0 };
	ck_assert_msg(suite_load_string("m.yaml", text, &s, &err), "%s", err.text);
	struct ike_step steps[4];
	struct ike_mutation mut[4];
	size_t n = 0;
	char e[300];
	ck_assert_msg(run_script(&s.cases[0], steps, 4, &n, mut, 4, e, sizeof(e)), "%s", e);
	ck_assert_uint_eq(steps[0].nmut, 1);
	ck_assert(steps[0].mut[0].op == IKE_MUT_UNKNOWN && steps[0].mut[0].payload == 200 &&
		  steps[0].mut[0].bytes.len == 0);
	suite_free(&s);
	char bad[sizeof(text)];
	snprintf(bad, sizeof(bad), "%s", text);
	char *q = strstr(bad, "body: \"\"");
	memcpy(q, "body: ~ ", 8);
	memset(&err, 0, sizeof(err));
	ck_assert(!suite_load_string("m.yaml", bad, &s, &err));
	ck_assert_msg(strstr(err.text, "'body' must be a string"), "%s", err.text);
}
END_TEST

START_TEST(test_run_mutation_forms)
{
	static const char text[] =
		"suite: m\n"
		"peer: self\n"
		"defaults: { psk: k, proposal: aes128-sha1-modp2048 }\n"
		"cases:\n"
		"  - name: all\n"
		"    seed: 18446744073709551615\n"
		"    script:\n"
		"      - send: mm3\n"
		"        mutate:\n"
		"          - { field: ke.length, set: 0x10 }\n"
		"          - { field: nonce.data, bytes: \"0xa5b6\" }\n"
		"          - { duplicate: nonce, nth: 0 }\n"
		"          - { insert: 99, index: 1, body: c0ffee }\n"
		"          - { xor: 17, mask: 0x40 }\n"
		"          - { xor: 3, mask: 1, plain: true }\n"
		"          - { truncate: 40 }\n"
		"          - { truncate: 8, plain: yes }\n"
		"          - { chop: 4 }\n"
		"          - { append: \"00\" }\n"
		"          - { catalog: ke-zero }\n"
		"          - { remove: natd, nth: 1 }\n"
		"      - wait: 1s\n"
		"    expect: { survives: true }\n";
	struct suite s;
	struct yaml_error err;
	ck_assert_msg(suite_load_string("m.yaml", text, &s, &err), "%s", err.text);
	const struct suite_case *c = &s.cases[0];
	ck_assert(c->has_seed && c->seed == UINT64_MAX);
	ck_assert(c->expect.survives && !c->expect.established);
	struct ike_step steps[8];
	struct ike_mutation mut[32];
	size_t n = 0;
	char e[300];
	ck_assert_msg(run_script(c, steps, 8, &n, mut, 32, e, sizeof(e)), "%s", e);
	ck_assert_uint_eq(n, 2);
	const struct ike_catalog_entry *kz = ike_catalog_find("ke-zero");
	ck_assert_uint_eq(steps[0].nmut, 11 + kz->nmut);
	const struct ike_mutation *m = steps[0].mut;
	ck_assert(m[0].op == IKE_MUT_SET && m[0].value == 0x10 && !strcmp(m[0].path, "ke.length"));
	ck_assert(m[1].op == IKE_MUT_SET_BYTES && m[1].bytes.len == 2 && m[1].bytes.ptr[0] == 0xa5 &&
		  m[1].bytes.ptr[1] == 0xb6 && !strcmp(m[1].path, "nonce.data"));
	ck_assert(m[2].op == IKE_MUT_DUPLICATE && m[2].payload == WIRE_PL_NONCE && m[2].nth == 0);
	ck_assert(m[3].op == IKE_MUT_UNKNOWN && m[3].payload == 99 && m[3].nth == 1 &&
		  m[3].bytes.len == 3 && m[3].bytes.ptr[2] == 0xee);
	ck_assert(m[4].op == IKE_MUT_DGRAM_XOR && m[4].offset == 17 && m[4].value == 0x40);
	ck_assert(m[5].op == IKE_MUT_PLAIN_XOR && m[5].offset == 3 && m[5].value == 1);
	ck_assert(m[6].op == IKE_MUT_DGRAM_TRUNCATE && m[6].value == 40);
	ck_assert(m[7].op == IKE_MUT_PLAIN_TRUNCATE && m[7].value == 8);
	ck_assert(m[8].op == IKE_MUT_DGRAM_CHOP && m[8].value == 4);
	ck_assert(m[9].op == IKE_MUT_DGRAM_APPEND && m[9].bytes.len == 1);
	struct ike_mutation want[IKE_CAT_MAX_MUT];
	ck_assert_uint_eq(ike_catalog_mutations(kz, want, IKE_CAT_MAX_MUT), kz->nmut);
	for (size_t i = 0; i < kz->nmut; i++)
		ck_assert(m[10 + i].op == want[i].op && m[10 + i].bytes.ptr == want[i].bytes.ptr);
	ck_assert(m[10 + kz->nmut].op == IKE_MUT_REMOVE &&
		  m[10 + kz->nmut].payload == WIRE_PL_NATD && m[10 + kz->nmut].nth == 1);
	/* survives: the script's end is the verdict, established or not */
	struct case_result *r = calloc(1, sizeof(*r));
	struct run_verdict v;
	r->harness_ok = true;
	run_judge(c, true, r, &v);
	ck_assert_int_eq(v.status, RUN_PASS);
	r->harness_ok = false;
	snprintf(r->harness_error, sizeof(r->harness_error), "step 2: expected mm4");
	run_judge(c, true, r, &v);
	ck_assert_int_eq(v.status, RUN_FAIL);
	ck_assert_str_eq(v.what, "script");
	ck_assert_str_eq(v.seen, "step 2: expected mm4");
	free(r);
	suite_free(&s);
}
END_TEST

/* ---- fuzz mode ---- */

/* Base cases for the fuzz generator: both roles, Aggressive Mode, PFS. */
static const char test_fuzz_base[] =
	"suite: fz\n"
	"peer: self\n"
	"defaults:\n"
	"  psk: \"fuzz \\\"psk\\\"\"\n"
	"  proposal: { encryption: aes128, hash: sha256, group: 14, lifetime: 86400 }\n"
	"  phase2: { esp: aes128-sha1, pfs: modp2048, lifetime: 1200s }\n"
	"cases:\n"
	"  - name: init\n"
	"  - name: resp\n"
	"    role: responder\n"
	"  - name: aggr\n"
	"    exchange: aggressive\n"
	"    proposal: 3des-sha1-modp1024\n"
	"    phase2: none\n"
	"  - name: aggr-resp\n"
	"    exchange: aggressive\n"
	"    role: responder\n"
	"    natt: [rfc3947]\n"
	"    lifetime_policy: notify\n";

/* The same seed gives the same files; another seed other ones; each file
 * loads alone into a case with the base's settings, its own seed, the
 * script up to the message and the survival verdict. */
START_TEST(test_run_fuzz_plan)
{
	struct run_plan base, a, b, c;
	struct yaml_error err;
	test_plan_text(&base, test_fuzz_base);
	ck_assert_msg(run_fuzz_plan(&base, 3, 7, &a, &err), "%s", err.text);
	ck_assert_msg(run_fuzz_plan(&base, 3, 7, &b, &err), "%s", err.text);
	ck_assert_msg(run_fuzz_plan(&base, 3, 8, &c, &err), "%s", err.text);
	/* init: mm1 mm3 mm5 qm1 qm3; resp: mm2 mm4 mm6 qm2; aggr: am1 am3; aggr-resp: am2 qm2 */
	ck_assert_uint_eq(a.nitems, 3 * (5 + 4 + 2 + 2));
	ck_assert_uint_eq(b.nitems, a.nitems);
	size_t differ = 0;
	for (size_t i = 0; i < a.nitems; i++) {
		ck_assert_str_eq(a.items[i].text, b.items[i].text);
		ck_assert_str_eq(a.items[i].id, c.items[i].id);
		differ += strcmp(a.items[i].text, c.items[i].text) != 0;
		const struct suite_case *v = a.items[i].c, *o = NULL;
		for (size_t k = 0; k < base.nitems; k++)
			if (strncmp(v->name, base.items[k].c->name, strlen(base.items[k].c->name)) == 0 &&
			    v->name[strlen(base.items[k].c->name)] == '-' &&
			    (!o || strlen(base.items[k].c->name) > strlen(o->name)))
				o = base.items[k].c;
		ck_assert_ptr_nonnull(o);
		ck_assert_str_eq(a.items[i].id + strlen("fuzz-fz-self/"), v->name);
		ck_assert(v->has_seed);
		ck_assert(v->expect.survives && v->expect.peer_alive && !v->expect.established);
		ck_assert_int_eq(v->role, o->role);
		ck_assert_uint_eq(v->exchange, o->exchange);
		ck_assert_str_eq(v->psk, "fuzz \"psk\"");
		ck_assert(memcmp(&v->p1, &o->p1, sizeof(v->p1)) == 0);
		ck_assert_int_eq(v->has_p2, o->has_p2);
		if (o->has_p2)
			ck_assert(memcmp(&v->p2, &o->p2, sizeof(v->p2)) == 0);
		ck_assert_uint_eq(v->natt, o->natt);
		ck_assert_int_eq(v->life_policy, o->life_policy);
		/* the script: up to the mutated send, then the pause */
		ck_assert_uint_ge(v->nsteps, 2);
		const struct suite_step *m = &v->steps[v->nsteps - 2];
		ck_assert_int_eq(m->kind, SUITE_STEP_SEND);
		ck_assert_uint_ge(m->nmutations, 1);
		ck_assert_int_eq(v->steps[v->nsteps - 1].kind, SUITE_STEP_WAIT);
		/* the item's text is a standalone file that loads to the same case */
		struct suite one;
		ck_assert_msg(suite_load_string("repro.yaml", a.items[i].text, &one, &err), "%s",
			      err.text);
		ck_assert_uint_eq(one.ncases, 1);
		ck_assert_str_eq(one.cases[0].name, v->name);
		ck_assert_uint_eq(one.cases[0].seed, v->seed);
		suite_free(&one);
	}
	ck_assert_uint_gt(differ, a.nitems / 2);
	run_plan_free(&a);
	run_plan_free(&b);
	run_plan_free(&c);
	run_plan_free(&base);
}
END_TEST

/* Catalog entries in variants fit the case's authentication (CERT, CR and
 * SIG ones with RSA only, HASH_I/R ones with PSK only; an RSA variant once
 * drew auth-hash-wrong for an mm6 that carries SIG), and one that sends
 * another message in this one's place comes alone. */
static const char test_fuzz_auth_base[] =
	"suite: fa\npeer: self\n"
	"defaults:\n"
	"  psk: k\n"
	"  proposal: { encryption: aes128, hash: sha256, group: 14, lifetime: 86400 }\n"
	"  phase2: { esp: aes128-sha1 }\n"
	"cases:\n"
	"  - { name: psk }\n"
	"  - { name: psk-resp, role: responder }\n"
	"  - { name: rsa, auth: rsa }\n"
	"  - { name: rsa-resp, auth: rsa, role: responder }\n";

START_TEST(test_run_fuzz_auth)
{
	struct yaml_error err = { 0 };
	struct run_plan base, a;
	test_plan_text(&base, test_fuzz_auth_base);
	ck_assert_msg(run_fuzz_plan(&base, 60, 3, &a, &err), "%s", err.text);
	size_t sig = 0, psk_only = 0, alone = 0;
	for (size_t i = 0; i < a.nitems; i++) {
		const struct suite_case *v = a.items[i].c;
		const struct suite_step *m = &v->steps[v->nsteps - 2];
		for (size_t j = 0; j < m->nmutations; j++) {
			const struct ike_catalog_entry *e = m->mutations[j].catalog;
			if (!e)
				continue;
			ck_assert_msg(ike_catalog_fits_auth(e, v->auth), "%s: %s", v->name, e->name);
			sig += e->auth == IKE_CAT_AUTH_SIG;
			psk_only += e->auth == IKE_CAT_AUTH_PSK;
			if (e->mut[0].op == IKE_MUT_STALE || e->mut[0].op == IKE_MUT_EARLY ||
			    e->mut[0].op == IKE_MUT_REPLAY) {
				ck_assert_msg(m->nmutations == 1, "%s: %s and %zu more", v->name,
					      e->name, m->nmutations - 1);
				alone++;
			}
		}
	}
	/* the draw reached each kind, so the checks above were exercised */
	ck_assert_uint_gt(sig, 0);
	ck_assert_uint_gt(psk_only, 0);
	ck_assert_uint_gt(alone, 0);
	run_plan_free(&a);
	run_plan_free(&base);
}
END_TEST

/* The datagrams of a variant run in memory: the harness's script against
 * an engine peer with the standard exchange, both seeded as the runner
 * seeds the harness. */
static size_t test_fuzz_run(const struct suite_case *v, uint64_t seed, chunk_t *out, size_t max,
			    bool *harness_ok, char *why, size_t wlen)
{
	static const char psk[] = "fuzz \"psk\"";
	struct ike_step steps[RUN_MAX_SCRIPT], peer[IKE_MAX_STEPS];
	struct ike_mutation *mut = calloc(RUN_MAX_MUT, sizeof(*mut));
	size_t nsteps = 0;
	char err[300];
	ck_assert_msg(run_script(v, steps, RUN_MAX_SCRIPT, &nsteps, mut, RUN_MAX_MUT, err,
				 sizeof(err)), "%s", err);
	ck_assert(crypto_rand_seed_for(seed, ""));
	struct transport_hub *hub = transport_hub_new();
	struct netaddr ah, ap;
	ck_assert(netaddr_parse("192.0.2.1:500", 500, &ah, err, sizeof(err)));
	ck_assert(netaddr_parse("192.0.2.2:500", 500, &ap, err, sizeof(err)));
	struct transport *th = transport_mem_new(hub, &ah, 4500, err, sizeof(err));
	struct transport *tp = transport_mem_new(hub, &ap, 4500, err, sizeof(err));
	ck_assert(th && tp);
	struct ike_config ch, cp;
	struct ike_config *cs[2] = { &ch, &cp };
	for (int i = 0; i < 2; i++) {
		ike_config_init(cs[i]);
		cs[i]->role = (v->role == IKE_INITIATOR) == (i == 0) ? IKE_INITIATOR : IKE_RESPONDER;
		cs[i]->exchange = v->exchange;
		cs[i]->psk = CHUNK_FROM(psk, strlen(psk));
		struct ike_p1_xform x = v->p1;
		x.auth = IKE_AUTH_PSK;
		ike_config_add_p1(cs[i], x);
		if (v->has_p2)
			ike_config_add_p2(cs[i], v->p2);
		cs[i]->natt = v->no_natt ? 0 : v->natt ? v->natt : IKE_NATT_ALL;
	}
	size_t npeer = ike_script_default(&cp, peer, IKE_MAX_STEPS);
	struct ike_engine *e[2];
	e[0] = ike_engine_new(&ch, th, v->role == IKE_INITIATOR ? &ap : NULL, steps, nsteps, "h");
	e[1] = ike_engine_new(&cp, tp, v->role == IKE_INITIATOR ? NULL : &ah, peer, npeer, "p");
	ike_run(e, 2, hub, 0, 30000);
	crypto_rand_unseed();
	const struct ike_result *r = ike_engine_result(e[0]);
	*harness_ok = r->finished && !r->failed;
	snprintf(why, wlen, "%s", r->error);
	size_t n = 0;
	for (size_t i = 0; i < r->nevent && n < max; i++)
		if (r->event[i].sent)
			out[n++] = chunk_dup(r->event[i].datagram.ptr, r->event[i].datagram.len);
	const struct ike_result *rp = ike_engine_result(e[1]);
	for (size_t i = 0; i < rp->nevent && n < max; i++)
		if (rp->event[i].sent)
			out[n++] = chunk_dup(rp->event[i].datagram.ptr, rp->event[i].datagram.len);
	ike_engine_free(e[0]);
	ike_engine_free(e[1]);
	transport_free(th);
	transport_free(tp);
	transport_hub_free(hub);
	free(mut);
	return n;
}

/* Every variant's mutations apply (the harness's script runs to its end
 * against an engine peer), and a variant run twice from its seed sends the
 * same datagrams byte for byte, on both sides; another seed, other bytes. */
START_TEST(test_run_fuzz_replay)
{
	struct run_plan base, a;
	struct yaml_error err;
	test_plan_text(&base, test_fuzz_base);
	ck_assert_msg(run_fuzz_plan(&base, 4, 1234, &a, &err), "%s", err.text);
	for (size_t i = 0; i < a.nitems; i++) {
		const struct suite_case *v = a.items[i].c;
		chunk_t x[64], y[64], z[64];
		bool okx, oky, okz;
		char wx[480], wy[480], wz[480];
		size_t nx = test_fuzz_run(v, v->seed, x, 64, &okx, wx, sizeof(wx));
		size_t ny = test_fuzz_run(v, v->seed, y, 64, &oky, wy, sizeof(wy));
		size_t nz = test_fuzz_run(v, v->seed + 1, z, 64, &okz, wz, sizeof(wz));
		ck_assert_msg(okx, "%s: the harness's script failed: %s", v->name, wx);
		ck_assert_uint_ge(nx, 1);
		ck_assert_msg(nx == ny, "%s: %zu datagrams, then %zu", v->name, nx, ny);
		for (size_t k = 0; k < nx; k++)
			ck_assert_msg(chunk_eq(x[k], y[k]), "%s: datagram %zu differs on replay",
				      v->name, k);
		ck_assert_msg(nz == 0 || !chunk_eq(x[0], z[0]) || nx < 2 || !chunk_eq(x[1], z[1]),
			      "%s: another seed sent the same bytes", v->name);
		for (size_t k = 0; k < nx; k++)
			chunk_free(&x[k]);
		for (size_t k = 0; k < ny; k++)
			chunk_free(&y[k]);
		for (size_t k = 0; k < nz; k++)
			chunk_free(&z[k]);
	}
	run_plan_free(&a);
	run_plan_free(&base);
}
END_TEST

Suite *suite_run(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("run");
	tcase_add_test(tc, test_run_ids_filter_shard);
	tcase_add_test(tc, test_run_judge_table);
	tcase_add_test(tc, test_run_judge_props);
	tcase_add_test(tc, test_run_malformed);
	tcase_add_test(tc, test_run_scripts);
	tcase_add_test(tc, test_run_mutation_forms);
	tcase_add_test(tc, test_run_mutation_empty_body);
	tcase_add_test(tc, test_run_fuzz_plan);
	tcase_add_test(tc, test_run_fuzz_auth);
	tcase_add_test(tc, test_run_fuzz_replay);
	suite_add_tcase(s, tc);
	return s;
}
