package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

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

// blockedRanges are never connected to. Sources: the IANA IPv4 and IPv6
// Special-Purpose Address Registries; everything not globally reachable,
// plus ranges no image server lives in.
var blockedRanges = mustRanges(
	// IPv4
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
	// IPv6 (IPv4-mapped addresses are unmapped and checked as IPv4 first)
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

// BlockedReason returns why ip must not be connected to ("loopback",
// "private", ...), or "" when it is a public unicast address.
// IPv4-mapped IPv6 addresses are judged as their IPv4 address, and the
// IPv4 address embedded in NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
// addresses is judged too.
func BlockedReason(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.WithZone("") // a zoned address never matches a prefix
	if ip.Is4In6() {
		if r := BlockedReason(ip.Unmap()); r != "" {
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
			if r := BlockedReason(embedded); r != "" {
				return r + ", embedded in NAT64/6to4"
			}
		}
	}
	// Belt and braces: the standard library's own classification.
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

// HostRule is one allowed-hosts entry: "example.com", "*.example.com"
// (subdomains only), optionally with a port ("example.com:8443"); a scheme
// or path around it is tolerated ("https://cdn.example.com/").
type HostRule struct {
	host     string // lower case, no trailing dot; for wildcards the parent domain
	wildcard bool   // "*.host": subdomains of host only
	port     string // "" = any port
}

func ParseHostRule(s string) (HostRule, error) {
	orig := s
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 { // tolerate "https://cdn.example.com/"
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return HostRule{}, fmt.Errorf("allowed host %q: bad port", orig)
		}
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	host = strings.TrimSuffix(host, ".")
	r := HostRule{host: host, port: port}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		r.host, r.wildcard = rest, true
	}
	if r.host == "" || strings.ContainsAny(r.host, "*@[] ") {
		return HostRule{}, fmt.Errorf("allowed host %q: want host, *.domain or host:port", orig)
	}
	return r, nil
}

// Match reports whether host (lower case, no trailing dot) and port match r.
func (r HostRule) Match(host, port string) bool {
	if r.port != "" && r.port != port {
		return false
	}
	if r.wildcard {
		return len(host) > len(r.host)+1 && strings.HasSuffix(host, "."+r.host)
	}
	return host == r.host
}

// Hosts is a list of allowed hosts.
type Hosts []HostRule

// ParseHosts parses every entry, stopping at the first bad one.
func ParseHosts(entries []string) (Hosts, error) {
	var h Hosts
	for _, e := range entries {
		r, err := ParseHostRule(e)
		if err != nil {
			return nil, err
		}
		h = append(h, r)
	}
	return h, nil
}

// Allow reports whether u's host and port (the scheme's default when
// absent) match one of the rules.
func (h Hosts) Allow(u *url.URL) bool {
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
	for _, r := range h {
		if r.Match(host, port) {
			return true
		}
	}
	return false
}
