/* The kernel data plane through libnl-xfrm-3 (see xfrm.h). */
#include "esp/xfrm.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/xfrm/lifetime.h>
#include <netlink/xfrm/sa.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>
#include <netlink/xfrm/template.h>

#include "core/chunk.h"
#include "netns/netns.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif

/* RFC 2407 4.6.2.1 identification types of a Quick Mode client ID */
enum { ESP_XFRM_ID_IPV4 = 1, ESP_XFRM_ID_IPV4_SUBNET = 4, ESP_XFRM_ID_IPV6 = 5,
       ESP_XFRM_ID_IPV6_SUBNET = 6, ESP_XFRM_ID_IPV4_RANGE = 7, ESP_XFRM_ID_IPV6_RANGE = 8 };

#define ESP_XFRM_MAX_PREFIXES 8       /* per selector side, after splitting ranges */
#define ESP_XFRM_REPLAY_WINDOW 32     /* the most the legacy replay state holds */
#define ESP_XFRM_PRIORITY 2000        /* minus the prefix lengths: specific wins */

struct esp_xfrm_prefix {
	int family;
	uint8_t ip[16];
	uint8_t plen;
};

/* What deleting needs, kept for every object installed. */
struct esp_xfrm_state {
	struct netaddr dst;
	uint32_t spi;                 /* host order */
};

struct esp_xfrm_policy {
	struct esp_xfrm_prefix src, dst;
	uint8_t proto;
	uint16_t sport, dport;        /* 0: any */
	uint8_t dir;                  /* XFRM_POLICY_IN, _OUT, _FWD */
};

struct esp_xfrm_child {
	struct esp_xfrm_state in, out;
	uint32_t reqid;
};

struct esp_xfrm {
	char ns[NETNS_NAME_MAX];      /* "" : the caller's namespace */
	struct nl_sock *sk;
	char ack[256];                /* the kernel's message for the last error */
	int ack_errno;                /* and its errno (0: none seen) */
	struct esp_xfrm_child *child;
	size_t nchild;
	struct esp_xfrm_state *sa;    /* every SA installed, in order */
	size_t nsa;
	struct esp_xfrm_policy *sp;
	size_t nsp;
};

static const char *esp_xfrm_nsname(const struct esp_xfrm *x)
{
	return x->ns[0] ? x->ns : "(ours)";
}

/* ---- the netlink extended ack: the kernel's own words ---- */

/* libnl-3.7 ignores the TLVs after the echoed request; keep the message
 * (NLMSGERR_ATTR_MSG) and let libnl turn the errno into its code. */
static int esp_xfrm_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	struct esp_xfrm *x = arg;
	const struct nlmsghdr *h = (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	x->ack[0] = 0;
	x->ack_errno = -e->error;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	size_t payload = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	size_t total = h->nlmsg_len - NLMSG_HDRLEN, off = NLMSG_ALIGN(payload);
	while (off + NLA_HDRLEN <= total) {
		const struct nlattr *a = (const struct nlattr *)((const char *)e + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > total)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;
			if (n >= sizeof(x->ack))
				n = sizeof(x->ack) - 1;
			memcpy(x->ack, (const char *)a + NLA_HDRLEN, n);
			x->ack[n] = 0;
			/* "Requested type not found." as iproute2 prints it, without the dot */
			size_t l = strlen(x->ack);
			while (l && (x->ack[l - 1] == '.' || x->ack[l - 1] == '\n'))
				x->ack[--l] = 0;
			break;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return NL_STOP;
}

/* "Protocol not supported (kernel: Requested type not found)": the
 * kernel's errno as such when it sent one (libnl folds several into one
 * code: EPROTONOSUPPORT reads "Protocol mismatch"), else nl_geterror. */
static const char *esp_xfrm_why(struct esp_xfrm *x, int r, char *buf, size_t len)
{
	const char *e = x->ack_errno > 0 ? strerror(x->ack_errno) : nl_geterror(r);
	if (x->ack[0])
		snprintf(buf, len, "%s (kernel: %s)", e, x->ack);
	else
		snprintf(buf, len, "%s", e);
	return buf;
}

/* ---- addresses, selectors, templates ---- */

static struct nl_addr *esp_xfrm_addr(int family, const uint8_t *ip, unsigned plen)
{
	struct nl_addr *a = nl_addr_build(family, ip, family == AF_INET ? 4 : 16);
	if (!a)
		abort();
	nl_addr_set_prefixlen(a, (int)plen);
	return a;
}

static struct nl_addr *esp_xfrm_netaddr(const struct netaddr *n)
{
	return esp_xfrm_addr(n->family, n->ip, (unsigned)netaddr_iplen(n) * 8);
}

static const char *esp_xfrm_prefix_str(const struct esp_xfrm_prefix *p, char *buf, size_t len)
{
	struct nl_addr *a = esp_xfrm_addr(p->family, p->ip, p->plen);
	nl_addr2str(a, buf, len);
	nl_addr_put(a);
	return buf;
}

static struct xfrmnl_sel *esp_xfrm_sel(const struct esp_xfrm_prefix *src,
				       const struct esp_xfrm_prefix *dst, uint8_t proto,
				       uint16_t sport, uint16_t dport)
{
	struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
	if (!sel)
		abort();
	struct nl_addr *s = esp_xfrm_addr(src->family, src->ip, src->plen);
	struct nl_addr *d = esp_xfrm_addr(dst->family, dst->ip, dst->plen);
	xfrmnl_sel_set_saddr(sel, s);
	xfrmnl_sel_set_daddr(sel, d);
	nl_addr_put(s);
	nl_addr_put(d);
	xfrmnl_sel_set_family(sel, (unsigned)src->family);
	xfrmnl_sel_set_prefixlen_s(sel, src->plen);
	xfrmnl_sel_set_prefixlen_d(sel, dst->plen);
	xfrmnl_sel_set_proto(sel, proto);
	xfrmnl_sel_set_sport(sel, sport);
	xfrmnl_sel_set_sportmask(sel, sport ? 0xffff : 0);
	xfrmnl_sel_set_dport(sel, dport);
	xfrmnl_sel_set_dportmask(sel, dport ? 0xffff : 0);
	return sel;
}

/* Limits: XFRM_INF unless the child has a lifetime (0 would expire the SA
 * at once: the kernel compares the counters against these). */
static struct xfrmnl_ltime_cfg *esp_xfrm_lifetime(const struct ike_p2_xform *xf)
{
	struct xfrmnl_ltime_cfg *l = xfrmnl_ltime_cfg_alloc();
	if (!l)
		abort();
	unsigned long long hb = XFRM_INF, sb = XFRM_INF;
	if (xf && xf->life_kb) {
		hb = (unsigned long long)xf->life_kb * 1024;
		sb = hb / 10 * 9;
	}
	xfrmnl_ltime_cfg_set_soft_bytelimit(l, sb);
	xfrmnl_ltime_cfg_set_hard_bytelimit(l, hb);
	xfrmnl_ltime_cfg_set_soft_packetlimit(l, XFRM_INF);
	xfrmnl_ltime_cfg_set_hard_packetlimit(l, XFRM_INF);
	if (xf && xf->life_sec) {
		xfrmnl_ltime_cfg_set_hard_addexpires(l, xf->life_sec);
		xfrmnl_ltime_cfg_set_soft_addexpires(l, xf->life_sec > 10 ?
						      (unsigned long long)xf->life_sec / 10 * 9 :
						      xf->life_sec);
	}
	return l;
}

/* ---- traffic selectors into prefixes ---- */

__extension__ typedef unsigned __int128 esp_xfrm_u128;

static esp_xfrm_u128 esp_xfrm_ip_get(const uint8_t *ip, size_t n)
{
	esp_xfrm_u128 v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | ip[i];
	return v;
}

static void esp_xfrm_ip_put(esp_xfrm_u128 v, uint8_t *ip, size_t n)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		ip[i] = (uint8_t)v;
}

