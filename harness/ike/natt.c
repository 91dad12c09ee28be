/* NAT traversal in IKE (RFC 3947; draft-ietf-ipsec-nat-t-ike-02/03).
 *
 * Both sides announce the versions they speak as vendor IDs in the first
 * two messages; the best common one decides the NAT-D payload type (20,
 * or 130 for the drafts) and the UDP encapsulation modes (3/4, or
 * 61443/61444). NAT-D payloads in the key-exchange messages carry
 * HASH(CKY-I | CKY-R | IP | port): first the address the sender sends to,
 * then its own. A hash that does not match what the receiver sees shows a
 * NAT on that side. With a NAT, the initiator moves IKE to the NAT-T port
 * for its next message (mm5, am3) and Quick Mode proposes UDP-encapsulated
 * ESP. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/hex.h"
#include "crypto/prf.h"
#include "ike/internal.h"
#include "ike/natt.h"
#include "wire/names.h"

static const struct {
	uint8_t version;
	const char *hex;
} ike_natt_vids[] = {
	{ IKE_NATT_RFC3947, "4a131c81070358455c5728f20e95452f" },
	{ IKE_NATT_DRAFT_03, "7d9419a65310ca6f2c179d9215529d56" },
	{ IKE_NATT_DRAFT_02, "cd60464335df21f87cfdb2fc68b6a448" },
	{ IKE_NATT_DRAFT_02, "90cb80913ebb696e086381b5ec427b1f" }, /* "-02\n" */
};
#define IKE_NATT_NVIDS (sizeof(ike_natt_vids) / sizeof(ike_natt_vids[0]))

static void ike_natt_vid_bytes(size_t i, uint8_t out[16])
{
	chunk_t c = CHUNK_EMPTY;
	if (!hex_decode(ike_natt_vids[i].hex, 32, &c) || c.len != 16)
		abort(); /* the table above is wrong */
	memcpy(out, c.ptr, 16);
	chunk_free(&c);
}

bool ike_sa_nat(const struct ike_sa *sa)
{
	return sa->natt_version && (sa->nat_local || sa->nat_peer || sa->cfg->natt_force);
}

uint16_t ike_sa_encap_wire(const struct ike_sa *sa, uint16_t encap)
{
	if (!ike_sa_nat(sa))
		return encap;
	bool transport = encap == IKE_ENCAP_TRANSPORT || encap == IKE_ENCAP_UDP_TRANSPORT ||
			 encap == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
	if (sa->natt_version == IKE_NATT_RFC3947)
		return transport ? IKE_ENCAP_UDP_TRANSPORT : IKE_ENCAP_UDP_TUNNEL;
	return transport ? IKE_ENCAP_UDP_TRANSPORT_DRAFT : IKE_ENCAP_UDP_TUNNEL_DRAFT;
}

void ike_natt_add_vids(struct ike_sa *sa, struct wire_msg *m)
{
	uint8_t vid[16];
	for (size_t i = 0; i < IKE_NATT_NVIDS; i++) {
		uint8_t v = ike_natt_vids[i].version;
		/* the initiator offers what it speaks; the responder names the
		   one version it chose */
		bool send = sa->initiator ? (sa->cfg->natt & IKE_NATT_BIT(v)) != 0
					  : v == sa->natt_version;
		if (!send)
			continue;
		ike_natt_vid_bytes(i, vid);
		wire_add_data(m, WIRE_PL_VID, vid, 16);
		if (!sa->initiator)
			break;
	}
}

void ike_natt_take_vids(struct ike_sa *sa, const struct wire_msg *m)
{
	uint8_t best = IKE_NATT_NONE, vid[16];
	const struct wire_node *n;
	for (size_t k = 0; (n = wire_find(m, WIRE_PL_VID, k)); k++) {
		if (n->data.len != 16)
			continue;
		for (size_t i = 0; i < IKE_NATT_NVIDS; i++) {
			uint8_t v = ike_natt_vids[i].version;
			ike_natt_vid_bytes(i, vid);
			if (memcmp(n->data.ptr, vid, 16) == 0 && (sa->cfg->natt & IKE_NATT_BIT(v)) &&
			    v > best)
				best = v;
		}
	}
	sa->natt_version = best;
}

