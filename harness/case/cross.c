/* The cross-check: the harness's record of the SAs against the peer's
 * own view, field by field. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case/internal.h"
#include "core/hex.h"

/* ---- the cross-check ---- */

/* Lifetimes are compared when both sides state one; the peer's may be
 * read a second or two after it was installed. */

static bool case_life_differs(uint32_t ours, uint32_t theirs)
{
	if (!ours || !theirs)
		return false;
	return ours > theirs ? ours - theirs > 2 : theirs - ours > 2;
}

bool case_cross_check(const struct ike_p1_xform *p1, const struct ike_child *child,
			 const struct peer_sa_view *v, char *why, size_t len)
{
	char d[1024] = "";
	char a[16], b[16];
	if (!v->present)
		case_add(d, sizeof(d), "the peer has no established IKE SA; ");
	else {
		if (v->encr != p1->encr)
			case_add(d, sizeof(d), "IKE encryption %u vs %u; ", p1->encr, v->encr);
		/* the peer may leave the key size of a fixed-size cipher unsaid */
		struct ike_p1_xform vx = { .encr = v->encr, .keylen = v->keylen };
		if (v->keylen && ike_p1_keybits(&vx) != ike_p1_keybits(p1))
			case_add(d, sizeof(d), "IKE key size %u vs %u; ", ike_p1_keybits(p1),
				    v->keylen);
		if (v->hash != p1->hash)
			case_add(d, sizeof(d), "IKE hash/PRF %u vs %u; ", p1->hash, v->hash);
		if (v->group != p1->group)
			case_add(d, sizeof(d), "DH group %u vs %u; ", p1->group, v->group);
		if (case_life_differs(p1->life_sec, v->life_sec))
			case_add(d, sizeof(d), "IKE lifetime %" PRIu32 "s vs %" PRIu32 "s; ",
				    p1->life_sec, v->life_sec);
	}
	if (!v->child.present) {
		if (child)  /* none asked for (Phase 1 only): none to have */
			case_add(d, sizeof(d), "the peer has no child SA; ");
	} else if (!child)
		case_add(d, sizeof(d), "the harness has no child SA; ");
	else {
		const struct peer_child_view *c = &v->child;
		if (c->transform != child->xf.transform)
			case_add(d, sizeof(d), "ESP transform %u vs %u; ", child->xf.transform,
				    c->transform);
		struct ike_p2_xform cx = { .transform = c->transform, .keylen = c->keylen };
		if (c->keylen && ike_p2_keybits(&cx) != ike_p2_keybits(&child->xf))
			case_add(d, sizeof(d), "ESP key size %u vs %u; ", child->xf.keylen, c->keylen);
		if (c->auth != child->xf.auth)
			case_add(d, sizeof(d), "ESP integrity %u vs %u; ", child->xf.auth, c->auth);
		if (c->group != child->xf.group)
			case_add(d, sizeof(d), "PFS group %u vs %u; ", child->xf.group, c->group);
		if (case_life_differs(child->xf.life_sec, c->life_sec))
			case_add(d, sizeof(d), "ESP lifetime %" PRIu32 "s vs %" PRIu32 "s; ",
				    child->xf.life_sec, c->life_sec);
		if (c->encap != ike_encap_is_udp(child->xf.encap))
			case_add(d, sizeof(d), "UDP encapsulation %s vs %s; ",
				    ike_encap_is_udp(child->xf.encap) ? "yes" : "no",
				    c->encap ? "yes" : "no");
		if (memcmp(c->spi_in, child->spi_out, 4) || memcmp(c->spi_out, child->spi_in, 4)) {
			char pi[9], po[9];
			hex_encode(child->spi_in, 4, a);
			hex_encode(child->spi_out, 4, b);
			hex_encode(c->spi_in, 4, pi);
			hex_encode(c->spi_out, 4, po);
			case_add(d, sizeof(d), "SPIs not crossed: harness in %s out %s, peer in %s "
				    "out %s; ", a, b, pi, po);
		}
	}
	if (!d[0])
		return true;
	char x1[64], x2[64];
	if (child) {
		hex_encode(child->spi_in, 4, a);
		hex_encode(child->spi_out, 4, b);
	} else {
		snprintf(a, sizeof(a), "-");
		snprintf(b, sizeof(b), "-");
	}
	snprintf(why, len, "views differ (harness vs peer): %s\n  harness: %s, child %s spi in %s out %s\n"
		 "  peer: %.1500s", d, ike_p1_str(p1, x1, sizeof(x1)),
		 child ? ike_p2_str(&child->xf, x2, sizeof(x2)) : "none", a, b, v->raw);
	return false;
}
