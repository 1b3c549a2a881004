package notify

import (
	"net/netip"

	"github.com/fabricpress/fabricpress/internal/netguard"
)

// checkDialAddr refuses a connection to an address ("ip:port", as a
// net.Dialer's Control function sees it) that is not public unicast.
func checkDialAddr(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return permanentf("webhook: cannot check the address %q", address)
	}
	if reason := netguard.BlockedReason(ap.Addr()); reason != "" {
		return permanentf("webhook: refusing to connect to %s (%s address)", ap.Addr().WithZone(""), reason)
	}
	return nil
}
