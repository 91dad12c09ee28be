/* The self peer's state file (`ike-conform peer --state`) into a view:
 * key=value lines (peers/state.c) of every SA the process keeps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers/self/self.h"

/* An established "sa ..." line: phase 1, the IDs sent and received
 * (peer_state_sa), the NAT flags and the ports. */
static void self_view_sa(const char *one, struct peer_sa_view *out)
{
	peer_state_sa(one, out);
	out->nat_known = true;
	out->nat_local = peer_state_field(one, "nat_local") != 0;
	out->nat_remote = peer_state_field(one, "nat_peer") != 0;
	bool floated = peer_state_field(one, "floated") != 0;
	out->local_port = floated ? IKE_NATT_PORT : 500;
	/* peer=ADDR:PORT, an IPv6 ADDR in brackets */
	const char *pe = strstr(one, " peer=");
	const char *sp = pe ? strchr(pe + 1, ' ') : NULL;
	const char *colon = NULL;
	for (const char *q = pe; q && sp && q < sp; q++)
		if (*q == ':')
			colon = q;
	out->remote_port = colon ? (uint16_t)strtoul(colon + 1, NULL, 10) : 0;
	memset(&out->child, 0, sizeof(out->child));
}

/* A live "child ..." line of that SA. */
static void self_view_child(const char *one, struct peer_child_view *ch)
{
	peer_state_child(one, ch);
	ch->encap = peer_state_field(one, "encap") >= IKE_ENCAP_UDP_TUNNEL;
	ch->natoa_known = true;
	ch->natoa = strstr(one, " natoa_i=") || strstr(one, " natoa_r=");
}

void self_parse_state(const char *text, struct peer_sa_view *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->raw, sizeof(out->raw), "%s", text);
	/* the last established SA, and its first live child */
	unsigned long id = 0;
	char one[2048];  /* an sa line with two DNs in hex */
	for (const char *line = text; (line = peer_state_line(line, one, sizeof(one)));) {
		if (!strncmp(one, "sa ", 3) && strstr(one, " state=established")) {
			id = peer_state_field(one, "id");
			self_view_sa(one, out);
		} else if (!strncmp(one, "child ", 6) && id && peer_state_field(one, "sa") == id &&
			   !out->child.present && !peer_state_field(one, "deleted") &&
			   !peer_state_field(one, "expired")) {
			self_view_child(one, &out->child);
		}
	}
}
