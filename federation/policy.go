package federation

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Policy is a parsed C2SP tlog-policy: the logs a checkpoint may be signed
// by, the witnesses, groups of them with thresholds, and the quorum group.
type Policy struct {
	Logs      []PolicyLog
	Witnesses []PolicyWitness
	Groups    []PolicyGroup
	Quorum    string // a witness or group name; "none" for no witnesses required
}

// PolicyLog is a log line: its verifier key and optional URL.
type PolicyLog struct {
	Key string
	URL string
}

// PolicyWitness is a witness line.
type PolicyWitness struct {
	Name string
	Key  string
	URL  string
}

// PolicyGroup is a group line: satisfied when at least K members are.
type PolicyGroup struct {
	Name    string
	K       int
	Members []string
}

// Policy limits, above the spec's recommended minimum (32 of each).
const maxPolicyItems = 256

// ParsePolicy parses C2SP tlog-policy text. Errors name the line.
func ParsePolicy(text []byte) (*Policy, error) {
	p := &Policy{}
	names := map[string]string{} // witness or group name → kind
	keys := map[string]bool{}
	member := map[string]bool{} // names already used as a member
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return nil, fmt.Errorf("policy line %d: control character", n)
		}
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(f) == 0 {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("policy line %d: %s", n, fmt.Sprintf(format, args...))
		}
		if len(p.Logs)+len(p.Witnesses)+len(p.Groups) >= maxPolicyItems {
			return nil, bad("more than %d definitions", maxPolicyItems)
		}
		switch f[0] {
		case "log":
			if len(f) < 2 || len(f) > 3 {
				return nil, bad("want log <vkey> [<url>]")
			}
			if _, err := NewLogVerifier(f[1]); err != nil {
				return nil, bad("%v", err)
			}
			if keys[f[1]] {
				return nil, bad("key listed twice")
			}
			keys[f[1]] = true
			l := PolicyLog{Key: f[1]}
			if len(f) == 3 {
				l.URL = f[2]
			}
			p.Logs = append(p.Logs, l)
		case "witness":
			if len(f) < 3 || len(f) > 4 {
				return nil, bad("want witness <name> <vkey> [<url>]")
			}
			if _, ok := names[f[1]]; ok || f[1] == "none" {
				return nil, bad("name %q defined twice (or reserved)", f[1])
			}
			if _, err := NewCosignatureVerifier(f[2]); err != nil {
				return nil, bad("%v", err)
			}
			if keys[f[2]] {
				return nil, bad("key listed twice")
			}
			keys[f[2]] = true
			names[f[1]] = "witness"
			w := PolicyWitness{Name: f[1], Key: f[2]}
			if len(f) == 4 {
				w.URL = f[3]
			}
			p.Witnesses = append(p.Witnesses, w)
		case "group":
			if len(f) < 4 {
				return nil, bad("want group <name> all|any|<k> <member>…")
			}
			if _, ok := names[f[1]]; ok || f[1] == "none" {
				return nil, bad("name %q defined twice (or reserved)", f[1])
			}
			g := PolicyGroup{Name: f[1], Members: f[3:]}
			for _, m := range g.Members {
				if _, ok := names[m]; !ok {
					return nil, bad("member %q is not defined above", m)
				}
				if member[m] {
					return nil, bad("%q is a member of two groups", m)
				}
				member[m] = true
			}
			switch f[2] {
			case "all":
				g.K = len(g.Members)
			case "any":
				g.K = 1
			default:
				k, err := strconv.Atoi(f[2])
				if err != nil || k < 1 || k > len(g.Members) || strconv.Itoa(k) != f[2] {
					return nil, bad("threshold %q: want all, any or 1 to %d", f[2], len(g.Members))
				}
				g.K = k
			}
			names[f[1]] = "group"
			p.Groups = append(p.Groups, g)
		case "quorum":
			if len(f) != 2 {
				return nil, bad("want quorum <name>|none")
			}
			if p.Quorum != "" {
				return nil, bad("quorum given twice")
			}
			if _, ok := names[f[1]]; !ok && f[1] != "none" {
				return nil, bad("quorum %q is not defined above", f[1])
			}
			p.Quorum = f[1]
		default:
			return nil, bad("unknown keyword %q (want log, witness, group or quorum)", f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if len(p.Logs) == 0 {
		return nil, errors.New("policy: no log line")
	}
	if p.Quorum == "" {
		return nil, errors.New("policy: no quorum line")
	}
	return p, nil
}

// Format writes the policy as C2SP tlog-policy text.
func (p *Policy) Format() string {
	var b strings.Builder
	for _, l := range p.Logs {
		b.WriteString("log " + l.Key)
		if l.URL != "" {
			b.WriteString(" " + l.URL)
		}
		b.WriteByte('\n')
	}
	for _, w := range p.Witnesses {
		b.WriteString("witness " + w.Name + " " + w.Key)
		if w.URL != "" {
			b.WriteString(" " + w.URL)
		}
		b.WriteByte('\n')
	}
	for _, g := range p.Groups {
		fmt.Fprintf(&b, "group %s %d %s\n", g.Name, g.K, strings.Join(g.Members, " "))
	}
	b.WriteString("quorum " + p.Quorum + "\n")
	return b.String()
}

// PolicyResult says how a checkpoint fares under a policy.
type PolicyResult struct {
	Log       string               // the name of the log key that signed it
	Signed    map[string]time.Time // witness name → cosignature timestamp, for those that cosigned
	Unsigned  []string             // witnesses that did not
	Groups    map[string]int       // group name → members satisfied
	Satisfied bool                 // the quorum holds
}

// Check verifies a signed checkpoint under the policy: it must carry a
// valid signature by one of the logs, and the quorum must hold among the
// witnesses' valid cosignatures. A signature by a listed key that does not
// verify is an error, as is a checkpoint no listed log signed.
func (p *Policy) Check(checkpoint []byte) (*PolicyResult, error) {
	var logs []note.Verifier
	for _, l := range p.Logs {
		v, err := NewLogVerifier(l.Key)
		if err != nil {
			return nil, err
		}
		logs = append(logs, v)
	}
	n, err := note.Open(checkpoint, note.VerifierList(logs...))
	if err != nil {
		return nil, fmt.Errorf("log signature: %w", err)
	}
	res := &PolicyResult{Log: n.Sigs[0].Name, Signed: map[string]time.Time{}, Groups: map[string]int{}}
	verifiers := make([]note.Verifier, 0, len(p.Witnesses))
	byKey := map[string]string{} // name+hash → witness name in the policy
	for _, w := range p.Witnesses {
		v, err := NewCosignatureVerifier(w.Key)
		if err != nil {
			return nil, err
		}
		verifiers = append(verifiers, v)
		byKey[fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())] = w.Name
	}
	if len(verifiers) > 0 {
		wn, err := note.Open(checkpoint, note.VerifierList(verifiers...))
		var unverified *note.UnverifiedNoteError
		switch {
		case errors.As(err, &unverified):
		case err != nil:
			return nil, fmt.Errorf("cosignature: %w", err)
		default:
			for _, sig := range wn.Sigs {
				name := byKey[fmt.Sprintf("%s+%08x", sig.Name, sig.Hash)]
				ts, err := fnote.CoSigV1Timestamp(sig)
				if err != nil {
					return nil, fmt.Errorf("cosignature by %s: %w", name, err)
				}
				res.Signed[name] = ts.UTC()
			}
		}
	}
	for _, w := range p.Witnesses {
		if _, ok := res.Signed[w.Name]; !ok {
			res.Unsigned = append(res.Unsigned, w.Name)
		}
	}
	res.Satisfied = p.satisfied(p.Quorum, res)
	return res, nil
}

func (p *Policy) satisfied(name string, res *PolicyResult) bool {
	if name == "none" {
		return true
	}
	if _, ok := res.Signed[name]; ok {
		return true
	}
	i := slices.IndexFunc(p.Groups, func(g PolicyGroup) bool { return g.Name == name })
	if i < 0 {
		return false
	}
	g := p.Groups[i]
	n := 0
	for _, m := range g.Members {
		if p.satisfied(m, res) {
			n++
		}
	}
	res.Groups[g.Name] = n
	return n >= g.K
}
