/* ike: the engine against itself over the in-memory hub, on virtual time. */
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/prf.h"
#include "ike/engine.h"
#include "wire/names.h"
#include "tests.h"

static const char test_psk[] = "ike-conform-psk";

struct pair {
	struct transport_hub *hub;
	struct transport *ti, *tr;
	struct netaddr ai, ar;
	struct ike_config ci, cr;
	struct ike_engine *ei, *er;
	uint64_t end;
};

static struct netaddr test_addr(const char *s)
{
	struct netaddr a;
	char err[128];
	ck_assert_msg(netaddr_parse(s, 500, &a, err, sizeof(err)), "%s", err);
	return a;
}

/* Two configs with the same proposals; the caller adjusts before start. */
static void pair_init(struct pair *p, const char *p1, const char *p2)
{
	char err[256];
	memset(p, 0, sizeof(*p));
	p->hub = transport_hub_new();
	p->ai = test_addr("192.0.2.1:500");
	p->ar = test_addr("192.0.2.2:500");
	p->ti = transport_mem_new(p->hub, &p->ai, 4500, err, sizeof(err));
	ck_assert_msg(p->ti, "%s", err);
	p->tr = transport_mem_new(p->hub, &p->ar, 4500, err, sizeof(err));
	ck_assert_msg(p->tr, "%s", err);
	struct ike_config *cs[2] = { &p->ci, &p->cr };
	for (int i = 0; i < 2; i++) {
		struct ike_config *c = cs[i];
		ike_config_init(c);
		c->role = i == 0 ? IKE_INITIATOR : IKE_RESPONDER;
		c->psk = CHUNK_FROM(test_psk, strlen(test_psk));
		struct ike_p1_xform x;
		ck_assert_msg(ike_p1_parse(p1, &x, err, sizeof(err)), "%s", err);
		ike_config_add_p1(c, x);
		if (p2) {
			struct ike_p2_xform y;
			ck_assert_msg(ike_p2_parse(p2, &y, err, sizeof(err)), "%s", err);
			ike_config_add_p2(c, y);
		}
	}
}

static void pair_start(struct pair *p, const struct ike_step *si, size_t nsi,
		       const struct ike_step *sr, size_t nsr)
{
	p->ei = ike_engine_new(&p->ci, p->ti, &p->ar, si, nsi, "init");
	p->er = ike_engine_new(&p->cr, p->tr, NULL, sr, nsr, "resp");
}

static void pair_run(struct pair *p)
{
	struct ike_engine *e[2] = { p->ei, p->er };
	p->end = ike_run(e, 2, p->hub, 0, 120000);
}

static void pair_free(struct pair *p)
{
	ike_engine_free(p->ei);
	ike_engine_free(p->er);
	transport_free(p->ti);
	transport_free(p->tr);
	transport_hub_free(p->hub);
}

static void assert_ok(struct ike_engine *e, const char *who)
{
	const struct ike_result *r = ike_engine_result(e);
	ck_assert_msg(r->finished && !r->failed, "%s: %s", who, r->error);
	ck_assert_msg(r->established, "%s: not established", who);
}

/* Both sides agree on the transform and on every child key, crossed. */
static void assert_children(struct pair *p, size_t n)
{
	const struct ike_result *ri = ike_engine_result(p->ei), *rr = ike_engine_result(p->er);
	ck_assert_uint_eq(ri->nchild, n);
	ck_assert_uint_eq(rr->nchild, n);
	for (size_t i = 0; i < n; i++) {
		const struct ike_child *a = &ri->child[i], *b = &rr->child[i];
		ck_assert_mem_eq(a->spi_in, b->spi_out, 4);
		ck_assert_mem_eq(a->spi_out, b->spi_in, 4);
		ck_assert(memcmp(a->spi_in, a->spi_out, 4) != 0);
		ck_assert_uint_eq(a->xf.transform, b->xf.transform);
		ck_assert_uint_eq(a->xf.auth, b->xf.auth);
		ck_assert_uint_eq(a->enc_out.len, ike_esp_enc_len(&a->xf));
		ck_assert_uint_eq(a->int_out.len, ike_esp_int_len(&a->xf));
		ck_assert(chunk_eq(a->enc_out, b->enc_in));
		ck_assert(chunk_eq(a->int_out, b->int_in));
		ck_assert(chunk_eq(a->enc_in, b->enc_out));
		ck_assert(chunk_eq(a->int_in, b->int_out));
		/* the two directions have different keys */
		ck_assert(a->enc_in.len == 0 || !chunk_eq(a->enc_in, a->enc_out));
		ck_assert(!chunk_eq(a->int_in, a->int_out) || a->int_in.len == 0);
	}
}

static void assert_same_p1(struct pair *p, const struct ike_p1_xform *want)
{
	const struct ike_result *ri = ike_engine_result(p->ei), *rr = ike_engine_result(p->er);
	const struct ike_p1_xform *a = &ri->p1, *b = &rr->p1;
	ck_assert_uint_eq(a->encr, want->encr);
	ck_assert_uint_eq(b->encr, want->encr);
	ck_assert_uint_eq(a->keylen, want->keylen);
	ck_assert_uint_eq(b->keylen, want->keylen);
	ck_assert_uint_eq(a->hash, want->hash);
	ck_assert_uint_eq(b->hash, want->hash);
	ck_assert_uint_eq(a->group, want->group);
	ck_assert_uint_eq(b->group, want->group);
	ck_assert_uint_eq(a->auth, want->auth);
	ck_assert_uint_eq(b->auth, want->auth);
	/* the same keys on both sides */
	struct ike_sa *si = ike_engine_sa(p->ei), *sr = ike_engine_sa(p->er);
	ck_assert(si->skeyid_d.len > 0);
	ck_assert(chunk_eq(si->skeyid_d, sr->skeyid_d));
	ck_assert(chunk_eq(si->enc_key, sr->enc_key));
	ck_assert_mem_eq(si->rcookie, sr->rcookie, 8);
}

/* ---- Main Mode PSK + Quick Mode ---- */

START_TEST(test_ike_mm_psk_qm)
{
	struct pair p;
	pair_init(&p, "aes128-sha256-modp2048", "aes128-sha1");
	pair_start(&p, NULL, 0, NULL, 0);
	pair_run(&p);
	assert_ok(p.ei, "initiator");
	assert_ok(p.er, "responder");
	struct ike_p1_xform want;
	char err[128];
	ck_assert(ike_p1_parse("aes128-sha256-modp2048", &want, err, sizeof(err)));
	assert_same_p1(&p, &want);
	assert_children(&p, 1);
	/* 6 + 3 messages, nothing lost or repeated */
	const struct ike_result *ri = ike_engine_result(p.ei);
	ck_assert_uint_eq(ri->nevent, 9);
	for (size_t i = 0; i < ri->nevent; i++) {
		ck_assert(!ri->event[i].retransmit && !ri->event[i].duplicate);
		ck_assert_int_eq(ri->event[i].sent, i % 2 == 0);
	}
	ck_assert_int_eq(ri->event[0].kind, IKE_K_MM1);
	ck_assert_int_eq(ri->event[5].kind, IKE_K_MM6);
	ck_assert(ri->event[4].plaintext.len > 0);  /* mm5 was encrypted */
	ck_assert_int_eq(ri->event[8].kind, IKE_K_QM3);
	pair_free(&p);
}
END_TEST

Suite *suite_ike(void)
{
	Suite *s = suite_create("ike");
	TCase *tc = tcase_create("engine");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ike_mm_psk_qm);
	suite_add_tcase(s, tc);
	return s;
}