/* The smallest set of prefixes covering first..last (RFC 2407 ranges). */
static bool esp_xfrm_range(int family, const uint8_t *first, const uint8_t *last,
			   struct esp_xfrm_prefix *out, size_t *n, char *err, size_t errlen)
{
	size_t bytes = family == AF_INET ? 4 : 16;
	unsigned bits = (unsigned)bytes * 8;
	esp_xfrm_u128 s = esp_xfrm_ip_get(first, bytes), e = esp_xfrm_ip_get(last, bytes);
	if (s > e) {
		snprintf(err, errlen, "the range's end is before its start");
		return false;
	}
	for (;;) {
		/* the biggest block aligned at s that ends at or before e */
		unsigned k = 0;
		esp_xfrm_u128 mask = 0;
		while (k < bits) {
			esp_xfrm_u128 m2 = k + 1 == 128 ? ~(esp_xfrm_u128)0 : ((esp_xfrm_u128)1 << (k + 1)) - 1;
			if ((s & m2) || s + m2 > e)
				break;
			mask = m2;
			k++;
		}
		if (*n == ESP_XFRM_MAX_PREFIXES) {
			snprintf(err, errlen, "the range needs more than %d prefixes",
				 ESP_XFRM_MAX_PREFIXES);
			return false;
		}
		out[*n].family = family;
		memset(out[*n].ip, 0, sizeof(out[*n].ip));
		esp_xfrm_ip_put(s, out[*n].ip, bytes);
		out[*n].plen = (uint8_t)(bits - k);
		(*n)++;
		if ((s | mask) >= e)
			return true;
		s = (s | mask) + 1;
	}
}

/* The prefixes of one side: the client ID, or the IKE address itself when
 * the Quick Mode had no client IDs (RFC 2409 5.5). */
