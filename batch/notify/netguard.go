package notify

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// The address rules below are those of render/asset (which keeps them
// unexported): webhooks go to the same kind of allow-listed, public hosts
// as remote images, and are checked the same way, at dial time, on the
// address actually connected to.

type ipRange struct {
	prefix netip.Prefix
	reason string
}

func mustRanges(pairs ...string) []ipRange {
	r := make([]ipRange, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		r = append(r, ipRange{netip.MustParsePrefix(pairs[i]), pairs[i+1]})
	}
	return r
}

// blockedRanges are never connected to: everything that is not globally
// reachable unicast (IANA special-purpose registries).
var blockedRanges = mustRanges(
	"0.0.0.0/8", "unspecified (\"this network\")",
	"10.0.0.0/8", "private",
	"100.64.0.0/10", "shared (CGNAT)",
	"127.0.0.0/8", "loopback",
	"169.254.0.0/16", "link-local, cloud metadata",
	"172.16.0.0/12", "private",
	"192.0.0.0/24", "IETF protocol assignment",
	"192.0.2.0/24", "documentation",
	"192.88.99.0/24", "6to4 relay anycast",
	"192.168.0.0/16", "private",
	"198.18.0.0/15", "benchmarking",
	"198.51.100.0/24", "documentation",
	"203.0.113.0/24", "documentation",
	"224.0.0.0/4", "multicast",
	"240.0.0.0/4", "reserved",
	"255.255.255.255/32", "broadcast",
	"::/128", "unspecified",
	"::1/128", "loopback",
	"::/96", "IPv4-compatible (deprecated)",
	"::ffff:0:0/96", "IPv4-mapped",
	"::ffff:0:0:0/96", "IPv4-translated",
	"64:ff9b:1::/48", "local-use NAT64",
	"100::/64", "discard-only",
	"2001::/23", "IETF protocol assignment (Teredo, benchmarking, ORCHID)",
	"2001:db8::/32", "documentation",
	"3fff::/20", "documentation",
	"fc00::/7", "private (unique local)",
	"fe80::/10", "link-local",
	"fec0::/10", "site-local (deprecated)",
	"ff00::/8", "multicast",
)

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// blockedReason returns why ip must not be connected to ("loopback",
// "private", ...), or "" for a public unicast address. IPv4-mapped
// addresses are judged as IPv4, and the IPv4 address inside NAT64 and
// 6to4 addresses is judged too.
func blockedReason(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		if r := blockedReason(ip.Unmap()); r != "" {
			return r + ", IPv4-mapped"
		}
		return ""
	}
	for _, r := range blockedRanges {
		if r.prefix.Contains(ip) {
			return r.reason
		}
	}
	if ip.Is6() {
		a := ip.As16()
		var embedded netip.Addr
		switch {
		case nat64.Contains(ip):
			embedded = netip.AddrFrom4([4]byte{a[12], a[13], a[14], a[15]})
		case sixTo4.Contains(ip):
			embedded = netip.AddrFrom4([4]byte{a[2], a[3], a[4], a[5]})
		}
		if embedded.IsValid() {
			if r := blockedReason(embedded); r != "" {
				return r + ", embedded in NAT64/6to4"
			}
		}
	}
	switch {
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	}
	return ""
}

// checkDialAddr refuses a connection to an address ("ip:port", as a
// net.Dialer's Control function sees it) that is not public unicast.
func checkDialAddr(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return permanentf("webhook: cannot check the address %q", address)
	}
	if reason := blockedReason(ap.Addr()); reason != "" {
		return permanentf("webhook: refusing to connect to %s (%s address)", ap.Addr().WithZone(""), reason)
	}
	return nil
}

// hostRule is one allowed-hosts entry, with the syntax of the service's
// -allow-hosts flag: "example.com", "*.example.com" (subdomains only),
// optionally with a port ("example.com:8443"); a scheme or path around it
// is tolerated ("https://hooks.example.com/").
type hostRule struct {
	host     string
	wildcard bool
	port     string // "" = any
}

func parseHostRule(s string) (hostRule, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return hostRule{}, fmt.Errorf("allowed host %q: bad port", orig)
		}
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	host = strings.TrimSuffix(host, ".")
	r := hostRule{host: host, port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		r.host, r.wildcard = rest, true
	}
	if r.host == "" || strings.ContainsAny(r.host, "*@[] ") {
		return hostRule{}, fmt.Errorf("allowed host %q: want host, *.domain or host:port", orig)
	}
	return r, nil
}

func (r hostRule) match(host, port string) bool {
	if r.port != "" && r.port != port {
		return false
	}
	if r.wildcard {
		return len(host) > len(r.host)+1 && strings.HasSuffix(host, "."+r.host)
	}
	return host == r.host
}

// hostAllowed reports whether u's host and port match one of rules.
func hostAllowed(rules []hostRule, u *url.URL) bool {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return false
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	for _, r := range rules {
		if r.match(host, port) {
			return true
		}
	}
	return false
}
