package node

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestParseProxies(t *testing.T) {
	p, err := ParseProxies(" 127.0.0.1, 10.0.0.0/8,::1 ,")
	if err != nil || len(p) != 3 || p[0].String() != "127.0.0.1/32" || p[1].String() != "10.0.0.0/8" || p[2].String() != "::1/128" {
		t.Errorf("ParseProxies = %v, %v", p, err)
	}
	if _, err := ParseProxies("10.0.0.0/8, proxy.example"); err == nil {
		t.Error("a host name was accepted as a proxy address")
	}
}

func TestClient(t *testing.T) {
	proxies, _ := ParseProxies("10.0.0.0/8, 127.0.0.1")
	for _, tc := range []struct {
		name    string
		proxies Proxies
		remote  string
		xff     []string
		want    string
	}{
		{"no proxy trusted: the peer, whatever the header says", nil, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"an untrusted peer cannot name another client", proxies, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"behind a trusted proxy: the address it got the request from", proxies, "10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"the right-most untrusted address, not what the client wrote first", proxies, "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"several headers are one list", proxies, "127.0.0.1:5000", []string{"6.6.6.6", "198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"every hop trusted: the left-most", proxies, "10.1.2.3:5000", []string{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"a trusted proxy without the header: the proxy", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"garbage stops at the last trusted hop", proxies, "10.1.2.3:5000", []string{"198.51.100.1, not-an-address"}, "10.1.2.3"},
		{"IPv4 in IPv6 is IPv4", nil, "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := tc.proxies.Client(r); got != netip.MustParseAddr(tc.want) {
				t.Errorf("Client = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestClientKey(t *testing.T) {
	a, b := netip.MustParseAddr("2001:db8:1:2:aaaa::1"), netip.MustParseAddr("2001:db8:1:2:bbbb::9")
	if clientKey(a) != clientKey(b) || clientKey(a) != "2001:db8:1:2::/64" {
		t.Errorf("two addresses of one /64 have keys %s and %s", clientKey(a), clientKey(b))
	}
	if clientKey(a) == clientKey(netip.MustParseAddr("2001:db8:1:3::1")) {
		t.Error("two /64s share a key")
	}
	if k := clientKey(netip.MustParseAddr("203.0.113.7")); k != "203.0.113.7" {
		t.Errorf("IPv4 key %s", k)
	}
}

func TestHTTPS(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	for _, tc := range []struct {
		name    string
		proxies Proxies
		remote  string
		tls     bool
		xfp     []string
		want    bool
	}{
		{"TLS", nil, "203.0.113.7:1", true, nil, true},
		{"plain HTTP", nil, "203.0.113.7:1", false, nil, false},
		{"a claim from a client no proxy is trusted for", nil, "127.0.0.1:1", false, []string{"https"}, false},
		{"a claim from an untrusted peer", proxies, "203.0.113.7:1", false, []string{"https"}, false},
		{"a trusted proxy that got HTTPS", proxies, "127.0.0.1:1", false, []string{"https"}, true},
		{"a trusted proxy that got plain HTTP", proxies, "127.0.0.1:1", false, []string{"http"}, false},
		{"the proxy's value, not the client's", proxies, "127.0.0.1:1", false, []string{"https, http"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for _, v := range tc.xfp {
				r.Header.Add("X-Forwarded-Proto", v)
			}
			if got := tc.proxies.HTTPS(r); got != tc.want {
				t.Errorf("HTTPS = %v, want %v", got, tc.want)
			}
		})
	}
}
