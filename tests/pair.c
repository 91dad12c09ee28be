/* The engine-pair fixture (pair.h); no suite of its own. */
#include <string.h>

#include "pair.h"
#include "tests.h"

const char test_psk[] = "ike-conform-psk";

struct netaddr test_addr(const char *s)
{
	struct netaddr a;
	char err[128];
	ck_assert_msg(netaddr_parse(s, 500, &a, err, sizeof(err)), "%s", err);
	return a;
}

void pair_init(struct pair *p, const char *p1, const char *p2)
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

void pair_start(struct pair *p, const struct ike_step *si, size_t nsi,
		const struct ike_step *sr, size_t nsr)
{
	p->ei = ike_engine_new(&p->ci, p->ti, &p->ar, si, nsi, "init");
	p->er = ike_engine_new(&p->cr, p->tr, NULL, sr, nsr, "resp");
}

void pair_run_until(struct pair *p, uint64_t end_ms)
{
	struct ike_engine *e[2] = { p->ei, p->er };
	p->end = ike_run(e, 2, p->hub, 0, end_ms);
}

void pair_run(struct pair *p)
{
	pair_run_until(p, 120000);
}

void pair_free(struct pair *p)
{
	ike_engine_free(p->ei);
	ike_engine_free(p->er);
	transport_free(p->ti);
	transport_free(p->tr);
	transport_hub_free(p->hub);
}
