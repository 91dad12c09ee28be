/* A device's sa_state output (docs/vendors.md) into a view: key=value
 * lines (peers/state.c), pure. */
#include <stdio.h>
#include <string.h>

#include "peers/remote/remote.h"

/* The first established "sa ..." line: phase 1 and, when the device
 * tells, the IDs (local_id, remote_id: peer_state_sa), the NAT flags and
 * its port. */
static void remote_view_sa(const char *one, struct peer_sa_view *out)
{
	peer_state_sa(one, out);
	/* optional: who the device found behind a NAT, its port */
	out->nat_known = peer_state_has(one, "nat_device") ||
			 peer_state_has(one, "nat_harness") ||
			 peer_state_has(one, "nat_fake") || peer_state_has(one, "port");
	out->nat_local = peer_state_field(one, "nat_device") != 0;
	out->nat_remote = peer_state_field(one, "nat_harness") != 0;
	out->nat_fake = peer_state_field(one, "nat_fake") != 0;
	out->local_port = (uint16_t)peer_state_field(one, "port");
}

/* The first "child ..." line after it; counters and NAT-OA only when
 * the device prints them. */
static void remote_view_child(const char *one, struct peer_child_view *ch)
{
	peer_state_child(one, ch);
	ch->encap = peer_state_field(one, "encap") != 0;
	ch->counters_unknown = !peer_state_has(one, "packets_in");
	ch->natoa_known = peer_state_has(one, "natoa");
	ch->natoa = peer_state_field(one, "natoa") != 0;
}

void remote_parse_state(const char *text, struct peer_sa_view *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->raw, sizeof(out->raw), "%s", text);
	char one[2048];  /* an sa line with two DNs in hex */
	for (const char *line = text; (line = peer_state_line(line, one, sizeof(one)));) {
		if (!out->present && !strncmp(one, "sa ", 3) && strstr(one, " state=established")) {
			remote_view_sa(one, out);
		} else if (out->present && !out->child.present && !strncmp(one, "child ", 6)) {
			remote_view_child(one, &out->child);
		}
	}
}
