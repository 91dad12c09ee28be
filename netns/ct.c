/* netns: conntrack flush and count in a namespace. The conntrack tool is
 * not installed and libnl-nf is not a dependency, but ctnetlink needs only
 * two bare messages, which a libnl-3 core socket sends: IPCTNL_MSG_CT_DELETE
 * without a tuple flushes the table, IPCTNL_MSG_CT_GET with NLM_F_DUMP
 * lists it. */
#include "netns/netns.h"

#include <stdio.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

static struct nl_sock *netns_ct_open(const char *name, char *err, size_t errlen)
{
	struct netns_saved saved;
	char lerr[160];
	if (!netns_enter(name, &saved, err, errlen))
		return NULL;
	struct nl_sock *sk = nl_socket_alloc();
	int r = sk ? nl_connect(sk, NETLINK_NETFILTER) : -NLE_NOMEM;
	if (r < 0)
		snprintf(err, errlen, "namespace %s: ctnetlink socket: %s", name, nl_geterror(r));
	if (!netns_leave(&saved, lerr, sizeof(lerr))) {
		snprintf(err, errlen, "namespace %s: %s", name, lerr);
		r = -NLE_FAILURE;
	}
	if (r < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

bool netns_conntrack_flush(const char *name, char *err, size_t errlen)
{
	struct nl_sock *sk = netns_ct_open(name, err, errlen);
	if (!sk)
		return false;
	/* AF_UNSPEC: every family. */
	struct nfgenmsg hdr = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 };
	int r = nl_send_simple(sk, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE,
			       NLM_F_REQUEST | NLM_F_ACK, &hdr, sizeof(hdr));
	if (r >= 0)
		r = nl_wait_for_ack(sk);
	nl_socket_free(sk);
	if (r < 0) {
		snprintf(err, errlen, "namespace %s: conntrack flush: %s", name, nl_geterror(r));
		return false;
	}
	return true;
}

static int netns_ct_count_one(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(*(long *)arg)++;
	return NL_OK;
}

long netns_conntrack_count(const char *name, char *err, size_t errlen)
{
	struct nl_sock *sk = netns_ct_open(name, err, errlen);
	if (!sk)
		return -1;
	long count = 0;
	struct nfgenmsg hdr = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 };
	int r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, netns_ct_count_one, &count);
	if (r >= 0)
		r = nl_send_simple(sk, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET,
				   NLM_F_REQUEST | NLM_F_DUMP, &hdr, sizeof(hdr));
	if (r >= 0)
		r = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	if (r < 0) {
		snprintf(err, errlen, "namespace %s: conntrack dump: %s", name, nl_geterror(r));
		return -1;
	}
	return count;
}
