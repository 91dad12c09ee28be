/* events: a received datagram's event outlives the answer it gets, when
 * that answer's event makes the timeline array grow (16, then 32, ...):
 * the received one sits at index 15, its answer at 16. The engine pair
 * (tests/pair.h), on virtual time; the sanitizer build catches a use
 * of the moved event. */
#include <stdio.h>
#include <string.h>

#include "ike/engine.h"
#include "pair.h"
#include "wire/msg.h"
#include "tests.h"

/* Main Mode and one Quick Mode without the commit bit: 6 + 3 events on
 * each side. */
#define EVENTS_SETUP 9
/* The received event that fills the first 16 places. */
#define EVENTS_AT 15

/* The default script of a config with extra steps after it. */
static size_t events_script(const struct ike_config *c, struct ike_step *st,
			    const struct ike_step *extra, size_t nextra)
{
	size_t n = ike_script_default(c, st, IKE_MAX_STEPS);
	for (size_t i = 0; i < nextra; i++)
		st[n++] = extra[i];
	return n;
}

/* Every datagram on one side's timeline once: no retransmission or
 * duplicate moved the count. */
static void events_assert_clean(const struct ike_result *r)
{
	for (size_t i = 0; i < r->nevent; i++)
		ck_assert_msg(!r->event[i].retransmit && !r->event[i].duplicate,
			      "event %zu repeated", i);
}

/* A DPD received while the script expects silence: answered (the ack's
 * event grows the array), then the script fails naming the DPD. The
 * initiator's 9 setup events and three DPD exchanges (9..14) put the
 * responder's DPD at 15, the ack at 16. */
