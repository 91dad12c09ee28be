/* A run's surroundings (case/env.h): topology, test PKI, addresses. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "case/env.h"
#include "case/internal.h"
#include "netns/netns.h"
#include "pki/pki.h"

static void case_host_ts(const struct netaddr *a, char *out, size_t len)
{
	char b[NETADDR_STRLEN];
	struct netaddr x = *a;
	x.port = 0;
	netaddr_str(&x, b, sizeof(b));
	char *colon = strrchr(b, ':');
	if (colon)
		*colon = '\0';
	snprintf(out, len, "%s/%u", b, a->family == AF_INET ? 32 : 128);
}

bool case_env_pki(struct case_env *v, const char *dir, char *err, size_t errlen)
{
	char pkidir[700];
	snprintf(pkidir, sizeof(pkidir), "%s/pki", dir);
	if (mkdir(pkidir, 0700) != 0 && errno != EEXIST)
		return case_fail(err, errlen, "cannot make %s: %s", pkidir, strerror(errno));
	struct pki_err pe;
	if (!(v->pki = pki_testpki_create(pkidir, NULL, &pe)))
		return case_fail(err, errlen, "test PKI: %s", pe.msg);
	snprintf(v->ca, sizeof(v->ca), "%s/pki/ca-bundle.pem", dir);
	FILE *f = fopen(v->ca, "w");
	bool ok = f && PEM_write_X509(f, v->pki->root.cert) && PEM_write_X509(f, v->pki->inter.cert);
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		pki_testpki_free(v->pki);
		v->pki = NULL;
		return case_fail(err, errlen, "cannot write %s", v->ca);
	}
	return true;
}

bool case_env_up(struct case_env *v, const char *dir, const char *prefix, char *err,
		 size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if ((size_t)snprintf(v->dir, sizeof(v->dir), "%s", dir) >= sizeof(v->dir))
		return case_fail(err, errlen, "%s: path too long", dir);
	if (!case_env_pki(v, v->dir, err, errlen))
		return false;
	if (!case_env_topo_up(v, NETNS_TOPO_DIRECT, prefix, err, errlen)) {
		case_env_down(v, NULL, 0);
		return false;
	}
	return true;
}

bool case_env_topo_up(struct case_env *v, enum netns_topology kind, const char *prefix,
			 char *err, size_t errlen)
{
	if (!(v->topo = netns_topo_new(kind, prefix, err, errlen)))
		return false;
	v->net.harness_ns = netns_topo_ns(v->topo, NETNS_ROLE_HARNESS);
	v->net.harness = v->topo->harness_ike;
	v->net.harness_public = v->topo->harness_public;
	v->net.peer = v->topo->peer_ike;
	v->net.peer_public = v->topo->peer_public;
	v->net.topo = v->topo;
	case_host_ts(&v->topo->harness_subnet, v->hts, sizeof(v->hts));
	case_host_ts(&v->topo->peer_subnet, v->pts, sizeof(v->pts));
	v->net.harness_ts = v->hts;
	v->net.peer_ts = v->pts;
	v->net.peer_ns = netns_topo_ns(v->topo, NETNS_ROLE_PEER);
	/* netns names a veth end after the namespace at its other end */
	v->net.harness_if = v->topo->harness_nat ? "eth-nh" : v->topo->peer_nat ? "eth-np" : "eth-p";
	v->net.peer_if = v->topo->peer_nat ? "eth-np" : v->topo->harness_nat ? "eth-nh" : "eth-h";
	return true;
}

bool case_env_remote_up(struct case_env *v, const struct netns_remote *rm,
			   const char *harness_ts, const char *device_ts,
			   const struct case_device *dev, const char *prefix, char *err,
			   size_t errlen)
{
	if (!(v->topo = netns_topo_remote(prefix, rm, err, errlen)))
		return false;
	memset(&v->net, 0, sizeof(v->net));
	v->net.harness_ns = netns_topo_ns(v->topo, NETNS_ROLE_HARNESS);
	v->net.harness = v->topo->harness_ike;
	v->net.harness_public = v->topo->harness_public;
	v->net.peer = v->net.peer_public = v->topo->peer_ike;
	v->net.topo = v->topo;  /* a remap of the harness's own NAT box */
	snprintf(v->hts, sizeof(v->hts), "%s", harness_ts);
	snprintf(v->pts, sizeof(v->pts), "%s", device_ts);
	v->net.harness_ts = v->hts;
	v->net.peer_ts = v->pts;
	v->net.harness_if = rm->nat ? "eth-nh" : NETNS_REMOTE_IF;
	v->net.device = dev;
	return true;
}

bool case_env_down(struct case_env *v, char *err, size_t errlen)
{
	char e[512];
	bool ok = true;
	if (v->topo) {
		ok = netns_topo_teardown(v->topo, e, sizeof(e));
		if (!ok && err)
			snprintf(err, errlen, "%s", e);
		netns_topo_free(v->topo);
		v->topo = NULL;
	}
	pki_testpki_free(v->pki);
	v->pki = NULL;
	return ok;
}