static bool esp_xfrm_ts(const struct ike_ts *ts, const struct netaddr *host,
			struct esp_xfrm_prefix *out, size_t *n, char *err, size_t errlen)
{
	*n = 0;
	memset(out, 0, sizeof(*out));
	if (!ts->set) {
		out->family = host->family;
		memcpy(out->ip, host->ip, netaddr_iplen(host));
		out->plen = (uint8_t)(netaddr_iplen(host) * 8);
		*n = 1;
		return true;
	}
	bool v4 = ts->type == ESP_XFRM_ID_IPV4 || ts->type == ESP_XFRM_ID_IPV4_SUBNET ||
		  ts->type == ESP_XFRM_ID_IPV4_RANGE;
	size_t l = v4 ? 4 : 16;
	out->family = v4 ? AF_INET : AF_INET6;
	switch (ts->type) {
	case ESP_XFRM_ID_IPV4:
	case ESP_XFRM_ID_IPV6:
		if (ts->len != l)
			break;
		memcpy(out->ip, ts->data, l);
		out->plen = (uint8_t)(l * 8);
		*n = 1;
		return true;
	case ESP_XFRM_ID_IPV4_SUBNET:
	case ESP_XFRM_ID_IPV6_SUBNET: {
		if (ts->len != 2 * l)
			break;
		unsigned plen = 0;
		bool hole = false;
		for (size_t i = 0; i < l * 8; i++) {
			bool one = ts->data[l + i / 8] >> (7 - i % 8) & 1;
			if (one && hole) {
				snprintf(err, errlen, "the subnet mask is not contiguous");
				return false;
			}
			if (one)
				plen++;
			else
				hole = true;
		}
		for (size_t i = 0; i < l; i++)
			out->ip[i] = ts->data[i] & ts->data[l + i];
		out->plen = (uint8_t)plen;
		*n = 1;
		return true;
	}
	case ESP_XFRM_ID_IPV4_RANGE:
	case ESP_XFRM_ID_IPV6_RANGE:
		if (ts->len != 2 * l)
			break;
		return esp_xfrm_range(out->family, ts->data, ts->data + l, out, n, err, errlen);
	default:
		snprintf(err, errlen, "client ID type %u is no address", ts->type);
		return false;
	}
	snprintf(err, errlen, "client ID type %u with %zu bytes", ts->type, ts->len);
	return false;
}

bool esp_xfrm_ts_str(const struct ike_ts *ts, const struct netaddr *host, char *out, size_t len,
		     char *err, size_t errlen)
{
	struct esp_xfrm_prefix p[ESP_XFRM_MAX_PREFIXES];
	size_t n = 0, used = 0;
	if (!esp_xfrm_ts(ts, host, p, &n, err, errlen))
		return false;
	if (len)
		out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char b[80];
		int w = snprintf(out + used, len > used ? len - used : 0, "%s%s", i ? " " : "",
				 esp_xfrm_prefix_str(&p[i], b, sizeof(b)));
		used += w > 0 ? (size_t)w : 0;
	}
	return true;
}

/* ---- algorithms ---- */

struct esp_xfrm_algs {
	const char *enc, *auth;
	unsigned enc_bits, icv_bits, trunc_bits;
	bool aead;
};

static bool esp_xfrm_algs(const struct ike_p2_xform *xf, const struct ike_child *c,
			  struct esp_xfrm_algs *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	size_t el = ike_esp_enc_len(xf), il = ike_esp_int_len(xf);
	switch (xf->transform) {
	case IKE_ESP_DES: a->enc = "cbc(des)"; break;
	case IKE_ESP_3DES: a->enc = "cbc(des3_ede)"; break;
	case IKE_ESP_AES: a->enc = "cbc(aes)"; break;
	case IKE_ESP_NULL: a->enc = "ecb(cipher_null)"; break;
	case IKE_ESP_AES_GCM_8: a->enc = "rfc4106(gcm(aes))"; a->icv_bits = 64; break;
	case IKE_ESP_AES_GCM_12: a->enc = "rfc4106(gcm(aes))"; a->icv_bits = 96; break;
	case IKE_ESP_AES_GCM_16: a->enc = "rfc4106(gcm(aes))"; a->icv_bits = 128; break;
	default:
		snprintf(err, errlen, "ESP transform %u is not supported", xf->transform);
		return false;
	}
	a->aead = a->icv_bits != 0;
	a->enc_bits = (unsigned)el * 8;
	if (xf->transform == IKE_ESP_AES && xf->keylen && xf->keylen != 128 && xf->keylen != 192 &&
	    xf->keylen != 256) {
		snprintf(err, errlen, "AES key length %u", xf->keylen);
		return false;
	}
	if (a->aead && xf->auth != IKE_EAUTH_NONE) {
		snprintf(err, errlen, "AES-GCM with an integrity algorithm (%u)", xf->auth);
		return false;
	}
	switch (xf->auth) {
	case IKE_EAUTH_NONE: break;
	case IKE_EAUTH_MD5: a->auth = "hmac(md5)"; a->trunc_bits = 96; break;
	case IKE_EAUTH_SHA1: a->auth = "hmac(sha1)"; a->trunc_bits = 96; break;
	case IKE_EAUTH_SHA256: a->auth = "hmac(sha256)"; a->trunc_bits = 128; break;
	case IKE_EAUTH_SHA384: a->auth = "hmac(sha384)"; a->trunc_bits = 192; break;
	case IKE_EAUTH_SHA512: a->auth = "hmac(sha512)"; a->trunc_bits = 256; break;
	default:
		snprintf(err, errlen, "ESP authentication algorithm %u is not supported", xf->auth);
		return false;
	}
	if (xf->transform == IKE_ESP_NULL && !a->auth) {
		snprintf(err, errlen, "ESP with neither encryption nor integrity");
		return false;
	}
	/* keys as KEYMAT gives them: both directions, the sizes of the transform */
	if (c->enc_in.len != el || c->enc_out.len != el || c->int_in.len != il ||
	    c->int_out.len != il) {
		snprintf(err, errlen, "key sizes: encryption %zu/%zu, integrity %zu/%zu bytes; the "
			 "transform needs %zu and %zu", c->enc_in.len, c->enc_out.len, c->int_in.len,
			 c->int_out.len, el, il);
		return false;
	}
	return true;
}

/* ---- the object ---- */