START_TEST(test_events_dpd_in_silence)
{
	struct pair p;
	pair_init(&p, "aes128-sha1-modp2048", "aes128-sha1");
	struct ike_step si[IKE_MAX_STEPS], sr[IKE_MAX_STEPS];
	const struct ike_step xi[] = {
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
		{ .op = IKE_STEP_EXPECT, .kind = IKE_K_DPD_ACK, .within_ms = 1000 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
		{ .op = IKE_STEP_EXPECT, .kind = IKE_K_DPD_ACK, .within_ms = 1000 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
		{ .op = IKE_STEP_EXPECT, .kind = IKE_K_DPD_ACK, .within_ms = 1000 },
		{ .op = IKE_STEP_EXPECT_SILENCE, .within_ms = 5000 },
	};
	/* the responder answers the three while it waits, then asks */
	const struct ike_step xr[] = {
		{ .op = IKE_STEP_WAIT, .wait_ms = 2000 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
	};
	size_t ni = events_script(&p.ci, si, xi, 7), nr = events_script(&p.cr, sr, xr, 2);
	pair_start(&p, si, ni, sr, nr);
	pair_run_until(&p, 10000);
	const struct ike_result *ri = ike_engine_result(p.ei), *rr = ike_engine_result(p.er);
	ck_assert_msg(rr->finished && !rr->failed, "responder: %s", rr->error);
	ck_assert(ri->failed);
	ck_assert_uint_eq(ri->failed_step, ni - 1);
	char want[80];
	snprintf(want, sizeof(want), "step %zu (expect silence for 5000 ms): got R-U-THERE (36136)",
		 ni);
	ck_assert_str_eq(ri->error, want);
	ck_assert_uint_eq(ri->nevent, EVENTS_AT + 2);
	events_assert_clean(ri);
	for (size_t i = EVENTS_SETUP; i < EVENTS_AT; i++) {
		ck_assert_int_eq(ri->event[i].sent, (i - EVENTS_SETUP) % 2 == 0);
		ck_assert_int_eq(ri->event[i].kind, i % 2 ? IKE_K_DPD : IKE_K_DPD_ACK);
	}
	const struct ike_event *dpd = &ri->event[EVENTS_AT], *ack = &ri->event[EVENTS_AT + 1];
	ck_assert(!dpd->sent && ack->sent);
	ck_assert_int_eq(dpd->kind, IKE_K_DPD);
	ck_assert_int_eq(ack->kind, IKE_K_DPD_ACK);
	ck_assert_str_eq(dpd->note, "R-U-THERE (36136)");
	ck_assert_uint_eq(dpd->time_ms, 2000);
	/* the responder: its three answers, its DPD and the ack */
	ck_assert_uint_eq(rr->nevent, EVENTS_AT + 2);
	ck_assert_int_eq(rr->event[EVENTS_AT].kind, IKE_K_DPD);
	ck_assert_int_eq(rr->event[EVENTS_AT + 1].kind, IKE_K_DPD_ACK);
	ck_assert(rr->event[EVENTS_AT].sent && !rr->event[EVENTS_AT + 1].sent);
	pair_free(&p);
}
END_TEST

/* Our automatic rekey (child life 10 s, margin 3 s: at 7 s): its qm2
 * answered with qm3 (whose event grows the array), the qm2 noted as the
 * rekey's. Two DPD exchanges (9..12) and a one-way notify (13) after the
 * setup put the rekey's qm1 at 14, its qm2 at 15, the qm3 at 16. */
START_TEST(test_events_rekey_qm2)
{
	struct pair p;
	pair_init(&p, "aes128-sha1-modp2048", "aes128-sha1");
	p.ci.p2[0].life_sec = p.cr.p2[0].life_sec = 10;
	p.ci.rekey_margin_ms = 3000;
	struct ike_step si[IKE_MAX_STEPS], sr[IKE_MAX_STEPS];
	const struct ike_step xi[] = {
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
		{ .op = IKE_STEP_EXPECT, .kind = IKE_K_DPD_ACK, .within_ms = 1000 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_DPD },
		{ .op = IKE_STEP_EXPECT, .kind = IKE_K_DPD_ACK, .within_ms = 1000 },
		{ .op = IKE_STEP_SEND, .kind = IKE_K_NOTIFY, .notify = WIRE_N_REPLAY_STATUS },
	};
	size_t ni = events_script(&p.ci, si, xi, 5), nr = events_script(&p.cr, sr, NULL, 0);
	pair_start(&p, si, ni, sr, nr);
	ike_engine_set_serve(p.ei, true);
	ike_engine_set_serve(p.er, true);
	pair_run_until(&p, 7500);
	const struct ike_result *ri = ike_engine_result(p.ei), *rr = ike_engine_result(p.er);
	ck_assert_msg(ri->finished && !ri->failed, "initiator: %s", ri->error);
	ck_assert_msg(rr->finished && !rr->failed, "responder: %s", rr->error);
	ck_assert_uint_eq(ri->rekeys, 1);
	ck_assert_uint_eq(ri->rekeys_failed, 0);
	ck_assert_uint_eq(ri->nchild, 2);
	ck_assert_uint_eq(ri->child[1].up_ms, 7000);
	ck_assert_uint_eq(ri->nevent, EVENTS_AT + 2);
	events_assert_clean(ri);
	const struct ike_event *qm1 = &ri->event[EVENTS_AT - 1];
	const struct ike_event *qm2 = &ri->event[EVENTS_AT], *qm3 = &ri->event[EVENTS_AT + 1];
	ck_assert_int_eq(ri->event[EVENTS_AT - 2].kind, IKE_K_NOTIFY);
	ck_assert(qm1->sent && !qm2->sent && qm3->sent);
	ck_assert_int_eq(qm1->kind, IKE_K_QM1);
	ck_assert_int_eq(qm2->kind, IKE_K_QM2);
	ck_assert_int_eq(qm3->kind, IKE_K_QM3);
	ck_assert_uint_eq(qm2->time_ms, 7000);
	ck_assert_uint_eq(qm2->msgid, qm1->msgid);
	ck_assert_str_eq(qm2->note, "rekey");
	pair_free(&p);
}
END_TEST

Suite *suite_events(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("growth");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_events_dpd_in_silence);
	tcase_add_test(tc, test_events_rekey_qm2);
	suite_add_tcase(s, tc);
	return s;
}