static uint8_t ike_natd_type(const struct ike_sa *sa)
{
	return sa->natt_version == IKE_NATT_RFC3947 ? WIRE_PL_NATD : WIRE_PL_NATD_DRAFT;
}

/* HASH(CKY-I | CKY-R | IP | port) with the negotiated hash. */
static bool ike_natd_hash(const struct ike_sa *sa, const struct netaddr *a, chunk_t *out,
			  struct ike_status *st)
{
	uint8_t port[2] = { (uint8_t)(a->port >> 8), (uint8_t)a->port };
	chunk_t parts[4] = {
		CHUNK_FROM(sa->icookie, 8), CHUNK_FROM(sa->rcookie, 8),
		CHUNK_FROM(a->ip, netaddr_iplen(a)), CHUNK_FROM(port, 2),
	};
	struct crypto_err ce;
	if (!prf_hashv(sa->xf.hash, 4, parts, out, &ce))
		return ike_crypto_fail(st, 0, "NAT-D", ce.msg);
	return true;
}

bool ike_natt_add_natd(struct ike_sa *sa, struct wire_msg *m, struct ike_status *st)
{
	if (!sa->natt_version)
		return true;
	chunk_t h = CHUNK_EMPTY;
	if (!ike_natd_hash(sa, &sa->peer, &h, st))
		return false;
	wire_add_data(m, ike_natd_type(sa), h.ptr, h.len);
	chunk_free(&h);
	struct netaddr self = sa->local;
	if (sa->cfg->natt_force)
		/* an address nobody has: the peer must conclude we are behind
		   a NAT and float with us */
		self.port ^= 0xffff;
	if (!ike_natd_hash(sa, &self, &h, st))
		return false;
	wire_add_data(m, ike_natd_type(sa), h.ptr, h.len);
	chunk_free(&h);
	return true;
}

bool ike_natt_take_natd(struct ike_sa *sa, const struct wire_msg *m, struct ike_status *st)
{
	if (!sa->natt_version)
		return true;
	uint8_t type = ike_natd_type(sa);
	const struct wire_node *first = wire_find(m, type, 0);
	if (!first)
		return true; /* no NAT-D: the peer saw no reason to look */
	chunk_t ours = CHUNK_EMPTY, theirs = CHUNK_EMPTY;
	if (!ike_natd_hash(sa, &sa->local, &ours, st))
		return false;
	if (!ike_natd_hash(sa, &sa->peer, &theirs, st)) {
		chunk_free(&ours);
		return false;
	}
	const struct wire_node *n;
	bool ok = true, peer_seen = false;
	for (size_t i = 0; ok && (n = wire_find(m, type, i)); i++) {
		if (n->data.len != ours.len) {
			ok = ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, "NAT-D", "data",
				      "NAT-D payload at offset %zu: %zu bytes, the hash has %zu",
				      n->offset, n->data.len, ours.len);
			break;
		}
		if (i == 0)
			sa->nat_local = memcmp(n->data.ptr, ours.ptr, ours.len) != 0;
		else if (memcmp(n->data.ptr, theirs.ptr, theirs.len) == 0)
			peer_seen = true;
	}
	if (ok) {
		sa->natd_rx = true;
		sa->nat_peer = !peer_seen;
	}
	chunk_free(&ours);
	chunk_free(&theirs);
	return ok;
}

void ike_natt_float(struct ike_sa *sa)
{
	if (sa->natt_floated || !ike_sa_nat(sa))
		return;
	sa->natt_floated = true;
	sa->peer.port = sa->cfg->natt_peer_port ? sa->cfg->natt_peer_port : IKE_NATT_PORT;
}

/* ---- NAT-OA (RFC 3947 5.2; drafts 02/03) ---- */

static bool ike_natt_transport(uint16_t encap)
{
	return encap == IKE_ENCAP_TRANSPORT || encap == IKE_ENCAP_UDP_TRANSPORT ||
	       encap == IKE_ENCAP_UDP_TRANSPORT_DRAFT;
}

static uint8_t ike_natoa_type(const struct ike_sa *sa)
{
	return sa->natt_version == IKE_NATT_RFC3947 ? WIRE_PL_NATOA : WIRE_PL_NATOA_DRAFT;
}