struct esp_xfrm *esp_xfrm_new(const char *ns, char *err, size_t errlen)
{
	struct netns_saved saved = { -1 };
	char lerr[200];
	if (ns && !netns_enter(ns, &saved, err, errlen))
		return NULL;
	/* the socket stays bound to the namespace it was made in */
	struct nl_sock *sk = nl_socket_alloc();
	int r = sk ? nl_connect(sk, NETLINK_XFRM) : -NLE_NOMEM;
	bool ok = r == 0;
	if (!ok)
		snprintf(err, errlen, "namespace %s: netlink XFRM socket: %s%s", ns ? ns : "(ours)",
			 nl_geterror(r), r == -NLE_PROTO_MISMATCH || r == -NLE_OPNOTSUPP ?
			 " (no CONFIG_XFRM_USER?)" : "");
	if (ns && !netns_leave(&saved, lerr, sizeof(lerr))) {
		snprintf(err, errlen, "namespace %s: %s", ns, lerr);
		ok = false;
	}
	if (!ok) {
		nl_socket_free(sk);
		return NULL;
	}
	struct esp_xfrm *x = xcalloc(1, sizeof(*x));
	snprintf(x->ns, sizeof(x->ns), "%s", ns ? ns : "");
	x->sk = sk;
	int one = 1;
	/* without it the kernel says only the errno */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, esp_xfrm_err_cb, x);
	return x;
}

size_t esp_xfrm_nchild(const struct esp_xfrm *x)
{
	return x ? x->nchild : 0;
}

static int esp_xfrm_sa_del(struct esp_xfrm *x, const struct esp_xfrm_state *s)
{
	struct xfrmnl_sa *sa = xfrmnl_sa_alloc();
	if (!sa)
		return -NLE_NOMEM;
	struct nl_addr *d = esp_xfrm_netaddr(&s->dst);
	xfrmnl_sa_set_family(sa, (unsigned)s->dst.family);
	xfrmnl_sa_set_daddr(sa, d);
	xfrmnl_sa_set_spi(sa, s->spi);
	xfrmnl_sa_set_proto(sa, IPPROTO_ESP);
	x->ack[0] = 0;
	x->ack_errno = 0;
	int r = xfrmnl_sa_delete(x->sk, sa, 0);
	nl_addr_put(d);
	xfrmnl_sa_put(sa);
	return r;
}

static int esp_xfrm_sp_del(struct esp_xfrm *x, const struct esp_xfrm_policy *p)
{
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	if (!sp)
		return -NLE_NOMEM;
	struct xfrmnl_sel *sel = esp_xfrm_sel(&p->src, &p->dst, p->proto, p->sport, p->dport);
	xfrmnl_sp_set_sel(sp, sel);
	xfrmnl_sel_put(sel);
	xfrmnl_sp_set_dir(sp, p->dir);
	x->ack[0] = 0;
	x->ack_errno = 0;
	int r = xfrmnl_sp_delete(x->sk, sp, 0);
	xfrmnl_sp_put(sp);
	return r;
}

static const char *esp_xfrm_dir_name(uint8_t dir)
{
	return dir == XFRM_POLICY_IN ? "in" : dir == XFRM_POLICY_OUT ? "out" : "fwd";
}

/* Remove SAs and policies from index sa0 and sp0 on (the newest first). */
static bool esp_xfrm_remove_from(struct esp_xfrm *x, size_t sa0, size_t sp0, char *err,
				 size_t errlen)
{
	bool ok = true;
	char why[400], a[80], b[80];
	while (x->nsp > sp0) {
		const struct esp_xfrm_policy *p = &x->sp[--x->nsp];
		int r = esp_xfrm_sp_del(x, p);
		/* gone already (a flush by someone else): nothing left to remove */
		if (r < 0 && r != -NLE_OBJ_NOTFOUND && ok) {
			ok = false;
			snprintf(err, errlen, "namespace %s: deleting policy %s %s -> %s: %s",
				 esp_xfrm_nsname(x), esp_xfrm_dir_name(p->dir),
				 esp_xfrm_prefix_str(&p->src, a, sizeof(a)),
				 esp_xfrm_prefix_str(&p->dst, b, sizeof(b)), esp_xfrm_why(x, r, why, sizeof(why)));
		}
	}
	while (x->nsa > sa0) {
		const struct esp_xfrm_state *s = &x->sa[--x->nsa];
		int r = esp_xfrm_sa_del(x, s);
		if (r < 0 && r != -NLE_OBJ_NOTFOUND && ok) {
			ok = false;
			snprintf(err, errlen, "namespace %s: deleting SA 0x%08x: %s", esp_xfrm_nsname(x),
				 s->spi, esp_xfrm_why(x, r, why, sizeof(why)));
		}
	}
	return ok;
}

