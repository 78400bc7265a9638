package node

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies a node trusts (--trust-proxy): only a
// request whose peer is one of them has its X-Forwarded-For and
// X-Forwarded-Proto headers believed. Anyone else can write those headers.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR ranges
// ("127.0.0.1, 10.0.0.0/8, ::1").
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range (e.g. 10.0.0.0/8)", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// peer is the request's immediate peer (RemoteAddr without its port).
func peer(r *http.Request) netip.Addr {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(r.RemoteAddr)
	return a.Unmap()
}

// Client is the address a request comes from: its peer, or, when the peer
// is a trusted proxy, the right-most X-Forwarded-For address that is not a
// trusted proxy (each proxy appends the address it got the request from, so
// everything left of the first untrusted one was written by the client and
// proves nothing). An X-Forwarded-For entry that is not an address stops the
// walk at the last trusted hop.
func (p Proxies) Client(r *http.Request) netip.Addr {
	client := peer(r)
	if len(p) == 0 || !p.trusts(client) {
		return client
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return client
		}
		client = a.Unmap()
		if !p.trusts(client) {
			return client
		}
	}
	return client
}

// HTTPS reports whether the request reached the node over TLS, directly or
// (when the peer is a trusted proxy) as X-Forwarded-Proto says: the
// right-most value, the one the proxy nearest the node wrote.
func (p Proxies) HTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if len(p) == 0 || !p.trusts(peer(r)) {
		return false
	}
	vals := strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",")
	return strings.EqualFold(strings.TrimSpace(vals[len(vals)-1]), "https")
}

// clientKey is the key client limits count under: the address, and for
// IPv6 its /64, the block one host or home usually gets, so that a client
// cannot step around its limit by changing the low bits.
func clientKey(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