static void ike_natoa_add(struct wire_msg *m, uint8_t type, const struct netaddr *a)
{
	/* ID_IPV4_ADDR or ID_IPV6_ADDR, the address alone */
	wire_add_typed(m, type, a->family == AF_INET6 ? 5 : 1, a->ip, netaddr_iplen(a));
}

void ike_natt_add_natoa(const struct ike_sa *sa, const struct ike_qm *qm, struct wire_msg *m)
{
	if (!ike_sa_nat(sa))
		return;
	/* the initiator sends them when it proposes UDP-transport, the
	   responder only when it chose it; tunnel mode needs no checksum fixup */
	bool transport = false;
	if (qm->initiator)
		for (size_t i = 0; i < sa->cfg->np2; i++)
			transport |= ike_natt_transport(sa->cfg->p2[i].encap);
	else
		transport = qm->chosen && ike_natt_transport(qm->xf.encap);
	if (!transport)
		return;
	uint8_t type = ike_natoa_type(sa);
	if (sa->natt_version != IKE_NATT_RFC3947) {
		/* the drafts: one payload, the sender's own address */
		ike_natoa_add(m, type, &sa->local);
		return;
	}
	/* NAT-OAi then NAT-OAr, each as the sender knows it */
	ike_natoa_add(m, type, qm->initiator ? &sa->local : &sa->peer);
	ike_natoa_add(m, type, qm->initiator ? &sa->peer : &sa->local);
}

static bool ike_natoa_addr(const struct wire_node *n, struct netaddr *out, struct ike_status *st)
{
	const char *name = n->type == WIRE_PL_NATOA ? "NAT-OA" : "NAT-OA(draft)";
	if (n->subtype != 1 && n->subtype != 5)
		return ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, name, "type",
				"%s payload at offset %zu: ID type %u, must be ID_IPV4_ADDR or "
				"ID_IPV6_ADDR", name, n->offset, n->subtype);
	size_t want = n->subtype == 1 ? 4 : 16;
	if (n->data.len != want)
		return ike_fail(st, WIRE_N_PAYLOAD_MALFORMED, name, "data",
				"%s payload at offset %zu: %zu-byte address, ID type %u needs %zu",
				name, n->offset, n->data.len, n->subtype, want);
	memset(out, 0, sizeof(*out));
	out->family = n->subtype == 1 ? AF_INET : AF_INET6;
	memcpy(out->ip, n->data.ptr, want);
	return true;
}

bool ike_natt_take_natoa(const struct ike_sa *sa, struct ike_qm *qm, const struct wire_msg *m,
			 struct ike_status *st)
{
	uint8_t type = ike_natoa_type(sa);
	uint8_t other = type == WIRE_PL_NATOA ? WIRE_PL_NATOA_DRAFT : WIRE_PL_NATOA;
	const struct wire_node *n = wire_find(m, other, 0);
	if (!n && !sa->natt_version)
		n = wire_find(m, type, 0);
	if (n)
		return ike_fail(st, WIRE_N_INVALID_PAYLOAD_TYPE, n->type == WIRE_PL_NATOA ? "NAT-OA"
				: "NAT-OA(draft)", "next_payload", "payload type %u at offset %zu: "
				"not the NAT-OA of the agreed NAT-T version", n->type, n->offset);
	const struct wire_node *a = wire_find(m, type, 0), *b = wire_find(m, type, 1);
	if (!a)
		return true;
	struct netaddr x, y;
	if (!ike_natoa_addr(a, &x, st) || (b && !ike_natoa_addr(b, &y, st)))
		return false;
	if (sa->natt_version == IKE_NATT_RFC3947) {
		qm->natoa_i = x;
		qm->natoa_i_set = true;
		if (b) {
			qm->natoa_r = y;
			qm->natoa_r_set = true;
		}
	} else if (qm->initiator) {
		/* a draft's one payload: the sender's own address */
		qm->natoa_r = x;
		qm->natoa_r_set = true;
	} else {
		qm->natoa_i = x;
		qm->natoa_i_set = true;
	}
	return true;
}