/* One SA: src -> dst with spi and these keys. */
static bool esp_xfrm_sa_add(struct esp_xfrm *x, const struct ike_child *c, bool tunnel,
			    bool udp, uint32_t reqid, const struct esp_xfrm_algs *al,
			    const struct netaddr *src, const struct netaddr *dst, uint32_t spi,
			    chunk_t enc, chunk_t integ, const struct esp_xfrm_prefix *sel_src,
			    const struct esp_xfrm_prefix *sel_dst, const char *dirname, char *err,
			    size_t errlen)
{
	struct xfrmnl_sa *sa = xfrmnl_sa_alloc();
	if (!sa)
		abort();
	struct nl_addr *s = esp_xfrm_netaddr(src), *d = esp_xfrm_netaddr(dst);
	xfrmnl_sa_set_family(sa, (unsigned)dst->family);
	xfrmnl_sa_set_daddr(sa, d);
	xfrmnl_sa_set_saddr(sa, s);
	xfrmnl_sa_set_spi(sa, spi);
	xfrmnl_sa_set_proto(sa, IPPROTO_ESP);
	xfrmnl_sa_set_mode(sa, tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT);
	xfrmnl_sa_set_reqid(sa, reqid);
	xfrmnl_sa_set_replay_window(sa, ESP_XFRM_REPLAY_WINDOW);
	struct xfrmnl_ltime_cfg *l = esp_xfrm_lifetime(&c->xf);
	xfrmnl_sa_set_lifetime_cfg(sa, l);
	xfrmnl_ltime_cfg_put(l);
	if (!tunnel) {
		/* transport mode: the SA carries only its hosts' traffic */
		struct xfrmnl_sel *sel = esp_xfrm_sel(sel_src, sel_dst, 0, 0, 0);
		xfrmnl_sa_set_sel(sa, sel);
		xfrmnl_sel_put(sel);
	}
	if (al->aead)
		xfrmnl_sa_set_aead_params(sa, al->enc, al->enc_bits, al->icv_bits,
					  (const char *)enc.ptr);
	else
		xfrmnl_sa_set_crypto_params(sa, al->enc, al->enc_bits,
					    al->enc_bits ? (const char *)enc.ptr : "");
	if (al->auth)
		xfrmnl_sa_set_auth_params(sa, al->auth, (unsigned)integ.len * 8, al->trunc_bits,
					  (const char *)integ.ptr);
	if (udp) {
		/* the original address (NAT-OA) is left out: tunnel mode needs none */
		uint8_t zero[16] = { 0 };
		struct nl_addr *oa = esp_xfrm_addr(dst->family, zero, 0);
		xfrmnl_sa_set_encap_tmpl(sa, UDP_ENCAP_ESPINUDP, src->port, dst->port, oa);
		nl_addr_put(oa);
	}
	x->ack[0] = 0;
	x->ack_errno = 0;
	int r = xfrmnl_sa_add(x->sk, sa, NLM_F_CREATE | NLM_F_EXCL);
	xfrmnl_sa_put(sa);
	nl_addr_put(s);
	nl_addr_put(d);
	if (r < 0) {
		char why[400], a[NETADDR_STRLEN], b[NETADDR_STRLEN];
		snprintf(err, errlen, "namespace %s: adding SA 0x%08x (%s, %s -> %s, %s%s): %s",
			 esp_xfrm_nsname(x), spi, dirname, netaddr_str(src, a, sizeof(a)),
			 netaddr_str(dst, b, sizeof(b)), al->enc, udp ? ", ESP in UDP" : "",
			 esp_xfrm_why(x, r, why, sizeof(why)));
		return false;
	}
	x->sa = xrealloc(x->sa, (x->nsa + 1) * sizeof(*x->sa));
	x->sa[x->nsa].dst = *dst;
	x->sa[x->nsa].spi = spi;
	x->nsa++;
	return true;
}

/* One policy: traffic src -> dst (the selector) goes through tsrc -> tdst. */
static bool esp_xfrm_sp_add(struct esp_xfrm *x, uint8_t dir, const struct esp_xfrm_policy *p,
			    bool tunnel, uint32_t reqid, const struct netaddr *tsrc,
			    const struct netaddr *tdst, uint32_t spi, char *err, size_t errlen)
{
	struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
	struct xfrmnl_user_tmpl *t = xfrmnl_user_tmpl_alloc();
	if (!sp || !t)
		abort();
	struct xfrmnl_sel *sel = esp_xfrm_sel(&p->src, &p->dst, p->proto, p->sport, p->dport);
	xfrmnl_sp_set_sel(sp, sel);
	xfrmnl_sel_put(sel);
	xfrmnl_sp_set_dir(sp, dir);
	xfrmnl_sp_set_action(sp, XFRM_POLICY_ALLOW);
	xfrmnl_sp_set_priority(sp, ESP_XFRM_PRIORITY - p->src.plen - p->dst.plen);
	struct xfrmnl_ltime_cfg *l = esp_xfrm_lifetime(NULL);
	xfrmnl_sp_set_lifetime_cfg(sp, l);
	xfrmnl_ltime_cfg_put(l);
	struct nl_addr *s = esp_xfrm_netaddr(tsrc), *d = esp_xfrm_netaddr(tdst);
	xfrmnl_user_tmpl_set_saddr(t, s);
	xfrmnl_user_tmpl_set_daddr(t, d);
	nl_addr_put(s);
	nl_addr_put(d);
	xfrmnl_user_tmpl_set_family(t, (unsigned)tdst->family);
	xfrmnl_user_tmpl_set_proto(t, IPPROTO_ESP);
	xfrmnl_user_tmpl_set_mode(t, tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT);
	xfrmnl_user_tmpl_set_reqid(t, reqid);
	/* any algorithm: 0 would match no SA at all */
	xfrmnl_user_tmpl_set_aalgos(t, ~0u);
	xfrmnl_user_tmpl_set_ealgos(t, ~0u);
	xfrmnl_user_tmpl_set_calgos(t, ~0u);
	xfrmnl_sp_add_usertemplate(sp, t);    /* the policy owns it now */
	x->ack[0] = 0;
	x->ack_errno = 0;
	int r = xfrmnl_sp_add(x->sk, sp, NLM_F_CREATE | NLM_F_EXCL);
	xfrmnl_sp_put(sp);
	if (r < 0) {
		char why[400], a[80], b[80];
		snprintf(err, errlen, "namespace %s: adding policy %s %s -> %s for SA 0x%08x: %s",
			 esp_xfrm_nsname(x), esp_xfrm_dir_name(dir),
			 esp_xfrm_prefix_str(&p->src, a, sizeof(a)),
			 esp_xfrm_prefix_str(&p->dst, b, sizeof(b)), spi,
			 esp_xfrm_why(x, r, why, sizeof(why)));
		return false;
	}
	x->sp = xrealloc(x->sp, (x->nsp + 1) * sizeof(*x->sp));
	x->sp[x->nsp] = *p;
	x->sp[x->nsp].dir = dir;
	x->nsp++;
	return true;
}

static uint32_t esp_xfrm_spi(const uint8_t s[4])
{
	return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
}

/* A reqid per child, unique in the process: it ties the policies to their
 * SAs; the pid keeps two harness processes in one namespace apart. */
static uint32_t esp_xfrm_next_reqid(void)
{
	static uint32_t n;
	return ((uint32_t)getpid() & 0xfffff) << 10 | (++n & 0x3ff);
}

/* Tunnel or transport, in UDP or not, from the encapsulation mode; ESP
 * in UDP needs both ports. */
static bool esp_xfrm_child_mode(struct esp_xfrm *x, const struct ike_child *c,
				const struct netaddr *local, const struct netaddr *peer,
				uint32_t spi_in, bool *tunnel, bool *udp, char *err,
				size_t errlen)
{
	switch (c->xf.encap) {
	case 0: /* absent: RFC 2407 4.5 makes it the transport's default, but a
		   client ID pair other than the hosts means a tunnel */
	case IKE_ENCAP_TUNNEL: *tunnel = true; *udp = false; break;
	case IKE_ENCAP_TRANSPORT: *tunnel = false; *udp = false; break;
	case IKE_ENCAP_UDP_TUNNEL: case IKE_ENCAP_UDP_TUNNEL_DRAFT: *tunnel = *udp = true; break;
	case IKE_ENCAP_UDP_TRANSPORT: case IKE_ENCAP_UDP_TRANSPORT_DRAFT:
		*tunnel = false; *udp = true; break;
	default:
		snprintf(err, errlen, "namespace %s: SA 0x%08x: encapsulation mode %u",
			 esp_xfrm_nsname(x), spi_in, c->xf.encap);
		return false;
	}
	if (c->xf.encap == 0)
		*tunnel = c->ts_local.set || c->ts_remote.set;
	if (*udp && (!local->port || !peer->port)) {
		snprintf(err, errlen, "namespace %s: SA 0x%08x: ESP in UDP needs both ports",
			 esp_xfrm_nsname(x), spi_in);
		return false;
	}
	return true;
}

/* The policies of one pair of selector prefixes: out, in, and forward
 * for a tunnel. */
static bool esp_xfrm_child_policies(struct esp_xfrm *x, const struct ike_child *c,
				    const struct esp_xfrm_prefix *lp,
				    const struct esp_xfrm_prefix *rp, uint8_t proto, bool tunnel,
				    uint32_t reqid, const struct netaddr *local,
				    const struct netaddr *peer, uint32_t spi_out, uint32_t spi_in,
				    char *err, size_t errlen)
{
	struct esp_xfrm_policy o = { .src = *lp, .dst = *rp, .proto = proto,
				     .sport = c->ts_local.port,
				     .dport = c->ts_remote.port };
	struct esp_xfrm_policy in = { .src = *rp, .dst = *lp, .proto = proto,
				      .sport = c->ts_remote.port,
				      .dport = c->ts_local.port };
	return esp_xfrm_sp_add(x, XFRM_POLICY_OUT, &o, tunnel, reqid, local, peer, spi_out,
			       err, errlen) &&
	       esp_xfrm_sp_add(x, XFRM_POLICY_IN, &in, tunnel, reqid, peer, local, spi_in,
			       err, errlen) &&
	       (!tunnel || esp_xfrm_sp_add(x, XFRM_POLICY_FWD, &in, tunnel, reqid, peer,
					   local, spi_in, err, errlen));
}

/* Remove what a failed child added, keeping the kernel's words about the
 * failure, not about the cleanup. */
static void esp_xfrm_child_undo(struct esp_xfrm *x, size_t sa0, size_t sp0)
{
	char rerr[200], ack[sizeof(x->ack)];
	int ack_errno = x->ack_errno;
	memcpy(ack, x->ack, sizeof(ack));
	esp_xfrm_remove_from(x, sa0, sp0, rerr, sizeof(rerr));
	memcpy(x->ack, ack, sizeof(ack));
	x->ack_errno = ack_errno;
}

bool esp_xfrm_add_child(struct esp_xfrm *x, const struct ike_child *c, const struct netaddr *local,
			const struct netaddr *peer, char *err, size_t errlen)
{
	char why[300];
	uint32_t spi_in = esp_xfrm_spi(c->spi_in), spi_out = esp_xfrm_spi(c->spi_out);
	if (local->family != peer->family || (local->family != AF_INET && local->family != AF_INET6)) {
		snprintf(err, errlen, "namespace %s: SA 0x%08x: the IKE addresses are not of one "
			 "family", esp_xfrm_nsname(x), spi_in);
		return false;
	}
	bool tunnel, udp;
	if (!esp_xfrm_child_mode(x, c, local, peer, spi_in, &tunnel, &udp, err, errlen))
		return false;
	struct esp_xfrm_algs al;
	if (!esp_xfrm_algs(&c->xf, c, &al, why, sizeof(why))) {
		snprintf(err, errlen, "namespace %s: SA 0x%08x: %s", esp_xfrm_nsname(x), spi_in, why);
		return false;
	}
	struct esp_xfrm_prefix lp[ESP_XFRM_MAX_PREFIXES], rp[ESP_XFRM_MAX_PREFIXES];
	size_t nl = 0, nr = 0;
	if (!esp_xfrm_ts(&c->ts_local, local, lp, &nl, why, sizeof(why)) ||
	    !esp_xfrm_ts(&c->ts_remote, peer, rp, &nr, why, sizeof(why))) {
		snprintf(err, errlen, "namespace %s: SA 0x%08x: traffic selector: %s",
			 esp_xfrm_nsname(x), spi_in, why);
		return false;
	}
	uint8_t proto = c->ts_local.proto ? c->ts_local.proto : c->ts_remote.proto;
	if (lp[0].family != rp[0].family ||
	    (c->ts_local.proto && c->ts_remote.proto && c->ts_local.proto != c->ts_remote.proto)) {
		snprintf(err, errlen, "namespace %s: SA 0x%08x: the traffic selectors differ in "
			 "family or protocol", esp_xfrm_nsname(x), spi_in);
		return false;
	}
	struct esp_xfrm_prefix hl, hr;
	memset(&hl, 0, sizeof(hl));
	memset(&hr, 0, sizeof(hr));
	hl.family = hr.family = local->family;
	memcpy(hl.ip, local->ip, netaddr_iplen(local));
	memcpy(hr.ip, peer->ip, netaddr_iplen(peer));
	hl.plen = hr.plen = (uint8_t)(netaddr_iplen(local) * 8);

	size_t sa0 = x->nsa, sp0 = x->nsp;
	uint32_t reqid = esp_xfrm_next_reqid();
	/* SAs first, so that no packet meets a policy without its SA */
	bool ok = esp_xfrm_sa_add(x, c, tunnel, udp, reqid, &al, local, peer, spi_out, c->enc_out,
				  c->int_out, &hl, &hr, "out", err, errlen) &&
		  esp_xfrm_sa_add(x, c, tunnel, udp, reqid, &al, peer, local, spi_in, c->enc_in,
				  c->int_in, &hr, &hl, "in", err, errlen);
	for (size_t i = 0; ok && i < nl; i++)
		for (size_t j = 0; ok && j < nr; j++)
			ok = esp_xfrm_child_policies(x, c, &lp[i], &rp[j], proto, tunnel, reqid,
						     local, peer, spi_out, spi_in, err, errlen);
	if (!ok) {
		esp_xfrm_child_undo(x, sa0, sp0);
		return false;
	}
	x->child = xrealloc(x->child, (x->nchild + 1) * sizeof(*x->child));
	struct esp_xfrm_child *ch = &x->child[x->nchild++];
	ch->out.dst = *peer;
	ch->out.spi = spi_out;
	ch->in.dst = *local;
	ch->in.spi = spi_in;
	ch->reqid = reqid;
	return true;
}

static bool esp_xfrm_read(struct esp_xfrm *x, const struct esp_xfrm_state *s,
			  struct esp_counters *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	struct nl_addr *d = esp_xfrm_netaddr(&s->dst);
	struct xfrmnl_sa *sa = NULL;
	x->ack[0] = 0;
	x->ack_errno = 0;
	int r = xfrmnl_sa_get_kernel(x->sk, d, s->spi, IPPROTO_ESP, 0, 0, &sa);
	nl_addr_put(d);
	if (r < 0 || !sa) {
		char why[400];
		snprintf(err, errlen, "namespace %s: reading SA 0x%08x: %s", esp_xfrm_nsname(x),
			 s->spi, r < 0 ? esp_xfrm_why(x, r, why, sizeof(why)) : "no answer");
		return false;
	}
	unsigned long long bytes = 0, packets = 0, add = 0, use = 0, rw = 0, replay = 0, icv = 0;
	xfrmnl_sa_get_curlifetime(sa, &bytes, &packets, &add, &use);
	xfrmnl_sa_get_stats(sa, &rw, &replay, &icv);
	c->packets = packets;
	c->bytes = bytes;
	/* the kernel counts "left of the window" apart from "seen already" */
	c->drops[ESP_DROP_REPLAY] = replay + rw;
	c->drops[ESP_DROP_ICV] = icv;
	xfrmnl_sa_put(sa);
	return true;
}

bool esp_xfrm_counters(struct esp_xfrm *x, size_t i, struct esp_counters *in,
		       struct esp_counters *out, char *err, size_t errlen)
{
	if (i >= x->nchild) {
		snprintf(err, errlen, "namespace %s: no child %zu (%zu installed)", esp_xfrm_nsname(x),
			 i, x->nchild);
		return false;
	}
	return esp_xfrm_read(x, &x->child[i].in, in, err, errlen) &&
	       esp_xfrm_read(x, &x->child[i].out, out, err, errlen);
}

bool esp_xfrm_socket_bypass(int fd, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "socket bypass: getsockname: %s", strerror(errno));
		return false;
	}
	bool v6 = ss.ss_family == AF_INET6;
	struct xfrm_userpolicy_info p;
	memset(&p, 0, sizeof(p));
	p.action = XFRM_POLICY_ALLOW;
	p.sel.family = ss.ss_family;
	/* no templates: allow, whatever the global policies say */
	for (int i = 0; i < 2; i++) {
		p.dir = i ? XFRM_POLICY_IN : XFRM_POLICY_OUT;
		if (setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY,
			       &p, sizeof(p)) != 0) {
			snprintf(err, errlen, "socket bypass (%s): %s", i ? "in" : "out",
				 strerror(errno));
			return false;
		}
	}
	return true;
}

bool esp_xfrm_flush(struct esp_xfrm *x, char *err, size_t errlen)
{
	if (!x)
		return true;
	bool ok = esp_xfrm_remove_from(x, 0, 0, err, errlen);
	x->nchild = 0;
	return ok;
}

void esp_xfrm_free(struct esp_xfrm *x)
{
	if (!x)
		return;
	char err[600];
	if (!esp_xfrm_flush(x, err, sizeof(err)))
		fprintf(stderr, "esp xfrm: %s\n", err);
	nl_socket_free(x->sk);
	free(x->child);
	free(x->sa);
	free(x->sp);
	free(x);
}

/* ---- the probe ---- */

/* In a forked child with a network namespace of its own (gone when it
 * exits): one ESP SA, AES-CBC + HMAC-SHA1 in tunnel mode. The result goes
 * back through the pipe as "1" or "0<reason>". */
static void esp_xfrm_probe_child(int fd)
{
	char msg[800] = "0", err[380];
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(msg + 1, sizeof(msg) - 1, "cannot make a network namespace to try: %s",
			 strerror(errno));
	} else {
		struct esp_xfrm *x = esp_xfrm_new(NULL, err, sizeof(err));
		if (!x) {
			snprintf(msg + 1, sizeof(msg) - 1, "%s", err);
		} else {
			snprintf(x->ns, sizeof(x->ns), "(a scratch one)");
			struct ike_child c;
			uint8_t key[36] = { 1, 2, 3 };
			memset(&c, 0, sizeof(c));
			c.protocol = 3;
			c.xf.transform = IKE_ESP_AES;
			c.xf.keylen = 128;
			c.xf.auth = IKE_EAUTH_SHA1;
			c.xf.encap = IKE_ENCAP_TUNNEL;
			memcpy(c.spi_in, "\x00\x00\x10\x01", 4);
			memcpy(c.spi_out, "\x00\x00\x10\x02", 4);
			c.enc_in = c.enc_out = (chunk_t){ key, 16 };
			c.int_in = c.int_out = (chunk_t){ key + 16, 20 };
			struct netaddr l, p;
			netaddr_parse("192.0.2.1", 500, &l, err, sizeof(err));
			netaddr_parse("192.0.2.2", 500, &p, err, sizeof(err));
			if (esp_xfrm_add_child(x, &c, &l, &p, err, sizeof(err)))
				snprintf(msg, sizeof(msg), "1");
			else if (strstr(x->ack, "Requested type not found"))
				/* __xfrm_init_state: no xfrm_type for IPPROTO_ESP (esp4) */
				snprintf(msg + 1, sizeof(msg) - 1, "the kernel has no ESP "
					 "(CONFIG_INET_ESP): it refused a test SA with \"%s\"", x->ack);
			else
				snprintf(msg + 1, sizeof(msg) - 1, "the kernel refused a test ESP SA "
					 "(AES-CBC-128, HMAC-SHA1-96, tunnel): %s", err);
			esp_xfrm_free(x);
		}
	}
	size_t n = strlen(msg);
	if (write(fd, msg, n) != (ssize_t)n)
		_exit(1);
	_exit(0);
}

bool esp_xfrm_supported(char *why, size_t len)
{
	static int cached = -1;
	static char reason[800];
	if (cached < 0) {
		int fds[2];
		if (pipe(fds) != 0) {
			snprintf(reason, sizeof(reason), "pipe: %s", strerror(errno));
			if (why && len)
				snprintf(why, len, "%s", reason);
			return false;    /* not cached: the next call may do better */
		}
		fflush(NULL);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			esp_xfrm_probe_child(fds[1]);
		}
		close(fds[1]);
		char buf[800];
		size_t n = 0;
		ssize_t r;
		while (pid > 0 && n < sizeof(buf) - 1 &&
		       ((r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
			if (r > 0)
				n += (size_t)r;
		buf[n] = 0;
		close(fds[0]);
		int st = 0;
		if (pid > 0)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
		if (pid < 0)
			snprintf(reason, sizeof(reason), "fork: %s", strerror(errno));
		else if (n == 0)
			snprintf(reason, sizeof(reason), "the probe process ended without an answer "
				 "(status %d)", st);
		else if (buf[0] == '1')
			reason[0] = 0;
		else
			snprintf(reason, sizeof(reason), "%s", buf + 1);
		cached = n > 0 && buf[0] == '1';
	}
	if (why && len)
		snprintf(why, len, "%s", cached ? "" : reason);
	return cached == 1;
}
